package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres/pgtest"
)

// TestReplicas runs two enroll serve processes on one PostgreSQL database
// and checks that they behave as one service.
func TestReplicas(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	var (
		a, b *child
		wg   sync.WaitGroup
	)
	// Both start at once on an empty database: migrations and the default
	// workspace race, and exactly one key is printed.
	wg.Go(func() { a = startChild(t, db) })
	wg.Go(func() { b = startChild(t, db) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	if n := strings.Count(a.stdout+b.stdout, "sk_"); n != 1 {
		t.Fatalf("%d default keys printed by two replicas, want 1", n)
	}
	secret := secretIn(t, a.stdout+b.stdout)
	replicas := []string{a.url, b.url}

	res := do(t, "POST", a.url+"/v1/programs", secret, `{"slug": "dr", "name": "Demand response"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create program = %d", res.StatusCode)
	}
	// Each replica reads the other's writes at once.
	res = do(t, "POST", b.url+"/v1/programs/dr/instances", secret, `{"slug": "2026", "name": "2026", "autoEvaluate": false}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create instance through the other replica = %d", res.StatusCode)
	}
	inst := decodeBody(t, res)["id"].(string)

	// Concurrent duplicate creates of one customer through both: one 201.
	codes := make(chan int, 20)
	for i := range 20 {
		wg.Go(func() {
			res := do(t, "POST", replicas[i%2]+"/v1/programInstances/"+inst+"/enrollments", secret,
				`{"identificationType": "customerInfo", "firstName": "Dup", "lastName": "Licate", "email": "dup@example.com"}`)
			codes <- res.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("duplicate create answered %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d duplicate creates succeeded, want 1", created)
	}

	// One Idempotency-Key through both at once makes one API key (which,
	// unlike an enrollment, nothing else keeps single), and every answer
	// is its 201 (the first, or a replay) or, while the first still runs, a
	// 409.
	ids := make(chan string, 10)
	for i := range 10 {
		wg.Go(func() { ids <- keyedKeyCreate(t, replicas[i%2], secret) })
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		} else if id != "" && id != first {
			t.Fatalf("one Idempotency-Key made keys %s and %s", first, id)
		}
	}
	var keys struct{ Data []struct{ ID, Name string } }
	decodeInto(t, do(t, "GET", b.url+"/v1/apiKeys?perPage=500", secret, ""), &keys)
	made := 0
	for _, k := range keys.Data {
		if k.Name == "once" {
			made++
		}
	}
	if first == "" || made != 1 {
		t.Fatalf("one Idempotency-Key through two replicas: answered %q, made %d keys", first, made)
	}

	// Concurrent conflicting transitions through both: one decision wins.
	res = do(t, "POST", a.url+"/v1/programInstances/"+inst+"/enrollments", secret,
		`{"identificationType": "customerInfo", "firstName": "Con", "lastName": "Tested", "email": "con@example.com"}`)
	id := decodeBody(t, res)["id"].(string)
	for _, s := range []string{"eligible", "submitted"} {
		if res := do(t, "PATCH", b.url+"/v1/enrollments/"+id, secret, `{"eligibilityStatus": "`+s+`"}`); res.StatusCode != http.StatusOK {
			t.Fatalf("move to %s = %d", s, res.StatusCode)
		}
	}
	decisions := []string{"approved", "rejected", "needs_action"}
	type outcome struct {
		code int
		to   string
	}
	outcomes := make(chan outcome, 30)
	for i := range 30 {
		wg.Go(func() {
			to := decisions[i%3]
			res := do(t, "PATCH", replicas[i%2]+"/v1/enrollments/"+id, secret, `{"eligibilityStatus": "`+to+`"}`)
			outcomes <- outcome{res.StatusCode, to}
		})
	}
	wg.Wait()
	close(outcomes)
	final := decodeBody(t, do(t, "GET", b.url+"/v1/enrollments/"+id, secret, ""))["eligibility"].(map[string]any)["status"].(string)
	for o := range outcomes {
		// One decision applies; later requests for it are no-ops (200), for
		// the others refused. A 200 for anything else means two won.
		if o.code == http.StatusOK && o.to != final {
			t.Errorf("PATCH to %s answered 200 but the enrollment ended %s", o.to, final)
		}
		if o.code != http.StatusOK && o.code != http.StatusConflict && o.code != http.StatusPreconditionFailed {
			t.Errorf("PATCH to %s answered %d", o.to, o.code)
		}
	}
	var hist struct {
		Data []struct{ From, To string }
	}
	decodeInto(t, do(t, "GET", a.url+"/v1/enrollments/"+id+"/history", secret, ""), &hist)
	for i := 1; i < len(hist.Data); i++ {
		if hist.Data[i].From != hist.Data[i-1].To || !enroll.CanTransition(enroll.Status(hist.Data[i].From), enroll.Status(hist.Data[i].To)) {
			t.Fatalf("history is not a path through the workflow: %+v", hist.Data)
		}
	}
	if last := hist.Data[len(hist.Data)-1].To; last != final || len(hist.Data) != 4 {
		t.Fatalf("history %+v ends at %s, enrollment is %s", hist.Data, last, final)
	}
}

// keyedKeyCreate makes an API key named once through the replica at base
// with Idempotency-Key "once", and returns its id, or "" when the answer
// was a 409 (the key's first request still running).
func keyedKeyCreate(t *testing.T, base, secret string) string {
	req, err := http.NewRequest("POST", base+"/v1/apiKeys", strings.NewReader(`{"name": "once"}`))
	if err != nil {
		t.Error(err)
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "once")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer res.Body.Close()
	var k struct{ ID string }
	switch res.StatusCode {
	case http.StatusCreated:
		if err := json.NewDecoder(res.Body).Decode(&k); err != nil {
			t.Error(err)
		}
	case http.StatusConflict:
	default:
		t.Errorf("keyed API key create answered %d", res.StatusCode)
	}
	return k.ID
}

func decodeInto(t *testing.T, res *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
