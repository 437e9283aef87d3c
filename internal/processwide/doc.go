// Package processwide keeps every process-wide change of the sample in one
// place: its test fails when code of the sample other than report.Setup's
// file and the mains changes the process (the environment, the exit, the
// signals, OpenTelemetry's or gf's global loggers and settings, the garbage
// collector). The package has no code besides its test.
package processwide
