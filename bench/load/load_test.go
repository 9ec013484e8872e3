package main

import (
	"context"
	"os"
	"path/filepath"
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
// at both sizes against Enroll and every baseline, in a few seconds. It
// checks that every request succeeded and that every figure is there,
// never how fast anything was.
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
	for _, size := range []int{o.Small, o.Large} {
		for _, w := range workloads {
			st, ok := rep.enroll[enrollKey{w.key, size}]
			if !ok || st.Requests == 0 {
				t.Errorf("no %s run at %d enrollments", w.key, size)
			}
		}
		for _, bs := range baselineServers {
			for _, w := range workloads {
				if _, ok := bs.labels[w.op]; !ok {
					continue
				}
				if st, ok := rep.baseline(bs, w.key, size); !ok || st.Requests == 0 {
					t.Errorf("no %s run next to %s at %d enrollments", bs.role, w.key, size)
				}
			}
		}
	}
	if len(rep.totals) != 2 {
		t.Errorf("totalItems checked %d times, want 2", len(rep.totals))
	}
	for _, l := range rep.totals {
		if l.api != l.rows || l.page != min(100, l.rows) {
			t.Errorf("at %d enrollments: totalItems %d, %d eligible rows, %d on the page", l.size, l.api, l.rows, l.page)
		}
	}
	for _, l := range rep.rss {
		if l.bytes <= 0 {
			t.Errorf("no peak RSS for %s at %d", l.server, l.size)
		}
	}
	md, err := os.ReadFile(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| workload |", "Enroll", "bare SQLite: insert", "not built yet (issue 6)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown report lacks %q", want)
		}
	}
}
