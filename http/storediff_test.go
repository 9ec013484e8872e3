package http_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/namekey"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/jackc/pgx/v5"
)

// newEnvStore starts a server over SQLite, or PostgreSQL when pg, whatever
// ENROLL_TEST_STORE says, so that one test can run both side by side.
func newEnvStore(t *testing.T, pg bool) *env {
	t.Helper()
	ctx := context.Background()
	var (
		db    testStore
		err   error
		path  string
		pgURL string
	)
	if pg {
		pgURL = pgtest.NewDatabase(t)
		if loc := os.Getenv("ENROLL_DIFF_PG_LOCALE"); loc != "" {
			// A database whose default collation is a language's, as
			// production ones often are, rather than the test server's C.
			u, _ := url.Parse(pgURL)
			name := strings.TrimPrefix(u.Path, "/")
			conn, err := pgx.Connect(ctx, pgtest.ServerURL())
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"DROP DATABASE " + name, "CREATE DATABASE " + name + " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '" + loc + "' LOCALE 'C.UTF-8'"} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			conn.Close(ctx)
		}
		db, err = postgres.Open(ctx, postgres.Config{URL: pgURL, Engine: rules.New()})
	} else {
		path = filepath.Join(t.TempDir(), "enroll.db")
		db, err = sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New()})
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	srv := enrollhttp.NewServer(enrollhttp.Config{
		Addr: "127.0.0.1:0", Store: db, Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := srv.Open(); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := &env{t: t, srv: srv, store: db, url: srv.URL(), dbPath: path, pgURL: pgURL}
	e.wsID, e.keyID, e.secret = e.newWorkspace()
	return e
}

// differ drives the same workload through two servers and a model.
type differ struct {
	t    *testing.T
	r    *rand.Rand
	a, b *env
	// tok maps each side's ids to logical tokens, and back.
	tok       map[string]string
	side      [2]map[string]string // token -> id
	n         map[byte]int
	diffs     []string
	model     []*menr
	byTok     map[string]*menr
	custs     []*mcust
	leads     []string // tokens
	leadData  map[string]*mcust
	inst      []string // tokens
	instAuto  map[string]bool
	refs      []string
	emails    []string
	tags      []string
	manus     []string
	groups    []string
	queries   int
	inactive  map[string]bool
	converted map[string]bool
	scoped    [2]string // secrets of keys limited to instances I0 and I2
	nonEmpty  int
}

// menr is the model of one enrollment.
type menr struct {
	tok, inst, cust, lead          string
	first, last, email, ref        string
	tags, manus, groups            []string
	status                         string
	deleted                        bool
	seq                            int
	createdA, createdB, updA, updB string
}

// mcust is the model of a customer or lead.
type mcust struct {
	tok, first, last, email string
}

func (d *differ) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(d.diffs) < 400 {
		d.diffs = append(d.diffs, msg)
	}
}

func (d *differ) register(kind byte, ida, idb string) string {
	if t, ok := d.tok[ida]; ok {
		if d.side[1][t] != idb {
			d.fail("id %s (%s) maps to %s but B answered %s", ida, t, d.side[1][t], idb)
		}
		return t
	}
	t := fmt.Sprintf("%c%d", kind, d.n[kind])
	d.n[kind]++
	d.tok[ida], d.tok[idb] = t, t
	d.side[0][t], d.side[1][t] = ida, idb
	return t
}

var idLike = regexp.MustCompile(`^[0-9a-z]{24}$`)

var idInText = regexp.MustCompile(`\b[0-9a-z]{24}\b`)

// norm returns v with ids replaced by tokens and times by a marker.
func (d *differ) norm(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			switch k {
			case "requestId", "etag", "href", "rulesVersion":
				continue
			}
			out[k] = d.norm(vv, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = d.norm(x[i], key)
		}
		return out
	case string:
		if t, ok := d.tok[x]; ok {
			return t
		}
		x = idInText.ReplaceAllStringFunc(x, func(m string) string {
			if t, ok := d.tok[m]; ok {
				return t
			}
			return m
		})
		if idLike.MatchString(x) && strings.HasSuffix(strings.ToLower(key), "id") {
			return "<id?>"
		}
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil && len(x) > 18 {
			return "<time>"
		}
		if strings.HasPrefix(x, "evt_") {
			return "<evt>"
		}
		if key == "nextPageToken" {
			return "<token>"
		}
		return x
	}
	return v
}

func jsonOf(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}

func canon(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// both sends one request to both servers; body may name tokens as
// "@T" strings, translated to each side's id.
func (d *differ) both(method, path string, body any, opts ...reqOpt) (*response, *response) {
	ra := d.a.do(method, d.tr(path, 0), d.trBody(body, 0), opts...)
	rb := d.b.do(method, d.tr(path, 1), d.trBody(body, 1), opts...)
	if tr := os.Getenv("ENROLL_DIFF_TRACE"); tr != "" && (strings.Contains(path, "@"+tr) || strings.Contains(string(ra.Body), d.side[0][tr]) && d.side[0][tr] != "") {
		b, _ := json.Marshal(body)
		d.t.Logf("TRACE %s %s %s -> %d %.600s", method, path, b, ra.Status, ra.Body)
	}
	if ra.Status != rb.Status {
		d.fail("%s %s: status A(sqlite)=%d B(pg)=%d\n A: %.400s\n B: %.400s", method, path, ra.Status, rb.Status, ra.Body, rb.Body)
	}
	return ra, rb
}

var tokRe = regexp.MustCompile(`@([A-Z][0-9]+)`)

func (d *differ) tr(s string, side int) string {
	return tokRe.ReplaceAllStringFunc(s, func(m string) string {
		if id, ok := d.side[side][m[1:]]; ok {
			return id
		}
		return "zzzzzzzzzzzzzzzzzzzzzzzz"
	})
}

func (d *differ) trBody(body any, side int) any {
	if body == nil {
		return nil
	}
	if u, ok := body.(upload); ok {
		u.body = d.tr(u.body, side)
		return u
	}
	b, _ := json.Marshal(body)
	var v any
	_ = json.Unmarshal(b, &v)
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				x[k] = walk(vv)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case string:
			return d.tr(x, side)
		}
		return v
	}
	return walk(v)
}

// same compares the two answers' bodies, normalized.
func (d *differ) same(what string, ra, rb *response) (any, any) {
	va, erra := jsonOf(ra.Body)
	vb, errb := jsonOf(rb.Body)
	if erra != nil || errb != nil {
		if string(ra.Body) != string(rb.Body) {
			d.fail("%s: bodies differ (not JSON)", what)
		}
		return nil, nil
	}
	na, nb := d.norm(va, ""), d.norm(vb, "")
	if ca, cb := canon(na), canon(nb); ca != cb {
		d.fail("%s: bodies differ\n A: %.1500s\n B: %.1500s", what, ca, cb)
	}
	return va, vb
}

// names are the tricky names the workload draws from.
var diffFirst = []string{
	"Émile", "emile", "EMILE", "Mary Ann", "mary-ann", "Jean-Luc", "José\u00a0María", "  Maxine ", "Zoë", "Øster",
	"Łukasz", "Straße", "O'Brien", "d'Arcy", "Anne Marie Louise", "李", "李 小龍", "山田", "🙂 Smile", "Ann",
	"ann", "ANN", "Müller", "Muller", "ß", "Æsa", "Ŀlorenç", "Þór", "İlkay", "ǅemal", "ﬁona", "Ⅻ", "Ｊｏｈｎ", "\u00a0Nina\u00a0",
	"Jo\u0301se", "A\u2019Bee", "Dash\u2010Ed", "Van", "van der", "de la", "Sue", "Suzie", "Al", "Alice",
}

var diffLast = []string{
	"van der Berg", "Van Der Berg", "O'Brien", "Smith Mary-Ann", "García  Márquez García", "Östberg", "Ostby", "Zola",
	"Müller", "Muller", "Mullers", "MÜLLER", "de la Cruz", "Homeowner", "le Blanc-Noir", "D'Angelo", "McDonald",
	"田中", "Ἀθηνᾶ", "Σίσυφος", "Søren", "Łoś", "Blocked", "ber", "Berg", "Bergström", " Trailing ", "a b c d e f g h i",
	"Ça-Va", "x", "X", "🙂", "Ｓｍｉｔｈ", "the \t tab", "Nguyễn", "Đặng", "Ørsted", "ǅukić", "Œuvre",
}

var diffRefs = []string{"", "", "", "REF-1", "ref-1", "Ref-É1", "réf-2", "ABC 123", "abc", "ÉCOLE-9", "x_y", "x%y", "100", "1000", "ÿ-ref", "K-\u00e9"}
var diffTags = []string{"solar", "Solar", "SOLAR", "battery", " spaced ", "ev", "é", "E", "a|b", "tag-1"}
var diffManus = []string{"lg", "LG", "tesla", "enphase", "sma", "Tesla"}

func (d *differ) pick(s []string) string { return s[d.r.IntN(len(s))] }

func (d *differ) sub(s []string, max int) []string {
	n := d.r.IntN(max + 1)
	var out []string
	for i := 0; i < n; i++ {
		v := d.pick(s)
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (d *differ) newEmail() string {
	local := []string{"sue", "Sue", "mary.ann", "o'brien", "jean-luc", "x", "zz", "al", "alice", "ref-1"}
	e := fmt.Sprintf("%s%d@Example.COM", d.pick(local), d.r.IntN(60))
	if d.r.IntN(3) == 0 {
		e = strings.ToLower(e)
	}
	return e
}

// mustTok registers the answers' ids under kind.
func (d *differ) created(kind byte, ra, rb *response) string {
	if ra.Status >= 300 || rb.Status >= 300 {
		return ""
	}
	ida, _ := ra.obj()["id"].(string)
	idb, _ := rb.obj()["id"].(string)
	return d.register(kind, ida, idb)
}

func (d *differ) setup() {
	ra, rb := d.both("POST", "/v1/programs", map[string]any{"slug": "p1", "name": "P1"})
	d.created('P', ra, rb)
	ra, rb = d.both("POST", "/v1/programs", map[string]any{"slug": "p2", "name": "P2"})
	d.created('P', ra, rb)
	groups := []map[string]any{{"id": "g1", "name": "G one"}, {"id": "G1", "name": "G One"}, {"id": "g 2", "name": "two"}, {"id": "é", "name": "e"}}
	d.groups = []string{"g1", "G1", "g 2", "é"}
	mk := func(prog string, slug string, auto bool, rulesOn bool) {
		body := map[string]any{"slug": slug, "name": slug, "autoEvaluate": auto, "groups": groups}
		if rulesOn {
			body["eligibilityRules"] = []map[string]any{{"name": "not-blocked", "expression": `enrollment.lastName != "Blocked"`, "reason": "blocked"}}
		}
		ra, rb := d.both("POST", "/v1/programs/"+prog+"/instances", body)
		tk := d.created('I', ra, rb)
		d.same("create instance", ra, rb)
		d.inst = append(d.inst, tk)
		d.instAuto[tk] = auto
	}
	mk("p1", "i1", false, false)
	mk("p1", "i2", true, true)
	mk("p2", "i3", true, true)
	for side, e := range []*env{d.a, d.b} {
		r := e.do("POST", "/v1/apiKeys", map[string]any{"name": "scoped", "scopes": []string{"enrollments:read", "events:read"},
			"programInstanceIds": []string{d.side[side][d.inst[0]], d.side[side][d.inst[2]]}}).expect(201)
		d.scoped[side] = r.obj()["secret"].(string)
	}
	for i := 0; i < 6; i++ {
		c := &mcust{first: d.pick(diffFirst), last: d.pick(diffLast), email: d.newEmail()}
		ra, rb := d.both("POST", "/v1/customers", map[string]any{"firstName": c.first, "lastName": c.last, "email": c.email, "referenceId": d.pick(diffRefs)})
		if c.tok = d.created('C', ra, rb); c.tok != "" {
			d.custs = append(d.custs, c)
		}
	}
	for i := 0; i < 4; i++ {
		c := &mcust{first: d.pick(diffFirst), last: d.pick(diffLast), email: d.newEmail()}
		ra, rb := d.both("POST", "/v1/leads", map[string]any{"firstName": c.first, "lastName": c.last, "email": c.email})
		if c.tok = d.created('L', ra, rb); c.tok != "" {
			d.leads = append(d.leads, c.tok)
			d.leadData[c.tok] = c
		}
	}
}

func (d *differ) open(e *menr) bool {
	return !e.deleted && e.status != "rejected" && e.status != "unenrolled"
}

// emailHeld reports an open enrollment of inst holding email.
func (d *differ) emailHeld(inst, email string, except *menr) bool {
	for _, e := range d.model {
		if e != except && d.open(e) && e.inst == inst && enroll.NormalizeEmail(e.email) == enroll.NormalizeEmail(email) {
			return true
		}
	}
	return false
}

func (d *differ) custByEmail(email string) *mcust {
	for _, c := range d.custs {
		if enroll.NormalizeEmail(c.email) == enroll.NormalizeEmail(email) {
			return c
		}
	}
	return nil
}

// fromAnswer fills a model enrollment's ids from the answers.
func (d *differ) noteCustomer(e *menr, ra, rb *response) {
	ma, mb := ra.obj(), rb.obj()
	ca, _ := ma["customerId"].(string)
	cb, _ := mb["customerId"].(string)
	if ca != "" && cb != "" {
		e.cust = d.register('C', ca, cb)
	}
	la, _ := ma["leadId"].(string)
	lb, _ := mb["leadId"].(string)
	if la != "" && lb != "" {
		e.lead = d.register('L', la, lb)
	}
	e.status, _ = ma["eligibility"].(map[string]any)["status"].(string)
}

func (d *differ) createEnrollment() {
	inst := d.pick(d.inst)
	e := &menr{inst: inst, first: d.pick(diffFirst), last: d.pick(diffLast), email: d.newEmail(), ref: d.pick(diffRefs),
		tags: d.sub(diffTags, 3), manus: d.sub(diffManus, 2), groups: d.sub(d.groups, 2)}
	body := map[string]any{"identificationType": "customerInfo", "firstName": e.first, "lastName": e.last, "email": e.email,
		"tags": e.tags, "manufacturerSlugs": e.manus, "groupIds": e.groups, "metadata": map[string]any{"k": d.r.IntN(5)}}
	if e.ref != "" {
		body["referenceId"] = e.ref
	}
	if e.tags == nil {
		e.tags = []string{}
	}
	var want int
	switch k := d.r.IntN(10); {
	case k < 2 && len(d.custs) > 0:
		c := d.pick2cust()
		body = map[string]any{"identificationType": "customerId", "customerId": "@" + c.tok, "tags": e.tags, "referenceId": e.ref}
		e.first, e.last, e.email, e.manus, e.groups = c.first, c.last, c.email, nil, nil
		if e.ref == "" {
			delete(body, "referenceId")
		}
	case k < 3 && len(d.leads) > 0:
		l := d.leadData[d.pick(d.leads)]
		body = map[string]any{"identificationType": "leadId", "leadId": "@" + l.tok}
		e.first, e.last, e.email, e.manus, e.groups, e.tags, e.ref = l.first, l.last, l.email, nil, nil, []string{}, ""
		if c := d.custByEmail(l.email); c != nil && d.converted[l.tok] {
			// The lead became that customer, and is enrolled with its
			// names, as with customerId; the first time, with its own.
			e.first, e.last, e.email = c.first, c.last, c.email
		}
		defer func() {
			if e.tok != "" {
				d.converted[l.tok] = true
			}
		}()
	}
	want = 201
	if d.emailHeld(inst, e.email, nil) || d.inactive[inst] {
		want = 409
	}
	if c := d.custByEmail(e.email); c != nil {
		for _, o := range d.model {
			if d.open(o) && o.inst == inst && o.cust == c.tok {
				want = 409
			}
		}
	}
	ra, rb := d.both("POST", "/v1/programInstances/@"+inst+"/enrollments", body)
	if ra.Status != want {
		d.fail("create %v in %s: status %d, model wants %d: %.300s", body, inst, ra.Status, want, d.norm(string(ra.Body), ""))
	}
	if ra.Status != 201 || rb.Status != 201 {
		if ra.Status == 201 || rb.Status == 201 {
			d.fail("create: one side only created")
		}
		return
	}
	e.tok = d.created('E', ra, rb)
	d.noteCustomer(e, ra, rb)
	if d.custByEmail(e.email) == nil && e.cust != "" {
		d.custs = append(d.custs, &mcust{tok: e.cust, first: strings.TrimSpace(e.first), last: strings.TrimSpace(e.last), email: e.email})
	}
	e.seq = len(d.model)
	d.model = append(d.model, e)
	d.byTok[e.tok] = e
	d.same("create enrollment", ra, rb)
}

// reenroll re-enrolls a closed enrollment by enrollmentId.
func (d *differ) reenroll() {
	var closed []*menr
	for _, e := range d.model {
		if !e.deleted && !d.open(e) && e.tok != "" {
			closed = append(closed, e)
		}
	}
	if len(closed) == 0 {
		return
	}
	src := closed[d.r.IntN(len(closed))]
	inst := d.pick(d.inst)
	e := &menr{inst: inst, first: src.first, last: src.last, email: src.email, ref: src.ref, tags: src.tags, manus: src.manus}
	if c := d.custByTok(src.cust); c != nil {
		e.first, e.last, e.email = c.first, c.last, c.email
	}
	want := 201
	if d.emailHeld(inst, e.email, nil) || d.inactive[inst] {
		want = 409
	}
	for _, o := range d.model {
		if d.open(o) && o.inst == inst && ((src.cust != "" && o.cust == src.cust) || (src.lead != "" && o.lead == src.lead)) {
			want = 409
		}
	}
	ra, rb := d.both("POST", "/v1/programInstances/@"+inst+"/enrollments", map[string]any{"identificationType": "enrollmentId", "enrollmentId": "@" + src.tok})
	if ra.Status != want {
		d.fail("reenroll %s in %s: status %d, model wants %d: %.300s", src.tok, inst, ra.Status, want, d.norm(string(ra.Body), ""))
	}
	if ra.Status != 201 || rb.Status != 201 {
		return
	}
	e.tok = d.created('E', ra, rb)
	d.noteCustomer(e, ra, rb)
	e.seq = len(d.model)
	d.model = append(d.model, e)
	d.byTok[e.tok] = e
	d.same("reenroll", ra, rb)
}

func (d *differ) custByTok(tok string) *mcust {
	for _, c := range d.custs {
		if c.tok == tok && tok != "" {
			return c
		}
	}
	return nil
}

// toggleInstance makes an instance inactive or active again.
func (d *differ) toggleInstance() {
	inst := d.pick(d.inst)
	st := "inactive"
	if d.inactive[inst] {
		st = "active"
	}
	ra, rb := d.both("PATCH", "/v1/programInstances/@"+inst, map[string]any{"status": st})
	if ra.Status == 200 {
		d.inactive[inst] = st == "inactive"
		d.same("toggle instance", ra, rb)
	}
}

func (d *differ) pick2cust() *mcust { return d.custs[d.r.IntN(len(d.custs))] }

var transitions = map[string][]string{
	"candidate":    {"eligible", "ineligible"},
	"ineligible":   {"eligible"},
	"eligible":     {"submitted", "ineligible"},
	"submitted":    {"approved", "rejected", "needs_action"},
	"needs_action": {"submitted"},
	"approved":     {"paused", "unenrolled"},
	"paused":       {"approved", "unenrolled"},
}

var allStatuses = []string{"candidate", "eligible", "ineligible", "submitted", "needs_action", "approved", "rejected", "paused", "unenrolled"}

func (d *differ) live() *menr {
	var l []*menr
	for _, e := range d.model {
		if !e.deleted {
			l = append(l, e)
		}
	}
	if len(l) == 0 {
		return nil
	}
	return l[d.r.IntN(len(l))]
}

func (d *differ) transition() {
	e := d.live()
	if e == nil {
		return
	}
	to := d.pick(allStatuses)
	if d.r.IntN(3) > 0 && len(transitions[e.status]) > 0 {
		to = d.pick(transitions[e.status])
	}
	want := 409
	if to == e.status || slices.Contains(transitions[e.status], to) {
		want = 200
	}
	// Reopening is refused when another open enrollment holds the email;
	// leaving a closed status is never allowed anyway.
	ra, rb := d.both("PATCH", "/v1/enrollments/@"+e.tok, map[string]any{"eligibilityStatus": to, "eligibilityReason": "r " + to})
	if ra.Status != want {
		d.fail("transition %s %s->%s: status %d, model wants %d: %.300s", e.tok, e.status, to, ra.Status, want, ra.Body)
	}
	if ra.Status == 200 {
		st, _ := ra.obj()["eligibility"].(map[string]any)["status"].(string)
		if st != to {
			d.fail("transition %s -> %s answered status %s", e.tok, to, st)
		}
		e.status = st
		d.same("transition", ra, rb)
	}
}

func (d *differ) patchFields() {
	e := d.live()
	if e == nil {
		return
	}
	body := map[string]any{}
	n := *e
	switch d.r.IntN(5) {
	case 0:
		n.first = d.pick(diffFirst)
		body["firstName"] = n.first
	case 1:
		n.last = d.pick(diffLast)
		body["lastName"] = n.last
	case 2:
		n.email = d.newEmail()
		body["email"] = n.email
	case 3:
		n.ref = d.pick(diffRefs)
		if n.ref == "" {
			body["referenceId"] = nil
		} else {
			body["referenceId"] = n.ref
		}
	case 4:
		n.tags = d.sub(diffTags, 3)
		if n.tags == nil {
			n.tags = []string{}
		}
		n.groups = d.sub(d.groups, 3)
		body["tags"], body["groupIds"] = n.tags, n.groups
		if n.groups == nil {
			body["groupIds"] = []string{}
		}
	}
	want := 200
	if body["email"] != nil && d.open(e) && enroll.NormalizeEmail(n.email) != enroll.NormalizeEmail(e.email) && d.emailHeld(e.inst, n.email, e) {
		want = 409
	}
	ra, rb := d.both("PATCH", "/v1/enrollments/@"+e.tok, body)
	if ra.Status != want {
		d.fail("patch %s %v: status %d, model wants %d: %.300s", e.tok, body, ra.Status, want, ra.Body)
	}
	if ra.Status == 200 && rb.Status == 200 {
		n.deleted = false
		*e = n
		d.same("patch", ra, rb)
	}
}

func (d *differ) del() {
	e := d.live()
	if e == nil {
		return
	}
	ra, _ := d.both("DELETE", "/v1/enrollments/@"+e.tok, nil)
	if ra.Status != 204 {
		d.fail("delete %s: %d", e.tok, ra.Status)
	}
	e.deleted = true
}

func (d *differ) evaluate() {
	e := d.live()
	if e == nil {
		return
	}
	ra, rb := d.both("POST", "/v1/enrollments/@"+e.tok+"/evaluate", nil)
	if ra.Status == 200 && rb.Status == 200 {
		e.status, _ = ra.obj()["eligibility"].(map[string]any)["status"].(string)
		d.same("evaluate", ra, rb)
	}
}

// importCSV imports the same file into inst on both sides and maps the
// enrollments it made by their order.
func (d *differ) importCSV(inst string, rows int, laterHeavy bool) {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	_ = w.Write([]string{"firstName", "lastName", "email", "referenceId", "tags", "manufacturerSlugs", "groupIds"})
	type row struct {
		e *menr
	}
	var planned []*menr
	laterFirst := []string{"Mary Ann", "Anne Marie", "Jean-Luc", "José María", "Van", "De"}
	laterLast := []string{"van der Berg", "van Dam", "de la Cruz", "van der Zimm", "der Kamp", "Smith-Jones", "O'Neil"}
	for i := 0; i < rows; i++ {
		e := &menr{inst: inst, first: d.pick(diffFirst), last: d.pick(diffLast), email: fmt.Sprintf("imp%d.%d@example.org", d.n['X'], i),
			ref: d.pick(diffRefs), tags: d.sub(diffTags, 2), manus: d.sub(diffManus, 2), groups: d.sub(d.groups[:1], 1)}
		if d.r.IntN(3) > 0 {
			e.ref = ""
		}
		if laterHeavy {
			e.first, e.last = d.pick(laterFirst), d.pick(laterLast)
			if os.Getenv("ENROLL_DIFF_BIG") == "2" && d.r.IntN(10) < 8 {
				e.last = "van der " + d.pick([]string{"Berg", "Zimm", "Bergen", "Zee", "Ďuran", "Ber-Gen", "O'Ber"})
			}
			e.ref = ""
			if d.r.IntN(4) == 0 {
				e.ref = fmt.Sprintf("IMP-%d", i)
			}
		}
		if d.r.IntN(20) == 0 && len(d.model) > 0 {
			e.email = strings.ToUpper(d.model[d.r.IntN(len(d.model))].email)
		}
		if strings.ContainsAny(strings.Join(e.tags, ""), "| ") {
			e.tags = []string{"solar"}
		}
		_ = w.Write([]string{e.first, e.last, e.email, e.ref, strings.Join(e.tags, "|"), strings.Join(e.manus, "|"), strings.Join(e.groups, "|")})
		planned = append(planned, e)
	}
	d.n['X']++
	w.Flush()
	ra, rb := d.both("POST", "/v1/programInstances/@"+inst+"/imports", csvUpload(sb.String()))
	if ra.Status != 202 || rb.Status != 202 {
		return
	}
	defer func() {
		// The same file again creates nothing (SPEC §7).
		ra, rb := d.both("POST", "/v1/programInstances/@"+inst+"/imports", csvUpload(sb.String()))
		if ra.Status != 202 || rb.Status != 202 {
			return
		}
		ja := d.a.waitImport(ra.obj()["id"].(string))
		jb := d.b.waitImport(rb.obj()["id"].(string))
		if ja.CreatedCount != 0 || jb.CreatedCount != 0 || ja.SkippedCount != jb.SkippedCount {
			d.fail("the same file again into %s: A %+v B %+v", inst, ja, jb)
		}
	}()
	ja := d.a.waitImport(ra.obj()["id"].(string))
	jb := d.b.waitImport(rb.obj()["id"].(string))
	if fmt.Sprint(ja.CreatedCount, ja.SkippedCount, ja.ErrorCount) != fmt.Sprint(jb.CreatedCount, jb.SkippedCount, jb.ErrorCount) {
		d.fail("import into %s: A %+v B %+v", inst, ja, jb)
	}
	d.t.Logf("import into %s: %+v", inst, ja)
	ea := d.a.do("GET", "/v1/imports/"+ja.ID+"/errors?perPage=500", nil)
	eb := d.b.do("GET", "/v1/imports/"+jb.ID+"/errors?perPage=500", nil)
	d.same("import errors", ea, eb)
	// Model: a row is created unless its email or reference id an open
	// enrollment of the instance holds (earlier rows included).
	var made []*menr
	for _, e := range planned {
		skip := d.emailHeld(inst, e.email, nil)
		if c := d.custByEmail(e.email); c != nil {
			for _, o := range d.model {
				if d.open(o) && o.inst == inst && o.cust == c.tok {
					skip = true
				}
			}
		}
		if e.ref != "" {
			for _, o := range d.model {
				if d.open(o) && o.inst == inst && o.ref == e.ref {
					skip = true
				}
			}
		}
		if skip {
			continue
		}
		e.status = "candidate"
		if d.instAuto[inst] {
			e.status = "eligible"
			if strings.TrimSpace(e.last) == "Blocked" {
				e.status = "ineligible"
			}
		}
		e.seq = len(d.model)
		d.model = append(d.model, e)
		made = append(made, e)
	}
	if len(made) != ja.CreatedCount {
		d.fail("import into %s: model creates %d, A created %d (skipped %d, errors %d)", inst, len(made), ja.CreatedCount, ja.SkippedCount, ja.ErrorCount)
	}
	// Map the new enrollments: the newest, oldest first, in each side.
	la := d.listAll(d.a, 0, "/v1/programInstances/"+d.side[0][inst]+"/enrollments?sort=createdAt")
	lb := d.listAll(d.b, 1, "/v1/programInstances/"+d.side[1][inst]+"/enrollments?sort=createdAt")
	var newA, newB []map[string]any
	for _, x := range la {
		if _, ok := d.tok[x["id"].(string)]; !ok {
			newA = append(newA, x)
		}
	}
	for _, x := range lb {
		if _, ok := d.tok[x["id"].(string)]; !ok {
			newB = append(newB, x)
		}
	}
	if len(newA) != len(newB) || len(newA) != len(made) {
		d.fail("import mapping: A %d new, B %d new, model %d", len(newA), len(newB), len(made))
	}
	byEmail := func(l []map[string]any) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, x := range l {
			m[enroll.NormalizeEmail(x["email"].(string))] = x
		}
		return m
	}
	ma, mb := byEmail(newA), byEmail(newB)
	for _, e := range made {
		xa, xb := ma[enroll.NormalizeEmail(e.email)], mb[enroll.NormalizeEmail(e.email)]
		if xa == nil || xb == nil {
			d.fail("import: model row %s not created (A %v, B %v)", e.email, xa != nil, xb != nil)
			e.deleted = true
			continue
		}
		e.tok = d.register('E', xa["id"].(string), xb["id"].(string))
		d.byTok[e.tok] = e
		if ca, _ := xa["customerId"].(string); ca != "" {
			cb, _ := xb["customerId"].(string)
			e.cust = d.register('C', ca, cb)
			if d.custByEmail(e.email) == nil {
				d.custs = append(d.custs, &mcust{tok: e.cust, first: e.first, last: e.last, email: e.email})
			}
		}
	}
}

// listAll reads every page of a list on one side.
func (d *differ) listAll(e *env, side int, path string) []map[string]any {
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 0; page < 50; page++ {
		r := e.do("GET", path+sep+"perPage=500&page="+strconv.Itoa(page), nil)
		if r.Status != 200 {
			d.fail("list %s: %d %s", path, r.Status, r.Body)
			return out
		}
		var p struct {
			Data []map[string]any `json:"data"`
		}
		r.decode(&p)
		out = append(out, p.Data...)
		if len(p.Data) < 500 {
			break
		}
	}
	return out
}

// refreshTimes reads each enrollment's times on both sides.
func (d *differ) refreshTimes() {
	for side, e := range []*env{d.a, d.b} {
		for _, x := range d.listAll(e, side, "/v1/enrollments") {
			t, ok := d.tok[x["id"].(string)]
			if !ok {
				d.fail("unmapped enrollment on side %d: %v", side, x["id"])
				continue
			}
			m := d.byTok[t]
			if m == nil {
				continue
			}
			if side == 0 {
				m.createdA, m.updA = x["createdAt"].(string), x["updatedAt"].(string)
				d.checkRepr(m, x)
			} else {
				m.createdB, m.updB = x["createdAt"].(string), x["updatedAt"].(string)
			}
		}
	}
}

// checkRepr compares an enrollment as listed with the model.
func (d *differ) checkRepr(m *menr, x map[string]any) {
	str := func(k string) string { s, _ := x[k].(string); return s }
	list := func(k string) []string {
		var out []string
		for _, v := range x[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	st, _ := x["eligibility"].(map[string]any)["status"].(string)
	got := fmt.Sprintf("%q %q %q ref=%q st=%s tags=%q", str("firstName"), str("lastName"), str("email"), str("referenceId"), st, list("tags"))
	want := fmt.Sprintf("%q %q %q ref=%q st=%s tags=%q", strings.TrimSpace(m.first), strings.TrimSpace(m.last), m.email, m.ref, m.status, m.tags)
	if got != want {
		d.fail("%s as listed: %s, model %s", m.tok, got, want)
	}
}

// query is one random list request, with its model filter.
type query struct {
	scope  string // instance token, "" for all
	viaQ   bool   // programInstanceId as a parameter
	params [2]url.Values
	match  func(*menr) bool
	sort   string
	desc   string
	scoped bool
}

func caseVariant(r *rand.Rand, s string) string {
	switch r.IntN(3) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToLower(s)
	}
	return s
}

func stripAccents(s string) string { return namekey.Fold(s) }

// qWord draws a search word from the data.
func (d *differ) qWord(e *menr) string {
	var s string
	switch d.r.IntN(9) {
	case 0, 1:
		s = e.first
	case 2, 3:
		s = e.last
	case 4:
		s = e.email
	case 5:
		s = e.ref
	case 6:
		words := strings.FieldsFunc(e.last+" "+e.first, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' })
		if len(words) > 0 {
			s = words[d.r.IntN(len(words))]
		}
	case 7:
		s = d.pick([]string{"ber", "BERG", "der", "van der", "o'b", "o'brien", "jean-luc", "luc", "brien", "mary-ann", "ann", "émi", "EMI", "ö", "oste",
			"müll", "mull", "muller", "strasse", "stra", "ss", "lukasz", "łuk", "李", "小", "🙂", "ｊｏｈ", "joh", "fi", "ﬁ", "xii", "ⅻ", "a_", "x%", "x_y", "%",
			"\u0301", "é", "e", "ref-", "réf", "ref-é", "Ref-É", "ÉCOLE", "école", "abc 123", "ABC", "sue1", "@example", "example.com", "'", "-", "the", "tab",
			"a b c", "b c d", "i", "İ", "i̇l", "ilkay", "dz", "ǆ", "th", "thor", "ae", "æ", "oe", "œuvre", "ørsted", "orsted", "dang", "đặng", "nguyen", "athena", "ἀθη", "σισ", "σίσυφος", "ΣΊΣΥΦΟΣ"})
	case 8:
		s = e.first + " " + e.last
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "a"
	}
	rs := []rune(s)
	if d.r.IntN(2) == 0 && len(rs) > 1 {
		rs = rs[:1+d.r.IntN(len(rs))]
	}
	s = string(rs)
	switch d.r.IntN(5) {
	case 0:
		s = strings.ToUpper(s)
	case 1:
		s = strings.ToLower(s)
	case 2:
		s = stripAccents(s)
	}
	return s
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// laterWords are a name's words after its first, as docs/api.md defines
// them: split at spaces (a no-break space counts), then also at hyphens
// and apostrophes, from the name folded.
func laterWordsModel(name string) []string {
	f := namekey.Fold(strings.TrimSpace(name))
	var out []string
	for _, seps := range []string{" ", " -'"} {
		ws := strings.FieldsFunc(f, func(r rune) bool { return strings.ContainsRune(seps, r) })
		if len(ws) > 1 {
			out = append(out, ws[1:]...)
		}
	}
	return out
}

// qMatch is the model of q for one enrollment (docs/api.md, Lists).
func qMatch(q string, e *menr) bool {
	words := strings.Fields(q)
	if len(words) == 0 {
		return true
	}
	one := func(w string, phrase bool) bool {
		p := namekey.Fold(w)
		t := strings.ToLower(w)
		if p != "" {
			if strings.HasPrefix(namekey.Fold(strings.TrimSpace(e.first)), p) || strings.HasPrefix(namekey.Fold(strings.TrimSpace(e.last)), p) {
				return true
			}
			if !phrase {
				for _, lw := range append(laterWordsModel(e.first), laterWordsModel(e.last)...) {
					if strings.HasPrefix(lw, p) {
						return true
					}
				}
			}
		}
		return strings.HasPrefix(enroll.NormalizeEmail(e.email), t) || (e.ref != "" && strings.HasPrefix(asciiLower(e.ref), asciiLower(w)))
	}
	all := true
	for _, w := range words {
		if !one(w, false) {
			all = false
		}
	}
	if all {
		return true
	}
	return len(words) > 1 && one(strings.Join(words, " "), true)
}

func (d *differ) randomQuery() *query {
	q := &query{params: [2]url.Values{{}, {}}}
	rare := d.r.IntN(2) == 0 // most queries: q alone, or with one filter
	set := func(k string, a, b string) { q.params[0].Set(k, a); q.params[1].Set(k, b) }
	add := func(k string, v string) { q.params[0].Add(k, v); q.params[1].Add(k, v) }
	var conds []func(*menr) bool
	cond := func(s string, f func(*menr) bool) { conds = append(conds, f); q.desc += s + " " }
	if d.r.IntN(4) == 0 {
		q.scoped = true
		cond("scoped", func(e *menr) bool { return e.inst == d.inst[0] || e.inst == d.inst[2] })
	}
	if d.r.IntN(3) == 0 {
		q.scope = d.pick(d.inst)
		if q.scoped && q.scope == d.inst[1] {
			q.scope = d.inst[2]
		}
		q.viaQ = d.r.IntN(2) == 0
		inst := q.scope
		cond("inst="+inst, func(e *menr) bool { return e.inst == inst })
	}
	if d.r.IntN(4) == 0 {
		sts := d.sub(allStatuses, 3)
		if len(sts) > 0 {
			if d.r.IntN(2) == 0 {
				add("status", strings.Join(sts, ","))
			} else {
				for _, s := range sts {
					add("status", s)
				}
			}
			cond("status="+strings.Join(sts, ","), func(e *menr) bool { return slices.Contains(sts, e.status) })
		}
	}
	if rare && d.r.IntN(5) == 0 && len(d.custs) > 0 {
		c := d.pick2cust().tok
		set("customerId", d.side[0][c], d.side[1][c])
		cond("customerId="+c, func(e *menr) bool { return e.cust == c })
	}
	if rare && d.r.IntN(8) == 0 && len(d.leads) > 0 {
		l := d.pick(d.leads)
		set("leadId", d.side[0][l], d.side[1][l])
		cond("leadId="+l, func(e *menr) bool { return e.lead == l })
	}
	if rare && d.r.IntN(5) == 0 {
		ref := d.pick(diffRefs[3:])
		add("referenceId", ref)
		cond("referenceId="+ref, func(e *menr) bool { return e.ref == ref })
	}
	if rare && d.r.IntN(5) == 0 {
		em := d.model[d.r.IntN(len(d.model))].email
		sent := caseVariant(d.r, em)
		add("email", sent)
		cond("email="+sent, func(e *menr) bool { return enroll.NormalizeEmail(e.email) == enroll.NormalizeEmail(sent) })
	}
	if rare && d.r.IntN(4) == 0 {
		tag := d.pick(diffTags)
		add("tag", tag)
		cond("tag="+tag, func(e *menr) bool { return slices.Contains(e.tags, tag) })
	}
	if rare && d.r.IntN(5) == 0 {
		m := d.pick(diffManus)
		add("manufacturerSlug", m)
		cond("manufacturerSlug="+m, func(e *menr) bool { return slices.Contains(e.manus, m) })
	}
	if rare && d.r.IntN(5) == 0 {
		g := d.pick(d.groups)
		add("groupId", g)
		cond("groupId="+g, func(e *menr) bool { return slices.Contains(e.groups, g) })
	}
	for _, k := range []string{"createdAfter", "createdBefore", "updatedAfter"} {
		if !rare || d.r.IntN(5) != 0 {
			continue
		}
		x := d.live()
		if x == nil {
			continue
		}
		ta, tb := x.createdA, x.createdB
		if k == "updatedAfter" {
			ta, tb = x.updA, x.updB
		}
		at, _ := time.Parse(time.RFC3339Nano, ta)
		bt, _ := time.Parse(time.RFC3339Nano, tb)
		delta := []time.Duration{0, 0, time.Nanosecond, -time.Nanosecond, time.Microsecond, -time.Microsecond, 999 * time.Nanosecond, -999 * time.Nanosecond}[d.r.IntN(8)]
		at, bt = at.Add(delta), bt.Add(delta)
		zone := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(9*3600 + 30*60))}[d.r.IntN(3)]
		fmtT := func(t time.Time) string {
			s := t.In(zone).Format(time.RFC3339Nano)
			switch d.r.IntN(4) {
			case 0:
				s = strings.ToLower(s)
			case 1:
				s = strings.Replace(s, ".", ",", 1)
			}
			return s
		}
		seed := d.r.Uint64()
		fa := func() string { return fmtT(at) }
		d.r = rand.New(rand.NewPCG(seed, 1))
		sa := fa()
		d.r = rand.New(rand.NewPCG(seed, 1))
		sb := fmtT(bt)
		set(k, sa, sb)
		kk := k
		cond(k+"="+x.tok+fmt.Sprintf("%+v", delta)+"("+sa+")", func(e *menr) bool {
			switch kk {
			case "createdAfter":
				c, _ := time.Parse(time.RFC3339Nano, e.createdA)
				return c.After(at)
			case "createdBefore":
				c, _ := time.Parse(time.RFC3339Nano, e.createdA)
				return c.Before(at)
			}
			c, _ := time.Parse(time.RFC3339Nano, e.updA)
			return c.After(at)
		})
	}
	if d.r.IntN(5) > 0 {
		n := 1 + d.r.IntN(3)
		var ws []string
		e := d.model[d.r.IntN(len(d.model))]
		for i := 0; i < n; i++ {
			if d.r.IntN(5) == 0 {
				e = d.model[d.r.IntN(len(d.model))]
			}
			ws = append(ws, d.qWord(e))
		}
		sep := d.pick([]string{" ", "  ", "\t", " \u00a0 "})
		qs := strings.Join(ws, sep)
		if d.r.IntN(4) == 0 {
			qs = " " + qs + " "
		}
		if len(strings.Fields(qs)) <= 8 && len(qs) <= 256 {
			add("q", qs)
			cond(fmt.Sprintf("q=%q", qs), func(e *menr) bool { return qMatch(qs, e) })
		}
	}
	q.sort = d.pick([]string{"", "createdAt", "-createdAt", "updatedAt", "-updatedAt", "lastName"})
	if q.sort != "" {
		add("sort", q.sort)
	}
	q.desc += "sort=" + q.sort
	q.match = func(e *menr) bool {
		if e.deleted {
			return false
		}
		for _, c := range conds {
			if !c(e) {
				return false
			}
		}
		return true
	}
	return q
}

func (q *query) path(d *differ, side int) string {
	p := "/v1/enrollments"
	v := url.Values{}
	for k, vs := range q.params[side] {
		v[k] = vs
	}
	if q.scope != "" {
		if q.viaQ {
			v.Set("programInstanceId", d.side[side][q.scope])
		} else {
			p = "/v1/programInstances/" + d.side[side][q.scope] + "/enrollments"
		}
	}
	return p + "?" + v.Encode()
}

type listPage struct {
	Data          []map[string]any `json:"data"`
	Page          int              `json:"page"`
	PerPage       int              `json:"perPage"`
	TotalItems    int              `json:"totalItems"`
	TotalPages    int              `json:"totalPages"`
	NextPageToken *string          `json:"nextPageToken"`
}

// run reads q on one side: every item by one big page, by offset pages and
// by cursor pages, checking they agree; it answers the tokens in order.
func (d *differ) run(q *query, e *env, side int, per int) ([]string, int, bool) {
	base := q.path(d, side)
	var opts []reqOpt
	if q.scoped {
		opts = append(opts, withKey(d.scoped[side]))
	}
	get := func(extra string) (*listPage, bool) {
		r := e.do("GET", base+extra, nil, opts...)
		if r.Status != 200 {
			d.fail("%s side %d: %d %.300s", q.desc, side, r.Status, r.Body)
			return nil, false
		}
		var p listPage
		r.decode(&p)
		return &p, true
	}
	toks := func(p *listPage) []string {
		var out []string
		for _, x := range p.Data {
			t, ok := d.tok[x["id"].(string)]
			if !ok {
				t = "?" + x["id"].(string)
			}
			out = append(out, t)
		}
		return out
	}
	var whole []string
	total := -1
	for page := 0; ; page++ {
		p, ok := get("&perPage=500&page=" + strconv.Itoa(page))
		if !ok {
			return nil, 0, false
		}
		total = p.TotalItems
		whole = append(whole, toks(p)...)
		if len(p.Data) < 500 {
			break
		}
	}
	if total != len(whole) {
		d.fail("%s side %d: totalItems %d, items %d", q.desc, side, total, len(whole))
	}
	// Offset pages.
	per = max(per, len(whole)/40)
	{
		var off []string
		for page := 0; page <= len(whole)/per+1; page++ {
			p, ok := get("&perPage=" + strconv.Itoa(per) + "&page=" + strconv.Itoa(page))
			if !ok {
				return nil, 0, false
			}
			if p.TotalItems != total {
				d.fail("%s side %d: page %d totalItems %d, want %d", q.desc, side, page, p.TotalItems, total)
			}
			off = append(off, toks(p)...)
		}
		if !slices.Equal(off, whole) {
			d.fail("%s side %d perPage %d: offset pages %v, whole %v", q.desc, side, per, off, whole)
		}
		// Cursor pages.
		var cur []string
		p, ok := get("&perPage=" + strconv.Itoa(per))
		for i := 0; ok && i < 200; i++ {
			cur = append(cur, toks(p)...)
			if p.NextPageToken == nil {
				break
			}
			p, ok = get("&perPage=" + strconv.Itoa(per) + "&pageToken=" + url.QueryEscape(*p.NextPageToken))
		}
		if !slices.Equal(cur, whole) {
			d.fail("%s side %d perPage %d: cursor pages %v, whole %v", q.desc, side, per, cur, whole)
		}
	}
	return whole, total, true
}

// modelOrder sorts the model's matches as q's sort would, when the model
// knows the order (times of server A).
func (d *differ) modelOrder(q *query) []string {
	var es []*menr
	for _, e := range d.model {
		if q.match(e) {
			es = append(es, e)
		}
	}
	ts := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		switch q.sort {
		case "createdAt":
			if !ts(a.createdA).Equal(ts(b.createdA)) {
				return ts(a.createdA).Before(ts(b.createdA))
			}
			return a.seq < b.seq
		case "updatedAt":
			if !ts(a.updA).Equal(ts(b.updA)) {
				return ts(a.updA).Before(ts(b.updA))
			}
			return a.seq < b.seq
		case "-updatedAt":
			if !ts(a.updA).Equal(ts(b.updA)) {
				return ts(a.updA).After(ts(b.updA))
			}
			return a.seq > b.seq
		case "lastName":
			ka, kb := namekey.Of(strings.TrimSpace(a.last)), namekey.Of(strings.TrimSpace(b.last))
			if ka != kb {
				return ka < kb
			}
			return a.seq < b.seq
		}
		if !ts(a.createdA).Equal(ts(b.createdA)) {
			return ts(a.createdA).After(ts(b.createdA))
		}
		return a.seq > b.seq
	})
	var out []string
	for _, e := range es {
		out = append(out, e.tok)
	}
	return out
}

func (d *differ) compareQuery(q *query) {
	d.queries++
	per := 1 + d.r.IntN(7)
	la, ta, oka := d.run(q, d.a, 0, per)
	lb, tb, okb := d.run(q, d.b, 1, per)
	if !oka || !okb {
		return
	}
	if ta != tb || !slices.Equal(la, lb) {
		d.fail("%s: A(sqlite) %d %v\n B(pg) %d %v", q.desc, ta, short(la), tb, short(lb))
	}
	want := d.modelOrder(q)
	if len(la) > 0 {
		d.nonEmpty++
	} else if os.Getenv("ENROLL_DIFF_SHOW_EMPTY") != "" {
		d.t.Logf("empty: %s", q.desc)
	}
	if !slices.Equal(la, want) {
		sa, sw := slices.Clone(la), slices.Clone(want)
		slices.Sort(sa)
		slices.Sort(sw)
		if slices.Equal(sa, sw) {
			i := 0
			for i < len(la) && la[i] == want[i] {
				i++
			}
			d.fail("%s: order differs from the model at %d:\n A     %v\n model %v", q.desc, i, d.detail(la[i:min(i+4, len(la))]), d.detail(want[i:min(i+4, len(la))]))
		} else {
			d.fail("%s: set differs from the model:\n A only %v\n model only %v", q.desc, d.detail(minus(la, want)), d.detail(minus(want, la)))
		}
	}
	if d.r.IntN(4) == 0 {
		d.compareCSV(q, la)
	}
}

func (d *differ) detail(toks []string) []string {
	var out []string
	for _, t := range toks {
		if e := d.byTok[t]; e != nil {
			out = append(out, fmt.Sprintf("%s{%q %q %q ref=%q st=%s inst=%s tags=%q}", t, e.first, e.last, e.email, e.ref, e.status, e.inst, e.tags))
		} else {
			out = append(out, t)
		}
		if len(out) > 8 {
			out = append(out, "...")
			break
		}
	}
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func short(s []string) []string {
	if len(s) > 30 {
		return append(slices.Clone(s[:30]), fmt.Sprintf("...(%d)", len(s)))
	}
	return s
}

// compareCSV compares the export of q on both sides.
func (d *differ) compareCSV(q *query, want []string) {
	var opts [2][]reqOpt
	for i := range opts {
		opts[i] = append(opts[i], withHeader("Accept", "text/csv"))
		if q.scoped {
			opts[i] = append(opts[i], withKey(d.scoped[i]))
		}
	}
	extra := ""
	if d.r.IntN(3) == 0 {
		extra = "&perPage=2&page=1"
	}
	ra := d.a.do("GET", q.path(d, 0)+extra, nil, opts[0]...)
	rb := d.b.do("GET", q.path(d, 1)+extra, nil, opts[1]...)
	if ra.Status != 200 || rb.Status != 200 {
		d.fail("csv %s: %d %d", q.desc, ra.Status, rb.Status)
		return
	}
	ca, erra := csv.NewReader(strings.NewReader(string(ra.Body))).ReadAll()
	cb, errb := csv.NewReader(strings.NewReader(string(rb.Body))).ReadAll()
	if erra != nil || errb != nil {
		d.fail("csv %s: %v %v", q.desc, erra, errb)
		return
	}
	nrm := func(rows [][]string) string {
		var out []string
		for _, r := range rows {
			var cells []string
			for _, c := range r {
				cells = append(cells, fmt.Sprint(d.norm(c, "id")))
			}
			out = append(out, strings.Join(cells, ","))
		}
		return strings.Join(out, "\n")
	}
	if na, nb := nrm(ca), nrm(cb); na != nb {
		d.fail("csv %s differs:\n A: %.800s\n B: %.800s", q.desc, na, nb)
	}
	var got []string
	for _, r := range ca[1:] {
		got = append(got, fmt.Sprint(d.norm(r[slices.Index(ca[0], "id")], "id")))
	}
	if !slices.Equal(got, want) {
		d.fail("csv %s%s: ids %v, list %v", q.desc, extra, short(got), short(want))
	}
}

func (d *differ) compareOthers() {
	for _, p := range []string{"/v1/events?perPage=500", "/v1/events?type=enrollment.deleted&perPage=500", "/v1/events?type=enrollment.status_changed,enrollment.created&perPage=200",
		"/v1/customers?perPage=500", "/v1/leads?perPage=500", "/v1/programInstances", "/v1/programs"} {
		ra, rb := d.both("GET", p, nil)
		d.same(p, ra, rb)
	}
	for _, inst := range d.inst {
		ra, rb := d.both("GET", "/v1/programInstances/@"+inst+"/stats", nil)
		d.same("stats of "+inst, ra, rb)
		counts := map[string]int{}
		for _, e := range d.model {
			if !e.deleted && e.inst == inst {
				counts[e.status]++
			}
		}
		d.t.Logf("stats of %s: %s; model %v", inst, ra.Body, counts)
	}
	for _, p := range []string{"/v1/programInstances?programId=p1", "/v1/programInstances?programId=@P0&status=active", "/v1/programs?active=true",
		"/v1/customers?referenceId=REF-1", "/v1/customers?referenceId=ref-1", "/v1/leads?email=SUE1@example.com"} {
		ra, rb := d.both("GET", p, nil)
		d.same(p, ra, rb)
	}
	for side := range 2 {
		_ = side
	}
	ra, rb := d.both("GET", "/v1/events?perPage=500", nil, withKey(""))
	_, _ = ra, rb
	for i, e := range []*env{d.a, d.b} {
		r := e.do("GET", "/v1/events?perPage=500&type=enrollment.created", nil, withKey(d.scoped[i]))
		if i == 0 {
			ra = r
		} else {
			rb = r
		}
	}
	d.same("scoped events", ra, rb)
	// Each events list's totalItems counts what its pages hold.
	for _, p := range []string{"/v1/events", "/v1/events?type=enrollment.created", "/v1/events?type=enrollment.deleted,enrollment.updated",
		"/v1/events?type=programInstance.created", "/v1/events?enrollmentId=@E3", "/v1/customers", "/v1/leads", "/v1/apiKeys"} {
		for side, e := range []*env{d.a, d.b} {
			for _, key := range []string{e.secret, d.scoped[side]} {
				if key == d.scoped[side] && !strings.HasPrefix(p, "/v1/events") {
					continue
				}
				var n, total int
				tok := ""
				for i := 0; i < 1000; i++ {
					path := d.tr(p, side)
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + "perPage=" + strconv.Itoa(37+len(d.model)/20)
					if tok != "" {
						path += "&pageToken=" + url.QueryEscape(tok)
					}
					r := e.do("GET", path, nil, withKey(key))
					var pg listPage
					r.decode(&pg)
					n += len(pg.Data)
					total = pg.TotalItems
					if pg.NextPageToken == nil {
						break
					}
					tok = *pg.NextPageToken
				}
				if n != total {
					d.fail("%s side %d (scoped %v): %d items, totalItems %d", p, side, key != e.secret, n, total)
				}
			}
		}
	}
	// Polling with after= from each side's oldest event.
	var polls [2][]any
	for i, e := range []*env{d.a, d.b} {
		all := d.listAll(e, i, "/v1/events")
		if len(all) == 0 {
			continue
		}
		after := all[len(all)-1]["id"].(string)
		for n := 0; n < 100; n++ {
			r := e.do("GET", "/v1/events?perPage=97&after="+after, nil)
			var pg struct {
				Data []map[string]any `json:"data"`
			}
			r.decode(&pg)
			if len(pg.Data) == 0 {
				break
			}
			for _, x := range pg.Data {
				polls[i] = append(polls[i], d.norm(map[string]any(x), ""))
			}
			after = pg.Data[len(pg.Data)-1]["id"].(string)
		}
	}
	if canon(polls[0]) != canon(polls[1]) {
		d.fail("after= polls differ: %d vs %d events", len(polls[0]), len(polls[1]))
	}
	for i := 0; i < 10; i++ {
		e := d.model[d.r.IntN(len(d.model))]
		if e.tok == "" {
			continue
		}
		ra, rb := d.both("GET", "/v1/events?perPage=500&enrollmentId=@"+e.tok, nil)
		d.same("events of "+e.tok, ra, rb)
		ra, rb = d.both("GET", "/v1/enrollments/@"+e.tok+"/history", nil)
		d.same("history of "+e.tok, ra, rb)
	}
	for i := 0; i < 10 && len(d.custs) > 0; i++ {
		c := d.pick2cust()
		v := caseVariant(d.r, c.email)
		ra, rb := d.both("GET", "/v1/customers?email="+url.QueryEscape(v), nil)
		d.same("customers by email "+v, ra, rb)
	}
}

// exportImport imports each side's export of the workspace into a new
// instance of its own side and compares the jobs and what they made: an
// export imports as it is (docs/import.md).
func (d *differ) exportImport() {
	ra, rb := d.both("POST", "/v1/programs/p2/instances", map[string]any{"slug": "copy", "name": "copy", "autoEvaluate": false,
		"groups": []map[string]any{{"id": "g1", "name": "G one"}, {"id": "G1", "name": "G One"}, {"id": "g 2", "name": "two"}, {"id": "é", "name": "e"}}})
	inst := d.created('I', ra, rb)
	if inst == "" {
		return
	}
	var jobs [2]job
	for side, e := range []*env{d.a, d.b} {
		exp := e.do("GET", "/v1/enrollments?sort=createdAt", nil, withHeader("Accept", "text/csv"))
		r := e.do("POST", "/v1/programInstances/"+d.side[side][inst]+"/imports", csvUpload(string(exp.Body)))
		if r.Status != 202 {
			d.fail("import of the export side %d: %d %.300s", side, r.Status, r.Body)
			return
		}
		jobs[side] = e.waitImport(r.obj()["id"].(string))
	}
	ja, jb := jobs[0], jobs[1]
	d.t.Logf("export imported: %+v", ja)
	if fmt.Sprint(ja.CreatedCount, ja.SkippedCount, ja.ErrorCount) != fmt.Sprint(jb.CreatedCount, jb.SkippedCount, jb.ErrorCount) {
		d.fail("export imported: A %+v B %+v", ja, jb)
	}
	la := d.listAll(d.a, 0, "/v1/programInstances/"+d.side[0][inst]+"/enrollments?sort=createdAt")
	lb := d.listAll(d.b, 1, "/v1/programInstances/"+d.side[1][inst]+"/enrollments?sort=createdAt")
	var na, nb []any
	for _, x := range la {
		na = append(na, d.norm(map[string]any(x), ""))
	}
	for _, x := range lb {
		nb = append(nb, d.norm(map[string]any(x), ""))
	}
	if ca, cb := canon(na), canon(nb); ca != cb {
		d.fail("enrollments imported from the exports differ:\n A: %.1500s\n B: %.1500s", ca, cb)
	}
}

// TestStoresAgreeOnLists feeds SQLite and PostgreSQL the same seeded
// workload and compares every list, and each with a model of the docs.
// It runs seed 1 (about 15 s); ENROLL_DIFF_SEED picks another, and the
// other ENROLL_DIFF_* variables make it larger.
func TestStoresAgreeOnLists(t *testing.T) {
	t.Parallel()
	seedS := os.Getenv("ENROLL_DIFF_SEED")
	if seedS == "" {
		seedS = "1"
	}
	seed, err := strconv.ParseUint(seedS, 10, 64)
	if err != nil {
		t.Fatalf("ENROLL_DIFF_SEED: %v", err)
	}
	d := &differ{t: t, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), a: newEnvStore(t, false), b: newEnvStore(t, true),
		tok: map[string]string{}, side: [2]map[string]string{{}, {}}, n: map[byte]int{}, byTok: map[string]*menr{},
		leadData: map[string]*mcust{}, converted: map[string]bool{}, inactive: map[string]bool{}, instAuto: map[string]bool{}}
	d.register('K', d.a.keyID, d.b.keyID)
	d.register('W', d.a.wsID, d.b.wsID)
	d.setup()
	ops := 250
	if s := os.Getenv("ENROLL_DIFF_OPS"); s != "" {
		ops, _ = strconv.Atoi(s)
	}
	for i := 0; i < ops; i++ {
		switch k := d.r.IntN(100); {
		case k < 50:
			d.createEnrollment()
		case k < 75:
			d.transition()
		case k < 88:
			d.patchFields()
		case k < 92:
			d.del()
		case k < 95:
			d.reenroll()
		case k < 97 && os.Getenv("ENROLL_DIFF_TOGGLE") != "":
			d.toggleInstance()
		default:
			d.evaluate()
		}
	}
	d.importCSV(d.inst[0], 60, false)
	d.importCSV(d.inst[0], 60, false) // the same kind again: skips
	if os.Getenv("ENROLL_DIFF_BIG") != "" {
		d.importCSV(d.inst[1], 1500, true)
		if os.Getenv("ENROLL_DIFF_BIG") == "2" {
			d.importCSV(d.inst[2], 1500, true)
		}
	}
	for i := 0; i < 40; i++ {
		d.transition()
		d.patchFields()
	}
	d.refreshTimes()
	nq := 300
	if s := os.Getenv("ENROLL_DIFF_QUERIES"); s != "" {
		nq, _ = strconv.Atoi(s)
	}
	for i := 0; i < nq; i++ {
		d.compareQuery(d.randomQuery())
	}
	d.compareOthers()
	d.exportImport()
	for _, m := range d.diffs {
		t.Error(m)
	}
	t.Logf("%d enrollments, %d queries (%d not empty), %d differences", len(d.model), d.queries, d.nonEmpty, len(d.diffs))
}

// TestStoresProbe creates the enrollments of ENROLL_PROBE_SETUP (JSON lines
// of create bodies) in one instance on both stores, then prints the
// answer of each path of ENROLL_PROBE (one a line) on both: a tool for
// reducing a difference TestStoresAgreeOnLists finds.
func TestStoresProbe(t *testing.T) {
	setup, probes := os.Getenv("ENROLL_PROBE_SETUP"), os.Getenv("ENROLL_PROBE")
	if probes == "" {
		t.Skip("ENROLL_PROBE unset")
	}
	envs := []*env{newEnvStore(t, false), newEnvStore(t, true)}
	for _, e := range envs {
		e.do("POST", "/v1/programs", map[string]any{"slug": "p", "name": "P"}).expect(201)
		inst := e.do("POST", "/v1/programs/p/instances", map[string]any{"slug": "i", "name": "I", "autoEvaluate": false,
			"groups": []map[string]any{{"id": "g1", "name": "g"}}}).expect(201).obj()["id"].(string)
		for _, line := range strings.Split(setup, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", raw(line))
			t.Logf("create %s: %d %.200s", line, r.Status, r.Body)
		}
	}
	for _, p := range strings.Split(probes, "\n") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		for i, e := range envs {
			r := e.do("GET", p, nil)
			var pg listPage
			_ = json.Unmarshal(r.Body, &pg)
			var names []string
			for _, x := range pg.Data {
				names = append(names, fmt.Sprint(x["firstName"], "/", x["lastName"], "/", x["email"]))
			}
			t.Logf("%s [%s]: %d total=%d %q %.300s", p, []string{"sqlite", "pg"}[i], r.Status, pg.TotalItems, names, func() string {
				if r.Status != 200 {
					return string(r.Body)
				}
				return ""
			}())
		}
	}
}
