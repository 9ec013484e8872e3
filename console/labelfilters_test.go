package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// labelStores are the stores the tests of the filters by label run on:
// the store answers them (from its label counters, for the totals), so
// both must.
var labelStores = []string{"sqlite", "postgres"}

// labelEnv is the console on a real server on one of the stores, with a
// workspace, its secret key, a program and two instances of it, both
// auto-evaluating without rules: inst declares the group north, other
// none. Its fixture has no SQLite store: it writes through db.
type labelEnv struct {
	*fixture
	db enroll.Store
}

// labelStore is what the tests need of a store, and of its closing.
type labelStore interface {
	enroll.Store
	Close() error
}

// newLabelEnv starts the server on store ("sqlite" or "postgres").
func newLabelEnv(t *testing.T, store string) *labelEnv {
	t.Helper()
	ctx := context.Background()
	var (
		db  labelStore
		err error
	)
	if store == "postgres" {
		db, err = postgres.Open(ctx, postgres.Config{URL: pgtest.NewDatabase(t), Engine: rules.New()})
	} else {
		db, err = sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := New(db).WithLogger(discard)
	api := enrollhttp.NewServer(enrollhttp.Config{Store: db, Logger: discard, Version: "test", Console: c})
	c.WithKeyAdmission(api.AdmitKey)
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &labelEnv{fixture: &fixture{t: t, ctx: ctx, console: c, srv: srv, skew: new(atomic.Int64)}, db: db}

	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "acme"}
	key, secret := enroll.NewAPIKey(ws.ID, "admin key", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	e.wsID, e.keyID, e.secret = ws.ID, key.ID, secret
	e.program = &enroll.Program{Slug: "solar-rebate", Name: "Solar Rebate", States: []string{"NY"}, Active: true}
	if err := db.CreateProgram(ctx, e.actor(), e.program); err != nil {
		t.Fatalf("create program: %v", err)
	}
	for _, in := range []**enroll.ProgramInstance{&e.inst, &e.other} {
		*in = &enroll.ProgramInstance{ProgramID: e.program.ID, Slug: "y2026", Name: "Solar Rebate 2026",
			Status: enroll.InstanceActive, AutoEvaluate: true, Groups: []enroll.Group{{ID: "north", Name: "Northern territory"}}}
		if in == &e.other {
			(*in).Slug, (*in).Name, (*in).Groups = "y2025", "Solar Rebate 2025", nil
		}
		if err := db.CreateInstance(ctx, e.actor(), *in); err != nil {
			t.Fatalf("create instance: %v", err)
		}
	}
	return e
}

// add creates an enrollment in NY with the labels given, asking for
// submitted when submit is set.
func (e *labelEnv) add(in *enroll.ProgramInstance, first, last string, submit bool, tags, makers, groups []string) *enroll.Enrollment {
	e.t.Helper()
	req := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: first, LastName: last, Email: strings.ToLower(first+"."+last) + "@example.com",
		Address: &enroll.Address{StreetOne: "1 Main St", City: "Albany", State: "NY", PostalCode: "12207", Country: "USA"},
		Tags:    tags, ManufacturerSlugs: makers, GroupIDs: groups}
	if submit {
		req.EligibilityStatus = enroll.StatusSubmitted
	}
	out, err := e.db.CreateEnrollment(e.ctx, e.actor(), in.ID, req)
	if err != nil {
		e.t.Fatalf("create enrollment: %v", err)
	}
	return out
}

// apiTotal is the API's totalItems for the list query q, in the console's
// names (instance is the API's programInstanceId).
func (e *labelEnv) apiTotal(q url.Values) int {
	e.t.Helper()
	api := url.Values{}
	for k, v := range q {
		if k == "instance" {
			k = "programInstanceId"
		}
		api[k] = v
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v1/enrollments?"+api.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("API list: %v", err)
	}
	defer res.Body.Close()
	var page struct {
		TotalItems int `json:"totalItems"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&page) != nil {
		e.t.Fatalf("API list ?%s: %d", api.Encode(), res.StatusCode)
	}
	return page.TotalItems
}

var (
	pagerLine   = regexp.MustCompile(`Page ([\d,]+) of ([\d,]+) · ([\d,]+) enrollments?`)
	participant = regexp.MustCompile(`<td data-label="Participant"><a href="/console/enrollments/[a-z0-9]+">([^<]*)</a>`)
)

// listing is what a list page shows: its total, its page count and the
// names of its rows.
type listing struct {
	total, pages int
	names        []string
}

func listed(t *testing.T, r *response) listing {
	t.Helper()
	m := pagerLine.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("%s: no pager line\n%s", r.what, r.Body)
	}
	n := func(s string) int { v, _ := strconv.Atoi(strings.ReplaceAll(s, ",", "")); return v }
	l := listing{total: n(m[3]), pages: n(m[2])}
	for _, m := range participant.FindAllStringSubmatch(r.Body, -1) {
		l.names = append(l.names, html.UnescapeString(m[1]))
	}
	return l
}

// labelData stores the enrollments the filter tests list: 30 tagged vip
// in inst (even ones made by tesla, the first ten in group north, every
// third submitted), one tagged VIP made by Tesla, one tagged " vip", one
// without labels, and one tagged vip in other.
func (e *labelEnv) labelData() {
	e.t.Helper()
	for i := range 30 {
		var makers, groups []string
		if i%2 == 0 {
			makers = []string{"tesla", "enphase"}
		}
		if i < 10 {
			groups = []string{"north"}
		}
		e.add(e.inst, "Vip", fmt.Sprintf("N%02d", i), i%3 == 0, []string{"vip", "solar"}, makers, groups)
	}
	e.add(e.inst, "Upper", "Case", false, []string{"VIP"}, []string{"Tesla"}, nil)
	e.add(e.inst, "Spaced", "Tag", false, []string{" vip"}, nil, nil)
	e.add(e.inst, "Plain", "Person", false, nil, nil, nil)
	e.add(e.other, "Other", "Vip", true, []string{"vip"}, []string{"tesla"}, nil)
}

// TestEnrollmentListLabelFilters: the enrollment list filters by tag,
// manufacturerSlug and groupId, the API's names, matching exactly (case
// included, a value not trimmed), alone and with the other filters, and
// its total and pages are the API's for the same query; the pager's links
// keep the filters, which count as filtering (Clear). The queue, which
// has no fields for them, ignores them.
func TestEnrollmentListLabelFilters(t *testing.T) {
	t.Parallel()
	for _, store := range labelStores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			e := newLabelEnv(t, store)
			e.labelData()
			c := e.signedIn(e.secret)

			for _, tc := range []struct {
				query string
				want  int
				only  []string // the names it lists, when they are few
				note  string   // the note it shows, if any
			}{
				{"tag=vip", 31, nil, ""},
				{"tag=VIP", 1, []string{"Upper Case"}, ""},
				{"tag=%20vip", 1, []string{"Spaced Tag"}, ""},
				{"tag=vi", 0, nil, ""},
				{"tag=solar", 30, nil, ""},
				{"manufacturerSlug=tesla", 16, nil, ""},
				{"manufacturerSlug=Tesla", 1, []string{"Upper Case"}, ""},
				{"groupId=north", 10, nil, ""},
				{"groupId=north&instance=" + e.inst.ID, 10, nil, ""},
				{"groupId=north&instance=" + e.other.ID, 0, nil, "Solar Rebate 2025 declares no group “north”"},
				{"tag=vip&instance=" + e.other.ID, 1, []string{"Other Vip"}, ""},
				{"tag=vip&status=submitted", 11, nil, ""},
				{"tag=vip&manufacturerSlug=tesla&groupId=north", 5, nil, ""},
				{"tag=vip&manufacturerSlug=tesla&groupId=north&status=submitted&instance=" + e.inst.ID, 2, []string{"Vip N06", "Vip N00"}, ""},
				{"tag=vip&q=n0", 10, nil, ""},
				{"tag=vip&manufacturerSlug=tesla&q=n2&sort=lastName", 5, []string{"Vip N20", "Vip N22", "Vip N24", "Vip N26", "Vip N28"}, ""},
			} {
				q, _ := url.ParseQuery(tc.query)
				res := c.get(Prefix + "/enrollments?" + tc.query).status(http.StatusOK)
				got := listed(t, res)
				if api := e.apiTotal(q); got.total != tc.want || api != tc.want {
					t.Errorf("?%s: the console lists %d, the API %d, want %d", tc.query, got.total, api, tc.want)
				}
				if tc.only != nil && !slices.Equal(got.names, tc.only) {
					t.Errorf("?%s lists %q, want %q", tc.query, got.names, tc.only)
				}
				res.contains(`<a class="btn" href="/console/enrollments">Clear</a>`).lacks("Plain Person")
				if tc.note == "" {
					res.lacks(`class="notice"`)
				} else {
					res.contains(tc.note)
				}
				if tc.want == 0 {
					res.contains("No enrollments match.")
				}
			}
			// The fields show the filters applied.
			c.get(Prefix+"/enrollments?tag=%20vip&manufacturerSlug=Tesla&groupId=north").
				contains(`id="tag" name="tag" type="text" value=" vip"`, `id="manufacturerSlug" name="manufacturerSlug" type="text" value="Tesla"`,
					`id="groupId" name="groupId" type="text" value="north"`)
			c.get(Prefix + "/enrollments").lacks(">Clear</a>")

			// Paging keeps the filters: 31 vip, 25 a page.
			p1 := c.get(Prefix + "/enrollments?tag=vip&manufacturerSlug=tesla&perPage=25&sort=createdAt").status(http.StatusOK)
			if l := listed(t, p1); l.total != 16 || l.pages != 1 {
				t.Errorf("vip by tesla: %d in %d pages", l.total, l.pages)
			}
			p1 = c.get(Prefix + "/enrollments?tag=vip&perPage=25&sort=createdAt").status(http.StatusOK)
			l1 := listed(t, p1)
			if l1.total != 31 || l1.pages != 2 || len(l1.names) != 25 {
				t.Fatalf("page 1 of vip: %d in %d pages, %d rows", l1.total, l1.pages, len(l1.names))
			}
			next := link(t, p1.Body, "next")
			if u, _ := url.Parse(next); u.Query().Get("tag") != "vip" {
				t.Fatalf("the next page's link %q lost the tag", next)
			}
			p2 := c.get(next).status(http.StatusOK)
			l2 := listed(t, p2)
			if l2.total != 31 || len(l2.names) != 6 || !slices.Contains(l2.names, "Other Vip") || slices.ContainsFunc(l2.names, func(n string) bool { return slices.Contains(l1.names, n) }) {
				t.Errorf("page 2 of vip: %d, rows %q", l2.total, l2.names)
			}
			p2.contains("Page 2 of 2").lacks("Upper Case", "Spaced Tag")
			if u, _ := url.Parse(link(t, p2.Body, "prev")); u.Query().Get("tag") != "vip" {
				t.Error("the previous page's link lost the tag")
			}
			// A page link of another label's list does not fit this one.
			u, _ := url.Parse(next)
			c.get(Prefix+"/enrollments?tag=solar&perPage=25&sort=createdAt&pageToken="+url.QueryEscape(u.Query().Get("pageToken"))).
				status(http.StatusOK).contains("That page link no longer fits this list", "Page 1 of 2")

			// The queue lists every submitted enrollment, as before.
			q := c.get(Prefix + "/queue?tag=VIP&manufacturerSlug=none&groupId=none").status(http.StatusOK)
			q.contains("Vip N00", "Other Vip").lacks(`class="notice"`)
			if got, want := listed(t, q).total, e.apiTotal(url.Values{"status": {"submitted"}}); got != want || want != 11 {
				t.Errorf("the queue with labels lists %d, the API has %d submitted", got, want)
			}
		})
	}
}

// TestEnrollmentListLabelFilterNotes: a label no enrollment can hold (not
// UTF-8, a NUL, longer than a label may be) is left out with a note, and
// the list shows without it; a blank one is Any. A group the chosen
// instance does not declare is kept, with a note: an enrollment may still
// hold it.
func TestEnrollmentListLabelFilterNotes(t *testing.T) {
	t.Parallel()
	for _, store := range labelStores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			e := newLabelEnv(t, store)
			e.add(e.inst, "Vip", "One", false, []string{"vip"}, []string{"tesla"}, []string{"north"})
			e.add(e.inst, "Plain", "Person", false, nil, nil, nil)
			// South is a group inst declared when Old South was enrolled
			// in it, and has removed since.
			if _, err := e.db.UpdateInstance(e.ctx, e.actor(), e.inst.ID, func(in *enroll.ProgramInstance) error {
				in.Groups = append(in.Groups, enroll.Group{ID: "south", Name: "Southern territory"})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e.add(e.inst, "Old", "South", false, nil, nil, []string{"south"})
			if _, err := e.db.UpdateInstance(e.ctx, e.actor(), e.inst.ID, func(in *enroll.ProgramInstance) error {
				in.Groups = in.Groups[:1]
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c := e.signedIn(e.secret)

			long := strings.Repeat("é", enroll.MaxNameLength+1)
			for _, tc := range []struct{ query, note string }{
				{"tag=%FFvip", "The tag is not valid UTF-8, so it was left out."},
				{"manufacturerSlug=tes%00la", "The manufacturer slug “tes\uFFFDla” contains a NUL character, so it was left out."},
				{"groupId=" + url.QueryEscape(long), "The group id “" + strings.Repeat("é", maxShown) + "…” is longer than 256 characters, which no group id can be, so it was left out."},
			} {
				res := c.get(Prefix + "/enrollments?" + tc.query).status(http.StatusOK)
				res.contains(`<p class="notice" role="status">`+html.EscapeString(tc.note)+`</p>`, "Vip One", "Plain Person", "Old South")
				res.lacks(">Clear</a>")
				if l := listed(t, res); l.total != 3 {
					t.Errorf("?%s lists %d, want all 3", tc.query, l.total)
				}
			}
			// Several at once, with the other filters' notes; what is
			// left applies.
			res := c.get(Prefix + "/enrollments?status=bogus&tag=%00&manufacturerSlug=tesla").status(http.StatusOK)
			res.contains("The status “bogus” is not one", "The tag “\uFFFD” contains a NUL character", ">Clear</a>", `value="tesla"`)
			if l := listed(t, res); l.total != 1 || l.names[0] != "Vip One" {
				t.Errorf("tesla, with notes: %+v", l)
			}
			// A value of exactly the longest a label may be is a filter.
			res = c.get(Prefix + "/enrollments?tag=" + url.QueryEscape(long[:2*enroll.MaxNameLength])).status(http.StatusOK)
			res.contains("No enrollments match.", ">Clear</a>").lacks(`class="notice"`)
			// Blank is Any, without a note.
			res = c.get(Prefix + "/enrollments?tag=%20%20&manufacturerSlug=&groupId=%09").status(http.StatusOK)
			res.lacks(`class="notice"`, ">Clear</a>")
			if l := listed(t, res); l.total != 3 {
				t.Errorf("blank labels list %d, want 3", l.total)
			}

			// A group inst does not declare: kept, with a note, and the
			// menu shows it.
			for _, q := range []string{"groupId=south&instance=" + e.inst.ID, "groupId=nowhere&instance=" + e.inst.ID} {
				res := c.get(Prefix + "/enrollments?" + q).status(http.StatusOK)
				group, _ := url.ParseQuery(q)
				res.contains("The program instance Solar Rebate — Solar Rebate 2026 declares no group “"+group.Get("groupId")+"”; the list shows the enrollments that hold it all the same.",
					`<option value="`+group.Get("groupId")+`" selected>`+group.Get("groupId")+` (not declared)</option>`, ">Clear</a>")
				want := 0
				if group.Get("groupId") == "south" {
					want = 1
					res.contains("Old South")
				}
				if l, api := listed(t, res), e.apiTotal(group); l.total != want || api != want {
					t.Errorf("?%s: the console lists %d, the API %d, want %d", q, l.total, api, want)
				}
			}
			// Without an instance, any group id is a filter, without a note.
			res = c.get(Prefix + "/enrollments?groupId=south").status(http.StatusOK).lacks(`class="notice"`)
			if l := listed(t, res); l.total != 1 || l.names[0] != "Old South" {
				t.Errorf("groupId=south: %+v", l)
			}
			// A declared one: no note.
			c.get(Prefix+"/enrollments?groupId=north&instance="+e.inst.ID).lacks(`class="notice"`, "not declared").contains("Vip One")
		})
	}
}

// TestEnrollmentListGroupMenu: the group filter is a menu of the chosen
// instance's groups, by name, when it declares some and the key may read
// its declarations (programs:read), and a field for a group id otherwise.
func TestEnrollmentListGroupMenu(t *testing.T) {
	t.Parallel()
	for _, store := range labelStores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			e := newLabelEnv(t, store)
			if _, err := e.db.UpdateInstance(e.ctx, e.actor(), e.inst.ID, func(in *enroll.ProgramInstance) error {
				in.Groups = append(in.Groups, enroll.Group{ID: "east", Name: "Eastern & coastal"}, enroll.Group{ID: "east-2", Name: "Eastern & coastal"})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e.add(e.inst, "Vip", "East", false, nil, nil, []string{"east-2"})
			c := e.signedIn(e.secret)
			menu := `<select id="groupId" name="groupId">
      <option value="">Any</option>
      <option value="east">Eastern &amp; coastal (east)</option>
      <option value="east-2" selected>Eastern &amp; coastal (east-2)</option>
      <option value="north">Northern territory</option>
    </select>`
			res := c.get(Prefix+"/enrollments?instance="+e.inst.ID+"&groupId=east-2").status(http.StatusOK).contains(menu, "Vip East")
			if l := listed(t, res); l.total != 1 {
				t.Errorf("east-2 lists %d", l.total)
			}
			field := `<input id="groupId" name="groupId" type="text" value="" placeholder="Group id"`
			c.get(Prefix + "/enrollments").contains(field).lacks(`<select id="groupId"`)
			c.get(Prefix + "/enrollments?instance=" + e.other.ID).contains(field).lacks(`<select id="groupId"`)
			// An instance left out (not one the key sees) chooses none.
			c.get(Prefix+"/enrollments?instance="+enroll.NewID()).contains(field, "is not one your key can see")

			// Without programs:read, the instance's groups are not shown.
			k, secret := enroll.NewAPIKey(e.wsID, "enrollments only", []enroll.Scope{enroll.ScopeEnrollmentsRead}, nil, time.Now())
			if err := e.db.CreateAPIKey(e.ctx, e.actor(), k); err != nil {
				t.Fatal(err)
			}
			res = e.signedIn(secret).get(Prefix + "/enrollments?instance=" + e.inst.ID + "&groupId=gone").status(http.StatusOK)
			res.contains(`<input id="groupId" name="groupId" type="text" value="gone"`, "No enrollments match.").
				lacks(`<select id="groupId"`, "Northern", "declares no group")
		})
	}
}

// TestEnrollmentPageLinksLabels: the enrollment page links each tag,
// manufacturer and group (with its instance) to the list filtered by it,
// which lists the enrollment, and keeps them comma-separated.
func TestEnrollmentPageLinksLabels(t *testing.T) {
	t.Parallel()
	for _, store := range labelStores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			e := newLabelEnv(t, store)
			dana := e.add(e.inst, "Dana", "Labels", false, []string{"vip", "R&D 50%", " spaced"}, []string{"tesla", "enphase"}, []string{"north"})
			e.add(e.inst, "Other", "Person", false, []string{"VIP"}, []string{"Tesla"}, nil)
			e.add(e.other, "Far", "Away", false, []string{"vip"}, nil, nil)
			c := e.signedIn(e.secret)
			page := c.get(Prefix + "/enrollments/" + dana.ID).status(http.StatusOK)
			groupHref := Prefix + "/enrollments?" + url.Values{"groupId": {"north"}, "instance": {e.inst.ID}}.Encode()
			page.contains(
				`><a href="/console/enrollments?tag=vip">vip</a>, <a href="/console/enrollments?tag=R%26D&#43;50%25">R&amp;D 50%</a>, <a href="/console/enrollments?tag=&#43;spaced"> spaced</a></dd>`,
				`><a href="/console/enrollments?manufacturerSlug=tesla">tesla</a>, <a href="/console/enrollments?manufacturerSlug=enphase">enphase</a></dd>`,
				`<a href="`+html.EscapeString(groupHref)+`">Northern territory (north)</a></dd>`)

			hrefs := regexp.MustCompile(`<a href="(/console/enrollments\?[^"]+)">`).FindAllStringSubmatch(page.Body, -1)
			var followed []string
			for _, m := range hrefs {
				href := html.UnescapeString(m[1])
				u, _ := url.Parse(href)
				q := u.Query()
				if q.Has("instance") && !q.Has("groupId") {
					continue // the instance's link
				}
				followed = append(followed, href)
				res := c.get(href).status(http.StatusOK).lacks(`class="notice"`)
				l := listed(t, res)
				if !slices.Contains(l.names, "Dana Labels") || l.total != e.apiTotal(q) {
					t.Errorf("%s lists %q (%d), the API %d", href, l.names, l.total, e.apiTotal(q))
				}
				if slices.Contains(l.names, "Other Person") || q.Has("groupId") && slices.Contains(l.names, "Far Away") {
					t.Errorf("%s lists %q", href, l.names)
				}
				// The list's fields show the label followed; the group, of
				// an instance that declares groups, in its menu.
				switch {
				case q.Has("groupId"):
					res.contains(`<option value="north" selected>Northern territory</option>`)
				case q.Has("tag"):
					res.contains(`name="tag" type="text" value="` + html.EscapeString(q.Get("tag")) + `"`)
				default:
					res.contains(`name="manufacturerSlug" type="text" value="` + html.EscapeString(q.Get("manufacturerSlug")) + `"`)
				}
			}
			if len(followed) != 6 {
				t.Errorf("followed %d label links, want 6: %q", len(followed), followed)
			}
			if l := listed(t, c.get(Prefix+"/enrollments?tag=vip")); l.total != 2 {
				t.Errorf("the vip link lists %d, want Dana and Far Away", l.total)
			}
		})
	}
}
