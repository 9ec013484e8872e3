package client

import (
	"iter"
	"net/url"

	"github.com/enrollhq/enroll"
)

// setIf sets a list's query parameter when its filter is not empty.
func setIf(v url.Values, name, value string) {
	if value != "" {
		v.Set(name, value)
	}
}

// pages returns the items of every page of a list, from the page o names
// on: list is called with o, then with each answer's NextPageToken until
// one has none. PerPage 0 reads pages of enroll.MaxPerPage, for the
// fewest requests, past the first: a first page that o numbers is of the
// server's default size, as the List method reads it, since page 1 of
// 500 would start 450 items past the page 1 the caller has seen. An
// error ends the sequence, yielded with a zero item; so does the loop
// that ranges over it breaking. Each range starts again from o.
func pages[T any](o ListOptions, list func(ListOptions) (*enroll.Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		o := o
		largest := o.PerPage == 0
		if largest && o.Page == 0 {
			o.PerPage = enroll.MaxPerPage
		}
		for {
			pg, err := list(o)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range pg.Data {
				if !yield(v, nil) {
					return
				}
			}
			if pg.NextPageToken == "" {
				return
			}
			// The token continues where the page ended, and wins over
			// the page number.
			o.Page, o.PageToken = 0, string(pg.NextPageToken)
			if largest {
				o.PerPage = enroll.MaxPerPage
			}
		}
	}
}
