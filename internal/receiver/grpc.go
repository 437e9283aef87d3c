package receiver

import (
	"context"
	"net"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed exports
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// NewGRPC starts an OTLP/gRPC receiver on 127.0.0.1 with a free port,
// without TLS and without a token. Like httptest.NewServer it panics if it
// cannot listen.
func NewGRPC() *Receiver { return NewGRPCWith(Options{}) }

// NewGRPCWith starts an OTLP/gRPC receiver as NewGRPC does, changed by opts.
func NewGRPCWith(opts Options) *Receiver { return must(StartGRPC(opts)) }

// StartGRPC is NewGRPCWith with an error instead of a panic.
func StartGRPC(opts Options) (*Receiver, error) {
	lis, err := opts.listen()
	if err != nil {
		return nil, err
	}
	r := newReceiver(opts)
	r.Addr = lis.Addr().String()
	// gRPC checks the limit once decompressed, while it decompresses.
	serverOpts := []grpc.ServerOption{grpc.StatsHandler(wireStats{}), grpc.MaxRecvMsgSize(MaxRequestBytes), grpc.ForceServerCodec(faultCodec{r})}
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	r.serve = func(lis net.Listener) func(graceful bool) {
		// A stopped grpc.Server cannot serve again: each start has its own.
		srv := grpc.NewServer(serverOpts...)
		coltracepb.RegisterTraceServiceServer(srv, &traceService{r: r})
		go srv.Serve(lis)
		return func(graceful bool) {
			if !graceful {
				srv.Stop()
				return
			}
			// As a collector restarting does: answer the exports under
			// way, then close, or close anyway after graceTime.
			done := make(chan struct{})
			go func() { srv.GracefulStop(); close(done) }()
			select {
			case <-done:
			case <-time.After(graceTime):
				srv.Stop()
			}
		}
	}
	r.start(lis)
	return r, nil
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	r *Receiver
}

func (s *traceService) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	a, ok := s.r.decide(ctx, len(req.GetResourceSpans()) == 0)
	if !ok {
		return nil, status.Error(codes.Unavailable, "the receiver stopped") // the client gave up or is gone
	}
	md, _ := metadata.FromIncomingContext(ctx)
	header := map[string][]string{}
	for k, v := range md {
		header[strings.ToLower(k)] = v
	}
	if !s.r.tokenOK(header["authentication"]) {
		return nil, status.Error(codes.Unauthenticated, wrongToken)
	}
	a.message = a.echo(header)
	if a.code != codes.OK {
		st := status.New(a.code, a.message)
		if a.retryAfter > 0 {
			// RetryInfo tells the client when to retry; without it an
			// exporter does not retry ResourceExhausted.
			st, _ = st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(a.retryAfter)})
		}
		return nil, st.Err()
	}
	info, _ := ctx.Value(wireKey{}).(*wireInfo)
	kept, rejected := rejectLast(req.GetResourceSpans(), a.reject)
	if len(req.GetResourceSpans()) > 0 {
		if err := s.r.record(Request{
			Path:        coltracepb.TraceService_Export_FullMethodName,
			Header:      header,
			Compression: info.compression,
			WireBytes:   info.wireBytes,
			RawBytes:    proto.Size(req),
		}, kept); err != nil {
			return nil, status.Error(codes.Unavailable, err.Error())
		}
	}
	return &coltracepb.ExportTraceServiceResponse{PartialSuccess: partial(a.claimed(rejected), a.message)}, nil
}

// faultCodec is gRPC's protobuf codec, but for Fault.Malformed's answers.
type faultCodec struct{ r *Receiver }

// malformed is Fault.Malformed's answer: a field whose length runs past
// the end, which no protobuf decoder takes.
var malformed = []byte{0x0a, 0x05, 0x01}

func (c faultCodec) Marshal(v any) ([]byte, error) {
	if _, ok := v.(*coltracepb.ExportTraceServiceResponse); ok {
		c.r.mu.Lock()
		bad := c.r.fault.Malformed
		c.r.mu.Unlock()
		if bad {
			return malformed, nil
		}
	}
	return proto.Marshal(v.(proto.Message))
}

func (faultCodec) Unmarshal(data []byte, v any) error {
	return proto.Unmarshal(data, v.(proto.Message))
}

func (faultCodec) Name() string { return "proto" }

// wireStats learns from gRPC's stats what the handler cannot see: the
// compression of the request and its size on the wire.
type wireStats struct{}

type wireKey struct{}

type wireInfo struct {
	compression string
	wireBytes   int
}

func (wireStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, wireKey{}, &wireInfo{})
}

func (wireStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	info, ok := ctx.Value(wireKey{}).(*wireInfo)
	if !ok {
		return
	}
	switch s := s.(type) {
	case *stats.InHeader:
		info.compression = s.Compression
	case *stats.InPayload:
		info.wireBytes += s.WireLength
	}
}

func (wireStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (wireStats) HandleConn(context.Context, stats.ConnStats) {}
