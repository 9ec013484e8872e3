package enroll_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestH5BlankHeaderCells: a CSV header with blank cells, as Excel writes
// trailing empty cells (`email,firstName,,`), is not a column per blank
// cell reported "unknown column" with an empty field: such a cell names no
// column, and is ignored while the rows leave it empty too. A row holding
// a value under a blank header cell fails with one error that says which
// cells (by number) hold data without a column name, rather than the value
// being dropped in silence.
func TestH5BlankHeaderCells(t *testing.T) {
	t.Parallel()
	file := "email,firstName,lastName,, ,notes,\n" +
		"a@example.com,A,Ay,,,n,\n" + // blank under the blank header cells: a row like any other
		"b@example.com,B,Bee, ,  ,n,\n" + // ASCII spaces under them: blank too
		"c@example.com,C,Cee,x,,n,\n" + // a value under cell 4
		"d@example.com,D,Dee,x,y,n,z\n" + // values under cells 4, 5 and 7: one error
		"e@example.com,E,Eee\n" // fewer cells than the header
	rows, header := readAll(t, enroll.FormatCSV, file)
	if len(header) != 0 {
		t.Errorf("header errors = %+v, want none for blank header cells", header)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	for _, i := range []int{0, 1, 4} {
		if rows[i].Create == nil {
			t.Errorf("row %d: errors %+v, want it imported", rows[i].Row, rows[i].Errors)
		}
	}
	for _, c := range []struct {
		i     int
		cells string
	}{{2, "cell 4 holds"}, {3, "cells 4, 5 and 7 hold"}} {
		r := rows[c.i]
		if r.Create != nil || len(r.Errors) != 1 {
			t.Errorf("row %d: create %v, errors %+v, want one error", r.Row, r.Create != nil, r.Errors)
			continue
		}
		e := r.Errors[0]
		if e.Field != "" || !strings.Contains(e.Message, "no name in the header") {
			t.Errorf("row %d: error %+v, want one saying the cells have no column name", r.Row, e)
		}
		if !strings.Contains(e.Message, c.cells) {
			t.Errorf("row %d: error %q, want it to say %q", r.Row, e.Message, c.cells)
		}
	}
}
