package http

import (
	"context"
	"encoding/json"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// EnrollmentPatch is the body of PATCH /v1/enrollments/{enrollmentId}: a
// JSON merge patch of the data fields, and optionally a status change.
type EnrollmentPatch struct {
	FirstName            *string                 `json:"firstName,omitempty" maxLength:"256" nullable:"true"`
	LastName             *string                 `json:"lastName,omitempty" maxLength:"256" nullable:"true"`
	Email                *string                 `json:"email,omitempty" maxLength:"256" nullable:"true" doc:"A new email is an address mail relays take: ASCII, with a domain name that has a dot, not an IP address; the stored one may be sent back as read."`
	Phone                *string                 `json:"phone,omitempty" maxLength:"256" nullable:"true"`
	Address              *AddressPatch           `json:"address,omitempty" doc:"Merged with the stored address; null removes it."`
	ManufacturerSlugs    []string                `json:"manufacturerSlugs,omitempty" maxItems:"100" maxLength:"256" doc:"Each slug once (compared exactly, case included); a repeat is a 422 at the repeat, unless the list is sent back as stored."`
	SerialNumber         *string                 `json:"serialNumber,omitempty" maxLength:"256" nullable:"true"`
	Devices              []enroll.Device         `json:"devices,omitempty" maxItems:"100" doc:"Each device holds a value (an empty one is a 422 at the device), and no two have the same id (a repeat is a 422 at its id; devices without an id are not compared), unless the list is sent back as stored."`
	ReferenceID          *string                 `json:"referenceId,omitempty" maxLength:"256" nullable:"true"`
	ReferenceDescription *string                 `json:"referenceDescription,omitempty" maxLength:"4096" nullable:"true"`
	Tags                 []string                `json:"tags,omitempty" maxItems:"100" maxLength:"256" doc:"Each tag once (compared exactly, case included); a repeat is a 422 at the repeat, unless the list is sent back as stored."`
	Metadata             map[string]any          `json:"metadata,omitempty" doc:"Merged with the stored metadata; a null member removes it, null all." nullable:"true"`
	Parameters           []enroll.ParameterValue `json:"parameters,omitempty" maxItems:"100"`
	GroupIDs             []string                `json:"groupIds,omitempty" maxItems:"100" maxLength:"256" doc:"Groups declared on the instance, each once; [] removes all. A repeat is a 422 at the repeat, unless the list is sent back as stored."`
	Notes                *string                 `json:"notes,omitempty" maxLength:"4096" nullable:"true"`
	Assignee             *string                 `json:"assignee,omitempty" maxLength:"256" nullable:"true"`
	EnrollmentStartDate  *time.Time              `json:"enrollmentStartDate,omitempty" nullable:"true"`
	EligibilityStatus    *enroll.Status          `json:"eligibilityStatus,omitempty" enum:"candidate,eligible,ineligible,submitted,needs_action,approved,rejected,paused,unenrolled" doc:"Moves the enrollment along the workflow; approved, rejected and needs_action need the enrollments:review scope. The current status is a no-op."`
	EligibilityReason    *string                 `json:"eligibilityReason,omitempty" maxLength:"4096" doc:"Why; cleared when the status changes without one." nullable:"true"`
	ReadOnlyMembers
}

var enrollmentPatchable = patchMembers{
	"firstName": true, "lastName": true, "email": true, "phone": true, "address": true,
	"manufacturerSlugs": true, "serialNumber": true, "devices": true, "referenceId": true,
	"referenceDescription": true, "tags": true, "metadata": true, "parameters": true,
	"groupIds": true, "notes": true, "assignee": true, "enrollmentStartDate": true,
}

// setMembers are the members of request bodies that are sets: each item
// once (Enrollment.Validate, Program.Validate, APIKey.Validate,
// WebhookEndpoint's validate, NotificationSettings.Validate and an
// instance's choice options).
var setMembers = map[string][]string{
	"EnrollmentCreate":        {"manufacturerSlugs", "tags", "groupIds"},
	"EnrollmentPatch":         {"manufacturerSlugs", "tags", "groupIds"},
	"ProgramCreate":           {"states"},
	"ProgramPatch":            {"states"},
	"APIKeyCreate":            {"scopes", "programInstanceIds"},
	"WebhookEndpointCreate":   {"eventTypes"},
	"WebhookEndpointPatch":    {"eventTypes"},
	"NotificationSettingsPut": {"adminEmails"},
	"ConstraintsInput":        {"options"},
}

// documentUniqueItems marks setMembers uniqueItems in the OpenAPI
// document, through the schemas' extension keywords, which the document
// shows and Huma's validator ignores. The schema's own UniqueItems would
// have Huma refuse a repeat before the handler, in its words and at the
// list ("body.tags: expected array items to be unique", the whole list as
// the value, once per repeat); the domain refuses it at the repeated item,
// for imports too, and lets a PATCH send back a list stored with a repeat
// before that check.
func documentUniqueItems(schemas huma.Registry) {
	for name, members := range setMembers {
		for _, m := range members {
			p := schemaMember(schemas, name, m)
			if p.Type != huma.TypeArray {
				panic("documentUniqueItems: no list " + name + "." + m)
			}
			setKeyword(p, "uniqueItems", true)
		}
	}
}

// EnrollmentListQuery holds the filters of enrollment lists (SPEC §4).
type EnrollmentListQuery struct {
	Status           []string  `query:"status,explode" doc:"Keep enrollments in these statuses (repeatable or comma-separated), each one of candidate, eligible, ineligible, submitted, needs_action, approved, rejected, paused, unenrolled; any other is a 422."`
	CustomerID       string    `query:"customerId" maxLength:"64" doc:"Keep the enrollments of this customer."`
	LeadID           string    `query:"leadId" maxLength:"64" doc:"Keep the enrollments of this lead."`
	ReferenceID      string    `query:"referenceId" maxLength:"256" doc:"Keep the enrollments with this referenceId (exact match)."`
	Email            string    `query:"email" maxLength:"256" doc:"Case-insensitive."`
	Tag              string    `query:"tag" maxLength:"256" doc:"Keep the enrollments whose tags hold this one (exact match, case included)."`
	ManufacturerSlug string    `query:"manufacturerSlug" maxLength:"256" doc:"Keep the enrollments whose manufacturerSlugs hold this one (exact match, case included)."`
	GroupID          string    `query:"groupId" maxLength:"256" doc:"Keep the enrollments whose groupIds hold this one (exact match, case included)."`
	CreatedAfter     time.Time `query:"createdAfter" doc:"Keep enrollments created after this RFC 3339 time (exclusive), such as 2026-01-02T03:04:05Z or 2026-01-02T05:04:05+02:00; t and z may be lower case, and the offset's + may be sent unencoded."`
	CreatedBefore    time.Time `query:"createdBefore" doc:"Keep enrollments created before this RFC 3339 time (exclusive), such as 2026-01-02T03:04:05Z or 2026-01-02T05:04:05+02:00; t and z may be lower case, and the offset's + may be sent unencoded."`
	UpdatedAfter     time.Time `query:"updatedAfter" doc:"Keep enrollments updated after this RFC 3339 time (exclusive), such as 2026-01-02T03:04:05Z or 2026-01-02T05:04:05+02:00; t and z may be lower case, and the offset's + may be sent unencoded."`
	// given says which of createdAfter, createdBefore and updatedAfter the
	// request named: 0001-01-01T00:00:00Z parses to time.Time's zero, a
	// time like any other (nothing was created before it), not no filter.
	given [3]bool
	Q     string `query:"q" maxLength:"256" doc:"Prefix search over first name, last name, email and reference id. Names match without case or accents (emile finds Émile), from their start or from any later word of theirs, split at spaces, or part of a word after a hyphen or an apostrophe (berg and der find van der Berg, ann finds Mary Ann, luc finds Jean-Luc, brien O'Brien); the email and reference id by their lower-cased prefix. Several words separated by whitespace match an enrollment when each begins one of those fields or a word of a name (Suzie Homeowner, homeowner suzie, Mary Ann Smith), or when the words, joined by single spaces, begin one of the fields; at most 8 words."`
}

// Resolve lists unknown statuses along with Huma's parameter errors.
func (q *EnrollmentListQuery) Resolve(ctx huma.Context) []error {
	q.given = [3]bool{ctx.Query("createdAfter") != "", ctx.Query("createdBefore") != "", ctx.Query("updatedAfter") != ""}
	return checkValues("status", q.Status, func(s string) bool { return enroll.Status(s).Valid() },
		"must be one of candidate, eligible, ineligible, submitted, needs_action, approved, rejected, paused, unenrolled")
}

// filter converts the query to the domain filter.
func (q EnrollmentListQuery) filter() (enroll.EnrollmentFilter, error) {
	f := enroll.EnrollmentFilter{
		CustomerID: q.CustomerID, LeadID: q.LeadID, ReferenceID: q.ReferenceID, Email: q.Email,
		Tag: q.Tag, ManufacturerSlug: q.ManufacturerSlug, GroupID: q.GroupID,
		CreatedAfter: optionalTime(q.CreatedAfter, q.given[0]), CreatedBefore: optionalTime(ceilMicrosecond(q.CreatedBefore), q.given[1]),
		UpdatedAfter: optionalTime(q.UpdatedAfter, q.given[2]), Q: q.Q,
	}
	for _, s := range splitValues(q.Status) {
		f.Statuses = append(f.Statuses, enroll.Status(s))
	}
	return f, f.Validate()
}

type createEnrollmentInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	Body       enroll.EnrollmentCreate
}

type listInstanceEnrollmentsInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	EnrollmentListQuery
	EnrollmentSortQuery
	ListQuery
	accept []string // the Accept field lines: text/csv asks for an export
}

// Resolve keeps the Accept header and checks the filters.
func (in *listInstanceEnrollmentsInput) Resolve(ctx huma.Context) []error {
	in.accept = acceptHeader(ctx)
	return in.EnrollmentListQuery.Resolve(ctx)
}

type listEnrollmentsInput struct {
	ProgramInstanceID string `query:"programInstanceId" maxLength:"64" doc:"Keep the enrollments of this program instance: the same list as GET /v1/programInstances/{instanceId}/enrollments."`
	EnrollmentListQuery
	EnrollmentSortQuery
	ListQuery
	accept []string // the Accept field lines: text/csv asks for an export
}

// Resolve keeps the Accept header and checks the filters.
func (in *listEnrollmentsInput) Resolve(ctx huma.Context) []error {
	in.accept = acceptHeader(ctx)
	return in.EnrollmentListQuery.Resolve(ctx)
}

type enrollmentIDInput struct {
	EnrollmentID string `path:"enrollmentId" doc:"The enrollment's id."`
}

type enrollmentIfMatchInput struct {
	EnrollmentID string `path:"enrollmentId" doc:"The enrollment's id."`
	IfMatchHeader
}

type updateEnrollmentInput struct {
	EnrollmentID string `path:"enrollmentId" doc:"The enrollment's id."`
	IfMatchHeader
	Body    EnrollmentPatch
	RawBody []byte `contentType:"application/merge-patch+json"`
}

type enrollmentOutput struct {
	ETag string `header:"ETag" doc:"The enrollment's version, for If-Match."`
	Body *enroll.Enrollment
}

type enrollmentCreatedOutput struct {
	Location string `header:"Location" doc:"The new enrollment's URL."`
	ETag     string `header:"ETag" doc:"The enrollment's version, for If-Match."`
	Body     *EnrollmentDetail
}

type historyInput struct {
	EnrollmentID string `path:"enrollmentId" doc:"The enrollment's id."`
	ListQuery
}

// historySort names the history's one order, oldest first, in its page
// tokens.
const historySort = "seq"

// visibleEnrollment returns a store callback that hides enrollments in
// instances the key may not see and checks If-Match.
func visibleEnrollment(ctx context.Context, ifMatch string) func(*enroll.Enrollment) error {
	return func(e *enroll.Enrollment) error {
		if !keyFrom(ctx).SeesInstance(e.ProgramInstanceID) {
			return notFound("Enrollment", e.ID)
		}
		return checkIfMatch(ifMatch, e.ETag())
	}
}

func (s *Server) createEnrollment(ctx context.Context, in *createEnrollmentInput) (*enrollmentCreatedOutput, error) {
	if !enroll.ValidID(in.InstanceID) {
		return nil, notFound("Program instance", in.InstanceID)
	}
	if err := checkInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	if in.Body.IdentificationType == enroll.IdentifyByEnrollmentID && len(limitedInstances(ctx)) > 0 && in.Body.EnrollmentID != "" {
		// A re-enrollment copies another enrollment: the key must see it.
		if _, err := s.findEnrollment(ctx, in.Body.EnrollmentID); err != nil {
			return nil, err
		}
	}
	e, err := s.store.CreateEnrollment(ctx, actorFrom(ctx), in.InstanceID, &in.Body)
	if err != nil {
		return nil, err
	}
	// Its template is null, as a GET then shows it, without a look-up: a
	// new enrollment has no notifications, which are made only once its
	// events are dispatched, after the create commits.
	out := &enrollmentCreatedOutput{Location: "/v1/enrollments/" + e.ID, ETag: e.ETag(), Body: &EnrollmentDetail{Enrollment: e}}
	return out, s.hideParameters(ctx, e)
}

func (s *Server) listInstanceEnrollments(ctx context.Context, in *listInstanceEnrollmentsInput) (*huma.StreamResponse, error) {
	inst, err := s.findInstance(ctx, in.InstanceID)
	if err != nil {
		return nil, err
	}
	return s.listEnrollmentsIn(ctx, inst, in.EnrollmentListQuery, in.params(in.Sort))
}

func (s *Server) listEnrollments(ctx context.Context, in *listEnrollmentsInput) (*huma.StreamResponse, error) {
	var inst *enroll.ProgramInstance
	if in.ProgramInstanceID != "" {
		var err error
		if inst, err = s.filterInstance(ctx, in.ProgramInstanceID); err != nil {
			return nil, err
		}
	}
	return s.listEnrollmentsIn(ctx, inst, in.EnrollmentListQuery, in.params(in.Sort))
}

// filterInstance loads the instance a list's programInstanceId names: one
// the key cannot see, or none, is a 422 at the parameter, as an unknown
// value of any filter that names an object.
func (s *Server) filterInstance(ctx context.Context, id string) (*enroll.ProgramInstance, error) {
	inst, err := s.findInstance(ctx, id)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		var v enroll.Invalid
		v.Add("query.programInstanceId", "is not a program instance of the workspace", id)
		return nil, v.Err()
	}
	return inst, err
}

// listEnrollmentsIn answers a page of inst's enrollments, or of all the
// key sees when inst is nil. When nothing is to be hidden from the key
// and the store keeps the documents the API answers, the page is answered
// from them as stored (enroll.EnrollmentDocReader).
func (s *Server) listEnrollmentsIn(ctx context.Context, inst *enroll.ProgramInstance, q EnrollmentListQuery, p enroll.ListParams) (*huma.StreamResponse, error) {
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	f.ProgramInstanceIDs, f.ListParams = limitedInstances(ctx), p
	if inst != nil {
		f.ProgramInstanceID = inst.ID
	}
	if dl, ok := s.store.(enroll.EnrollmentDocReader); ok && (seesHiddenParameters(ctx) || inst != nil && !inst.HidesParameters()) {
		page, err := dl.ListEnrollmentDocs(ctx, workspaceFrom(ctx), f)
		if err != nil {
			return nil, err
		}
		return s.docPageStream(page), nil
	}
	page, err := s.store.ListEnrollments(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	if err := s.hideParameters(ctx, page.Data...); err != nil {
		return nil, err
	}
	docs := &enroll.Page[json.RawMessage]{Data: make([]json.RawMessage, len(page.Data)), Page: page.Page, PerPage: page.PerPage,
		TotalItems: page.TotalItems, TotalPages: page.TotalPages, NextPageToken: page.NextPageToken}
	for i, e := range page.Data {
		// Each as a store keeps it (Enrollment.JSON), which docPageStream
		// writes as it writes stored documents.
		if docs.Data[i], err = e.JSON(); err != nil {
			return nil, err
		}
	}
	return s.docPageStream(docs), nil
}

// findEnrollment loads an enrollment the key may see.
func (s *Server) findEnrollment(ctx context.Context, id string) (*enroll.Enrollment, error) {
	if !enroll.ValidID(id) {
		return nil, notFound("Enrollment", id)
	}
	e, err := s.store.FindEnrollment(ctx, workspaceFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	if err := visibleEnrollment(ctx, "")(e); err != nil {
		return nil, err
	}
	return e, nil
}

func (s *Server) getEnrollment(ctx context.Context, in *enrollmentIDInput) (*enrollmentDetailOutput, error) {
	if !enroll.ValidID(in.EnrollmentID) {
		return nil, notFound("Enrollment", in.EnrollmentID)
	}
	if out, err := s.storedEnrollmentDetail(ctx, in.EnrollmentID); out != nil || err != nil {
		return out, err
	}
	e, err := s.findEnrollment(ctx, in.EnrollmentID)
	if err != nil {
		return nil, err
	}
	return s.enrollmentDetail(ctx, e)
}

// updateEnrollment answers the enrollment as a GET then shows it, its
// template included.
func (s *Server) updateEnrollment(ctx context.Context, in *updateEnrollmentInput) (*enrollmentDetailOutput, error) {
	if !enroll.ValidID(in.EnrollmentID) {
		return nil, notFound("Enrollment", in.EnrollmentID)
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	if patch.has("eligibilityStatus") && in.Body.EligibilityStatus == nil {
		return nil, &enroll.Error{Code: enroll.EINVALID, Message: "eligibilityStatus cannot be null.",
			Fields: []enroll.FieldError{{Location: "body.eligibilityStatus", Message: "cannot be null"}}}
	}
	// A key that is not shown hidden parameter values sends parameters
	// without them; the instance says which to keep. It is read before
	// the write, which must not wait for a second connection.
	var hiding *enroll.ProgramInstance
	if patch.has("parameters") && !seesHiddenParameters(ctx) {
		cur, err := s.findEnrollment(ctx, in.EnrollmentID)
		if err != nil {
			return nil, err
		}
		if hiding, err = s.store.FindInstance(ctx, workspaceFrom(ctx), cur.ProgramInstanceID); err != nil {
			return nil, err
		}
	}
	visible := visibleEnrollment(ctx, in.IfMatch)
	e, err := s.store.UpdateEnrollment(ctx, actorFrom(ctx), in.EnrollmentID, func(e *enroll.Enrollment) error {
		if err := visible(e); err != nil {
			return err
		}
		from, prev := e.Eligibility.Status, *e
		if err := applyPatch(e, patch, enrollmentPatchable); err != nil {
			return err
		}
		if hiding != nil {
			e.KeepHiddenParameters(&prev, hiding)
		}
		reason := ""
		if in.Body.EligibilityReason != nil {
			reason = *in.Body.EligibilityReason
		}
		switch to := in.Body.EligibilityStatus; {
		case to != nil && *to != from:
			if to.Reviewing() {
				if err := requireScope(ctx, enroll.ScopeEnrollmentsReview, "move an enrollment to "+string(*to)); err != nil {
					return err
				}
			}
			e.SetStatus(*to, reason)
		case to == nil && patch.has("eligibilityReason"):
			// A reason alone explains the current status.
			e.Eligibility.Reason = reason
		}
		// Asking for the current status is a no-op, reason included (SPEC §4).
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.enrollmentDetail(ctx, e)
}

func (s *Server) deleteEnrollment(ctx context.Context, in *enrollmentIfMatchInput) (*struct{}, error) {
	if !enroll.ValidID(in.EnrollmentID) {
		return nil, notFound("Enrollment", in.EnrollmentID)
	}
	if err := s.store.DeleteEnrollment(ctx, actorFrom(ctx), in.EnrollmentID, visibleEnrollment(ctx, in.IfMatch)); err != nil {
		return nil, err
	}
	return nil, nil
}

// evaluateEnrollment answers the enrollment as a GET then shows it, its
// template included.
func (s *Server) evaluateEnrollment(ctx context.Context, in *enrollmentIfMatchInput) (*enrollmentDetailOutput, error) {
	if !enroll.ValidID(in.EnrollmentID) {
		return nil, notFound("Enrollment", in.EnrollmentID)
	}
	e, err := s.store.EvaluateEnrollment(ctx, actorFrom(ctx), in.EnrollmentID, visibleEnrollment(ctx, in.IfMatch))
	if err != nil {
		return nil, err
	}
	return s.enrollmentDetail(ctx, e)
}

// enrollmentHistory pages through an enrollment's history, read whole: an
// enrollment changes status a handful of times.
func (s *Server) enrollmentHistory(ctx context.Context, in *historyInput) (*bodyPage[*enroll.StatusChange], error) {
	e, err := s.findEnrollment(ctx, in.EnrollmentID)
	if err != nil {
		return nil, err
	}
	changes, err := s.store.ListStatusChanges(ctx, workspaceFrom(ctx), in.EnrollmentID)
	if err != nil {
		return nil, err
	}
	if err := s.hideTraces(ctx, e.ProgramInstanceID, changes); err != nil {
		return nil, err
	}
	page, err := enroll.PageSlice(changes, in.params(""), historySort, enroll.HashFilter(in.EnrollmentID),
		func(h *enroll.StatusChange) string { return h.ID })
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.StatusChange]{Body: page}, nil
}
