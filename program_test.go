package enroll_test

import (
	"errors"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestProgramValidateStates checks that a program's states are a set: a
// repeat is refused at the repeat on a new program and on a change that
// sets them anew, while a change that keeps the states a program was
// stored with before that check (a repeat included) is accepted.
func TestProgramValidateStates(t *testing.T) {
	t.Parallel()
	stored := &enroll.Program{Slug: "p", Name: "P", States: []string{"NY", "NY"}}
	for _, tc := range []struct {
		name   string
		states []string
		old    *enroll.Program
		want   string // the location refused, "" for none
	}{
		{"new, each once", []string{"NY", "CA"}, nil, ""},
		{"new, a repeat", []string{"NY", "CA", "NY"}, nil, "states[2]"},
		{"new, case differs", []string{"NY", "ny"}, nil, ""},
		{"kept as stored", []string{"NY", "NY"}, stored, ""},
		{"set anew with the repeat", []string{"NY", "NY", "CA"}, stored, "states[1]"},
		{"set anew without it", []string{"NY"}, stored, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &enroll.Program{Slug: "p", Name: "P", States: tc.states}
			err := p.ValidateChange(tc.old)
			if tc.old == nil {
				if verr := (&enroll.Program{Slug: "p", Name: "P", States: tc.states}).Validate(); (verr == nil) != (err == nil) {
					t.Fatalf("Validate = %v, ValidateChange(nil) = %v", verr, err)
				}
			}
			var de *enroll.Error
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.want != "" && (!errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Location != tc.want || de.Fields[0].Message != "is listed twice"):
				t.Fatalf("err = %#v, want %s listed twice", err, tc.want)
			}
		})
	}
}
