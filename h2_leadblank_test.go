package enroll_test

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// TestLeadStoredBlankStaysSavable: a lead stored of blanks before they
// were refused can still be changed while it holds some text (its
// metadata, say), but not emptied, and a lead holding a value cannot be
// blanked.
func TestLeadStoredBlankStaysSavable(t *testing.T) {
	old := &enroll.Lead{Phone: "  "}
	if err := enroll.Clone(old).Validate(); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("new blank lead: %v, want EINVALID", err)
	}
	l := enroll.Clone(old)
	l.Metadata = map[string]any{"source": "fair"}
	if err := l.ValidateChange(old); err != nil {
		t.Errorf("change of a lead stored blank: %v", err)
	}
	l.Phone = ""
	if err := l.ValidateChange(old); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Errorf("emptying a lead stored blank: %v, want EINVALID", err)
	}
	held := &enroll.Lead{Phone: "555"}
	l = enroll.Clone(held)
	l.Phone = "\t"
	if err := l.ValidateChange(held); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Errorf("blanking a lead: %v, want EINVALID", err)
	}
}
