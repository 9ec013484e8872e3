package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// TestHimpExportEmptyOutput: `enroll export -o "$OUT"` with OUT unset
// (or ENROLL_... left empty in a unit file) wrote the participants to
// standard output, exit 0, where a cron job's output goes to its mail or
// log, instead of the file meant; an empty --output is refused, as an
// empty filter is, naming "-" for standard output.
func TestHimpExportEmptyOutput(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := client.New(s.url, s.secret)
	p, err := c.CreateProgram(ctx, &client.ProgramCreate{Slug: "himp-out", Name: "Out"})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := c.CreateInstance(ctx, p.ID, &client.InstanceCreate{Slug: "2026", Name: "Out 2026"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Private", LastName: "Person", Email: "private.person@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-o", ""}, {"--output="}} {
		m := NewMain()
		var stdout, stderr bytes.Buffer
		m.Stdout, m.Stderr = &stdout, &stderr
		err := m.Run(ctx, append([]string{"export", "--instance", inst.ID, "--url", s.url, "--key", s.secret}, args...))
		if err == nil || strings.Contains(stdout.String(), "private.person@example.com") {
			t.Errorf("export %q: exit %v, wrote the participants to standard output:\n%s%s", args, err, stdout.String(), stderr.String())
		} else if !strings.Contains(err.Error(), "--output") {
			t.Errorf("export %q: error %q does not name --output", args, err)
		}
	}
	// "-" still means standard output.
	m := NewMain()
	var stdout, stderr bytes.Buffer
	m.Stdout, m.Stderr = &stdout, &stderr
	if err := m.Run(ctx, []string{"export", "--instance", inst.ID, "--url", s.url, "--key", s.secret, "-o", "-"}); err != nil ||
		!strings.Contains(stdout.String(), "private.person@example.com") {
		t.Fatalf("export -o -: %v\n%s%s", err, stdout.String(), stderr.String())
	}
}
