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
// fewest requests. An error ends the sequence, yielded with a zero item;
// so does the loop that ranges over it breaking. Each range starts again
// from o.
func pages[T any](o ListOptions, list func(ListOptions) (*enroll.Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		o := o
		if o.PerPage == 0 {
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
		}
	}
}
