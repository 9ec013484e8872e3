package enroll_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// benchCSV is a CSV import file of n rows of about 135 bytes, as a
// utility's customer list: "plain" quotes no cell, "quoted" quotes the
// addresses and notes (commas, doubled quotes, a line break), as
// spreadsheets and exports write them.
func benchCSV(n int, quoted bool) []byte {
	var b strings.Builder
	b.WriteString("firstName,lastName,email,phone,address.streetOne,address.city,address.state,tags,referenceId,notes\n")
	for i := range n {
		if quoted {
			fmt.Fprintf(&b, "First%d,Last%d,user%d@example.com,+1234567890,\"12 Main St, Apt 4\",New York,NY,solar|battery,ACCT-%d,\"a \"\"quoted\"\"\nnote\"\n", i, i, i, i)
		} else {
			fmt.Fprintf(&b, "First%d,Last%d,user%d@example.com,+1234567890,12 Main St Apt 4,New York,NY,solar|battery,ACCT-%d,a short note\n", i, i, i, i)
		}
	}
	return []byte(b.String())
}

// BenchmarkRowCounter counts the rows of a CSV file of 20,000 rows as an
// upload is received: written in the 32 KiB pieces io.Copy uses.
func BenchmarkRowCounter(b *testing.B) {
	for _, quoted := range []bool{false, true} {
		file := benchCSV(20000, quoted)
		b.Run(map[bool]string{false: "plain", true: "quoted"}[quoted], func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				c := enroll.NewRowCounter(enroll.FormatCSV)
				for p := file; len(p) > 0; {
					n := min(len(p), 32<<10)
					_, _ = c.Write(p[:n])
					p = p[n:]
				}
				if c.Rows() != 20000 {
					b.Fatalf("%d rows", c.Rows())
				}
			}
		})
	}
}

// BenchmarkCSVDecoder decodes every row of the same files, as an import
// reads them.
func BenchmarkCSVDecoder(b *testing.B) {
	for _, quoted := range []bool{false, true} {
		file := benchCSV(20000, quoted)
		b.Run(map[bool]string{false: "plain", true: "quoted"}[quoted], func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(string(file)))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					if _, err := d.Next(); errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 20000 {
					b.Fatalf("%d rows", n)
				}
			}
		})
	}
}
