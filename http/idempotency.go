package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// Idempotency-Key handling (SPEC §8). The protocol and its crash behaviour
// are described in the domain (enroll.IdempotencyStore); this is the HTTP
// half: claim, run the handler with the claim in its context, store or
// replay the response.

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"

	// defaultIdempotencyLease is how long a claim holds off retries before
	// one may take it over. Takeover is always safe (the old holder's work
	// is fenced out); the lease only keeps a live request from being
	// displaced, and bounds how long a key stays stuck after a crash.
	defaultIdempotencyLease = 5 * time.Second
	// defaultIdempotencyWait is how long a request waits for another one
	// running with the same key before answering 409.
	defaultIdempotencyWait = 2 * time.Second
	// idempotencySweepInterval is how often expired records are deleted.
	idempotencySweepInterval = time.Hour
	// storeTimeout bounds storing or releasing a claim after the handler,
	// which runs even when the client has gone.
	storeTimeout = 5 * time.Second
)

// replayedHeaders are the response headers stored with a response.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotentOp says how one POST operation takes part.
type idempotentOp struct {
	// creates is the kind of object the operation creates; "" when it
	// changes an existing one or writes nothing.
	creates enroll.ObjectKind
	// rebuild makes the response from the stored state when the work
	// committed but the response was lost (a crash in between); nil for an
	// operation that writes nothing, whose claim never commits.
	rebuild func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error)
	// redact lists body members never stored: the secret of a new API key
	// is shown once and stored nowhere, a replay included.
	redact []string
}

// idempotentOps lists every POST operation by operationId. A POST missing
// here refuses Idempotency-Key (and a test fails), so a new route cannot
// silently lose the guarantee.
func (s *Server) idempotentOps() map[string]idempotentOp {
	return map[string]idempotentOp{
		"createProgram": {creates: enroll.KindProgram, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getProgram(ctx.Context(), &programIDInput{ProgramID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/programs/" + out.Body.ID, out.ETag, out.Body })
		}},
		"createProgramInstance": {creates: enroll.KindInstance, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getInstance(ctx.Context(), &instanceIDInput{InstanceID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/programInstances/" + out.Body.ID, out.ETag, out.Body })
		}},
		"createCustomer": {creates: enroll.KindCustomer, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getCustomer(ctx.Context(), &customerIDInput{CustomerID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/customers/" + out.Body.ID, out.ETag, out.Body })
		}},
		"createLead": {creates: enroll.KindLead, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getLead(ctx.Context(), &leadIDInput{LeadID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/leads/" + out.Body.ID, out.ETag, out.Body })
		}},
		"createEnrollment": {creates: enroll.KindEnrollment, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getEnrollment(ctx.Context(), &enrollmentIDInput{EnrollmentID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/enrollments/" + rec.ObjectID, out.ETag, out.Body })
		}},
		"evaluateEnrollment": {rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			// The evaluation changed the enrollment the path names.
			out, err := s.getEnrollment(ctx.Context(), &enrollmentIDInput{EnrollmentID: ctx.Param("enrollmentId")})
			return s.rebuilt(err, http.StatusOK, func() (string, string, any) { return "", out.ETag, out.Body })
		}},
		"createApiKey": {creates: enroll.KindAPIKey, redact: []string{"secret"}, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getAPIKey(ctx.Context(), &apiKeyIDInput{KeyID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/apiKeys/" + out.Body.ID, "", out.Body })
		}},
		"createImport": {creates: enroll.KindImport, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getImport(ctx.Context(), &importIDInput{ImportID: rec.ObjectID})
			return s.rebuilt(err, http.StatusAccepted, func() (string, string, any) { return "/v1/imports/" + out.Body.ID, "", out.Body })
		}},
		"createWebhookEndpoint": {creates: enroll.KindWebhookEndpoint, redact: []string{"secret"}, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getWebhookEndpoint(ctx.Context(), &webhookEndpointIDInput{EndpointID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/webhookEndpoints/" + out.Body.ID, out.ETag, out.Body })
		}},
		// A replayed rotation shows the endpoint without the new secret,
		// like a replayed creation: a secret is shown once.
		"rotateWebhookSecret": {redact: []string{"secret"}, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getWebhookEndpoint(ctx.Context(), &webhookEndpointIDInput{EndpointID: ctx.Param("endpointId")})
			return s.rebuilt(err, http.StatusOK, func() (string, string, any) { return "", out.ETag, out.Body })
		}},
		"redeliverWebhook": {creates: enroll.KindWebhookDelivery, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getWebhookDelivery(ctx.Context(), &deliveryIDInput{EndpointID: ctx.Param("endpointId"), DeliveryID: rec.ObjectID})
			return s.rebuilt(err, http.StatusAccepted, func() (string, string, any) {
				return "/v1/webhookEndpoints/" + out.Body.EndpointID + "/deliveries/" + out.Body.ID, "", out.Body
			})
		}},
		// Trying rules writes nothing: a lost response is simply recomputed.
		"testEligibilityRules": {},
		"createNotificationTemplate": {creates: enroll.KindNotificationTemplate, rebuild: func(ctx huma.Context, rec *enroll.IdempotencyRecord) (*enroll.IdempotentResponse, error) {
			out, err := s.getNotificationTemplate(ctx.Context(), &templateIDInput{TemplateID: rec.ObjectID})
			return s.rebuilt(err, http.StatusCreated, func() (string, string, any) { return "/v1/notificationTemplates/" + out.Body.ID, out.ETag, out.Body })
		}},
		// A preview writes nothing either.
		"renderNotificationTemplate": {},
	}
}

// idempotencyKeyParam documents the Idempotency-Key header of every POST.
func idempotencyKeyParam() *huma.Param {
	minLen, maxLen := 1, enroll.MaxIdempotencyKeyLength
	return &huma.Param{
		Name: headerIdempotencyKey,
		In:   "header",
		Description: "Makes the request safe to retry: the first response (status, body, Location and ETag) is kept for 24 hours " +
			"and returned, with `Idempotent-Replayed: true`, to every retry with the same key, API key, path and body, without doing " +
			"the work again. The same key with another request is a 422; while the first request runs, a retry waits briefly, " +
			"then answers 409 with Retry-After. A 5xx response is not kept. A replayed API key or webhook endpoint creation, or secret rotation, has no secret.",
		Schema:  &huma.Schema{Type: "string", MinLength: &minLen, MaxLength: &maxLen},
		Example: "2f1c6a1e-8d9b-4c61-9a77-0a8b7e6d5c4b",
	}
}

// rebuilt makes a stored response from what a GET handler returned: err, or
// the Location, ETag and body that part returns.
func (s *Server) rebuilt(err error, status int, part func() (location, etag string, body any)) (*enroll.IdempotentResponse, error) {
	if err != nil {
		return nil, err
	}
	location, etag, body := part()
	var buf bytes.Buffer
	if err := s.api.Marshal(&buf, "application/json", body); err != nil {
		return nil, err
	}
	h := map[string]string{"Content-Type": "application/json"}
	if location != "" {
		h["Location"] = location
	}
	if etag != "" {
		h["ETag"] = etag
	}
	return &enroll.IdempotentResponse{Status: status, Header: h, Body: buf.Bytes()}, nil
}

// idempotency is the Huma middleware that makes a POST with an
// Idempotency-Key run at most once per workspace and key. It runs after
// authenticate, so the workspace and key are known; bodies are read here
// (within the operation's limit) because the body is part of what makes a
// retry "the same request".
func (s *Server) idempotency(ctx huma.Context, next func(huma.Context)) {
	if ctx.Method() != http.MethodPost || ctx.Operation().Metadata[scopeMetadata] == nil {
		next(ctx)
		return
	}
	// An empty header is a key, not its absence: a client that meant to
	// send one must not get a second object from its retry.
	var keys []string
	ctx.EachHeader(func(name, value string) {
		if strings.EqualFold(name, headerIdempotencyKey) {
			keys = append(keys, value)
		}
	})
	sent := len(keys)
	if sent == 0 {
		next(ctx)
		return
	}
	op, ok := s.idemOps[ctx.Operation().OperationID]
	switch {
	case sent > 1:
		p := newProblem(http.StatusUnprocessableEntity, "Idempotency-Key was sent more than once; send one.")
		p.Errors = []*huma.ErrorDetail{{Location: "header.Idempotency-Key", Message: "must be sent once", Value: echoHeaders(keys)}}
		writeHumaProblem(ctx, p)
		return
	case !enroll.ValidIdempotencyKey(keys[0]):
		p := newProblem(http.StatusUnprocessableEntity, "Idempotency-Key must be 1 to 255 printable ASCII characters.")
		p.Errors = []*huma.ErrorDetail{{Location: "header.Idempotency-Key", Message: "must be 1 to 255 printable ASCII characters",
			Value: echoHeaders(keys[:1])}}
		writeHumaProblem(ctx, p)
		return
	case !ok || s.idem == nil:
		writeHumaProblem(ctx, newProblem(http.StatusNotImplemented, "This operation does not support Idempotency-Key."))
		return
	}
	key := keys[0]
	limit := ctx.Operation().MaxBodyBytes
	if limit <= 0 {
		limit = maxBodyBytes
	}
	// As long as Huma or refuseBody would wait for it; an import's body,
	// which Huma does not read, as long as the server waits for any.
	wait := ctx.Operation().BodyReadTimeout
	if wait == 0 && ctx.Operation().RequestBody == nil {
		wait = bodyReadTimeout
	}
	if wait > 0 {
		_ = ctx.SetReadDeadline(time.Now().Add(wait))
	}
	body, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), limit+1))
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		writeHumaProblem(ctx, humaError(http.StatusRequestTimeout, bodyTimeout).(*Problem))
		return
	} else if err != nil {
		writeHumaProblem(ctx, newProblem(http.StatusBadRequest, cannotReadBody))
		return
	} else if int64(len(body)) > limit {
		p := bodyTooLarge(limit)
		if ctx.Operation().OperationID == "createImport" {
			// An import is otherwise limited by disk only (docs/import.md):
			// say that the key is the limit, and the way past it.
			p = importTooLargeForKey(limit)
		}
		writeHumaProblem(ctx, p)
		return
	}
	if wait > 0 {
		// Read to its end: the deadline would otherwise fall on net/http's
		// background read (see recorder.SetReadDeadline).
		_ = ctx.SetReadDeadline(time.Time{})
	}
	c := ctx.Context()
	ws, path := workspaceFrom(c), ctx.URL().Path
	if q := ctx.URL().RawQuery; q != "" {
		path += "?" + q
	}
	mt, _, _ := mime.ParseMediaType(ctx.Header("Content-Type")) // lower case; "" when absent (JSON)
	asSent := body
	if ctx.Operation().RequestBody == nil && isNoBody(body) {
		// A POST that takes no body takes none, {} and null alike
		// (refuseBody): they are one request.
		body = nil
	}
	hash := enroll.IdempotencyFingerprint(keyFrom(c).ID, ctx.Method(), path, mt, body)
	s.sweepIdempotencyKeys()

	deadline := time.Now().Add(s.idemWait)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		rec, claimed, err := s.idem.ClaimIdempotencyKey(c, ws, key, hash, s.idemLease)
		switch {
		case err != nil:
			writeHumaProblem(ctx, s.problemFor(c, err))
			return
		case rec.RequestHash != hash:
			// A record stored before JSON bodies were read by what they
			// say holds the fingerprint of the bytes: the same bytes are
			// the same request.
			if raw := enroll.IdempotencyFingerprintRaw(keyFrom(c).ID, ctx.Method(), path, mt, body); raw != hash && rec.RequestHash == raw {
				hash = raw
				continue
			}
			// One stored before a bodiless POST's empty bodies were one
			// request holds the fingerprint of the body as sent.
			if as := enroll.IdempotencyFingerprint(keyFrom(c).ID, ctx.Method(), path, mt, asSent); as != hash && rec.RequestHash == as {
				hash = as
				continue
			}
			writeHumaProblem(ctx, newProblem(http.StatusUnprocessableEntity,
				"This Idempotency-Key was used with a different request (API key, method, path or body); use a new key for a new request."))
			return
		case claimed:
			s.runClaimed(ctx, next, rec, op, body)
			return
		case rec.State == enroll.IdempotencyCompleted:
			writeStored(ctx, rec.Response, true)
			return
		case rec.State == enroll.IdempotencyCommitted:
			s.replayCommitted(ctx, rec, op)
			return
		}
		// Another request holds the key: wait for its response, briefly.
		wait := min(delay, time.Until(deadline))
		if wait <= 0 {
			ctx.SetHeader("Retry-After", "1")
			p := newProblem(http.StatusConflict, "A request with this Idempotency-Key is still in progress; retry later.")
			p.Extra = map[string]any{"idempotencyKey": "in_progress"}
			writeHumaProblem(ctx, p)
			return
		}
		select {
		case <-c.Done():
			writeHumaProblem(ctx, newProblem(http.StatusServiceUnavailable, "The request was canceled."))
			return
		case <-time.After(wait):
		}
	}
}

// runClaimed runs the operation holding the claim rec, then stores its
// response, or releases the claim when the response is a 5xx so that a
// retry runs the operation again. Storing happens even if the client has
// gone: the work may have been done.
func (s *Server) runClaimed(ctx huma.Context, next func(huma.Context), rec *enroll.IdempotencyRecord, op idempotentOp, body []byte) {
	claim := &enroll.IdempotencyClaim{WorkspaceID: rec.WorkspaceID, Key: rec.Key, Token: rec.Token, Creates: op.creates}
	// after bounds storing or releasing the claim from when the work
	// ended, however long it took.
	after := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx.Context()), storeTimeout)
	}
	rc := &recorder{innerContext: huma.WithContext(ctx, enroll.NewContextWithIdempotencyClaim(ctx.Context(), claim)),
		body: bytes.NewReader(body), header: http.Header{}}
	defer func() {
		if v := recover(); v != nil {
			// The panic becomes a 500 further out; let a retry run again.
			bg, cancel := after()
			defer cancel()
			s.releaseClaim(bg, rec)
			panic(v)
		}
	}()
	next(rc)
	resp := rc.response()
	bg, cancel := after()
	defer cancel()
	if resp.Status >= 500 {
		s.releaseClaim(bg, rec)
	} else {
		stored := *resp
		stored.Header = map[string]string{}
		for _, h := range replayedHeaders {
			if v := rc.header.Get(h); v != "" {
				stored.Header[h] = v
			}
		}
		stored.Body = dropMembers(resp.Body, op.redact)
		if err := s.idem.CompleteIdempotencyKey(bg, rec.WorkspaceID, rec.Key, rec.Token, &stored); err != nil {
			// The response still goes out; a retry rebuilds it (committed)
			// or, if nothing was written, runs again after the lease.
			s.logger.Warn("cannot store idempotent response", "err", err, "requestId", requestID(ctx.Context()))
		}
	}
	for name, values := range rc.header {
		for i, v := range values {
			if i == 0 {
				ctx.SetHeader(name, v)
			} else {
				ctx.AppendHeader(name, v)
			}
		}
	}
	writeStored(ctx, resp, false)
}

// replayCommitted answers a retry of a request whose work committed but
// whose response was never stored: rebuilt from the object, and stored so
// that later retries replay the same bytes.
func (s *Server) replayCommitted(ctx huma.Context, rec *enroll.IdempotencyRecord, op idempotentOp) {
	if op.rebuild == nil {
		writeHumaProblem(ctx, newProblem(http.StatusConflict, "The request with this Idempotency-Key was carried out, but its response cannot be rebuilt."))
		return
	}
	resp, err := op.rebuild(ctx, rec)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		p := newProblem(http.StatusConflict, "The request with this Idempotency-Key was carried out, but what it created no longer exists.")
		if rec.ObjectID != "" {
			p.Extra = map[string]any{"objectId": rec.ObjectID}
		}
		writeHumaProblem(ctx, p)
		return
	} else if err != nil {
		writeHumaProblem(ctx, s.problemFor(ctx.Context(), err))
		return
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx.Context()), storeTimeout)
	defer cancel()
	if err := s.idem.CompleteIdempotencyKey(bg, rec.WorkspaceID, rec.Key, rec.Token, resp); err != nil && enroll.ErrorCode(err) != enroll.ECONFLICT {
		s.logger.Warn("cannot store rebuilt idempotent response", "err", err, "requestId", requestID(ctx.Context()))
	}
	writeStored(ctx, resp, true)
}

func (s *Server) releaseClaim(ctx context.Context, rec *enroll.IdempotencyRecord) {
	if err := s.idem.ReleaseIdempotencyKey(ctx, rec.WorkspaceID, rec.Key, rec.Token); err != nil {
		s.logger.Warn("cannot release idempotency key", "err", err, "requestId", requestID(ctx))
	}
}

// sweepIdempotencyKeys deletes expired records in the background, at most
// once per idempotencySweepInterval. Claims also ignore expired records, so
// the sweep only keeps the table small.
func (s *Server) sweepIdempotencyKeys() {
	s.sweepMu.Lock()
	if time.Since(s.lastSweep) < idempotencySweepInterval {
		s.sweepMu.Unlock()
		return
	}
	s.lastSweep = time.Now()
	s.background.Add(1)
	s.sweepMu.Unlock()
	go func() {
		defer s.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		n, err := s.idem.DeleteExpiredIdempotencyKeys(ctx, time.Now().Add(-enroll.IdempotencyTTL))
		if err != nil {
			s.logger.Warn("cannot delete expired idempotency keys", "err", err)
		} else if n > 0 {
			s.logger.Info("deleted expired idempotency keys", "count", n)
		}
	}()
}

// writeStored writes a stored (or just recorded) response.
func writeStored(ctx huma.Context, resp *enroll.IdempotentResponse, replayed bool) {
	for name, v := range resp.Header {
		ctx.SetHeader(name, v)
	}
	if replayed {
		ctx.SetHeader(headerReplayed, "true")
	}
	ctx.SetStatus(resp.Status)
	if len(resp.Body) > 0 {
		_, _ = ctx.BodyWriter().Write(resp.Body)
	}
}

// dropMembers returns body without the named top-level members, keeping
// the others as they are and in order; body unchanged when it is not a
// JSON object or names is empty.
func dropMembers(body []byte, names []string) []byte {
	if len(names) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return body
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		name, ok := t.(string)
		var v json.RawMessage
		if err != nil || !ok || dec.Decode(&v) != nil {
			return []byte("{}")
		}
		if slices.Contains(names, name) {
			continue
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		nb, _ := marshalJSON(name)
		out.Write(nb)
		out.WriteByte(':')
		out.Write(v)
	}
	out.WriteString("}\n")
	return out.Bytes()
}

// innerContext names the embedded context of recorder: a field called
// Context would hide the Context method.
type innerContext = huma.Context

// recorder is a huma.Context that keeps the response in memory, so that it
// can be stored before it is sent; the request body is the one already read.
type recorder struct {
	innerContext
	body   io.Reader
	status int
	header http.Header
	buf    bytes.Buffer
}

// BodyReader returns the request body read by the middleware.
func (r *recorder) BodyReader() io.Reader { return r.body }

// SetReadDeadline does nothing: the middleware has read the body, and
// Huma's deadline for reading it (5 s) would instead fall on net/http's
// background read of the connection, which cancels the request's context
// when it fails, ending any request that ran longer with a 500.
func (r *recorder) SetReadDeadline(time.Time) error { return nil }

// SetStatus records the status.
func (r *recorder) SetStatus(code int) { r.status = code }

// Status returns the recorded status.
func (r *recorder) Status() int { return r.status }

// SetHeader records a header.
func (r *recorder) SetHeader(name, value string) { r.header.Set(name, value) }

// AppendHeader records a header value.
func (r *recorder) AppendHeader(name, value string) { r.header.Add(name, value) }

// BodyWriter returns the in-memory body.
func (r *recorder) BodyWriter() io.Writer { return &r.buf }

// response returns what was recorded.
func (r *recorder) response() *enroll.IdempotentResponse {
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	return &enroll.IdempotentResponse{Status: status, Body: r.buf.Bytes()}
}
