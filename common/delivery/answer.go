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

// OpenTelemetry's OTLP/HTTP exporter calls any 2xx answer a success,
// follows redirects (Go's http.Client does), and reads a partial success
// only in exactly application/x-protobuf: a web page "takes" every span, a
// redirect sends the spans and their headers elsewhere, and
// "application/json; charset=utf-8" hides the spans a collector rejected.
// HTTPClient lets only OTLP answers through to the exporter; the check
// (reachable.go) reads answers the same way, before any span leaves.

// maxAnswer bounds what is read of an answer: an OTLP answer is a few
// bytes, or a partial success's message.
const maxAnswer = 1 << 20

// NotOTLPError is a 2xx answer that is not an OTLP response.
type NotOTLPError struct {
	Status      string // "200 OK"
	ContentType string // as the answer gave it
	Problem     string // what is wrong with the body, or ""
}

func (e *NotOTLPError) Error() string {
	ct := strconv.Quote(e.ContentType)
	if e.ContentType == "" {
		ct = `"no Content-Type"`
	}
	if e.Problem != "" {
		ct += ", " + e.Problem
	}
	return fmt.Sprintf("the collector's answer was not an OTLP response (%s, %s)", e.Status, ct)
}

// RedirectError is an answer that redirects: OTLP has none, and following
// one would send the spans and their headers elsewhere.
type RedirectError struct {
	Status   string // "307 Temporary Redirect"
	Location string // without user info, query or fragment: they may hold secrets
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the collector redirected to %s (%s)", e.Location, e.Status)
}

// UnreadableError is an OTLP answer whose Content-Type is not spelt exactly
// as the exporter of gf's otlphttp.Init needs to read a partial success:
// the spans the collector rejects would count as delivered. That exporter
// cannot be given another client (see HTTPClient).
type UnreadableError struct {
	ContentType string // as the answer gave it
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("the collector answers in %q, in which the exporter of gf's otlphttp.Init cannot read the spans it rejects, so nothing it accepts could be confirmed", e.ContentType)
}

// readAnswer reads an answer to an export and closes its body: a
// *RedirectError for a redirect, a *NotOTLPError for a 2xx that is not an
// OTLP answer, nil, nil for a refusal (the exporter's to read).
func readAnswer(resp *http.Response) (*coltracepb.ExportTraceServiceResponse, error) {
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		where := "(no valid Location)"
		if u, err := resp.Location(); err == nil {
			where = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
		}
		return nil, &RedirectError{Status: resp.Status, Location: where}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return nil, nil
	}
	notOTLP := &NotOTLPError{Status: resp.Status, ContentType: resp.Header.Get("Content-Type")}
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
	switch mt, _, _ := mime.ParseMediaType(notOTLP.ContentType); { // lower case, without parameters
	case mt == "application/x-protobuf":
		err = proto.Unmarshal(body, &msg)
	case mt == "application/json" && len(body) > 0:
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, &msg)
	case mt != "application/json":
		return nil, notOTLP
	}
	if err != nil {
		notOTLP.Problem = "a body that does not decode as an OTLP export response"
		return nil, notOTLP
	}
	return &msg, nil
}

// HTTPClient is the client for the OTLP/HTTP exporter to the collector of
// cfg: cfg.TLS, the exporter's timeout, and only OTLP answers, re-encoded in
// the one encoding the exporter reads in full; anything else (a redirect
// too) fails the export.
func HTTPClient(cfg config.Config) *http.Client {
	return &http.Client{Transport: otlpOnly{transport(cfg)}, Timeout: exportTimeout(cfg)}
}

func transport(cfg config.Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg.TLS
	return t
}

// exportTimeout is the exporter's timeout for one attempt, as it reads it
// from the environment: it does not apply it to a client it is given.
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
