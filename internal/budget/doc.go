// Package budget holds the sample's performance budget: benchmarks of one
// user.GetUser (four spans around a little data work) under five tracers,
// so that what the sample and gf's gtrace add to OpenTelemetry's own cost
// is measured, not guessed.
//
//	go test -run '^$' -bench . -benchmem -count 8 ./internal/budget
//
// The budget: GetUser on the SDK (BenchmarkGetUser/sdk-discard) costs at
// most 1.3 times the raw OpenTelemetry tracer making the same spans
// (BenchmarkGetUser/raw-otel). It is a figure to read from a run, with
// medians over several -count runs, not a timed test (CI runs every case
// once, with -benchtime=1x, so that none rots). The package has no code
// besides its tests.
package budget
