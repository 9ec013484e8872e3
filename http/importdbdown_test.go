package http_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestImportEndsWhenDatabaseReturns cuts the database away from a running
// import for a moment. The import stops at its failed batch, as
// docs/import.md says, but recording that it failed needs the database
// too, and the job was left `running` with no one running it: for two
// minutes every poll (the CLI's progress bar) saw a live job make no
// progress, and then it read as failed because "the server running it
// stopped", which the server had not. Once the database is back, the job
// should read as failed, with the reason, within moments.
func TestImportEndsWhenDatabaseReturns(t *testing.T) {
	t.Parallel()
	j := importCutOff(t, "down")
	if j["status"] == "running" || strings.Contains(fmt.Sprint(j["message"]), "server running it stopped") {
		t.Errorf("the import 20 s after the database returned: %s, %q; want failed, saying why", j["status"], j["message"])
	}
}
