package enroll

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Paging limits.
const (
	// DefaultPerPage is the page size when none is asked for.
	DefaultPerPage = 50
	// MaxPerPage is the largest page size.
	MaxPerPage = 500
	// MaxPage is the largest page number: Page × PerPage must not overflow
	// into a negative offset (found by FuzzListParams).
	MaxPage = 1<<31 - 1
)

// ListParams are the paging and sorting parameters every list takes.
type ListParams struct {
	// Page is the zero-based page number for offset paging.
	Page int
	// PerPage is the page size, 1..MaxPerPage; 0 means DefaultPerPage.
	PerPage int
	// PageToken continues after the last row of a previous page. It wins over Page.
	PageToken string
	// Sort is one of the sort keys the list accepts; "" means its default.
	Sort string

	// rowsBefore is how many rows come before the page a PageToken
	// continues at, which Normalize reads off the token (tokenPosition).
	rowsBefore int
	// tokenPosition is whether rowsBefore is set: a token of a server
	// before tokens carried it has only its page number.
	tokenPosition bool
}

// Sort keys. A leading "-" means descending.
const (
	SortCreatedAsc  = "createdAt"
	SortCreatedDesc = "-createdAt"
	SortUpdatedAsc  = "updatedAt"
	SortUpdatedDesc = "-updatedAt"
	SortLastName    = "lastName"
)

// Normalize fills defaults and checks the parameters against the sort keys
// the list allows (the first is the default). It returns the decoded cursor
// when PageToken is set; filterHash binds a token to the filter it came from.
func (p *ListParams) Normalize(sorts []string, filterHash uint64) (*Cursor, error) {
	var v Invalid
	if p.PerPage == 0 {
		p.PerPage = DefaultPerPage
	}
	if p.PerPage < 1 || p.PerPage > MaxPerPage {
		v.Add("query.perPage", "must be between 1 and 500", p.PerPage)
	}
	if p.Page < 0 {
		v.Add("query.page", "must not be negative", p.Page)
	} else if p.Page > MaxPage {
		v.Add("query.page", "is too large", p.Page)
	}
	if p.Sort == "" {
		p.Sort = sorts[0]
	} else if !slices.Contains(sorts, p.Sort) {
		v.Add("query.sort", "must be one of "+joinStrings(sorts), p.Sort)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.PageToken == "" {
		return nil, nil
	}
	c, err := DecodeCursor(p.PageToken)
	if err != nil || c.Sort != p.Sort || c.Filter != filterHash {
		return nil, &Error{Code: EINVALID, Message: "pageToken is not valid for this list, sort and filter.",
			Fields: []FieldError{{Location: "query.pageToken", Message: "invalid or from another query", Value: p.PageToken}}}
	}
	// The page number follows the rows the token skips, so that a token
	// reused with another perPage reports the page its first row is on
	// at that size, not the number it had at the old one.
	if c.Rows > 0 {
		p.Page, p.rowsBefore, p.tokenPosition = c.Rows/p.PerPage, c.Rows, true
	} else {
		p.Page = c.Page
	}
	return c, nil
}

// Offset returns the row offset of offset paging.
func (p ListParams) Offset() int { return p.Page * p.PerPage }

// Cursor is the position after the last row of a page: the sort key's value
// and the id that breaks ties. Page tokens are opaque encodings of it.
type Cursor struct {
	Sort string    `json:"s"`
	Time time.Time `json:"t,omitzero"`
	Text string    `json:"x,omitempty"`
	ID   string    `json:"i"`
	Page int       `json:"p"`
	// Rows is how many rows the list holds before the next page: Page
	// alone misnumbers it once the token is used with another perPage.
	Rows   int    `json:"o,omitempty"`
	Filter uint64 `json:"f"`
}

// MaxPageTokenLength is the longest page token DecodeCursor reads: that
// of a lastName sort whose last row's key (at most 512 bytes, the
// stores' name keys) is all characters JSON writes in six bytes (control
// characters, which names may hold), about 4,300 bytes. The pageToken
// parameter's maxLength in http/list.go says the same.
const MaxPageTokenLength = 6144

// Encode returns the page token for c.
func (c Cursor) Encode() string {
	// Without HTML escaping, which would make each < of a last name six
	// bytes (\u003c).
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(c)
	return base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// DecodeCursor parses a page token.
func DecodeCursor(s string) (*Cursor, error) {
	if len(s) > MaxPageTokenLength {
		return nil, Errorf(EINVALID, "pageToken too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, Errorf(EINVALID, "pageToken is malformed")
	}
	var c Cursor
	// No NUL in the strings: no key or id holds one, and PostgreSQL
	// refuses it in a text parameter.
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || c.Page < 0 || c.Page > MaxPage || c.Rows < 0 ||
		strings.ContainsRune(c.ID+c.Text+c.Sort, 0) {
		return nil, Errorf(EINVALID, "pageToken is malformed")
	}
	return &c, nil
}

// HashFilter returns a stable hash of a filter value, to bind page tokens to
// the query they page through.
func HashFilter(f any) uint64 {
	b, _ := json.Marshal(f)
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64() >> 1 // fits an int64 and round-trips through JSON numbers
}

// Page is one page of a list, in the seed's shape plus a cursor.
type Page[T any] struct {
	Data          []T       `json:"data"`
	Page          int       `json:"page" doc:"Zero-based page number."`
	PerPage       int       `json:"perPage"`
	TotalItems    int       `json:"totalItems" doc:"Number of items matching the filter."`
	TotalPages    int       `json:"totalPages"`
	NextPageToken PageToken `json:"nextPageToken" nullable:"true" doc:"Pass as pageToken for the next page; null on the last page."`
}

// PageToken is a page's cursor to the next one: null in JSON on the last
// page, which has none, so that every list shows the member (nulljson.go).
type PageToken string

// MarshalJSON writes the token, or null for none.
func (t PageToken) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}

// NewPage assembles a page from rows fetched with one extra row beyond
// PerPage (to know whether a next page exists) and the total count. cursor
// turns the last row into the next page's cursor.
func NewPage[T any](rows []T, p ListParams, total int, cursor func(T) Cursor) *Page[T] {
	pg := &Page[T]{Data: rows, Page: p.Page, PerPage: p.PerPage, TotalItems: total}
	if pg.Data == nil {
		pg.Data = []T{}
	}
	if len(rows) > p.PerPage {
		pg.Data = rows[:p.PerPage]
		c := cursor(pg.Data[len(pg.Data)-1])
		c.Page = p.Page + 1
		c.Rows = p.Offset() + p.PerPage
		if p.tokenPosition {
			c.Rows = p.rowsBefore + p.PerPage
		}
		pg.NextPageToken = PageToken(c.Encode())
	}
	if p.PerPage > 0 {
		pg.TotalPages = (total + p.PerPage - 1) / p.PerPage
	}
	return pg
}

// PageSlice returns page p of items, a whole list already in its order,
// as the stores page their tables: offset paging, or, with a token, the
// items after the one the token names. It serves the short lists read
// whole (an enrollment's history, the workspace's API keys); sort is the
// list's only order, bound into its tokens with filter. It returns
// EINVALID for bad paging or a token whose item is gone.
func PageSlice[T any](items []T, p ListParams, sort string, filter uint64, id func(T) string) (*Page[T], error) {
	c, err := p.Normalize([]string{sort}, filter)
	if err != nil {
		return nil, err
	}
	start := min(p.Offset(), len(items))
	if c != nil {
		i := slices.IndexFunc(items, func(v T) bool { return id(v) == c.ID })
		if i < 0 {
			return nil, &Error{Code: EINVALID, Message: "pageToken is not valid for this list, sort and filter.",
				Fields: []FieldError{{Location: "query.pageToken", Message: "its item is gone", Value: p.PageToken}}}
		}
		start = i + 1
	}
	rows := items[start:min(start+p.PerPage+1, len(items))]
	return NewPage(rows, p, len(items), func(v T) Cursor { return Cursor{Sort: sort, ID: id(v), Filter: filter} }), nil
}

func joinStrings(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
