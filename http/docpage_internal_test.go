package http

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestAppendDocPage checks that a page of stored documents is written as
// Huma's encoder writes the same page of their values.
func TestAppendDocPage(t *testing.T) {
	t.Parallel()
	var docs []json.RawMessage
	for _, v := range []any{map[string]any{"id": "a", "name": "<b> & c"}, map[string]any{"id": "b", "tags": []string{}}} {
		d, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	for _, pg := range []*enroll.Page[json.RawMessage]{
		{Data: []json.RawMessage{}, PerPage: 50},
		{Data: docs, Page: 3, PerPage: 2, TotalItems: 11, TotalPages: 6, NextPageToken: "eyJ0Ijo-IjEifQ_x"},
		{Data: docs[:1], Page: 0, PerPage: 1, TotalItems: 1, TotalPages: 1},
	} {
		// The page Huma would answer: the documents' values.
		values := &enroll.Page[any]{Data: []any{}, Page: pg.Page, PerPage: pg.PerPage, TotalItems: pg.TotalItems,
			TotalPages: pg.TotalPages, NextPageToken: pg.NextPageToken}
		for _, d := range pg.Data {
			var v any
			if err := json.Unmarshal(d, &v); err != nil {
				t.Fatal(err)
			}
			values.Data = append(values.Data, v)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(values); err != nil {
			t.Fatal(err)
		}
		if got := appendDocPage([]byte("x"), pg); !bytes.Equal(got, append([]byte("x"), want.Bytes()...)) {
			t.Errorf("appendDocPage =\n%s\nwant\n%s", got, want.Bytes())
		}
	}
}

// TestEnrollmentDetailJSON checks that a detail answered from the stored
// document is written as the same detail of the decoded enrollment, with
// and without a template: the enrollment's representation, as Huma's
// encoder writes it, with the template, or null, appended.
func TestEnrollmentDetailJSON(t *testing.T) {
	t.Parallel()
	e := &enroll.Enrollment{ID: "e1", FirstName: "<b>Zoë</b> & co", Tags: []string{"a>b"}, Metadata: map[string]any{"n": 1e21}}
	doc, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	huma := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tmpl := range []*EnrollmentTemplate{nil, {ID: "t1", Href: "/v1/notificationTemplates/t1", Name: "Welcome <new> & old"}} {
		want := append(bytes.TrimSuffix(huma(e), []byte("}\n")), `,"template":`...)
		want = append(append(want, bytes.TrimSuffix(huma(tmpl), []byte("\n"))...), "}\n"...)
		if got := huma(&EnrollmentDetail{Template: tmpl, doc: doc}); !bytes.Equal(got, want) {
			t.Errorf("stored: %s\nwant %s", got, want)
		}
		if got := huma(&EnrollmentDetail{Enrollment: e, Template: tmpl}); !bytes.Equal(got, want) {
			t.Errorf("decoded: %s\nwant %s", got, want)
		}
	}
}
