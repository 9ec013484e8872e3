package http

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// Export (SPEC §7): the enrollment lists, and an import's errors, answer
// CSV when Accept prefers it (text/csv, text/*; see wantsCSV): every
// matching row, fetched from the store a page at a time by keyset and
// written as it comes, so an export of any size takes constant memory.
// page and perPage do not apply; pageToken does, as in JSON: the export
// starts after its row, and one not of the list is the JSON list's 422,
// answered before any CSV is written.

// exportPageSize is how many rows an export fetches at a time.
const exportPageSize = enroll.MaxPerPage

// responseWriter returns the http.ResponseWriter under a Huma context, or
// nil when there is none (a context recorded for an Idempotency-Key).
func responseWriter(ctx huma.Context) http.ResponseWriter {
	for {
		if u, ok := ctx.(interface{ Unwrap() huma.Context }); ok {
			ctx = u.Unwrap()
			continue
		}
		break
	}
	if u, ok := ctx.(interface {
		Unwrap() (*http.Request, http.ResponseWriter)
	}); ok {
		_, w := u.Unwrap()
		return w
	}
	return nil
}

// jsonStream answers body as JSON, as Huma would, from an operation whose
// output is a stream (because it may answer CSV instead).
func (s *Server) jsonStream(body any) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(ctx huma.Context) {
		ctx.SetHeader("Content-Type", "application/json")
		ctx.SetStatus(http.StatusOK)
		if err := s.api.Marshal(ctx.BodyWriter(), "application/json", body); err != nil {
			s.logger.Warn("cannot write response", "err", err, "requestId", requestID(ctx.Context()))
		}
	}}
}

// csvStream answers a CSV file that write writes to w. Everything that
// can fail for a reason the caller should hear about (filters, the first
// page) must have failed before: once the header is sent, a failure can
// only cut the response short, which the client sees as an incomplete
// transfer, never as a complete file.
func (s *Server) csvStream(ctx context.Context, filename string, write func(w io.Writer) error) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+filename+`"`)
		hctx.SetStatus(http.StatusOK)
		sw := &streamWriter{w: hctx.BodyWriter()}
		if w := responseWriter(hctx); w != nil {
			sw.rc = http.NewResponseController(w)
		}
		sw.progress()
		if err := write(sw); err != nil {
			if ctx.Err() == nil {
				s.logger.Error("export failed", "err", err, "bytes", sw.written, "requestId", requestID(ctx))
			}
			panic(http.ErrAbortHandler)
		}
	}}
}

// streamFlushBytes is how much of a streamed response is sent at a time.
const streamFlushBytes = 256 << 10

// streamWriter writes a long response: every streamFlushBytes it sends
// what is buffered and pushes the write deadline forward, so the server's
// WriteTimeout bounds the export's progress rather than its length.
type streamWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	since   int
	written int64
}

func (sw *streamWriter) progress() {
	if sw.rc != nil {
		_ = sw.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_ = sw.rc.Flush()
	}
	sw.since = 0
}

// Write writes p, sending what is buffered every streamFlushBytes.
func (sw *streamWriter) Write(p []byte) (int, error) {
	n, err := sw.w.Write(p)
	sw.since += n
	sw.written += int64(n)
	if sw.since >= streamFlushBytes {
		sw.progress()
	}
	return n, err
}

// exportEnrollments streams every enrollment matching the query, in the
// key's instances, as CSV (enroll.ExportColumns: what an import takes),
// with hidden parameter values removed for keys without programs:write.
func (s *Server) exportEnrollments(ctx context.Context, instanceID string, q EnrollmentListQuery, sort, pageToken string) (*huma.StreamResponse, error) {
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	f.ProgramInstanceID, f.ProgramInstanceIDs = instanceID, limitedInstances(ctx)
	f.ListParams = enroll.ListParams{PerPage: exportPageSize, PageToken: pageToken, Sort: sort}
	f.NoTotal = true
	ws := workspaceFrom(ctx)
	// Every page is read in one snapshot: a row whose sort key changes
	// while the export streams (updatedAt, lastName) would otherwise move
	// behind the walk and be left out, or ahead of it and be repeated.
	snap, release, err := s.store.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	// The stream ends it; so does the request's end, should the stream
	// never run, as an open snapshot holds a connection (and on SQLite
	// keeps the WAL from starting over).
	stop := context.AfterFunc(ctx, release)
	first, err := s.store.ListEnrollments(snap, ws, f)
	if err != nil {
		stop()
		release()
		return nil, err
	}
	name := "enrollments.csv"
	if instanceID != "" {
		name = "enrollments-" + instanceID + ".csv"
	}
	return s.csvStream(ctx, name, func(w io.Writer) error {
		defer release()
		stop()
		x, err := enroll.NewCSVExporter(w)
		if err != nil {
			return err
		}
		for page := first; ; {
			if err := s.hideParameters(ctx, page.Data...); err != nil {
				return err
			}
			for _, e := range page.Data {
				if err := x.Write(e); err != nil {
					return err
				}
			}
			if err := x.Flush(); err != nil {
				return err
			}
			if page.NextPageToken == "" {
				return nil
			}
			f.PageToken = string(page.NextPageToken)
			if page, err = s.store.ListEnrollments(snap, ws, f); err != nil {
				return err
			}
		}
	}), nil
}

// listInstanceEnrollmentsOrCSV is GET /v1/programInstances/{id}/enrollments:
// a page of JSON, or with Accept: text/csv every match as CSV.
func (s *Server) listInstanceEnrollmentsOrCSV(ctx context.Context, in *listInstanceEnrollmentsInput) (*huma.StreamResponse, error) {
	if !wantsCSV(in.accept) {
		return s.listInstanceEnrollments(ctx, in)
	}
	if _, err := s.findInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	return s.exportEnrollments(ctx, in.InstanceID, in.EnrollmentListQuery, in.Sort, in.PageToken)
}

// listEnrollmentsOrCSV is GET /v1/enrollments: a page of JSON, or with
// Accept: text/csv every match as CSV.
func (s *Server) listEnrollmentsOrCSV(ctx context.Context, in *listEnrollmentsInput) (*huma.StreamResponse, error) {
	if !wantsCSV(in.accept) {
		return s.listEnrollments(ctx, in)
	}
	if in.ProgramInstanceID != "" {
		if _, err := s.filterInstance(ctx, in.ProgramInstanceID); err != nil {
			return nil, err
		}
	}
	return s.exportEnrollments(ctx, in.ProgramInstanceID, in.EnrollmentListQuery, in.Sort, in.PageToken)
}

// The CSV forms, as the OpenAPI document describes them.
const (
	enrollmentsCSVDoc = "every matching enrollment (filters and sort apply, and pageToken: the export starts after its row, and one not of this list, sort and filter is a 422 as in JSON; page and perPage do not), streamed, " +
		"one row per enrollment with a header row: the columns POST .../imports takes, plus the read-only id, status and times, " +
		"which an import ignores, so an export imports as it is."
	importErrorsCSVDoc = "every error of the job (after pageToken's, when given: one not of this list is a 422 as in JSON), with a header row: row, field, message."
)

// documented lets doc complete an operation's description before it is
// registered.
func documented(doc func(*huma.Operation), register func(huma.API, huma.Operation)) func(huma.API, huma.Operation) {
	return func(api huma.API, op huma.Operation) {
		doc(&op)
		register(api, op)
	}
}

// negotiated documents an operation that answers either a JSON body of
// type T or, when Accept prefers it (wantsCSV), a CSV file; its handler's
// output is a stream, which Huma cannot describe.
func negotiated[T any](csvDoc string, register func(huma.API, huma.Operation)) func(huma.API, huma.Operation) {
	return func(api huma.API, op huma.Operation) {
		schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[T](), true, op.OperationID+"Response")
		op.Responses = map[string]*huma.Response{"200": {
			Description: "OK",
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: schema},
				"text/csv":         {Schema: &huma.Schema{Type: "string", Description: csvDoc}},
			},
			Headers: map[string]*huma.Header{"Content-Disposition": {
				Description: "With CSV only: `attachment`, with the name of a file to save it as.",
				Schema:      &huma.Schema{Type: huma.TypeString, Examples: []any{`attachment; filename="enrollments.csv"`}},
			}},
		}}
		op.Description += " Answers `text/csv` instead of JSON when `Accept` prefers it by RFC 9110's media ranges and qualities " +
			"(`text/csv`, or `text/*`, which CSV matches and JSON does not; JSON wins a tie, and answers when neither is acceptable): " + csvDoc
		register(api, op)
	}
}
