package http_test

import (
	"slices"
	"testing"
)

// TestF1CSVExportPageToken: a CSV export reads pageToken as the JSON list
// does: a token that is not one of the list's is the same 422 (before any
// CSV is written), and a valid one continues the export after its row,
// rather than being ignored.
func TestF1CSVExportPageToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var made []string
	for range 3 {
		made = append(made, e.enrollIn(inst, customerInfo(nil))["id"].(string))
	}
	csvAccept := withHeader("Accept", "text/csv")
	for _, path := range []string{"/v1/enrollments", "/v1/programInstances/" + inst + "/enrollments"} {
		for _, token := range []string{"garbage", "eyJ4IjoxfQ"} {
			json := e.do("GET", path+"?pageToken="+token, nil).expect(422).problem()
			csv := e.do("GET", path+"?pageToken="+token, nil, csvAccept)
			if csv.Status != 422 {
				t.Fatalf("CSV %s with pageToken %q: status %d, want 422 as JSON answers: %s", path, token, csv.Status, csv.Body)
			}
			if p := csv.problem(); !p.hasLocation("query.pageToken") || !slices.Equal(p.locations(), json.locations()) {
				t.Errorf("CSV %s with pageToken %q: %s, want the JSON list's %v", path, token, csv.Body, json.locations())
			}
		}
		// A token of another sort is refused too.
		page := e.do("GET", path+"?perPage=1&sort=createdAt", nil).expect(200).obj()
		token := page["nextPageToken"].(string)
		e.do("GET", path+"?sort=-createdAt&pageToken="+token, nil, csvAccept).expect(422)
		// A valid one continues after its row, as in JSON.
		rows := csvRows(t, e.do("GET", path+"?sort=createdAt&pageToken="+token, nil, csvAccept).expect(200))
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if !slices.Equal(got, made[1:]) {
			t.Errorf("CSV %s after the first page's token: ids %v, want %v", path, got, made[1:])
		}
	}

	// An import's errors as CSV likewise.
	j := e.waitImport(e.startImport(inst, csvUpload("firstName,lastName,email\nA,B,not-an-email\nC,D,nor-this\n"), "").ID)
	if j.ErrorCount != 2 {
		t.Fatalf("import: %+v", j)
	}
	errs := "/v1/imports/" + j.ID + "/errors"
	e.do("GET", errs+"?pageToken=garbage", nil).expect(422)
	e.do("GET", errs+"?pageToken=garbage", nil, csvAccept).expect(422)
	token := e.do("GET", errs+"?perPage=1", nil).expect(200).obj()["nextPageToken"].(string)
	if rows := csvRows(t, e.do("GET", errs+"?pageToken="+token, nil, csvAccept).expect(200)); len(rows) != 2 || rows[1][0] != "3" {
		t.Errorf("import errors as CSV after the first page's token: %v, want the header and row 3's error", rows)
	}
}
