package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
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
	// Backends are the databases Enroll runs on, one after the other, each
	// with every size and workload.
	Backends []string
	// BackendsSet says -backends named them: a run then fails rather
	// than leave out one it cannot use.
	BackendsSet bool
	// Postgres is the URL of the PostgreSQL server the run creates its
	// databases on; PostgresSet says a variable or -postgres named it.
	Postgres    string
	PostgresSet bool
	// ImportRows is the size of the generated file the import figure
	// uploads; 0 leaves the figure out.
	ImportRows int
	// ImportCap bounds the import (and its baseline's): past it the
	// figure reports the rows done so far, marked capped.
	ImportCap time.Duration
	// ImportBackend is the database the import runs on.
	ImportBackend string
	// Out, when set, receives the report as markdown.
	Out string
	// Profile, when set, is a directory that receives CPU and allocation
	// profiles of the server for each Enroll run, and a CPU profile of the
	// import's first 30 seconds.
	Profile string
	// Dir is where the temporary databases go ("" means the system's).
	Dir string
	// Keep leaves the databases in place after the run.
	Keep bool
	// Quiet silences progress lines.
	Quiet bool
	// Workloads, when set, are the keys of the only workloads run (for a
	// focused measurement); nil runs them all.
	Workloads []string
}

// defaultOptions returns the full run.
func defaultOptions() options {
	o := options{
		Small: 10_000, Large: 1_000_000,
		Duration: 10 * time.Second, Warmup: 2 * time.Second,
		Workers: 32, LoadWorkers: 4, Bulk: "clone", PatchRate: 3000,
		Backends:   []string{"sqlite", "postgres"},
		ImportRows: 1_000_000, ImportCap: 5 * time.Minute, ImportBackend: "sqlite",
	}
	o.Postgres, o.PostgresSet = postgresFromEnv()
	return o
}

// smokeOptions returns a run of a few seconds that still exercises every
// workload, both sizes, both loading paths and every server.
func smokeOptions() options {
	o := defaultOptions()
	o.Smoke = true
	o.Small, o.Large = 200, 1_000
	o.Duration, o.Warmup = 100*time.Millisecond, 20*time.Millisecond
	o.Workers, o.PatchRate = 8, 500
	o.ImportRows, o.ImportCap = 1_000, time.Minute
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
	backendList := fs.String("backends", strings.Join(o.Backends, ","), "databases Enroll runs on, in order (sqlite, postgres); "+
		"when named here, one that cannot be used fails the run instead of being left out")
	fs.StringVar(&o.Postgres, "postgres", o.Postgres, "PostgreSQL server the run creates its databases on "+
		"(default $ENROLL_TEST_POSTGRES_URL, else $ENROLL_TEST_POSTGRES, else the local server)")
	fs.IntVar(&o.ImportRows, "import-rows", o.ImportRows, "rows of the generated CSV file the import figure uploads (0: no import figure)")
	fs.DurationVar(&o.ImportCap, "import-cap", o.ImportCap, "time limit of the import and of its baseline; past it the rows done so far are reported, marked capped")
	fs.StringVar(&o.ImportBackend, "import-backend", o.ImportBackend, "database the import runs on")
	fs.StringVar(&o.Out, "out", "", "also write the report as markdown to this file")
	fs.StringVar(&o.Profile, "profile", "", "write server CPU and allocation profiles of each Enroll run (and a CPU profile of the import) to this directory")
	fs.StringVar(&o.Dir, "dir", "", "directory for the temporary databases")
	fs.BoolVar(&o.Keep, "keep", false, "keep the databases after the run")
	fs.BoolVar(&o.Quiet, "q", false, "no progress lines")
	workloadList := fs.String("workloads", "", "run only these workloads, by key (create, patch, get, list, list-1, evaluate), comma-separated; \"\": all")
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
	o.Backends = nil
	for _, name := range strings.Split(*backendList, ",") {
		if name = strings.TrimSpace(name); name != "" {
			o.Backends = append(o.Backends, name)
		}
	}
	for _, key := range strings.Split(*workloadList, ",") {
		if key = strings.TrimSpace(key); key != "" {
			o.Workloads = append(o.Workloads, key)
		}
	}
	o.Workloads = withCreate(o.Workloads)
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "backends":
			o.BackendsSet = true
		case "postgres":
			o.PostgresSet = true
		}
	})
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
	case "backends":
		s.Backends, s.BackendsSet = o.Backends, o.BackendsSet
	case "postgres":
		s.Postgres, s.PostgresSet = o.Postgres, o.PostgresSet
	case "import-rows":
		s.ImportRows = o.ImportRows
	case "import-cap":
		s.ImportCap = o.ImportCap
	case "import-backend":
		s.ImportBackend = o.ImportBackend
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
	case "workloads":
		s.Workloads = o.Workloads
	}
}

// check refuses options a run cannot go with.
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
	case len(o.Backends) == 0:
		return errors.New("-backends names no database")
	case o.ImportRows < 0 || o.ImportCap <= 0:
		return errors.New("-import-rows must not be negative and -import-cap must be positive")
	case o.ImportRows > 0 && backends[o.ImportBackend] == nil:
		return fmt.Errorf("unknown -import-backend %q", o.ImportBackend)
	}
	seen := map[string]bool{}
	for _, name := range o.Backends {
		if backends[name] == nil {
			return fmt.Errorf("unknown database %q in -backends", name)
		}
		if seen[name] {
			return fmt.Errorf("%q twice in -backends", name)
		}
		seen[name] = true
	}
	for _, key := range o.Workloads {
		if !slices.ContainsFunc(workloads, func(w workload) bool { return w.key == key }) {
			return fmt.Errorf("unknown workload %q in -workloads", key)
		}
	}
	return nil
}

// runs reports whether the run measures workload w.
func (o options) runs(w workload) bool {
	return o.Workloads == nil || slices.Contains(o.Workloads, w.key)
}

// withCreate returns keys with "create" first when they name a workload
// compared with a bare database's read-modify-write (patch, evaluate) and
// not create: those baselines update the rows the create baseline made,
// and without them every request failed.
func withCreate(keys []string) []string {
	if len(keys) == 0 || slices.Contains(keys, "create") {
		return keys
	}
	for _, w := range workloads {
		if w.op == opUpdate && slices.Contains(keys, w.key) {
			return append([]string{"create"}, keys...)
		}
	}
	return keys
}
