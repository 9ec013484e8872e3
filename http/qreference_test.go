package http_test

import (
	"net/url"
	"testing"
)

// TestQReferenceNonASCIIAsWritten checks docs/api.md's "q matches ... the
// email and reference id by their prefix in lower case (the reference
// id's non-ASCII letters as written)": a reference id holding an
// upper-case non-ASCII letter (ÉCOLE-9, Ref-Ünit) is found by a q that
// writes that letter as the reference does, its ASCII letters in any
// case. q was lower-cased whole (É to é) while the stored reference id
// is lower-cased in ASCII only (É kept), so no q could find such a
// reference id past its first non-ASCII capital.
func TestQReferenceNonASCIIAsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	ecole := e.enrollIn(inst, customerInfo(map[string]any{"referenceId": "ÉCOLE-9"}))["id"].(string)
	unit := e.enrollIn(inst, customerInfo(map[string]any{"referenceId": "Ref-Ünit"}))["id"].(string)
	e.enrollIn(inst, customerInfo(map[string]any{"referenceId": "ref-u"}))
	for _, c := range []struct{ q, want string }{
		{"ÉCOLE", ecole}, {"Écol", ecole}, {"ÉCOLE-9", ecole}, {"Écolé", ""},
		{"ref-Ü", unit}, {"REF-Ünit", unit}, {"Ref-Ü Suzie", unit},
	} {
		for _, path := range []string{"/v1/enrollments", "/v1/programInstances/" + inst + "/enrollments"} {
			got := e.do("GET", path+"?q="+url.QueryEscape(c.q), nil).expect(200).obj()["data"].([]any)
			var ids []string
			for _, x := range got {
				ids = append(ids, x.(map[string]any)["id"].(string))
			}
			if (c.want == "" && len(ids) != 0) || (c.want != "" && (len(ids) != 1 || ids[0] != c.want)) {
				t.Errorf("%s q=%q: %v, want %q", path, c.q, ids, c.want)
			}
		}
	}
}
