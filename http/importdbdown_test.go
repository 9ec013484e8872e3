package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
	e, p := newEnvBehindProxy(t)
	inst := e.createInstance(nil)
	var b strings.Builder
	b.WriteString("firstName,lastName,email\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "Ada,Down,down-%d@example.com\n", i)
	}
	job := e.do("POST", "/v1/programInstances/"+inst+"/imports", csvUpload(b.String())).expect(202).obj()
	id := job["id"].(string)
	for deadline := time.Now().Add(30 * time.Second); ; {
		j := e.do("GET", "/v1/imports/"+id, nil).expect(200).obj()
		if j["processedRows"].(float64) > 0 {
			break
		}
		if j["status"] != "queued" && j["status"] != "running" || time.Now().After(deadline) {
			t.Fatalf("the import ended, or never started, before the cut: %v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Stop()
	time.Sleep(1500 * time.Millisecond)
	p.Start()
	var j map[string]any
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r := e.do("GET", "/v1/imports/"+id, nil)
		if r.Status != 200 {
			continue // the pool may still be dialing
		}
		if j = r.obj(); j["status"] != "running" {
			break
		}
	}
	if j["status"] == "running" || strings.Contains(fmt.Sprint(j["message"]), "server running it stopped") {
		t.Errorf("the import 20 s after the database returned: %s, %q; want failed, saying why", j["status"], j["message"])
	}
}
