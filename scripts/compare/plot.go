package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panel is one small bar chart of the picture: a figure for each variant,
// and optionally, beside them, what they are measured against.
type panel struct {
	title string
	fig   string  // key of the figure in Figures
	scale float64 // divisor for the axis unit
	base  string  // key of a figure drawn as a grey first bar, or ""
}

var panels = []panel{
	{title: "spans/s, end to end", fig: "spans_per_second", scale: 1},
	{title: "bytes/span sent, vs protobuf", fig: "wire_up_bytes_per_span", scale: 1, base: "protobuf_bytes_per_span"},
	{title: "CPU seconds, user+sys", fig: "cpu_seconds", scale: 1},
	{title: "peak RSS, MiB", fig: "peak_rss_bytes", scale: 1 << 20},
}

var (
	variantColor = map[string]color.Color{
		"grpc": color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff},
		"http": color.RGBA{R: 0xdd, G: 0x84, B: 0x52, A: 0xff},
	}
	baseColor = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
)

// PlotFormat returns "svg" or "png" for a file name, or an error naming it.
func PlotFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg", ".png":
		return ext[1:], nil
	}
	return "", fmt.Errorf("invalid --plot %q: the file name must end in .svg or .png", path)
}

// WritePlot draws the main figures of each scenario, one row of panels per
// scenario, as bars at the median with the min–max range as error bars.
func WritePlot(path string, r Report) error {
	format, err := PlotFormat(path)
	if err != nil {
		return err
	}
	scenarios := r.Scenarios()
	plots := make([][]*plot.Plot, len(scenarios))
	for i, rows := range scenarios {
		for _, pn := range panels {
			p, err := pn.draw(rows)
			if err != nil {
				return err
			}
			plots[i] = append(plots[i], p)
		}
	}
	w, h := vg.Length(len(panels))*2.4*vg.Inch, vg.Length(len(scenarios))*2.6*vg.Inch+7*vg.Millimeter
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	caption := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 10), XAlign: draw.XLeft, YAlign: draw.YTop,
		Handler: plot.DefaultTextHandler}
	dc.FillText(caption, vg.Point{X: 3 * vg.Millimeter, Y: h - 2*vg.Millimeter}, fmt.Sprintf(
		"Bars: median of %s; whiskers: min–max. %s; %s.", plural(r.Runs, "run"), r.Machine, r.Date))
	tiles := draw.Tiles{Rows: len(scenarios), Cols: len(panels), PadX: 6 * vg.Millimeter, PadY: 8 * vg.Millimeter,
		PadTop: 9 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func figure(key string) Figure {
	for _, f := range Figures {
		if f.Key == key {
			return f
		}
	}
	panic("no figure " + key)
}

// draw makes the panel's bar chart for the rows of one scenario.
func (pn panel) draw(rows []Row) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.title + "\n" + rows[0].Scenario.Short
	p.Y.Min = 0
	type bar struct {
		name string
		s    Stat
		c    color.Color
	}
	var bars []bar
	if pn.base != "" {
		if s := rows[0].Stat(figure(pn.base)); s.N > 0 {
			bars = append(bars, bar{"protobuf", s, baseColor})
		}
	}
	for _, row := range rows {
		c, ok := variantColor[row.Variant.Key]
		if !ok {
			c = baseColor
		}
		bars = append(bars, bar{shortName(row), row.Stat(figure(pn.fig)), c})
	}
	var names []string
	for i, b := range bars {
		names = append(names, b.name)
		if b.s.N == 0 {
			continue
		}
		med := b.s.Median / pn.scale
		bc, err := plotter.NewBarChart(plotter.Values{med}, 12*vg.Millimeter)
		if err != nil {
			return nil, err
		}
		bc.XMin = float64(i)
		bc.Color = b.c
		bc.LineStyle.Width = 0
		eb, err := plotter.NewYErrorBars(errorBar{
			XYs:     plotter.XYs{{X: float64(i), Y: med}},
			YErrors: plotter.YErrors{{Low: med - b.s.Min/pn.scale, High: b.s.Max/pn.scale - med}},
		})
		if err != nil {
			return nil, err
		}
		p.Add(bc, eb)
	}
	p.NominalX(names...)
	return p, nil
}

type errorBar struct {
	plotter.XYs
	plotter.YErrors
}
