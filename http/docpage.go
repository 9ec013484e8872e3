package http

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// docPageStream answers a page of stored JSON documents
// (enroll.EnrollmentDocReader) as jsonStream answers an enroll.Page.
func (s *Server) docPageStream(pg *enroll.Page[json.RawMessage]) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(ctx huma.Context) {
		ctx.SetHeader("Content-Type", "application/json")
		ctx.SetStatus(http.StatusOK)
		if _, err := ctx.BodyWriter().Write(appendDocPage(nil, pg)); err != nil {
			s.logger.Warn("cannot write response", "err", err, "requestId", requestID(ctx.Context()))
		}
	}}
}

// appendDocPage appends pg to b as Huma's JSON encoder writes an
// enroll.Page of the documents' values. The documents are json.Marshal's,
// which that encoder would check again (json.RawMessage), a tenth of a
// list request for 100 of them: they are copied instead, only written
// without json.Marshal's HTML escapes, as that encoder writes them
// (enroll.AppendHTMLUnescaped).
func appendDocPage(b []byte, pg *enroll.Page[json.RawMessage]) []byte {
	n := 128 + len(pg.NextPageToken)
	for _, d := range pg.Data {
		n += len(d) + 1
	}
	b = slices.Grow(b, n)
	b = append(b, `{"data":[`...)
	for i, d := range pg.Data {
		if i > 0 {
			b = append(b, ',')
		}
		b = enroll.AppendHTMLUnescaped(b, d)
	}
	b = append(b, `],"page":`...)
	b = strconv.AppendInt(b, int64(pg.Page), 10)
	b = append(b, `,"perPage":`...)
	b = strconv.AppendInt(b, int64(pg.PerPage), 10)
	b = append(b, `,"totalItems":`...)
	b = strconv.AppendInt(b, int64(pg.TotalItems), 10)
	b = append(b, `,"totalPages":`...)
	b = strconv.AppendInt(b, int64(pg.TotalPages), 10)
	tok, _ := json.Marshal(pg.NextPageToken) // null on the last page
	b = append(append(b, `,"nextPageToken":`...), tok...)
	return append(b, "}\n"...)
}
