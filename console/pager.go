package console

import (
	"net/url"
	"slices"

	"github.com/enrollhq/enroll"
)

// maxPrevTokens bounds the stack of previous page tokens carried in the
// query, which keeps URLs short; beyond it "First page" still works.
const maxPrevTokens = 20

// pager links the pages of a list. Lists page by cursor (the store's
// pageToken), which costs the same at any depth; cursors only go forward,
// so the query carries the tokens of the pages before (prev, repeated; an
// empty one is the first page) to offer "Previous".
type pager struct {
	// Page is the zero-based page number.
	Page       int
	TotalPages int
	TotalItems int
	FirstURL   string
	PrevURL    string
	NextURL    string
	// One and Many name the items ("" for enrollments).
	One, Many string
}

// newPager returns the links of the page at token current, reached through
// the tokens in prev, whose next page is at token next ("" when last).
// filters are the query parameters that define the list.
func newPager(path string, filters url.Values, prev []string, current, next string, page, totalPages, totalItems int) pager {
	p := pager{Page: page, TotalPages: totalPages, TotalItems: totalItems}
	link := func(token string, stack []string) string {
		q := url.Values{}
		for k, v := range filters {
			q[k] = v
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		if len(stack) > 0 {
			q["prev"] = stack
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	if current != "" {
		p.FirstURL = link("", nil)
	}
	if len(prev) > 0 {
		p.PrevURL = link(prev[len(prev)-1], prev[:len(prev)-1])
	}
	if next != "" {
		stack := append(slices.Clone(prev), current)
		if len(stack) > maxPrevTokens {
			stack = stack[len(stack)-maxPrevTokens:]
		}
		p.NextURL = link(next, stack)
	}
	return p
}

// Number is the one-based page number, for people.
func (p pager) Number() int { return p.Page + 1 }

// Items counts the list's items: "3 enrollments".
func (p pager) Items() string {
	if p.One == "" {
		return plural(p.TotalItems, "enrollment", "enrollments")
	}
	return plural(p.TotalItems, p.One, p.Many)
}

// Pages is the number of pages, at least one (an empty list is one page).
func (p pager) Pages() int { return max(p.TotalPages, 1) }

// Label says which page this is: "Page 2 of 3". A page link made before
// the list shrank (enrollments decided, endpoints deleted) carries a
// number that may be past the pages the total now makes, "Page 2 of 1":
// its rows then end the list ("Last page", with no next page) or are
// somewhere in it, at a number not known without counting the rows
// before them ("One of 3 pages").
func (p pager) Label() string {
	switch {
	case p.Number() <= p.Pages():
		return "Page " + formatInt(p.Number()) + " of " + formatInt(p.Pages())
	case p.NextURL == "":
		return "Last page"
	default:
		return "One of " + plural(p.Pages(), "page", "pages")
	}
}

// prevTokens reads the stack of previous page tokens from a query.
func prevTokens(q url.Values) []string {
	prev := q["prev"]
	if len(prev) > maxPrevTokens {
		prev = prev[len(prev)-maxPrevTokens:]
	}
	return prev
}

// backToRows lists again, a page back at a time, while the page at
// *token is empty though a token names it: a page emptied since its link
// was made (its rows decided or deleted), or past the end of a list
// that shrank, is not the end of the list. It stops at the first page,
// empty when the list is, and reports whether a page before, with rows,
// is shown instead. list reads the page at *token; *token and *prev are
// moved back with each step.
func backToRows[T any](pg *enroll.Page[T], token *string, prev *[]string, list func() (*enroll.Page[T], error)) (*enroll.Page[T], bool, error) {
	var err error
	back := false
	for len(pg.Data) == 0 && *token != "" {
		if n := len(*prev); n > 0 {
			*token, *prev = (*prev)[n-1], (*prev)[:n-1]
		} else {
			*token = ""
		}
		if pg, err = list(); err != nil {
			return nil, false, err
		}
		back = len(pg.Data) > 0
	}
	return pg, back, nil
}
