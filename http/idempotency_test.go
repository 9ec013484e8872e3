package http_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func withIdempotencyKey(k string) reqOpt { return withHeader("Idempotency-Key", k) }

// sqlDB opens the env's database file directly, to inspect or damage what
// the store wrote as a crash would leave it.
func (e *env) sqlDB() *sql.DB {
	e.t.Helper()
	if e.dbPath == "" {
		e.t.Skip("simulates a crash by editing the SQLite file; the postgres store's own tests cover it there")
	}
	db, err := sql.Open("sqlite", "file:"+e.dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// exec runs a statement on the env's database.
func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.sqlDB().Exec(query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// total returns totalItems of a list.
func (e *env) total(path string) int {
	e.t.Helper()
	return int(e.do("GET", path, nil).expect(200).obj()["totalItems"].(float64))
}

func TestIdempotency_Replay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/enrollments"
	body := customerInfo(nil)

	first := e.do("POST", path, body, withIdempotencyKey("create-1")).expect(201)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the first response says it is replayed")
	}
	for range 2 {
		again := e.do("POST", path, body, withIdempotencyKey("create-1")).expect(201)
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) ||
			again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("ETag") != first.Header.Get("ETag") ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("replay differs:\n%v %s\n%v %s", first.Header, first.Body, again.Header, again.Body)
		}
		if again.Header.Get("X-Request-Id") == first.Header.Get("X-Request-Id") {
			t.Error("a replay reuses the first request's id")
		}
	}
	if n := e.total(path); n != 1 {
		t.Fatalf("%d enrollments after retries, want 1", n)
	}
	// Without a key the same body is a new request: a duplicate.
	e.do("POST", path, body).expect(409)

	t.Run("another request with the same key", func(t *testing.T) {
		e.do("POST", path, customerInfo(nil), withIdempotencyKey("create-1")).expect(422).problem()
		e.do("POST", "/v1/programInstances/"+e.manualInstance()+"/enrollments", body, withIdempotencyKey("create-1")).expect(422)
		other := e.scopedKey([]string{"enrollments:write"}, nil)
		e.do("POST", path, body, withIdempotencyKey("create-1"), withKey(other)).expect(422)
		if n := e.total(path); n != 1 {
			t.Fatalf("%d enrollments, want 1", n)
		}
	})
	t.Run("the same body written otherwise is the same request", func(t *testing.T) {
		// A retry that a client library serialized again, members in
		// another order and other spacing, is replayed; a value changed
		// (1 against 1.0 too) is another request.
		first := e.do("POST", "/v1/programs", raw(`{"slug": "idem-order", "name": "A", "metadata": {"n": 1, "m": [1, "x"]}}`),
			withIdempotencyKey("order-1")).expect(201)
		again := e.do("POST", "/v1/programs", raw(`{"metadata":{"m":[1,"x"],"n":1},"name":"A",
			"slug":"idem-order"}`), withIdempotencyKey("order-1")).expect(201)
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) {
			t.Errorf("not replayed: %s", again.Body)
		}
		e.do("POST", "/v1/programs", raw(`{"slug": "idem-order", "name": "A", "metadata": {"n": 1.0, "m": [1, "x"]}}`),
			withIdempotencyKey("order-1")).expect(422)
		e.do("POST", "/v1/programs", raw(`{"slug": "idem-order", "name": "A", "metadata": {"n": 1, "m": ["x", 1]}}`),
			withIdempotencyKey("order-1")).expect(422)
		// A body refused for naming a member twice is not the body that
		// keeps the last value: the corrected request is another one.
		e.do("POST", "/v1/leads", raw(`{"email": "a@example.com", "email": "b@example.com"}`), withIdempotencyKey("dup-1")).expect(400)
		e.do("POST", "/v1/leads", raw(`{"email": "b@example.com"}`), withIdempotencyKey("dup-1")).expect(422)
	})
	t.Run("keys are per workspace", func(t *testing.T) {
		_, _, other := e.newWorkspace()
		e.do("POST", "/v1/leads", map[string]any{"email": "a@example.com"}, withIdempotencyKey("create-1"), withKey(other)).expect(201)
	})
	t.Run("client errors are kept too", func(t *testing.T) {
		bad := map[string]any{"identificationType": "customerInfo"}
		first := e.do("POST", path, bad, withIdempotencyKey("bad-1")).expect(422)
		again := e.do("POST", path, bad, withIdempotencyKey("bad-1")).expect(422)
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) {
			t.Errorf("422 not replayed: %s", again.Body)
		}
	})
	t.Run("evaluate", func(t *testing.T) {
		id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
		first := e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil, withIdempotencyKey("eval-1")).expect(200)
		e.patchStatus(id, "submitted")
		again := e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil, withIdempotencyKey("eval-1")).expect(200)
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) {
			t.Errorf("evaluate not replayed: %s", again.Body)
		}
	})
	t.Run("invalid keys", func(t *testing.T) {
		// An empty key is a key, not its absence: read as none, a retry
		// would make a second lead. Two keys are one too many.
		twice := func(r *http.Request) { r.Header["Idempotency-Key"] = []string{"a", "b"} }
		for _, opt := range []reqOpt{withIdempotencyKey(strings.Repeat("k", 256)), withIdempotencyKey("tab\there"),
			withIdempotencyKey("é"), withIdempotencyKey(""), twice} {
			p := e.do("POST", "/v1/leads", map[string]any{"email": "x@example.com"}, opt).expect(422).problem()
			if !p.hasLocation("header.Idempotency-Key") {
				t.Errorf("%v", p.locations())
			}
		}
		if n := e.total("/v1/leads?email=x@example.com"); n != 0 {
			t.Errorf("%d leads made with bad keys", n)
		}
	})
	t.Run("the OpenAPI document declares the header on every POST", func(t *testing.T) {
		for _, op := range operations(e.srv.OpenAPI()) {
			// Idempotency keys are per API key: public POSTs (unsubscribe,
			// idempotent by nature) take none.
			if op.Method != "POST" || len(op.Security) == 0 {
				continue
			}
			if !hasParam(op.Parameters, "Idempotency-Key") {
				t.Errorf("%s lacks the Idempotency-Key parameter", op.OperationID)
			}
		}
	})
}

func hasParam(params []*huma.Param, name string) bool {
	for _, p := range params {
		if p.Name == name && p.In == "header" {
			return true
		}
	}
	return false
}

// TestIdempotency_EveryPOST sends every POST of the document twice with one
// Idempotency-Key: no operation refuses the header, and the second answer
// is the first, replayed.
func TestIdempotency_EveryPOST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, op := range operations(e.srv.OpenAPI()) {
		if op.Method != "POST" || len(op.Security) == 0 { // public: no key, no Idempotency-Key
			continue
		}
		t.Run(op.OperationID, func(t *testing.T) {
			t.Parallel()
			f := e.newFixture()
			path, body := f.path(t, op.Path), f.body(t, op)
			first := e.do("POST", path, body, withIdempotencyKey("every-"+op.OperationID))
			if first.Status >= 300 {
				t.Fatalf("%s = %d: %s", path, first.Status, first.Body)
			}
			again := e.do("POST", path, body, withIdempotencyKey("every-"+op.OperationID))
			if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") {
				t.Fatalf("replay = %d %v %s; first %d %v", again.Status, again.Header, again.Body, first.Status, first.Header)
			}
		})
	}
}

func TestIdempotency_Concurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/enrollments"
	body := customerInfo(nil)
	const n = 12
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		locations = map[string]int{}
		fresh     int
	)
	for range n {
		wg.Go(func() {
			r := e.do("POST", path, body, withIdempotencyKey("together"))
			mu.Lock()
			defer mu.Unlock()
			if r.Status != 201 {
				t.Errorf("status %d: %s", r.Status, r.Body)
				return
			}
			locations[r.Header.Get("Location")]++
			if r.Header.Get("Idempotent-Replayed") == "" {
				fresh++
			}
		})
	}
	wg.Wait()
	if len(locations) != 1 || fresh != 1 {
		t.Fatalf("locations %v, %d not replayed; want one location, one fresh answer", locations, fresh)
	}
	if got := e.total(path); got != 1 {
		t.Fatalf("%d enrollments, want 1", got)
	}
}

// TestIdempotency_CrashAfterCommit recreates what a server killed between
// committing the work and storing the response leaves behind (a committed
// record without a response), and checks that a retry rebuilds the
// response from the object instead of doing the work again.
func TestIdempotency_CrashAfterCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	forget := func(key string) {
		e.exec(`UPDATE idempotency_keys SET state = 'committed', status = NULL, header = NULL, body = NULL WHERE idem_key = ?`, key)
	}

	path := "/v1/programInstances/" + inst + "/enrollments"
	body := customerInfo(nil)
	first := e.do("POST", path, body, withIdempotencyKey("crash-1")).expect(201)
	forget("crash-1")
	again := e.do("POST", path, body, withIdempotencyKey("crash-1")).expect(201)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") ||
		again.Header.Get("ETag") != first.Header.Get("ETag") || again.obj()["id"] != first.obj()["id"] || again.obj()["email"] != body["email"] {
		t.Fatalf("rebuilt = %v %s\nfirst = %v %s", again.Header, again.Body, first.Header, first.Body)
	}
	for _, d := range answerDiff(first.obj(), again.obj(), false, "") {
		t.Errorf("rebuilt differs from the first answer: %s", d)
	}
	if n := e.total(path); n != 1 {
		t.Fatalf("%d enrollments, want 1", n)
	}
	// The rebuilt response is stored: later retries replay the same bytes.
	later := e.do("POST", path, body, withIdempotencyKey("crash-1")).expect(201)
	if !bytes.Equal(later.Body, again.Body) {
		t.Errorf("later replay differs")
	}

	t.Run("api key: the secret is stored nowhere", func(t *testing.T) {
		created := e.do("POST", "/v1/apiKeys", map[string]any{"name": "ci"}, withIdempotencyKey("key-1")).expect(201)
		secret := created.obj()["secret"].(string)
		replay := e.do("POST", "/v1/apiKeys", map[string]any{"name": "ci"}, withIdempotencyKey("key-1")).expect(201)
		if _, ok := replay.obj()["secret"]; ok || replay.obj()["id"] != created.obj()["id"] {
			t.Fatalf("replay = %s", replay.Body)
		}
		var stored []byte
		if err := e.sqlDB().QueryRow(`SELECT body FROM idempotency_keys WHERE idem_key = 'key-1'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored, []byte(secret)) || !bytes.Contains(stored, []byte(created.obj()["id"].(string))) {
			t.Fatalf("stored body = %s", stored)
		}
		forget("key-1")
		rebuilt := e.do("POST", "/v1/apiKeys", map[string]any{"name": "ci"}, withIdempotencyKey("key-1")).expect(201)
		if _, ok := rebuilt.obj()["secret"]; ok || rebuilt.obj()["id"] != created.obj()["id"] || rebuilt.Header.Get("Location") != created.Header.Get("Location") {
			t.Fatalf("rebuilt = %s", rebuilt.Body)
		}
	})
	t.Run("a rebuilt creation keeps its ETag", func(t *testing.T) {
		for _, c := range []struct {
			key, path string
			body      map[string]any
		}{
			{"etag-program", "/v1/programs", map[string]any{"slug": "etag-rebuilt", "name": "E"}},
			{"etag-customer", "/v1/customers", map[string]any{"firstName": "a", "lastName": "b", "email": "etag-rebuilt@example.com"}},
			{"etag-lead", "/v1/leads", map[string]any{"email": "etag-lead-rebuilt@example.com"}},
			{"etag-webhook", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/etag-rebuilt"}},
		} {
			first := e.do("POST", c.path, c.body, withIdempotencyKey(c.key)).expect(201)
			forget(c.key)
			rebuilt := e.do("POST", c.path, c.body, withIdempotencyKey(c.key)).expect(201)
			if tag := rebuilt.Header.Get("ETag"); tag == "" || tag != first.Header.Get("ETag") {
				t.Errorf("%s: rebuilt ETag %q, first %q", c.path, tag, first.Header.Get("ETag"))
			}
		}
	})
	t.Run("the object is gone", func(t *testing.T) {
		lead := e.do("POST", "/v1/leads", map[string]any{"email": "gone@example.com"}, withIdempotencyKey("gone-1")).expect(201).obj()["id"].(string)
		e.do("DELETE", "/v1/leads/"+lead, nil).expect(204)
		forget("gone-1")
		e.do("POST", "/v1/leads", map[string]any{"email": "gone@example.com"}, withIdempotencyKey("gone-1")).expect(409).problem()
	})
}

// TestIdempotency_CrashBeforeCommit recreates a claim whose server died
// before the work committed: a retry waits, answers 409 while the claim's
// lease runs, then takes the claim over and does the work, once.
func TestIdempotency_CrashBeforeCommit(t *testing.T) {
	t.Parallel()
	const lease = 400 * time.Millisecond
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.IdempotencyLease, c.IdempotencyWait = lease, 50*time.Millisecond })
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/enrollments"
	body := customerInfo(nil)
	raw, _ := json.Marshal(body)
	hash := enroll.IdempotencyFingerprint(e.keyID, "POST", path, "", raw)
	if _, claimed, err := e.store.ClaimIdempotencyKey(context.Background(), e.wsID, "dead-1", hash, lease); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	r := e.do("POST", path, body, withIdempotencyKey("dead-1")).expect(409)
	if r.Header.Get("Retry-After") == "" || r.obj()["idempotencyKey"] != "in_progress" {
		t.Fatalf("in progress answer = %v %s", r.Header, r.Body)
	}
	if n := e.total(path); n != 0 {
		t.Fatalf("the waiting request did the work: %d enrollments", n)
	}
	time.Sleep(lease)
	created := e.do("POST", path, body, withIdempotencyKey("dead-1")).expect(201)
	if created.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the takeover's answer says it is replayed")
	}
	e.do("POST", path, body, withIdempotencyKey("dead-1")).expect(201)
	if n := e.total(path); n != 1 {
		t.Fatalf("%d enrollments, want 1", n)
	}
}

// TestIdempotency_ServerErrorReleases checks that a 5xx is not kept: the
// claim is released and a retry runs the request again.
func TestIdempotency_ServerErrorReleases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A missing table makes the store fail the way a broken database does.
	e.exec(`ALTER TABLE leads RENAME TO leads_away`)
	e.do("POST", "/v1/leads", map[string]any{"email": "five@example.com"}, withIdempotencyKey("five-1")).expect(500)
	var n int
	if err := e.sqlDB().QueryRow(`SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'five-1'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("records after a 500: %d, %v", n, err)
	}
	e.exec(`ALTER TABLE leads_away RENAME TO leads`)
	r := e.do("POST", "/v1/leads", map[string]any{"email": "five@example.com"}, withIdempotencyKey("five-1")).expect(201)
	if r.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the retry after a 500 was replayed")
	}
}

// slowCreates is the store with every enrollment create taking delay
// longer, as a create does while it waits for a lock others hold.
type slowCreates struct {
	testStore
	delay time.Duration
}

// CreateEnrollment waits, then creates.
func (s *slowCreates) CreateEnrollment(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(s.delay):
	}
	return s.testStore.CreateEnrollment(ctx, a, instanceID, in)
}

// TestIdempotency_SlowRequest checks that a request with an
// Idempotency-Key may take longer than Huma's 5-second body read
// deadline, which used to fall on the connection once the middleware had
// read the body and cancel the request (500), and longer than the time
// allowed for storing its response, which used to run from the start of
// the request, leaving the claim neither stored nor released.
func TestIdempotency_SlowRequest(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		c.Store = &slowCreates{testStore: c.Store.(testStore), delay: 5500 * time.Millisecond}
	})
	inst, body := e.manualInstance(), customerInfo(nil)
	first := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body, withIdempotencyKey("slow-1")).expect(201)
	// The response was stored, not left for a retry to rebuild. (A claim
	// of another request's hash reads the record and changes nothing.)
	rec, claimed, err := e.store.ClaimIdempotencyKey(context.Background(), e.wsID, "slow-1", "probe", time.Minute)
	if err != nil || claimed || rec.State != enroll.IdempotencyCompleted {
		t.Errorf("record after the response: %+v, claimed %v, %v; want completed", rec, claimed, err)
	}
	again := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body, withIdempotencyKey("slow-1")).expect(201)
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) {
		t.Errorf("the retry was not the stored response: replayed %q, body %s", again.Header.Get("Idempotent-Replayed"), again.Body)
	}
}

// TestIdempotency_MediaType checks that an import sent with the wrong
// media type, then again with the right one under the same key, is not
// answered with the first attempt's refusal as if it were the same
// request: the media type decides how the body is read, so it is part of
// the request, and the key, used for another, is a 422 saying so. A JSON
// request's charset parameter changes nothing.
func TestIdempotency_MediaType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	line := `{"identificationType":"customerInfo","firstName":"Nd","lastName":"Json","email":"mt@example.com"}` + "\n"
	path := "/v1/programInstances/" + inst + "/imports"
	e.do("POST", path, upload{"text/csv", line}, withIdempotencyKey("mt-1")).expect(422)
	again := e.do("POST", path, upload{"application/x-ndjson", line}, withIdempotencyKey("mt-1")).expect(422)
	if again.Header.Get("Idempotent-Replayed") != "" || !strings.Contains(string(again.Body), "different request") {
		t.Errorf("the corrected upload was answered from the refused one: %s", again.Body)
	}
	e.do("POST", path, upload{"application/x-ndjson", line}, withIdempotencyKey("mt-2")).expect(202)

	body := `{"email": "charset@example.com"}`
	first := e.do("POST", "/v1/leads", upload{"application/json", body}, withIdempotencyKey("mt-3")).expect(201)
	replay := e.do("POST", "/v1/leads", upload{"application/json; charset=utf-8", body}, withIdempotencyKey("mt-3")).expect(201)
	if replay.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(replay.Body, first.Body) {
		t.Error("a charset parameter made a JSON request another one")
	}
}

// TestIdempotency_RawFingerprint retries a request whose record was
// stored before JSON bodies were read by what they say (its fingerprint
// that of the bytes): the same bytes are the same request.
func TestIdempotency_RawFingerprint(t *testing.T) {
	t.Parallel()
	const lease = 200 * time.Millisecond
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.IdempotencyLease, c.IdempotencyWait = lease, 50*time.Millisecond })
	body := `{"email":   "legacy@example.com",  "firstName": "Old"}`
	old := enroll.IdempotencyFingerprintRaw(e.keyID, "POST", "/v1/leads", "", []byte(body))
	if old == enroll.IdempotencyFingerprint(e.keyID, "POST", "/v1/leads", "", []byte(body)) {
		t.Fatal("the fixture's body is canonical already")
	}
	if _, claimed, err := e.store.ClaimIdempotencyKey(context.Background(), e.wsID, "legacy-1", old, lease); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	time.Sleep(lease) // the old server died holding it
	created := e.do("POST", "/v1/leads", raw(body), withIdempotencyKey("legacy-1")).expect(201)
	again := e.do("POST", "/v1/leads", raw(body), withIdempotencyKey("legacy-1")).expect(201)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.obj()["id"] != created.obj()["id"] {
		t.Fatalf("replay = %v %s", again.Header, again.Body)
	}
}
