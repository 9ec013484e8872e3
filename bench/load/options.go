package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// options configure a run. The defaults are the full run that
// docs/benchmarks.md reports; -smoke replaces them with tiny ones.
type options struct {
	// Smoke runs every workload briefly on tiny data.
	Smoke bool
	// Small and Large are the enrollments in the listed instance at the two
	// sizes the runs compare.
	Small, Large int
	// Duration is how long each run is measured, after Warmup.
	Duration, Warmup time.Duration
	// Workers is the fixed number of concurrent clients.
	Workers int
	// LoadWorkers is how many goroutines create enrollments through the store.
	LoadWorkers int
	// Bulk says how rows past Small reach Large: "clone" copies rows the
	// store created, in SQL; "store" creates every row through the store.
	Bulk string
	// PatchRate is the PATCH rate the status-change pool is sized for, so
	// that no enrollment is patched twice in a run.
	PatchRate int
	// Backend is the database Enroll runs on.
	Backend string
	// Out, when set, receives the report as markdown.
	Out string
	// Profile, when set, is a directory that receives CPU and allocation
	// profiles of the server for each Enroll run.
	Profile string
	// Dir is where the temporary databases go ("" means the system's).
	Dir string
	// Keep leaves the databases in place after the run.
	Keep bool
	// Quiet silences progress lines.
	Quiet bool
}

// defaultOptions returns the full run.
func defaultOptions() options {
	return options{
		Small: 10_000, Large: 1_000_000,
		Duration: 10 * time.Second, Warmup: 2 * time.Second,
		Workers: 32, LoadWorkers: 4, Bulk: "clone", PatchRate: 3000,
		Backend: "sqlite",
	}
}

// smokeOptions returns a run of a few seconds that still exercises every
// workload, both sizes, both loading paths and every server.
func smokeOptions() options {
	o := defaultOptions()
	o.Smoke = true
	o.Small, o.Large = 200, 1_000
	o.Duration, o.Warmup = 200*time.Millisecond, 50*time.Millisecond
	o.Workers, o.PatchRate = 8, 500
	return o
}

// parseOptions reads the command line.
func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	smoke := fs.Bool("smoke", false, "run every workload for a moment on tiny data (a few seconds)")
	o := defaultOptions()
	fs.IntVar(&o.Large, "size", o.Large, "enrollments in the listed instance at the large size")
	fs.IntVar(&o.Small, "small", o.Small, "enrollments in the listed instance at the small size")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "measured length of each run")
	fs.DurationVar(&o.Warmup, "warmup", o.Warmup, "unmeasured warm-up before each run")
	fs.IntVar(&o.Workers, "workers", o.Workers, "concurrent clients")
	fs.IntVar(&o.LoadWorkers, "load-workers", o.LoadWorkers, "goroutines creating enrollments through the store")
	fs.StringVar(&o.Bulk, "bulk", o.Bulk, `how the large size is reached: "clone" (copy store-made rows in SQL) or "store" (every row through the store; slow)`)
	fs.IntVar(&o.PatchRate, "patch-rate", o.PatchRate, "PATCH req/s the status-change pool is sized for")
	fs.StringVar(&o.Backend, "backend", o.Backend, "database Enroll runs on")
	fs.StringVar(&o.Out, "out", "", "also write the report as markdown to this file")
	fs.StringVar(&o.Profile, "profile", "", "write server CPU and allocation profiles of each Enroll run to this directory")
	fs.StringVar(&o.Dir, "dir", "", "directory for the temporary databases")
	fs.BoolVar(&o.Keep, "keep", false, "keep the databases after the run")
	fs.BoolVar(&o.Quiet, "q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(nil)
			fs.PrintDefaults()
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *smoke {
		// Explicit flags still win over the smoke sizes.
		s := smokeOptions()
		fs.Visit(func(f *flag.Flag) { s.set(f.Name, o) })
		o = s
	}
	return o, o.check()
}

// set copies the value of flag name from o.
func (s *options) set(name string, o options) {
	switch name {
	case "size":
		s.Large = o.Large
	case "small":
		s.Small = o.Small
	case "duration":
		s.Duration = o.Duration
	case "warmup":
		s.Warmup = o.Warmup
	case "workers":
		s.Workers = o.Workers
	case "load-workers":
		s.LoadWorkers = o.LoadWorkers
	case "bulk":
		s.Bulk = o.Bulk
	case "patch-rate":
		s.PatchRate = o.PatchRate
	case "backend":
		s.Backend = o.Backend
	case "out":
		s.Out = o.Out
	case "profile":
		s.Profile = o.Profile
	case "dir":
		s.Dir = o.Dir
	case "keep":
		s.Keep = o.Keep
	case "q":
		s.Quiet = o.Quiet
	}
}

func (o options) check() error {
	switch {
	case o.Small < 100 || o.Large < o.Small:
		return errors.New("need 100 <= -small <= -size")
	case o.Duration <= 0 || o.Warmup < 0:
		return errors.New("-duration must be positive and -warmup not negative")
	case o.Workers < 1 || o.LoadWorkers < 1:
		return errors.New("-workers and -load-workers must be positive")
	case o.Bulk != "clone" && o.Bulk != "store":
		return errors.New(`-bulk must be "clone" or "store"`)
	case backends[o.Backend] == nil:
		return fmt.Errorf("unknown -backend %q", o.Backend)
	}
	return nil
}
