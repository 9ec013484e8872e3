package enroll_test

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// FuzzDecodeCursor feeds arbitrary page tokens to DecodeCursor: it must
// never panic, refuse with EINVALID, and whatever it accepts must encode
// back to a token that decodes to the same cursor.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(enroll.Cursor{Sort: "-createdAt", Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ID: "abc", Page: 3, Filter: 42}.Encode())
	f.Add(enroll.Cursor{Sort: "lastName", Text: "o'brien", ID: "x", Filter: 1<<63 - 1}.Encode())
	f.Add("")
	f.Add("garbage")
	f.Add("eyJpIjoiIn0")                         // {"i":""}
	f.Add("eyJpIjoieCIsInAiOi0xfQ")              // {"i":"x","p":-1}
	f.Add("eyJpIjoieCIsInQiOiJub3QgYSB0aW1lIn0") // a bad time
	f.Add("eyJpIjoieCIsInAiOjFlOTl9")            // a huge page
	f.Fuzz(func(t *testing.T, token string) {
		c, err := enroll.DecodeCursor(token)
		if err != nil {
			if enroll.ErrorCode(err) != enroll.EINVALID {
				t.Fatalf("DecodeCursor(%q) = %v, want EINVALID", token, err)
			}
			return
		}
		if c.ID == "" || c.Page < 0 {
			t.Fatalf("DecodeCursor(%q) accepted %+v", token, c)
		}
		again, err := enroll.DecodeCursor(c.Encode())
		if err != nil || again.Encode() != c.Encode() || !again.Time.Equal(c.Time) {
			t.Fatalf("cursor %+v does not round-trip: %+v, %v", c, again, err)
		}
	})
}

// FuzzListParams feeds arbitrary paging and sorting parameters to
// ListParams.Normalize: it must never panic, refuse with EINVALID, and
// leave accepted parameters within their bounds.
func FuzzListParams(f *testing.F) {
	valid := enroll.Cursor{Sort: enroll.SortCreatedDesc, ID: "abc", Page: 2, Filter: 7}.Encode()
	f.Add(0, 0, "", "", uint64(0))
	f.Add(3, 500, valid, enroll.SortCreatedDesc, uint64(7))
	f.Add(-1, 501, valid, "createdAt", uint64(8))
	f.Add(1<<40, 1, "%%%", "-lastName", uint64(0))
	f.Add(1<<62, 500, "", "", uint64(0)) // an offset that overflows
	f.Add(0, 10, enroll.Cursor{Sort: enroll.SortCreatedDesc, ID: "a", Page: 1 << 62}.Encode(), "", uint64(0))
	f.Fuzz(func(t *testing.T, page, perPage int, token, sort string, filter uint64) {
		p := enroll.ListParams{Page: page, PerPage: perPage, PageToken: token, Sort: sort}
		sorts := []string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc, enroll.SortLastName}
		c, err := p.Normalize(sorts, filter>>1)
		if err != nil {
			if enroll.ErrorCode(err) != enroll.EINVALID {
				t.Fatalf("Normalize(%+v) = %v, want EINVALID", p, err)
			}
			return
		}
		if p.PerPage < 1 || p.PerPage > enroll.MaxPerPage || p.Page < 0 || p.Sort == "" || (token != "") != (c != nil) {
			t.Fatalf("Normalize accepted %+v (cursor %+v)", p, c)
		}
		if p.Offset() < 0 {
			t.Fatalf("offset %d overflows for %+v", p.Offset(), p)
		}
	})
}
