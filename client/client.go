// Package client is a typed Go client for the Enroll API (/v1), a method
// for every operation: programs, program instances, enrollments and their
// workflow, customers, leads, events, webhook endpoints and deliveries,
// notification templates and settings, API keys, bulk imports and CSV
// exports. It speaks the API's JSON with the domain's own types (package
// enroll), so what a call returns is what the server documents: a call
// answering one enrollment returns an *EnrollmentDetail, the
// enroll.Enrollment with the template member the API adds (the newest
// notification's), which lists leave out; every error answer is a
// *Problem (RFC 9457). Each list has an All method that
// ranges over every page; an empty id where a path names one is refused
// before anything is sent (ErrEmptyID). Every update, replacement and
// delete the server checks If-Match on takes an ifMatch, last: the ETag
// of the resource's Get...ETag method, so that a write based on a stale
// read is refused (a *Problem with status 412) rather than applied; ""
// writes unconditionally. Each such update, transition, evaluation and
// put has an ...ETag form (UpdateInstanceETag, TransitionETag,
// PutNotificationSettingsETag, ...) that also returns the new ETag the
// server answers, the ifMatch of the next write without another read; so
// does each create whose answer carries one (CreateProgramETag,
// CreateEnrollmentETag, ...: every create but an API key's and an
// import's).
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("ENROLL_KEY"))
//	inst, err := c.GetInstance(ctx, "h24lamyd7wer9a5g7fn7xd7i")
//	e, err := c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{
//		IdentificationType: enroll.IdentifyByCustomerInfo,
//		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com"})
//	var p *client.Problem
//	if errors.As(err, &p) && p.Status == http.StatusConflict { ... p.Extra["existingId"] ... }
//	inst, etag, err := c.GetInstanceETag(ctx, inst.ID)
//	_, etag, err = c.UpdateInstanceETag(ctx, inst.ID, map[string]any{"capacity": 100}, etag)
//	if client.IsStatus(err, http.StatusPreconditionFailed) { ... changed since: read it again ... }
//	_, err = c.UpdateInstance(ctx, inst.ID, map[string]any{"status": "inactive"}, etag)
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// Client calls one Enroll server with one API key. It is safe for
// concurrent use.
type Client struct {
	baseURL string
	key     string
	// HTTP sends the requests; nil means http.DefaultClient. New gives it
	// no overall timeout, because uploads and exports stream for as long
	// as they need; bound calls with their context instead.
	HTTP *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// RetryFor is how long WaitImport goes on polling a job through
	// failures that pass (the server restarting, 429, 502, 503, 504)
	// before it gives up; 0 means two minutes.
	RetryFor time.Duration
	// RetryNotify, when set, is called by WaitImport with each failed
	// poll it rides out and how long it waits before the next, so that
	// a caller can say the server is out of reach rather than look like
	// a job that stalled.
	RetryNotify func(err error, wait time.Duration)
}

// New returns a client for the server at baseURL (such as
// "http://127.0.0.1:8080") authenticating with the API key secret key.
// The white space around key is dropped, as the server drops it: a key
// read from a file or a mounted secret ends with a newline, which no
// header may hold. Every call of a client without a base URL (an empty
// one, or a zero Client) returns an error.
func New(baseURL, key string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), key: strings.TrimSpace(key), HTTP: &http.Client{}, UserAgent: "enroll-go-client"}
}

// Problem is an error answer of the API: an RFC 9457 problem.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Errors point at the invalid fields of a 422.
	Errors []FieldError `json:"errors"`
	// Extra holds the extension members, such as existingId (409 for a
	// second open enrollment), currentStatus and allowedStatuses (409 for
	// a refused transition).
	Extra map[string]any `json:"-"`
	// RequestID is the X-Request-Id of the answer, to quote in reports.
	RequestID string `json:"-"`
	// RetryAfter is how long the answer's Retry-After header asks to
	// wait before trying again (429, 503); 0 when it has none.
	RetryAfter time.Duration `json:"-"`
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// Error returns the problem's status and detail, and for a server error
// the request id that its detail asks to quote.
func (p *Problem) Error() string {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if p.Status >= 500 && p.RequestID != "" {
		msg += " (X-Request-Id: " + p.RequestID + ")"
	}
	return fmt.Sprintf("enroll: %d %s", p.Status, msg)
}

// IsStatus reports whether err is a Problem with the given HTTP status.
func IsStatus(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}

type idempotencyKey struct{}

// WithIdempotencyKey returns a context whose POST requests carry the
// Idempotency-Key key: retried with the same key, the server answers the
// first response instead of doing the work again.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// ListOptions are the paging parameters every list takes.
type ListOptions struct {
	// Page is the zero-based page for offset paging.
	Page int
	// PerPage is the page size, 1 to 500; 0 means the server's default.
	PerPage int
	// PageToken is the previous page's NextPageToken: cursor paging.
	PageToken string
	// Sort is a sort key such as "-createdAt" or "lastName", for the lists
	// that sort (the OpenAPI document's sort parameter): a list without
	// one, such as an import's errors or an enrollment's history, refuses
	// it (422), as it refuses any parameter it does not take.
	Sort string
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Page > 0 {
		v.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		v.Set("perPage", strconv.Itoa(o.PerPage))
	}
	if o.PageToken != "" {
		v.Set("pageToken", o.PageToken)
	}
	if o.Sort != "" {
		v.Set("sort", o.Sort)
	}
	return v
}

// request is one call.
type request struct {
	method, path string
	query        url.Values
	header       http.Header
	body         io.Reader
	// length is the body's size, or -1 when unknown.
	length int64
	// json is marshalled as the body when body is nil.
	json any
}

// do sends r and returns the answer, or a *Problem for an error status.
// The caller closes the answer's body.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	if c.baseURL == "" {
		return nil, errors.New("enroll: the client has no server URL: make it with client.New(baseURL, key)")
	}
	if err := checkPath(r.method, r.path); err != nil {
		return nil, err
	}
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	body := r.body
	if body == nil && r.json != nil {
		b, err := json.Marshal(r.json)
		if err != nil {
			return nil, fmt.Errorf("enroll: encode request: %w", err)
		}
		body, r.length = bytes.NewReader(b), int64(len(b))
		if r.header == nil {
			r.header = http.Header{}
		}
		if r.header.Get("Content-Type") == "" {
			r.header.Set("Content-Type", "application/json")
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if body != nil && r.length >= 0 {
		req.ContentLength = r.length
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if key, _ := ctx.Value(idempotencyKey{}).(string); key != "" && r.method == http.MethodPost {
		req.Header.Set("Idempotency-Key", key)
	}
	hc := http.DefaultClient
	if c.HTTP != nil {
		hc = c.HTTP
	}
	// Redirects are not followed, whatever hc's policy: net/http follows
	// a 301 or 302 of a DELETE, PATCH or POST as a GET, whose answer
	// would pass for the write's (a revoked key still working, a create
	// decoding an empty object). A redirect is an error to fix in the
	// base URL.
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Do(req)
	if err != nil {
		return nil, fmt.Errorf("enroll: %s %s: %w", r.method, r.path, err)
	}
	if res.StatusCode >= 300 {
		defer closeBody(res.Body)
		return nil, readProblem(res)
	}
	return res, nil
}

// closeBody closes an answer's body once the rest of it, if short, is
// read: the transport reuses a connection only when its last body was
// read to the end, and a JSON decoder stops at the value's end, before
// the newline after it. A long rest costs less as a new connection.
func closeBody(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

// readProblem turns an error answer into a *Problem, whatever its body.
func readProblem(res *http.Response) *Problem {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	p := &Problem{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id"), RetryAfter: retryAfter(res.Header.Get("Retry-After"), time.Now())}
	if err := json.Unmarshal(b, p); err != nil || p.Title == "" {
		p.Type, p.Title = "about:blank", http.StatusText(res.StatusCode)
		p.Detail = foreignDetail(res, b)
	}
	p.Status = res.StatusCode
	var all map[string]any
	if json.Unmarshal(b, &all) == nil {
		for _, k := range []string{"type", "title", "status", "detail", "errors"} {
			delete(all, k)
		}
		if len(all) > 0 {
			p.Extra = all
		}
	}
	return p
}

// foreignDetail is the detail of an answer that is no problem document:
// a redirect, or an error page of something between the client and the
// server (a proxy's 502). A short plain text is kept; anything else is
// described, not copied, so that a page of HTML does not become the
// error's text in the caller's logs.
func foreignDetail(res *http.Response, body []byte) string {
	if res.StatusCode < 400 {
		return fmt.Sprintf("The server answered with a redirect (%d) to %q: give the client the base URL it redirects to.", res.StatusCode, res.Header.Get("Location"))
	}
	ct := res.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if text := strings.TrimSpace(string(body)); (mt == "text/plain" || ct == "") && len(text) <= 512 {
		return text
	}
	return fmt.Sprintf("The answer is %d bytes of %q, not a problem document: is something other than the Enroll server answering?", len(body), ct)
}

// call sends r and decodes a JSON answer into out (when not nil).
func (c *Client) call(ctx context.Context, r request, out any) error {
	res, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer closeBody(res.Body)
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("enroll: %s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// get fetches a JSON document into a new T.
func get[T any](c *Client, ctx context.Context, path string, query url.Values) (*T, error) {
	out := new(T)
	if err := c.call(ctx, request{method: http.MethodGet, path: path, query: query}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// send sends a JSON body and decodes the answer into a new T.
func send[T any](c *Client, ctx context.Context, method, path string, body any) (*T, error) {
	out := new(T)
	if err := c.call(ctx, request{method: method, path: path, json: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// del sends a DELETE, conditional on ifMatch (ifMatchHeader).
func (c *Client) del(ctx context.Context, path, ifMatch string) error {
	return c.call(ctx, request{method: http.MethodDelete, path: path, header: ifMatchHeader(ifMatch)}, nil)
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// ProgramCreate is the body of CreateProgram.
type ProgramCreate struct {
	// Slug is unique in the workspace and usable in place of the id.
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	States      []string `json:"states,omitempty"`
	// Active defaults to true.
	Active   *bool          `json:"active,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// InstanceCreate is the body of CreateInstance.
type InstanceCreate struct {
	// Slug is unique within the program.
	Slug string `json:"slug"`
	Name string `json:"name"`
	// Status defaults to active: enrollments are created only in active
	// instances.
	Status    enroll.InstanceStatus `json:"status,omitempty"`
	StartDate *time.Time            `json:"startDate,omitempty"`
	EndDate   *time.Time            `json:"endDate,omitempty"`
	// Capacity is the most approved (and paused) enrollments; nil: none.
	Capacity *int `json:"capacity,omitempty"`
	// AutoEvaluate defaults to true: rules run when an enrollment is created.
	AutoEvaluate     *bool              `json:"autoEvaluate,omitempty"`
	EligibilityRules []enroll.Rule      `json:"eligibilityRules,omitempty"`
	Parameters       []enroll.Parameter `json:"parameters,omitempty"`
	Groups           []enroll.Group     `json:"groups,omitempty"`
	Metadata         map[string]any     `json:"metadata,omitempty"`
}

// CreateProgram creates a program and returns it as stored.
func (c *Client) CreateProgram(ctx context.Context, p *ProgramCreate) (*enroll.Program, error) {
	out, _, err := c.CreateProgramETag(ctx, p)
	return out, err
}

// CreateProgramETag is CreateProgram that also returns the program's ETag, for the
// ifMatch of its first update or delete without reading it again.
func (c *Client) CreateProgramETag(ctx context.Context, p *ProgramCreate) (*enroll.Program, string, error) {
	return postETag[enroll.Program](c, ctx, "/v1/programs", p)
}

// GetProgram returns a program by id or slug.
func (c *Client) GetProgram(ctx context.Context, idOrSlug string) (*enroll.Program, error) {
	p, _, err := c.GetProgramETag(ctx, idOrSlug)
	return p, err
}

// GetProgramETag returns a program by id or slug and its ETag, for the
// ifMatch of UpdateProgram and DeleteProgram.
func (c *Client) GetProgramETag(ctx context.Context, idOrSlug string) (*enroll.Program, string, error) {
	return getETag[enroll.Program](c, ctx, "/v1/programs/"+esc(idOrSlug))
}

// ListPrograms returns a page of programs.
func (c *Client) ListPrograms(ctx context.Context, q ProgramQuery) (*enroll.Page[*enroll.Program], error) {
	return get[enroll.Page[*enroll.Program]](c, ctx, "/v1/programs", q.values())
}

// UpdateProgram applies a JSON merge patch (a map or struct of the members
// to change) to a program. A non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateProgram(ctx context.Context, idOrSlug string, p any, ifMatch string) (*enroll.Program, error) {
	out, _, err := c.UpdateProgramETag(ctx, idOrSlug, p, ifMatch)
	return out, err
}

// UpdateProgramETag is UpdateProgram that also returns the program's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateProgramETag(ctx context.Context, idOrSlug string, p any, ifMatch string) (*enroll.Program, string, error) {
	return patchETag[enroll.Program](c, ctx, "/v1/programs/"+esc(idOrSlug), p, ifMatch)
}

// DeleteProgram deletes a program without instances. A non-empty ifMatch
// makes a stale ETag a 412.
func (c *Client) DeleteProgram(ctx context.Context, idOrSlug, ifMatch string) error {
	return c.del(ctx, "/v1/programs/"+esc(idOrSlug), ifMatch)
}

// CreateInstance creates an instance of the program named by id or slug.
func (c *Client) CreateInstance(ctx context.Context, program string, in *InstanceCreate) (*enroll.ProgramInstance, error) {
	out, _, err := c.CreateInstanceETag(ctx, program, in)
	return out, err
}

// CreateInstanceETag is CreateInstance that also returns the instance's
// ETag, for the ifMatch of its first update or delete without reading it
// again.
func (c *Client) CreateInstanceETag(ctx context.Context, program string, in *InstanceCreate) (*enroll.ProgramInstance, string, error) {
	return postETag[enroll.ProgramInstance](c, ctx, "/v1/programs/"+esc(program)+"/instances", in)
}

// GetInstance returns a program instance.
func (c *Client) GetInstance(ctx context.Context, id string) (*enroll.ProgramInstance, error) {
	inst, _, err := c.GetInstanceETag(ctx, id)
	return inst, err
}

// GetInstanceETag returns a program instance and its ETag, for the
// ifMatch of UpdateInstance and DeleteInstance.
func (c *Client) GetInstanceETag(ctx context.Context, id string) (*enroll.ProgramInstance, string, error) {
	return getETag[enroll.ProgramInstance](c, ctx, "/v1/programInstances/"+esc(id))
}

// ListInstances returns a page of program instances.
func (c *Client) ListInstances(ctx context.Context, q InstanceQuery) (*enroll.Page[*enroll.ProgramInstance], error) {
	return get[enroll.Page[*enroll.ProgramInstance]](c, ctx, "/v1/programInstances", q.values())
}

// UpdateInstance applies a JSON merge patch to a program instance. A
// non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateInstance(ctx context.Context, id string, p any, ifMatch string) (*enroll.ProgramInstance, error) {
	out, _, err := c.UpdateInstanceETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateInstanceETag is UpdateInstance that also returns the instance's
// new ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateInstanceETag(ctx context.Context, id string, p any, ifMatch string) (*enroll.ProgramInstance, string, error) {
	return patchETag[enroll.ProgramInstance](c, ctx, "/v1/programInstances/"+esc(id), p, ifMatch)
}

// DeleteInstance deletes a program instance without enrollments. A
// non-empty ifMatch makes a stale ETag a 412.
func (c *Client) DeleteInstance(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/programInstances/"+esc(id), ifMatch)
}

// EnrollmentQuery selects enrollments in a list or an export. Empty fields
// do not filter.
type EnrollmentQuery struct {
	Statuses         []enroll.Status
	CustomerID       string
	LeadID           string
	ReferenceID      string
	Email            string
	Tag              string
	ManufacturerSlug string
	GroupID          string
	CreatedAfter     time.Time
	CreatedBefore    time.Time
	UpdatedAfter     time.Time
	// Q searches first name, last name, email and reference id by prefix.
	Q string
	ListOptions
}

func (q EnrollmentQuery) values() url.Values {
	v := q.ListOptions.values()
	for _, s := range q.Statuses {
		v.Add("status", string(s))
	}
	for k, s := range map[string]string{"customerId": q.CustomerID, "leadId": q.LeadID, "referenceId": q.ReferenceID, "email": q.Email,
		"tag": q.Tag, "manufacturerSlug": q.ManufacturerSlug, "groupId": q.GroupID, "q": q.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for k, t := range map[string]time.Time{"createdAfter": q.CreatedAfter, "createdBefore": q.CreatedBefore, "updatedAfter": q.UpdatedAfter} {
		if !t.IsZero() {
			v.Set(k, t.Format(time.RFC3339Nano))
		}
	}
	return v
}

// enrollmentsPath is the list of one instance, or of all when instanceID is "".
func enrollmentsPath(instanceID string) string {
	if instanceID == "" {
		return "/v1/enrollments"
	}
	return "/v1/programInstances/" + esc(instanceID) + "/enrollments"
}

// CreateEnrollment enrolls a participant in a program instance. The
// answer's Template is nil: a new enrollment has no notification yet.
func (c *Client) CreateEnrollment(ctx context.Context, instanceID string, in *enroll.EnrollmentCreate) (*EnrollmentDetail, error) {
	out, _, err := c.CreateEnrollmentETag(ctx, instanceID, in)
	return out, err
}

// CreateEnrollmentETag is CreateEnrollment that also returns the
// enrollment's ETag (its version), for the ifMatch of its first write
// without reading it again.
func (c *Client) CreateEnrollmentETag(ctx context.Context, instanceID string, in *enroll.EnrollmentCreate) (*EnrollmentDetail, string, error) {
	if instanceID == "" { // enrollmentsPath's list of every instance takes no POST
		return nil, "", checkPath(http.MethodPost, "/v1/programInstances//enrollments")
	}
	return postETag[EnrollmentDetail](c, ctx, enrollmentsPath(instanceID), in)
}

// GetEnrollment returns an enrollment.
func (c *Client) GetEnrollment(ctx context.Context, id string) (*EnrollmentDetail, error) {
	e, _, err := c.GetEnrollmentETag(ctx, id)
	return e, err
}

// GetEnrollmentETag returns an enrollment and its ETag (its version), for
// the ifMatch of UpdateEnrollment, Transition, EvaluateEnrollment and
// DeleteEnrollment. Their ...ETag forms return the new one.
func (c *Client) GetEnrollmentETag(ctx context.Context, id string) (*EnrollmentDetail, string, error) {
	return getETag[EnrollmentDetail](c, ctx, "/v1/enrollments/"+esc(id))
}

// ListEnrollments returns a page of the enrollments of one instance, or of
// every instance the key sees when instanceID is "".
func (c *Client) ListEnrollments(ctx context.Context, instanceID string, q EnrollmentQuery) (*enroll.Page[*enroll.Enrollment], error) {
	return get[enroll.Page[*enroll.Enrollment]](c, ctx, enrollmentsPath(instanceID), q.values())
}

// UpdateEnrollment applies a JSON merge patch to an enrollment (data
// fields, and eligibilityStatus with eligibilityReason to move it along
// the workflow). A non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateEnrollment(ctx context.Context, id string, p any, ifMatch string) (*EnrollmentDetail, error) {
	out, _, err := c.UpdateEnrollmentETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateEnrollmentETag is UpdateEnrollment that also returns the
// enrollment's new ETag (its version), for the ifMatch of the next write
// without reading it again.
func (c *Client) UpdateEnrollmentETag(ctx context.Context, id string, p any, ifMatch string) (*EnrollmentDetail, string, error) {
	return patchETag[EnrollmentDetail](c, ctx, "/v1/enrollments/"+esc(id), p, ifMatch)
}

// Transition moves an enrollment to status, giving reason. A non-empty
// ifMatch makes a stale ETag a 412: the decision is taken on the version
// read.
func (c *Client) Transition(ctx context.Context, id string, status enroll.Status, reason, ifMatch string) (*EnrollmentDetail, error) {
	out, _, err := c.TransitionETag(ctx, id, status, reason, ifMatch)
	return out, err
}

// TransitionETag is Transition that also returns the enrollment's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) TransitionETag(ctx context.Context, id string, status enroll.Status, reason, ifMatch string) (*EnrollmentDetail, string, error) {
	body := map[string]any{"eligibilityStatus": status}
	if reason != "" {
		body["eligibilityReason"] = reason
	}
	return c.UpdateEnrollmentETag(ctx, id, body, ifMatch)
}

// EvaluateEnrollment runs the instance's eligibility rules on an
// enrollment now. A non-empty ifMatch makes a stale ETag a 412.
func (c *Client) EvaluateEnrollment(ctx context.Context, id, ifMatch string) (*EnrollmentDetail, error) {
	out, _, err := c.EvaluateEnrollmentETag(ctx, id, ifMatch)
	return out, err
}

// EvaluateEnrollmentETag is EvaluateEnrollment that also returns the
// enrollment's new ETag, for the ifMatch of the next write without
// reading it again.
func (c *Client) EvaluateEnrollmentETag(ctx context.Context, id, ifMatch string) (*EnrollmentDetail, string, error) {
	return callETag[EnrollmentDetail](c, ctx, request{method: http.MethodPost, path: "/v1/enrollments/" + esc(id) + "/evaluate", header: ifMatchHeader(ifMatch)})
}

// DeleteEnrollment deletes an enrollment and its history. A non-empty
// ifMatch makes a stale ETag a 412.
func (c *Client) DeleteEnrollment(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/enrollments/"+esc(id), ifMatch)
}

// EnrollmentHistory returns an enrollment's status changes, oldest first:
// every page of them.
func (c *Client) EnrollmentHistory(ctx context.Context, id string) ([]*enroll.StatusChange, error) {
	var all []*enroll.StatusChange
	q := url.Values{"perPage": {strconv.Itoa(enroll.MaxPerPage)}}
	for {
		pg, err := get[enroll.Page[*enroll.StatusChange]](c, ctx, "/v1/enrollments/"+esc(id)+"/history", q)
		if err != nil {
			return nil, err
		}
		all = append(all, pg.Data...)
		if pg.NextPageToken == "" {
			return all, nil
		}
		q.Set("pageToken", string(pg.NextPageToken))
	}
}
