package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The programs are not started by the harness itself but by a launcher: a
// new process of this same binary, small, that starts the program, waits
// for it and reports what it used. The reason is peak RSS: on Linux a
// process's ru_maxrss starts from the high-water mark of the memory it was
// forked from (the kernel carries it across exec), and the harness holds
// every span the receiver got, hundreds of MiB after a load run. Started by
// the harness, every program would report at least that.

// launcherEnv, when set (to the run's time limit), makes this binary a
// launcher instead of the harness.
const launcherEnv = "COMPARE_LAUNCHER"

// Measured is what the launcher reports of one run of a program.
type Measured struct {
	Exit     int           // exit code; -1 when killed
	TimedOut bool          // killed at the time limit
	Wall     time.Duration // from start to exit
	CPU      time.Duration // user + system
	PeakRSS  int64         // bytes
	Err      string        // why it could not start
}

// Launch runs bin with args and env (nothing else of this process's
// environment), its output going to stdout and stderr, through a launcher,
// killing it after timeout.
func Launch(bin string, args, env []string, stdout, stderr io.Writer, timeout time.Duration) (Measured, error) {
	self, err := os.Executable()
	if err != nil {
		return Measured{}, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Measured{}, err
	}
	defer r.Close()
	cmd := exec.Command(self, append([]string{bin}, args...)...)
	cmd.Env = append(append([]string(nil), env...), launcherEnv+"="+timeout.String())
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.ExtraFiles = []*os.File{w}  // fd 3: the report
	cmd.WaitDelay = 5 * time.Second // for output still held open by a killed program's children
	err = cmd.Start()
	w.Close()
	if err != nil {
		return Measured{}, err
	}
	var m Measured
	decodeErr := json.NewDecoder(r).Decode(&m)
	waitErr := cmd.Wait()
	switch {
	case decodeErr != nil:
		return m, fmt.Errorf("the launcher gave no report: %v (%v)", decodeErr, waitErr)
	case m.Err != "":
		return m, errors.New(m.Err)
	}
	return m, nil
}

// isLauncher tells whether this process was started as a launcher.
func isLauncher() bool { return os.Getenv(launcherEnv) != "" }

// launcher is the whole life of a launcher process: run os.Args[1:] and
// write its Measured to fd 3.
func launcher() {
	timeout, err := time.ParseDuration(os.Getenv(launcherEnv))
	if err != nil {
		timeout = runTimeout
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, launcherEnv+"=") {
			env = append(env, e)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[1], os.Args[2:]...)
	// At the time limit, kill the program and anything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err = cmd.Run()
	m := Measured{Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		m.Err = err.Error()
	} else {
		m.Exit = cmd.ProcessState.ExitCode()
		m.TimedOut = ctx.Err() != nil
		m.CPU, m.PeakRSS = usage(cmd.ProcessState)
	}
	json.NewEncoder(os.NewFile(3, "report")).Encode(m)
	os.Exit(0)
}

// usage returns the CPU time (user + system) and the peak resident set
// size in bytes of an ended process.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	cpu := ps.UserTime() + ps.SystemTime()
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return cpu, 0
	}
	if runtime.GOOS == "darwin" {
		return cpu, int64(ru.Maxrss) // bytes on macOS
	}
	return cpu, int64(ru.Maxrss) * 1024 // KiB on Linux
}
