package budget_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/gogf/gf/contrib/trace/otlpgrpc/v2"
	"github.com/gogf/gf/contrib/trace/otlphttp/v2"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/glog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"example.com/gftrace/common/user"
	"example.com/gftrace/internal/receiver"
)

// id is the user of every benchmark: the one that exists, so no warning is
// logged and every span ends without error.
const id = 100

// BenchmarkGetUser measures one user.GetUser, four spans, with:
//
//	noop          OpenTelemetry's no-op tracer provider: the data work and gtrace alone
//	sdk-discard   the SDK with gf's sampler, exporting synchronously to nowhere
//	raw-otel      the same four spans made with the OpenTelemetry API directly
//	grpc-receiver gf's otlpgrpc.Init exporting to the in-process receiver
//	http-receiver gf's otlphttp.Init exporting to the in-process receiver
//
// The budget is sdk-discard within 1.3 times raw-otel. The two receiver
// cases include the export: they flush every flushEvery calls, so that the
// batch processor drops nothing, and fail if the receiver did not get every
// span.
func BenchmarkGetUser(b *testing.B) {
	g.Log().SetLevel(glog.LEVEL_PROD) // gf's Init says at shutdown that it shut down
	b.Run("noop", func(b *testing.B) {
		use(b, noop.NewTracerProvider())
		for b.Loop() {
			user.GetUser(context.Background(), id)
		}
	})
	b.Run("sdk-discard", func(b *testing.B) {
		use(b, discarding())
		for b.Loop() {
			user.GetUser(context.Background(), id)
		}
	})
	b.Run("raw-otel", func(b *testing.B) {
		tracer := discarding().Tracer("raw")
		for b.Loop() {
			rawGetUser(context.Background(), tracer, id)
		}
	})
	b.Run("grpc-receiver", func(b *testing.B) {
		rec := receiver.NewGRPCWith(receiver.Options{CountOnly: true})
		defer rec.Close()
		shutdown, err := otlpgrpc.Init("budget", rec.Addr, "")
		if err != nil {
			b.Fatal(err)
		}
		defer shutdown(context.Background())
		exporting(b, rec)
	})
	b.Run("http-receiver", func(b *testing.B) {
		rec := receiver.NewHTTPWith(receiver.Options{CountOnly: true})
		defer rec.Close()
		shutdown, err := otlphttp.Init("budget", rec.Addr, "/v1/traces")
		if err != nil {
			b.Fatal(err)
		}
		defer shutdown()
		exporting(b, rec)
	})
}

// flushEvery is how many calls (four spans each) go between two flushes:
// 1024 spans, half the batch processor's default queue.
const flushEvery = 256

// exporting runs GetUser on the provider that gf's Init installed and checks
// that rec received every span.
func exporting(b *testing.B, rec *receiver.Receiver) {
	tp := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	flush := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := tp.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	calls := 0
	for b.Loop() {
		user.GetUser(context.Background(), id)
		if calls++; calls%flushEvery == 0 {
			flush()
		}
	}
	flush()
	if !rec.WaitSpans(4*calls, 10*time.Second) {
		b.Fatalf("the receiver got %d spans of %d", rec.SpanCount(), 4*calls)
	}
	b.ReportMetric(float64(4*calls)/b.Elapsed().Seconds(), "spans/s")
}

// discarding is the SDK with gf's sampler and an exporter that drops every
// span. The exporter is called synchronously, so the measure does not
// depend on whether a background goroutine kept up.
func discarding() *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(discard{}),
	)
}

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// use makes tp the global provider, which gtrace.NewSpan uses, for b.
func use(b *testing.B, tp trace.TracerProvider) {
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	b.Cleanup(func() { otel.SetTracerProvider(prev) })
}

// rawGetUser is user.GetUser for a found user written with the
// OpenTelemetry API alone, as lean as it comes: one tracer held for good,
// the same spans, attributes and baggage, the same data.
func rawGetUser(ctx context.Context, tracer trace.Tracer, id int) user.User {
	uid := strconv.Itoa(id)
	ctx, span := tracer.Start(ctx, "GetUser")
	defer span.End()
	span.SetAttributes(semconv.UserID(uid))
	member, _ := baggage.NewMemberRaw("user.id", uid)
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)
	return user.User{
		Info:   rawLookup(ctx, tracer, "GetInfo", &user.Info{ID: 100, Name: "john", Gender: 1}),
		Detail: rawLookup(ctx, tracer, "GetDetail", &user.Detail{Site: "https://goframe.org", Email: "john@goframe.org"}),
		Scores: rawLookup(ctx, tracer, "GetScores", &user.Scores{Math: 100, English: 60, Chinese: 50}),
	}
}

func rawLookup[T any](ctx context.Context, tracer trace.Tracer, name string, found *T) *T {
	_, span := tracer.Start(ctx, name)
	defer span.End()
	span.SetAttributes(attribute.String("baggage.user.id", baggage.FromContext(ctx).Member("user.id").Value()))
	return found
}

// TestRawMakesTheSameSpans keeps the comparison fair: raw-otel must make
// what user.GetUser makes, span for span, and return the same user.
func TestRawMakesTheSameSpans(t *testing.T) {
	record := func(run func(tp *sdktrace.TracerProvider) user.User) (user.User, []string) {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		u := run(tp)
		names := map[trace.SpanID]string{}
		for _, s := range rec.Ended() {
			names[s.SpanContext().SpanID()] = s.Name()
		}
		var spans []string
		for _, s := range rec.Ended() {
			spans = append(spans, fmt.Sprintf("%s parent=%q attrs=%v status=%v", s.Name(), names[s.Parent().SpanID()], s.Attributes(), s.Status()))
		}
		sort.Strings(spans)
		return u, spans
	}
	prev := otel.GetTracerProvider()
	defer otel.SetTracerProvider(prev)
	sampleUser, sample := record(func(tp *sdktrace.TracerProvider) user.User {
		otel.SetTracerProvider(tp)
		return user.GetUser(context.Background(), id)
	})
	rawUser, raw := record(func(tp *sdktrace.TracerProvider) user.User {
		return rawGetUser(context.Background(), tp.Tracer("raw"), id)
	})
	if len(sample) != 4 || !reflect.DeepEqual(sample, raw) {
		t.Errorf("raw-otel makes other spans than GetUser:\nGetUser:  %q\nraw-otel: %q", sample, raw)
	}
	if !reflect.DeepEqual(sampleUser, rawUser) {
		t.Errorf("raw-otel returns %+v, GetUser %+v", rawUser, sampleUser)
	}
}
