package delivery

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"example.com/gftrace/common/config"
)

// OpenTelemetry's OTLP/HTTP exporter calls any 2xx answer a success, follows
// redirects (Go's http.Client does), and reads a partial success only when
// the Content-Type is exactly application/x-protobuf. So a web page that
// answers 200 with HTML "takes" every span, a redirect sends the spans and
// their headers wherever it points, and "application/json; charset=utf-8"
// hides the spans a collector rejected. HTTPClient is a client for the
// exporter that lets only OTLP answers through; the check (see reachable.go)
// reads answers the same way, before any span leaves.

// maxAnswer bounds the body of an answer that is read: an OTLP answer is a
// few bytes, or a partial success's message.
const maxAnswer = 1 << 20

// NotOTLPError is an HTTP answer that is not an OTLP response: not a 2xx,
// not an OTLP content type, or a body that does not decode.
type NotOTLPError struct {
	Status      string // "200 OK"
	ContentType string // as the answer gave it; "" when it gave none
	Problem     string // what is wrong with the body, or ""
}

func (e *NotOTLPError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no Content-Type"
	}
	s := fmt.Sprintf("the collector's answer was not an OTLP response (%s, %s", e.Status, strconv.Quote(ct))
	if e.Problem != "" {
		s += ", " + e.Problem
	}
	return s + ")"
}

// RedirectError is an answer that redirects: OTLP has no redirects, and
// following one would send the spans and their headers elsewhere.
type RedirectError struct {
	Status   string // "307 Temporary Redirect"
	Location string // where to, without user info; "" when the answer named none
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the collector redirected to %s (%s)", e.Location, e.Status)
}

// UnreadableError is an OTLP answer in an encoding that the exporter of
// gf's otlphttp.Init reads only in part: it takes a partial success only
// from exactly application/x-protobuf or application/json, so in any other
// spelling the spans the collector rejects would count as delivered. That
// exporter cannot be given another client (see HTTPClient).
type UnreadableError struct {
	ContentType string // as the answer gave it
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("the collector answers in %q, in which the exporter of gf's otlphttp.Init cannot read the spans it rejects, so nothing it accepts could be confirmed", e.ContentType)
}

// exporterReads tells whether the exporter of gf's otlphttp.Init reads a
// partial success in an answer of this Content-Type: an empty one has no
// body to read, and the two it knows must be spelt exactly.
func exporterReads(contentType string) bool {
	return contentType == "" || contentType == "application/x-protobuf" || contentType == "application/json"
}

// readAnswer reads an answer to an export. For a 2xx OTLP answer it returns
// the response; for a redirect a *RedirectError, for any other 2xx a
// *NotOTLPError; other statuses (refusals) are the exporter's to read, and
// readAnswer returns nil, nil for them. The body is read and closed.
func readAnswer(resp *http.Response) (*coltracepb.ExportTraceServiceResponse, error) {
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, &RedirectError{Status: resp.Status, Location: location(resp)}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return nil, nil
	}
	ct := resp.Header.Get("Content-Type")
	notOTLP := &NotOTLPError{Status: resp.Status, ContentType: ct}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		notOTLP.Problem = "its body could not be read: " + err.Error()
		return nil, notOTLP
	case len(body) > maxAnswer:
		notOTLP.Problem = "a body larger than an OTLP answer"
		return nil, notOTLP
	}
	var msg coltracepb.ExportTraceServiceResponse
	unmarshal := proto.Unmarshal
	switch mt, _, _ := mime.ParseMediaType(ct); mt { // lower case, without parameters
	case "application/x-protobuf":
	case "application/json":
		unmarshal = func(b []byte, m proto.Message) error {
			if len(b) == 0 {
				return nil
			}
			return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, m)
		}
	default:
		return nil, notOTLP
	}
	if err := unmarshal(body, &msg); err != nil {
		notOTLP.Problem = "a body that does not decode as an OTLP export response"
		return nil, notOTLP
	}
	return &msg, nil
}

// location is where a redirect points, without user info, query or
// fragment: they may hold secrets.
func location(resp *http.Response) string {
	u, err := resp.Location()
	if err != nil {
		return "(no valid Location)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// HTTPClient is the HTTP client for the OTLP/HTTP exporter to the collector
// of cfg: TLS as cfg.TLS says, the exporter's timeout, and no redirect
// followed. Each 2xx answer reaches the exporter only if it is an OTLP
// answer, re-encoded as the one encoding the exporter reads in full;
// anything else is an error (see readAnswer) and fails the export.
func HTTPClient(cfg config.Config) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = cfg.TLS
	return &http.Client{
		Transport:     otlpOnly{transport},
		Timeout:       exportTimeout(cfg),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// exportTimeout is the exporter's timeout for one attempt, as it reads it
// from the environment (which report.Setup sets to cfg.Timeout when it says
// nothing); the exporter does not apply it to a client it is given.
func exportTimeout(cfg config.Config) time.Duration {
	for _, key := range []string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"} {
		if ms, err := strconv.Atoi(os.Getenv(key)); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return cfg.Timeout
}

// otlpOnly passes on only the OTLP answers of a transport (see HTTPClient).
type otlpOnly struct{ next http.RoundTripper }

func (t otlpOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return resp, err // refusals: the exporter reads them itself
	}
	msg, err := readAnswer(resp)
	if err != nil {
		return nil, err
	}
	body, _ := proto.Marshal(msg)
	resp.Header.Set("Content-Type", "application/x-protobuf")
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
