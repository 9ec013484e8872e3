package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestEnrollmentQWords checks a q of several words through the API: a
// person's full name, as people type it, finds them in either order, with
// its total, pages (the token bound to q as given) and export agreeing,
// and more than eight words is a 422 at query.q.
func TestEnrollmentQWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	id := func(m map[string]any) string { return m["id"].(string) }
	s1 := id(e.enrollIn(inst, customerInfo(nil)))
	s2 := id(e.enrollIn(inst, customerInfo(nil)))
	e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Hank", "email": "hank@example.com"}))
	e.enrollIn(inst, customerInfo(map[string]any{"lastName": "Baker"}))
	both := []string{s1, s2}
	slices.Sort(both)
	list := "/v1/enrollments?programInstanceId=" + inst + "&q="
	for _, q := range []string{"Suzie%20Homeowner", "suzie+homeowner", "HOMEOWNER%20%20suzie", "%20Suzie%09Homeowner%20"} {
		m := e.do("GET", list+q, nil).expect(200).obj()
		got := ids(m)
		slices.Sort(got)
		if !slices.Equal(got, both) || m["totalItems"] != float64(2) {
			t.Errorf("q=%s: got %v (totalItems %v), want %v", q, got, m["totalItems"], both)
		}
	}
	// Paged by token, and the token bound to q as given.
	first := e.do("GET", list+"Suzie%20Homeowner&perPage=1", nil).expect(200).obj()
	tok, _ := first["nextPageToken"].(string)
	if tok == "" || first["totalItems"] != float64(2) {
		t.Fatalf("first page: %v", first)
	}
	second := e.do("GET", list+"Suzie%20Homeowner&perPage=1&pageToken="+tok, nil).expect(200).obj()
	got := append(ids(first), ids(second)...)
	slices.Sort(got)
	if !slices.Equal(got, both) || second["nextPageToken"] != nil {
		t.Errorf("paged: %v, last page %v", got, second)
	}
	if p := e.do("GET", list+"homeowner%20suzie&perPage=1&pageToken="+tok, nil).expect(422).problem(); !p.hasLocation("query.pageToken") {
		t.Errorf("token with another q: %v", p.locations())
	}
	csv := e.do("GET", list+"Suzie%20Homeowner", nil, withHeader("Accept", "text/csv")).expect(200)
	body := strings.TrimSpace(string(csv.Body))
	if strings.Count(body, "\n") != 2 || !strings.Contains(body, s1) || !strings.Contains(body, s2) {
		t.Errorf("export:\n%s", body)
	}
	if m := e.do("GET", list+"%20%20", nil).expect(200).obj(); m["totalItems"] != float64(4) {
		t.Errorf("q of spaces: totalItems %v, want every enrollment", m["totalItems"])
	}
	e.do("GET", list+"a%20b%20c%20d%20e%20f%20g%20h", nil).expect(200)
	p := e.do("GET", list+"a%20b%20c%20d%20e%20f%20g%20h%20i", nil).expect(422).problem()
	if !p.hasLocation("query.q") {
		t.Errorf("nine words: %v", p.locations())
	}
}

// TestEnrollmentQLaterWords checks through the API that a word of q finds
// a name by any of its words, not only its first: van der Berg by "berg"
// or "der", Mary Ann by "ann", and full names as people type them, in
// either order, with the total and the export agreeing; a PATCH of the
// names writes the words the search reads.
func TestEnrollmentQLaterWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	id := func(m map[string]any) string { return m["id"].(string) }
	vdb := id(e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Vincent", "lastName": "van der Berg"})))
	mary := id(e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Mary Ann", "lastName": "Smith"})))
	renamed := id(e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Rosa", "lastName": "Lee"})))
	annie := id(e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Annie", "lastName": "Bergman"})))
	e.do("PATCH", "/v1/enrollments/"+renamed, map[string]any{"lastName": "de la Cruz"}).expect(200)
	list := "/v1/enrollments?programInstanceId=" + inst + "&q="
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"der", []string{vdb}},
		{"BERG", []string{vdb, annie}},
		{"der%20berg", []string{vdb}},
		{"vincent%20van%20der%20berg", []string{vdb}},
		{"ann", []string{mary, annie}},
		{"Mary%20Ann%20Smith", []string{mary}},
		{"smith+mary+ann", []string{mary}},
		{"cruz", []string{renamed}},
		{"rosa%20de%20la%20cruz", []string{renamed}},
		{"lee", nil},
		{"erg", nil},
	} {
		m := e.do("GET", list+c.q, nil).expect(200).obj()
		got := ids(m)
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) || m["totalItems"] != float64(len(c.want)) {
			t.Errorf("q=%s: got %v (totalItems %v), want %v", c.q, got, m["totalItems"], c.want)
		}
	}
	csv := e.do("GET", list+"der%20berg", nil, withHeader("Accept", "text/csv")).expect(200)
	if body := strings.TrimSpace(string(csv.Body)); strings.Count(body, "\n") != 1 || !strings.Contains(body, vdb) {
		t.Errorf("export:\n%s", body)
	}
}
