package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as a child process too: the harness
// re-executes its own binary, which under go test is this one.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(childMain(role, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestSmoke runs the smoke mode, so the harness cannot rot: every workload
// at both sizes on every database against Enroll and every baseline, and
// the import, in a few seconds. PostgreSQL is in it when
// ENROLL_TEST_POSTGRES (or ENROLL_TEST_POSTGRES_URL) names a server, and
// must be in CI (CI=true). It checks that every request succeeded and that
// every figure is there, never how fast anything was.
func TestSmoke(t *testing.T) {
	t.Parallel()
	o := smokeOptions()
	o.Quiet = !testing.Verbose()
	o.Dir = t.TempDir()
	o.Out = filepath.Join(t.TempDir(), "report.md")
	var out strings.Builder
	rep, err := run(context.Background(), o, &out, os.Stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, line := range rep.skipped {
		t.Log(line)
	}
	if (o.PostgresSet || os.Getenv("CI") == "true") && !rep.hasBackend("postgres") {
		t.Errorf("PostgreSQL left out of the run: %v", rep.skipped)
	}
	for _, backend := range rep.o.Backends {
		for _, size := range []int{o.Small, o.Large} {
			for _, w := range workloads {
				st, ok := rep.enroll[enrollKey{backend, w.key, size}]
				if !ok || st.Requests == 0 {
					t.Errorf("no %s run on %s at %d enrollments", w.key, backend, size)
				}
				if st.DB != (backend == "postgres") {
					t.Errorf("%s on %s: database CPU read: %v", w.key, backend, st.DB)
				}
			}
			for _, bs := range baselineServers {
				if bs.backend != "" && bs.backend != backend {
					continue
				}
				for _, w := range workloads {
					if _, ok := bs.labels[w.op]; !ok {
						continue
					}
					if st, ok := rep.baseline(bs, backend, w.key, size); !ok || st.Requests == 0 {
						t.Errorf("no %s run next to %s on %s at %d enrollments", bs.role, w.key, backend, size)
					}
				}
			}
		}
	}
	if want := 2 * len(rep.o.Backends); len(rep.totals) != want {
		t.Errorf("totalItems checked %d times, want %d", len(rep.totals), want)
	}
	for _, l := range rep.totals {
		if l.api != l.rows || l.page != min(100, l.rows) {
			t.Errorf("on %s at %d enrollments: totalItems %d, %d eligible rows, %d on the page", l.backend, l.size, l.api, l.rows, l.page)
		}
	}
	for _, l := range rep.rss {
		if l.bytes <= 0 {
			t.Errorf("no peak RSS for %s on %s at %d", l.server, l.backend, l.size)
		}
	}
	if len(rep.imports) != 2 {
		t.Fatalf("%d imports, want Enroll's and the baseline's", len(rep.imports))
	}
	for _, res := range rep.imports {
		if res.capped || res.done != o.ImportRows || res.check() != "yes" || res.hwm <= 0 {
			t.Errorf("import on %s: %d of %d rows, capped %v, as generated: %q, peak RSS %d", res.server, res.done, res.rows, res.capped, res.check(), res.hwm)
		}
	}
	md, err := os.ReadFile(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"| workload |", "Enroll", "bare SQLite: insert", "Bulk import (issue 6)"}
	if rep.hasBackend("postgres") {
		want = append(want, "bare PostgreSQL: insert", "PostgreSQL next to SQLite")
	}
	for _, w := range want {
		if !strings.Contains(string(md), w) {
			t.Errorf("markdown report lacks %q", w)
		}
	}
	for _, gone := range []string{"not built yet (issue 6)", "not built yet (issue 3)", "not built yet (issue 5)"} {
		if strings.Contains(string(md), gone) {
			t.Errorf("markdown report still has %q", gone)
		}
	}
}

// TestWithCreate checks that asking for a workload whose baseline updates
// the create baseline's rows runs create too, and leaves other lists be.
func TestWithCreate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"evaluate"}, []string{"create", "evaluate"}},
		{[]string{"list", "patch"}, []string{"create", "list", "patch"}},
		{[]string{"patch", "create"}, []string{"patch", "create"}},
		{[]string{"get", "list-1"}, []string{"get", "list-1"}},
	} {
		if got := withCreate(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("withCreate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
