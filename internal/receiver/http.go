package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// NewHTTP starts an OTLP/HTTP receiver (protobuf bodies, any path) on
// 127.0.0.1 with a free port, without TLS and without a token. Like
// httptest.NewServer it panics if it cannot listen.
func NewHTTP() *Receiver { return NewHTTPWith(Options{}) }

// NewHTTPWith starts an OTLP/HTTP receiver as NewHTTP does, changed by opts.
func NewHTTPWith(opts Options) *Receiver { return must(StartHTTP(opts)) }

// StartHTTP is NewHTTPWith with an error instead of a panic.
func StartHTTP(opts Options) (*Receiver, error) {
	lis, err := opts.listen()
	if err != nil {
		return nil, err
	}
	r := newReceiver(opts)
	r.Addr = lis.Addr().String()
	r.serve = func(lis net.Listener) func(graceful bool) {
		srv := &http.Server{
			Handler:   http.HandlerFunc(r.serveHTTP),
			TLSConfig: opts.TLS,
			ErrorLog:  log.New(io.Discard, "", 0), // failed handshakes are the client's to report
		}
		if opts.TLS != nil {
			go srv.ServeTLS(lis, "", "") // the certificates are in TLSConfig
		} else {
			go srv.Serve(lis)
		}
		return func(graceful bool) {
			if !graceful {
				srv.Close()
				return
			}
			// As a collector restarting does: answer the exports under
			// way, then close, or close anyway after graceTime.
			ctx, cancel := context.WithTimeout(context.Background(), graceTime)
			defer cancel()
			if srv.Shutdown(ctx) != nil {
				srv.Close()
			}
		}
	}
	r.start(lis)
	return r, nil
}

// MaxRequestBytes bounds one export, over both protocols, both as it
// arrives and once decompressed: the OpenTelemetry Collector's default is
// the same 20 MiB. Past it the export is refused, answered HTTP 413 or gRPC
// RESOURCE_EXHAUSTED, and no more of it is read or decompressed, so that a
// small gzip bomb cannot fill the memory.
const MaxRequestBytes = 20 << 20

// tooLarge is the answer to an export larger than MaxRequestBytes.
func tooLarge(when string) string {
	return fmt.Sprintf("the export is larger than %d MiB %s, the most this receiver takes in one request: send smaller batches", MaxRequestBytes>>20, when)
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "OTLP/HTTP takes POST", http.StatusMethodNotAllowed)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "this receiver takes application/x-protobuf, not "+ct, http.StatusUnsupportedMediaType)
		return
	}
	wire, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxRequestBytes))
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		http.Error(w, tooLarge("as sent"), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body := wire
	compression := req.Header.Get("Content-Encoding")
	if compression == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err == nil {
			// One byte past the limit tells a bomb from an export of
			// exactly MaxRequestBytes, and no more is ever decompressed.
			body, err = io.ReadAll(io.LimitReader(zr, MaxRequestBytes+1))
		}
		if err != nil {
			http.Error(w, "bad gzip body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > MaxRequestBytes {
			http.Error(w, tooLarge("once decompressed"), http.StatusRequestEntityTooLarge)
			return
		}
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &msg); err != nil {
		http.Error(w, "bad protobuf body: "+err.Error(), http.StatusBadRequest)
		return
	}
	empty := len(msg.GetResourceSpans()) == 0
	if r.healthyCheck(empty) {
		body, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(body)
		return
	}
	a, ok := r.decide(req.Context(), empty)
	if !ok {
		// The client gave up or the receiver stopped: drop the connection
		// rather than let net/http answer 200.
		panic(http.ErrAbortHandler)
	}
	if f, ok := r.webAnswer(); ok {
		if f.Location != "" {
			w.Header().Set("Location", f.Location)
		}
		w.Header()["Content-Type"] = nil // net/http would guess one
		if f.ContentType != "" {
			w.Header().Set("Content-Type", f.ContentType)
		}
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
		return
	}
	if !r.tokenOK(req.Header.Values("Authentication")) {
		http.Error(w, wrongToken, http.StatusUnauthorized)
		return
	}
	a.message = a.echo(req.Header)
	if a.code != codes.OK {
		if a.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(a.retryAfter.Round(time.Second)/time.Second)))
		}
		http.Error(w, a.message, httpStatus(a.code))
		return
	}
	kept, rejected := rejectLast(msg.GetResourceSpans(), a.reject)
	header := map[string][]string{}
	for k, v := range req.Header {
		header[strings.ToLower(k)] = v
	}
	if len(msg.GetResourceSpans()) > 0 {
		if err := r.record(Request{
			Path:        req.URL.Path,
			Header:      header,
			Compression: compression,
			WireBytes:   len(wire),
			RawBytes:    len(body),
		}, kept); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	r.writeOTLP(w, &coltracepb.ExportTraceServiceResponse{PartialSuccess: partial(a.claimed(rejected), a.message)})
	r.mu.Lock()
	unsolicited := r.fault.Unsolicited
	r.mu.Unlock()
	if unsolicited {
		writeUnsolicited(w, req.Header.Get("Authentication"))
	}
}

// writeUnsolicited takes the connection over once the answer is out and
// writes a response no request asked for (see Fault.Unsolicited).
func writeUnsolicited(w http.ResponseWriter, token string) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	// At once, before the client can send its next request on this
	// connection: the bytes then reach an idle connection.
	fmt.Fprintf(conn, "HTTP/1.1 400 Bad Request\r\nX-Your-Token: %s\r\nContent-Length: 0\r\n\r\n", token)
	go func() {
		defer conn.Close()
		time.Sleep(time.Second)
	}()
}

// writeOTLP writes an OTLP answer, in the encoding that Fault.ContentType
// names (protobuf by default).
func (r *Receiver) writeOTLP(w http.ResponseWriter, resp *coltracepb.ExportTraceServiceResponse) {
	r.mu.Lock()
	contentType := r.fault.ContentType
	r.mu.Unlock()
	if contentType == "" {
		contentType = "application/x-protobuf"
	}
	encode := proto.Marshal
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/json" {
		encode = protojson.Marshal
	}
	body, _ := encode(resp)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body))) // whole before a hijack (see writeUnsolicited)
	w.Write(body)
}
