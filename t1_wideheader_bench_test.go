package enroll_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkWideHeader reads the header of TestHimpWideHeaderReadsQuickly
// (140,000 unknown columns, a 1 MiB line) through NewRowDecoder, and in
// the same iteration through encoding/csv alone, reporting the first's
// time against the second's (x-csv): each unknown cell is one look-up, so
// it stays a small multiple, where looking through every column's name
// for each cell made it about a thousand.
func BenchmarkWideHeader(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("firstName,lastName,email")
	for i := range 140000 {
		fmt.Fprintf(&sb, ",c%d", i)
	}
	sb.WriteString("\nA,B,c@example.com\n")
	file := sb.String()
	var decoder, baseline time.Duration
	for b.Loop() {
		start := time.Now()
		d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if err != nil || len(d.HeaderErrors()) != 140000 {
			b.Fatalf("%v, %d header errors", err, len(d.HeaderErrors()))
		}
		decoder += time.Since(start)
		start = time.Now()
		r := csv.NewReader(strings.NewReader(file))
		r.FieldsPerRecord = -1
		if header, err := r.Read(); err != nil || len(header) != 140003 {
			b.Fatalf("%v, %d cells", err, len(header))
		}
		baseline += time.Since(start)
	}
	b.ReportMetric(decoder.Seconds()/baseline.Seconds(), "x-csv")
}
