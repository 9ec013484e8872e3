package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// EnrollmentTemplate names the notification template last used for an
// enrollment, as the marketplace seed's enrollment.template does.
type EnrollmentTemplate struct {
	ID   string `json:"id" doc:"The template's id."`
	Href string `json:"href" doc:"The template's URL."`
	Name string `json:"name" doc:"The template's name, e.g. \"Successful Activation\"."`
}

// EnrollmentDetail is an enrollment as GET /v1/enrollments/{enrollmentId}
// shows it: with its template, which lists leave out since it costs a
// lookup per enrollment.
type EnrollmentDetail struct {
	*enroll.Enrollment
	Template *EnrollmentTemplate `json:"template,omitempty" doc:"The template of the enrollment's newest notification; absent when none was made."`
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
	if ns, ok := s.store.(enroll.NotificationStore); ok {
		ref, err := ns.LatestNotificationTemplate(ctx, workspaceFrom(ctx), e.ID)
		if err != nil {
			return nil, err
		}
		if ref != nil {
			d.Template = &EnrollmentTemplate{ID: ref.ID, Href: "/v1/notificationTemplates/" + ref.ID, Name: ref.Name}
		}
	}
	return &enrollmentDetailOutput{ETag: out.ETag, Body: d}, nil
}
