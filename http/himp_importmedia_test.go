package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHimpImportHeaderAbsent checks that a CSV upload whose Content-Type
// says it has no header row (RFC 7111's header=absent) is refused with a
// 415 saying why, rather than its first row of data taken for the column
// names, which fails every row with "unknown column" and "is required".
func TestHimpImportHeaderAbsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/imports"
	for _, ct := range []string{"text/csv; header=absent", "text/csv; charset=utf-8; header=ABSENT", "application/csv;header=absent"} {
		p := e.do("POST", path, upload{ct, "Ann,Lee,ann-" + uniq() + "@example.com\n"}).expect(http.StatusUnsupportedMediaType).problem()
		if !strings.Contains(p.Detail, "header=absent") {
			t.Errorf("%s: detail %q does not say that header=absent is why", ct, p.Detail)
		}
	}
	// A CSV file that says it has one is read as ever.
	j := e.startImport(inst, upload{"text/csv; header=present", "firstName,lastName,email\nAnn,Lee,ann-" + uniq() + "@example.com\n"}, "")
	if j = e.waitImport(j.ID); j.Status != "succeeded" || j.CreatedCount != 1 {
		t.Fatalf("header=present: %+v", j)
	}
}
