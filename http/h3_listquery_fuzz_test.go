package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzListQueryAnswers sends arbitrary query strings to every list: a 4xx
// is a problem whose errors point at parameters sent or declared, and a
// 200 is a page that keeps its own arithmetic (no more items than
// perPage, at most 500 a page, totalPages from totalItems).
//
//	go test ./http -run XXX -fuzz FuzzListQueryAnswers -fuzztime 3m
func FuzzListQueryAnswers(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		return op.Method == http.MethodGet && strings.HasPrefix(op.OperationID, "list")
	})
	e := ft.e
	for range 3 {
		e.enrollIn(ft.fx.instance, customerInfo(map[string]any{"tags": []string{"t"}, "referenceId": "r" + uniq()}))
	}
	var token string
	if tok, _ := e.do("GET", "/v1/enrollments?perPage=1&sort=lastName", nil).expect(200).obj()["nextPageToken"].(string); tok != "" {
		token = tok
	}
	for i := range ft.ops {
		for _, q := range []string{
			"", "perPage=1", "perPage=1&page=1", "perPage=0", "perPage=501", "perPage=-1", "page=-1", "perPage=1.5",
			"pageToken=" + token, "pageToken=" + token + "&perPage=2", "pageToken=" + token + "&page=1", "pageToken=x",
			"sort=lastName&perPage=2", "sort=-lastName", "sort=createdAt,updatedAt", "status=approved&status=bogus",
			"status=candidate,,eligible", "tag=t&tag=u", "createdAfter=2026-01-01", "createdAfter=2026-01-01T00:00:00Z&createdAfter=2027-01-01T00:00:00Z",
			"updatedAfter=2026-13-01T00:00:00Z", "q=" + strings.Repeat("a", 300), "q=%E2%82", "after=x", "after=expired",
			"type=enrollment.created&type=nope", "enrollmentId=x&programInstanceId=y", "email=%40", "active=maybe",
			"perPage=1&perPage=2", "PERPAGE=1", "perPage=%201", "page=1e3", "perPage=0x10",
		} {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, query string) {
		op := ft.op(i)
		w := ft.serve(t, http.MethodGet, ft.fx.path(t, op.Path)+"?"+query, nil, nil)
		if w == nil {
			return
		}
		if w.Code >= 400 {
			ft.checkProblem(t, op, query, nil, nil, w)
			return
		}
		var page struct {
			Data       []json.RawMessage `json:"data"`
			Page       *int              `json:"page"`
			PerPage    *int              `json:"perPage"`
			TotalItems *int              `json:"totalItems"`
			TotalPages *int              `json:"totalPages"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatalf("GET %s?%s: %d %v: %s", op.Path, query, w.Code, err, w.Body)
		}
		if page.PerPage == nil {
			return
		}
		pp := *page.PerPage
		if pp < 1 || pp > 500 || len(page.Data) > pp || page.Page != nil && *page.Page < 0 {
			t.Fatalf("GET %s?%s: page %v perPage %d with %d items", op.Path, query, page.Page, pp, len(page.Data))
		}
		if page.TotalItems != nil && page.TotalPages != nil && *page.TotalPages != (*page.TotalItems+pp-1)/pp {
			t.Fatalf("GET %s?%s: %d items of %d a page in %d pages", op.Path, query, *page.TotalItems, pp, *page.TotalPages)
		}
	})
}
