package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHimpImportIdempotencyKeyTooLarge checks that an import over 1 MiB
// sent with an Idempotency-Key is told that the key is what limits it,
// and what to do: the API documents imports as limited only by disk, so
// a bare "the limit is 1048576 bytes" leaves the sender with no way on.
func TestHimpImportIdempotencyKeyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var b strings.Builder
	b.WriteString("firstName,lastName,email,notes\n")
	for b.Len() <= 1<<20 {
		b.WriteString("Big,File,big-" + uniq() + "@example.com," + strings.Repeat("n", 200) + "\n")
	}
	p := e.do("POST", "/v1/programInstances/"+inst+"/imports?dryRun=true", csvUpload(b.String()),
		withHeader("Idempotency-Key", "big-"+uniq())).expect(http.StatusRequestEntityTooLarge).problem()
	if !strings.Contains(p.Detail, "Idempotency-Key") || !strings.Contains(p.Detail, "without") {
		t.Errorf("413 detail %q does not say that the Idempotency-Key limits the file, nor to send it without one", p.Detail)
	}
	// Without the key the same file is taken.
	j := e.startImport(inst, csvUpload(b.String()), "?dryRun=true")
	if j = e.waitImport(j.ID); j.Status != "succeeded" {
		t.Fatalf("without the key: %+v", j)
	}
}
