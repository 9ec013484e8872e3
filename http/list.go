package http

import (
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// ListQuery holds the paging parameters every list takes. The bounds are
// declared for the OpenAPI document and checked by Huma; the store checks
// them again (and the sort key and page token) in ListParams.Normalize.
type ListQuery struct {
	Page      int    `query:"page" minimum:"0" maximum:"2147483647" doc:"Zero-based page number, for offset paging."`
	PerPage   int    `query:"perPage" minimum:"1" maximum:"500" default:"50" doc:"Page size."`
	PageToken string `query:"pageToken" maxLength:"6144" doc:"The nextPageToken of the previous page: continues after it, at any depth, and wins over page."`
}

// SortQuery is the sort parameter of the lists of programs, instances,
// customers and leads.
type SortQuery struct {
	Sort string `query:"sort" enum:"-createdAt,createdAt,updatedAt,-updatedAt" default:"-createdAt" doc:"Sort key; a leading - sorts descending."`
}

// EnrollmentSortQuery is the sort parameter of enrollment lists.
type EnrollmentSortQuery struct {
	Sort string `query:"sort" enum:"-createdAt,createdAt,updatedAt,-updatedAt,lastName" default:"-createdAt" doc:"Sort key; a leading - sorts descending. lastName sorts as a phone book: case and accents ignored (Émile among the e's), then a name with accents just after the same name without."`
}

// params returns the domain paging parameters with the given sort key.
func (q ListQuery) params(sort string) enroll.ListParams {
	return enroll.ListParams{Page: q.Page, PerPage: q.PerPage, PageToken: q.PageToken, Sort: sort}
}

// splitValues flattens a repeatable query parameter that may also carry
// comma-separated values: ?status=a&status=b and ?status=a,b mean the same.
func splitValues(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// checkValues reports every value of a repeatable query parameter that
// valid refuses. List inputs call it from Huma's Resolve hook, so that bad
// values are listed together with Huma's own errors for the other
// parameters (perPage=abc), in one 422.
func checkValues(name string, values []string, valid func(string) bool, msg string) []error {
	var errs []error
	for i, v := range splitValues(values) {
		if !valid(v) {
			errs = append(errs, &huma.ErrorDetail{Location: "query." + name + "[" + strconv.Itoa(i) + "]", Message: msg, Value: v})
		}
	}
	return errs
}

// optionalTime returns nil for an absent time parameter.
func optionalTime(t time.Time, given bool) *time.Time {
	if !given && t.IsZero() {
		return nil
	}
	return &t
}

// ceilMicrosecond rounds t up to the microsecond, the precision of stored
// times, for an exclusive upper bound: a row created at 08:51:08.958859
// is before 08:51:08.958859999, which truncating would have left out.
func ceilMicrosecond(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); !r.Equal(t) {
		return r.Add(time.Microsecond)
	}
	return t
}

// bodyPage wraps a page for a Huma output.
type bodyPage[T any] struct {
	Body *enroll.Page[T]
}
