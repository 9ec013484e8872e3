package http

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/enrollhq/enroll"
)

// EnrollmentTemplate names the notification template last used for an
// enrollment, as the marketplace seed's enrollment.template does.
type EnrollmentTemplate struct {
	// An enrollment without notifications shows null.
	_    struct{} `nullable:"true"`
	ID   string   `json:"id" doc:"The template's id."`
	Href string   `json:"href" doc:"The template's URL."`
	Name string   `json:"name" doc:"The template's name, e.g. \"Successful Activation\"."`
}

// EnrollmentDetail is an enrollment as GET /v1/enrollments/{enrollmentId}
// shows it: with its template, which lists leave out since it costs a
// lookup per enrollment.
type EnrollmentDetail struct {
	*enroll.Enrollment
	Template *EnrollmentTemplate `json:"template" doc:"The template of the enrollment's newest notification; null when none was made."`
	// doc, when set, is the enrollment's stored document
	// (enroll.EnrollmentDocReader), answered in place of Enrollment.
	doc json.RawMessage
}

// MarshalJSON writes d as Huma's encoder writes its members: the
// enrollment's representation, the stored document when d has one, as it
// is (without json.Marshal's HTML escapes, enroll.AppendHTMLUnescaped), with the
// template, or null, appended.
func (d *EnrollmentDetail) MarshalJSON() ([]byte, error) {
	doc := d.doc
	if doc == nil {
		var err error
		if doc, err = d.Enrollment.JSON(); err != nil {
			return nil, err
		}
	}
	b := enroll.AppendHTMLUnescaped(make([]byte, 0, len(doc)+128), doc)
	t := []byte("null")
	if d.Template != nil {
		var err error
		if t, err = json.Marshal(d.Template); err != nil {
			return nil, err
		}
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"template":`...)
	return append(enroll.AppendHTMLUnescaped(b, t), '}'), nil
}

type enrollmentDetailOutput struct {
	ETag string `header:"ETag" doc:"The enrollment's version, for If-Match."`
	Body *EnrollmentDetail
}

// enrollmentDetail adds e's template to its representation. A store
// without notifications shows none.
func (s *Server) enrollmentDetail(ctx context.Context, e *enroll.Enrollment) (*enrollmentDetailOutput, error) {
	out, err := s.enrollmentOutput(ctx, e)
	if err != nil {
		return nil, err
	}
	d := &EnrollmentDetail{Enrollment: out.Body}
	if d.Template, err = s.enrollmentTemplate(ctx, e.ID); err != nil {
		return nil, err
	}
	return &enrollmentDetailOutput{ETag: out.ETag, Body: d}, nil
}

// enrollmentTemplate returns the template of the newest notification of
// enrollment id, or nil.
func (s *Server) enrollmentTemplate(ctx context.Context, id string) (*EnrollmentTemplate, error) {
	ns, ok := s.store.(enroll.NotificationStore)
	if !ok {
		return nil, nil
	}
	ref, err := ns.LatestNotificationTemplate(ctx, workspaceFrom(ctx), id)
	if err != nil || ref == nil {
		return nil, err
	}
	return &EnrollmentTemplate{ID: ref.ID, Href: "/v1/notificationTemplates/" + ref.ID, Name: ref.Name}, nil
}

// storedEnrollmentDetail is the detail of enrollment id from its stored
// document (enroll.EnrollmentDocReader), or nil when the store keeps none
// or the key is not to see it as stored (hidden parameter values).
func (s *Server) storedEnrollmentDetail(ctx context.Context, id string) (*enrollmentDetailOutput, error) {
	dr, ok := s.store.(enroll.EnrollmentDocReader)
	if !ok {
		return nil, nil
	}
	d, err := dr.FindEnrollmentDoc(ctx, workspaceFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	if !keyFrom(ctx).SeesInstance(d.ProgramInstanceID) {
		return nil, notFound("Enrollment", id)
	}
	if !seesHiddenParameters(ctx) {
		inst, err := s.store.FindInstance(ctx, workspaceFrom(ctx), d.ProgramInstanceID)
		if err != nil || inst.HidesParameters() {
			return nil, err
		}
	}
	t, err := s.enrollmentTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	return &enrollmentDetailOutput{ETag: d.ETag(), Body: &EnrollmentDetail{Template: t, doc: d.JSON}}, nil
}
