package http_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestHimpImportFailedByItsFileLogsNoError checks that an import that
// fails for its file (a quote never closed) is logged as a job that
// ended, at info, not at error: the job says why to whoever sent it, and
// an operator alerted on error-level lines was paged for every malformed
// file a user uploads. A failure of the service itself is still an error.
func TestHimpImportFailedByItsFileLogsNoError(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	inst := e.manualInstance()
	j := e.startImport(inst, csvUpload("firstName,lastName,email,notes\nA,B,a-"+uniq()+"@example.com,\"never closed\nC,D,c@example.com,x\n"), "")
	if j = e.waitImport(j.ID); j.Status != "failed" {
		t.Fatalf("import: %+v", j)
	}
	if err := e.srv.Close(); err != nil { // flush background writes into the log
		t.Fatal(err)
	}
	logged := false
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["importId"] != j.ID {
			continue
		}
		logged = true
		if rec["level"] == "ERROR" || rec["level"] == "WARN" {
			t.Errorf("a file's own fault is logged at %s: %s", rec["level"], line)
		}
	}
	if !logged {
		t.Errorf("the job's end is not logged:\n%s", logs.String())
	}
}
