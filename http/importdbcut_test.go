package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// importCutOff starts an import of 40,000 rows on a PostgreSQL store
// behind a proxy, cuts the database off for 1.5 s once rows are going
// in, and returns the job as it reads after the database is back: no
// longer running, or running still after 20 s.
func importCutOff(t *testing.T, prefix string) map[string]any {
	t.Helper()
	e, p := newEnvBehindProxy(t)
	inst := e.createInstance(nil)
	var b strings.Builder
	b.WriteString("firstName,lastName,email\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "Ada,Cut,%s-%d@example.com\n", prefix, i)
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
	return j
}

// TestImportCutSaysDatabaseWasLost checks that an import failed by a lost
// PostgreSQL connection says so, as the API's 503 does, rather than
// "Internal error.", so that its reader knows to run it again once the
// database answers.
func TestImportCutSaysDatabaseWasLost(t *testing.T) {
	t.Parallel()
	j := importCutOff(t, "lost")
	msg := fmt.Sprint(j["message"])
	if j["status"] != "failed" || strings.Contains(msg, "Internal error") || !strings.Contains(msg, "database") {
		t.Errorf("the import after its database connection was cut: %s, %q; want failed, saying the database was lost", j["status"], msg)
	}
	if !strings.Contains(msg, "again") {
		t.Errorf("message %q does not say to run the import again", msg)
	}
}
