package enroll_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestHimpWideHeaderReadsQuickly checks that a header of 140,000 unknown
// columns (a 1 MiB line, the most a row may take) is read in well under
// the seconds an upload's answer may wait: looking for the column each
// unknown one may mean took 27 s for it, against a quarter of a second
// without, holding the upload's 202 that long.
func TestHimpWideHeaderReadsQuickly(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("firstName,lastName,email")
	for i := range 140000 {
		fmt.Fprintf(&b, ",c%d", i)
	}
	b.WriteString("\nA,B,c@example.com\n")
	start := time.Now()
	d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second || len(d.HeaderErrors()) != 140000 {
		t.Fatalf("%d header errors in %v, want 140000 in under 5s", len(d.HeaderErrors()), took)
	}
}
