package report

import (
	"fmt"
	"io"
	"os"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/waterfall"
)

// Run is one run of a main, as the report sees it. The main's service code
// gets it to hook the report in: Record once tracing is set up, Load for
// the high-volume mode. A service has no such thing.
type Run struct {
	cfg     config.Config
	watch   *delivery.Watcher
	set     []string            // what Setup set for a -traces run
	picture *waterfall.Recorder // nil until Record, and in a -traces run
	stats   *load.Stats         // nil unless Load ran
}

// Main makes the process-wide settings the report needs (Setup), calls
// run, the main's service code, and then prints what reached the
// collector: the report, or with -json one JSON line. It returns the exit
// code (see package exitcode).
func Main(cfg config.Config, run func(config.Config, *Run) error) int {
	if cfg.Protocol == config.HTTP && provider.Needed(cfg) {
		// The own provider's exporter takes a client: one that follows no
		// redirect and counts only OTLP answers as delivered.
		cfg.HTTPClient = delivery.HTTPClient(cfg)
	}
	watch, set := Setup(cfg)
	if cfg.Traces <= 1 {
		// The picture shows a trace the sampler dropped too; nothing more
		// is sent (see waterfall.KeepUnsampled).
		cfg.Sampler = waterfall.KeepUnsampled(cfg.Sampler)
	}
	r := &Run{cfg: cfg, watch: watch, set: set}
	if err := run(cfg, r); err != nil {
		why := "tracing did not start: " + cfg.Redact(err.Error())
		fmt.Fprintf(os.Stderr, "%s: %s\n", cfg.Protocol.Program(), why)
		if cfg.JSON {
			WriteJSON(os.Stdout, cfg, Result{Program: cfg.Protocol.Program(), Protocol: cfg.Protocol.String(), Target: cfg.Target(),
				Cause: why, Summary: why, ExitCode: exitcode.NotDelivered})
		}
		return exitcode.NotDelivered
	}
	return r.print(os.Stdout)
}

// Record keeps this run's spans for the picture; call it once tracing is
// set up, and its Flush before the shutdown.
func (r *Run) Record() *Run {
	if r.cfg.Traces <= 1 {
		r.picture = waterfall.Record()
	}
	return r
}

// Flush waits for the collector's answer to every span that has ended, at
// most -timeout, so that the report can say what it accepted. The shutdown
// that follows would give up after a second.
func (r *Run) Flush() {
	switch {
	case r.stats != nil: // Load flushed already
	case r.watch.Result().NoneRecorded(): // nothing to send, nothing to wait for
	default:
		r.watch.Flush()
	}
}

// Load is the high-volume mode (see package load): trace makes one trace,
// and Load makes -traces of them, paced, with progress on stderr.
func (r *Run) Load(trace func()) error {
	st := load.Run(r.cfg, r.watch, os.Stderr, trace)
	st.Set = r.set
	r.stats = &st
	return nil
}

// print writes the report or the JSON result and returns the exit code.
func (r *Run) print(w io.Writer) int {
	res := r.watch.Result()
	human := w
	if r.cfg.JSON {
		human = io.Discard
	}
	var code int
	if r.stats != nil {
		code = PrintVolume(human, r.cfg, *r.stats, res)
	} else {
		if r.picture == nil {
			r.picture = &waterfall.Recorder{}
		}
		code = Print(human, r.cfg, r.picture, res)
	}
	if r.cfg.JSON {
		WriteJSON(w, r.cfg, r.result(res, code))
	}
	return code
}
