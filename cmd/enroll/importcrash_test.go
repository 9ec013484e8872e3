package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestImportKilled kills the server (SIGKILL) in the middle of an import,
// on each store, and restarts it. The killed job's counters are what
// committed (docs/import.md), it reads as interrupted once stale, and
// running the same file again gives what one clean run gives: every
// person once, the bad rows refused again, as many events as enrollments.
func TestImportKilled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("imports thousands of rows twice")
	}
	onCrashStores(t, func(t *testing.T, store, db string) {
		rows := 30000 // SQLite imports about 10,000 rows a second
		if store == "postgres" {
			rows = 6000
		}
		testImportKilled(t, db, rows)
	})
}

// crashCSV is a file of n rows, with a bad email every 97th row and a
// repeat of an earlier row every 101st; it returns the file, how many
// distinct people a clean run enrolls and how many rows it refuses.
func crashCSV(n int) (file string, people, bad int) {
	var b strings.Builder
	b.WriteString("firstName,lastName,email\n")
	seen := map[int]bool{}
	for i := range n {
		switch {
		case i%97 == 50:
			fmt.Fprintf(&b, "Bad,Row%d,not-an-email\n", i)
			bad++
		case i%101 == 60:
			fmt.Fprintf(&b, "Imp,Row%d,imp%d@example.com\n", i-50, i-50)
			seen[i-50] = true
		default:
			fmt.Fprintf(&b, "Imp,Row%d,imp%d@example.com\n", i, i)
			seen[i] = true
		}
	}
	return b.String(), len(seen), bad
}

func testImportKilled(t *testing.T, db string, rows int) {
	c := startChild(t, db)
	key := secretIn(t, c.stdout)
	do(t, "POST", c.url+"/v1/programs", key, `{"slug": "rebate", "name": "Rebate"}`)
	inst := decodeBody(t, do(t, "POST", c.url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	file, people, bad := crashCSV(rows)
	upload := func() string {
		req, err := http.NewRequest("POST", c.url+"/v1/programInstances/"+inst+"/imports", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "text/csv")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var j struct{ ID string }
		if err := json.NewDecoder(res.Body).Decode(&j); err != nil || res.StatusCode != http.StatusAccepted {
			t.Fatalf("upload = %d, %v", res.StatusCode, err)
		}
		return j.ID
	}
	type job struct {
		Status                                                            string
		ProcessedRows, CreatedCount, SkippedCount, FailedRows, ErrorCount int
	}
	get := func(id string) job {
		var j job
		if err := json.NewDecoder(do(t, "GET", c.url+"/v1/imports/"+id, key, "").Body).Decode(&j); err != nil {
			t.Fatal(err)
		}
		return j
	}
	total := func(path string) int {
		return int(decodeBody(t, do(t, "GET", c.url+path+"perPage=1", key, ""))["totalItems"].(float64))
	}

	killed := upload()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		j := get(killed)
		if j.Status != "queued" && j.Status != "running" {
			t.Skipf("the import ended before the kill: %+v", j) // a very fast machine
		}
		if j.ProcessedRows >= rows/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import made no progress: %+v", j)
		}
	}
	time.Sleep(20 * time.Millisecond) // into the next batch
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	c = startChild(t, db)

	// What the killed job says is what committed.
	j := get(killed)
	if j.Status != "running" || j.ProcessedRows >= rows || j.ProcessedRows != j.CreatedCount+j.SkippedCount+j.FailedRows {
		t.Fatalf("killed job %+v", j)
	}
	if n := total("/v1/programInstances/" + inst + "/enrollments?"); n != j.CreatedCount {
		t.Errorf("killed job created %d, %d enrollments", j.CreatedCount, n)
	}
	if n := total("/v1/imports/" + killed + "/errors?"); n != j.ErrorCount {
		t.Errorf("killed job counts %d errors, lists %d", j.ErrorCount, n)
	}
	// Nothing sweeps it at startup; once stale it reads as interrupted.
	im := &enroll.Import{Status: enroll.ImportRunning, ProcessedRows: j.ProcessedRows, UpdatedAt: time.Now()}
	im.Settle(time.Now().Add(enroll.ImportStaleAfter + time.Second))
	if im.Status != enroll.ImportFailed || !strings.Contains(im.Message, "interrupted") {
		t.Errorf("a stale job reads %s: %s", im.Status, im.Message)
	}

	// The same file again: one clean run's result.
	rerun := upload()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if j = get(rerun); j.Status != "queued" && j.Status != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the re-run did not end: %+v", j)
		}
	}
	if j.Status != "succeeded" || j.ProcessedRows != rows || j.FailedRows != bad || j.CreatedCount+j.SkippedCount != rows-bad {
		t.Errorf("re-run %+v: want %d rows, %d failed", j, rows, bad)
	}
	for path, want := range map[string]int{
		"/v1/programInstances/" + inst + "/enrollments?": people,
		"/v1/customers?":                             people,
		"/v1/events?type=enrollment.created&":        people,
		"/v1/events?type=enrollment.status_changed&": people, // autoEvaluate: candidate → eligible
	} {
		if n := total(path); n != want {
			t.Errorf("%s: %d, want %d", path, n, want)
		}
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	checkAfterCrash(t, db)
}
