package enroll_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHimpWideHeaderReadsQuickly checks that a header of 140,000 unknown
// columns (a 1 MiB line, the most a row may take) is read, each unknown
// column named: looking for the column each unknown one may mean took
// 27 s for it, against a quarter of a second without, holding the
// upload's 202 that long. The time is BenchmarkWideHeader's, against
// reading the line alone in the same run.
func TestHimpWideHeaderReadsQuickly(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("firstName,lastName,email")
	for i := range 140000 {
		fmt.Fprintf(&b, ",c%d", i)
	}
	b.WriteString("\nA,B,c@example.com\n")
	d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.HeaderErrors(); len(got) != 140000 || got[0].Field != "c0" || got[139999].Field != "c139999" {
		t.Fatalf("%d header errors (first %+v), want 140000 naming their columns", len(got), got[:min(len(got), 1)])
	}
}
