package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Every server the benchmark measures runs in a child process: this binary
// again, with roleEnv naming what to serve. The load generator's goroutines,
// heap and GC then count against the parent, and the child's peak RSS
// (VmHWM) and CPU time (/proc) are the server's alone.

// roleEnv names the server a child process runs.
const roleEnv = "ENROLL_BENCH_ROLE"

// A role is a server a child can run. It parses its arguments, starts
// listening on loopback, and returns the base URL and a function that stops
// it gracefully.
type role func(ctx context.Context, args []string) (url string, stop func() error, err error)

// roles are the servers by name; each registers itself from its own file.
var roles = map[string]role{}

// ready is the line a child prints once it serves.
type ready struct {
	URL   string `json:"url"`
	Pprof string `json:"pprof"`
	Error string `json:"error,omitempty"`
}

// childMain runs role until its standard input closes, the parent's signal
// to stop, and returns the exit code.
func childMain(name string, args []string) int {
	out := json.NewEncoder(os.Stdout)
	fail := func(err error) int {
		_ = out.Encode(ready{Error: err.Error()})
		return 1
	}
	r := roles[name]
	if r == nil {
		return fail(fmt.Errorf("unknown role %q", name))
	}
	ctx := context.Background()
	url, stop, err := r(ctx, args)
	if err != nil {
		return fail(err)
	}
	// Profiles come from a listener of their own, never the measured handler.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(ln, mux)
	if err := out.Encode(ready{URL: url, Pprof: "http://" + ln.Addr().String()}); err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, name+": stop:", err)
		return 1
	}
	return 0
}

// child is a running server process, seen from the parent.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	pprof string
	// peakRSS is the child's maximum resident set size in bytes, known once
	// it has stopped.
	peakRSS int64
	// dbCPU, when set, reads the CPU time of the database processes the
	// child's requests run on (PostgreSQL's), which its own does not hold.
	dbCPU func() (procTimes, error)
}

// startChild starts role name with args and waits until it serves.
func startChild(ctx context.Context, name string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), roleEnv+"="+name)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: name, cmd: cmd, stdin: stdin}
	line := make(chan ready, 1)
	go func() {
		var r ready
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		if !sc.Scan() || json.Unmarshal(sc.Bytes(), &r) != nil {
			r.Error = "exited before serving"
		}
		line <- r
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case r := <-line:
		if r.Error != "" {
			_ = stdin.Close()
			_ = cmd.Wait()
			return nil, fmt.Errorf("%s: %s", name, r.Error)
		}
		c.url, c.pprof = r.URL, r.Pprof
		return c, nil
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s: not serving after 2 minutes", name)
	}
}

// stop asks the child to shut down, waits for it and records its peak RSS.
func (c *child) stop() error {
	// getrusage's maxrss of a child would include the parent's own RSS:
	// Linux carries the high-water mark of the memory the child shared
	// with the parent before exec. VmHWM is the peak of the child's own.
	hwm, hwmErr := c.procStatus("VmHWM")
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		err = errors.Join(errors.New(c.name+": killed after 30 s"), <-done)
	}
	c.peakRSS = hwm
	return errors.Join(err, hwmErr)
}

// sampleRSS samples the child's resident set size every 50 ms until the
// function it returns is called, which returns the largest size seen.
func (c *child) sampleRSS() func() int64 {
	stop := make(chan struct{})
	rss := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := c.procStatus("VmRSS"); err == nil && v > peak {
				peak = v
			}
			select {
			case <-stop:
				rss <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		return <-rss
	}
}

// procStatus returns a size field of the child's /proc status, in bytes.
func (c *child) procStatus(name string) (int64, error) {
	v := procField("/proc/"+strconv.Itoa(c.cmd.Process.Pid)+"/status", name)
	kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: no %s in /proc status", c.name, name)
	}
	return kb * 1024, nil
}

// cpuTime returns the CPU time (user + system) the child has used so far.
func (c *child) cpuTime() (time.Duration, error) { return procCPU(c.cmd.Process.Pid) }

// procCPU returns the CPU time (user + system) process pid has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the line, in clock ticks.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// childFlags returns a flag set for a role's arguments.
func childFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
