package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
)

// crash is a panic caught: what kind it was and where it happened. It
// never holds the panic's value, which may quote what a sender sent.
type crash struct {
	what  string // a runtime error's text (numbers and types only), or "a panic"
	where string // function and file:line of the code that panicked
}

func (c *crash) Error() string { return c.what + ", in " + c.where }

// caught describes the panic r; call it from the deferred function that
// recovered r, so that the stack still shows where it happened.
func caught(r any) *crash {
	c := &crash{what: "a panic", where: "an unknown place"}
	if err, ok := r.(runtime.Error); ok {
		c.what = err.Error()
	}
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			c.where = fmt.Sprintf("%s at %s:%d", f.Function[strings.LastIndex(f.Function, "/")+1:], filepath.Base(f.File), f.Line)
			return c
		}
		if !more {
			return c
		}
	}
}
