package http_test

import (
	"fmt"
	"net/url"
	"testing"
)

// TestPageTokenWithOtherPerPage: a page token reused with another perPage
// goes on after its row, and its page is the one that row's successor is
// on at the new size, so that page and totalPages agree with the offset
// paging of the same size, on a list the stores page by keyset
// (customers) and one paged in memory (API keys).
func TestPageTokenWithOtherPerPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 6 {
		e.do("POST", "/v1/customers", map[string]any{"firstName": "P", "lastName": fmt.Sprint("Token", i), "email": uniq() + "@example.com"}).expect(201)
		e.do("POST", "/v1/apiKeys", map[string]any{"name": "k" + uniq(), "scopes": []string{"enrollments:read"}}).expect(201)
	}
	type page struct {
		Data          []map[string]any `json:"data"`
		Page          int              `json:"page"`
		NextPageToken string           `json:"nextPageToken"`
	}
	for _, list := range []string{"/v1/customers", "/v1/apiKeys"} {
		var all page
		e.do("GET", list+"?perPage=100", nil).expect(200).decode(&all)
		get := func(perPage int, token string) page {
			var p page
			e.do("GET", fmt.Sprintf("%s?perPage=%d&pageToken=%s", list, perPage, url.QueryEscape(token)), nil).expect(200).decode(&p)
			return p
		}
		var first page
		e.do("GET", list+"?perPage=1", nil).expect(200).decode(&first)
		// One row read: at two a page, the next row is on page 0.
		p := get(2, first.NextPageToken)
		if p.Page != 0 || len(p.Data) != 2 || p.Data[0]["id"] != all.Data[1]["id"] {
			t.Fatalf("%s: token after 1 row at perPage=2: page %d, %d rows, want page 0 from row 2", list, p.Page, len(p.Data))
		}
		// Three rows read: at two a page, the next row is on page 1.
		p = get(2, p.NextPageToken)
		if p.Page != 1 || p.Data[0]["id"] != all.Data[3]["id"] {
			t.Fatalf("%s: token after 3 rows at perPage=2: page %d, want 1 from row 4", list, p.Page)
		}
		// Five rows read: at one a page, the next row is page 5.
		p = get(1, p.NextPageToken)
		if p.Page != 5 || p.Data[0]["id"] != all.Data[5]["id"] {
			t.Fatalf("%s: token after 5 rows at perPage=1: page %d, want 5 from row 6", list, p.Page)
		}
	}
}
