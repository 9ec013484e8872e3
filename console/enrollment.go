package console

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/enrollhq/enroll"
)

// maxDetailEvents is how many of an enrollment's events, and of its
// notifications, the detail page shows, newest first.
const maxDetailEvents = 50

// detailData is the enrollment page.
type detailData struct {
	E    *enroll.Enrollment
	Name string
	// ETag is the version the page shows; change forms carry it back.
	ETag string
	// Instance is nil when the key may not read program instances.
	Instance *enroll.ProgramInstance
	// Label names the Instance as the menus and rows do.
	Label    *instanceChoice
	Fields   []field
	Params   []paramRow
	Metadata string
	History  []historyRow
	// Notifications are the messages its status changes made, newest
	// first, as GET /v1/enrollments/{id}/notifications lists them.
	Notifications      []*enroll.Notification
	NotificationsTotal int
	// Events are shown only to keys with events:read, as in the API.
	EventsAllowed bool
	Events        []eventRow
	EventsTotal   int
	Actions       []action
	// ActionsNote explains moves the page does not offer.
	ActionsNote string
	CanWrite    bool
	// Conflict is set when a change was refused because the enrollment
	// changed since the page was rendered.
	Conflict *conflict
	// NotesConflict is set when notes were refused for the same reason:
	// the page shows the stored notes beside the ones typed (Notes).
	NotesConflict bool
	// Problem is the message of another refused change.
	Problem string
	// Reason and Notes keep what the person typed when a change was refused.
	Reason string
	Notes  string
	// Return is where change forms come back to.
	Return string
}

// conflict describes a change refused because someone else changed the
// enrollment first.
type conflict struct {
	Attempted string
	Now       enroll.Status
	// Typed is the reason the person gave, shown in case the page has no
	// form left to keep it in.
	Typed string
	// Already is set when the enrollment has the status asked for, with
	// another reason (Reason) than the one typed.
	Already bool
	Reason  string
}

// paramRow is a parameter of the enrollment, with its declaration when the
// instance is known.
type paramRow struct {
	ExternalID string
	Name       string
	Type       enroll.ParameterType
	Value      string
	Required   bool
	Hidden     bool
	// Missing is set for a required parameter the enrollment lacks.
	Missing bool
	Error   *enroll.ParameterError
}

// historyRow is a status change with who made it.
type historyRow struct {
	*enroll.StatusChange
	Actor string
	You   bool
}

// eventRow is an event about the enrollment.
type eventRow struct {
	*enroll.Event
	Changed []string
	JSON    string
}

// enrollmentDetail shows one enrollment with everything known about it.
func (c *Console) enrollmentDetail(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeEnrollmentsRead) {
		c.forbidden(w, r, rq, enroll.ScopeEnrollmentsRead, "view enrollments")
		return
	}
	d, err := c.loadDetail(r.Context(), rq, r.PathValue("id"))
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	c.renderDetail(w, r, rq, http.StatusOK, d)
}

// renderDetail renders the enrollment page.
func (c *Console) renderDetail(w http.ResponseWriter, r *http.Request, rq *request, status int, d *detailData) {
	c.render(w, r, rq, status, "enrollment", d.Name, d)
}

// findVisible loads an enrollment the key may see; others are ENOTFOUND,
// as in the API, so their existence does not leak.
func (c *Console) findVisible(ctx context.Context, rq *request, id string) (*enroll.Enrollment, error) {
	notFound := enroll.Errorf(enroll.ENOTFOUND, "Enrollment %s not found.", id)
	if !enroll.ValidID(id) {
		return nil, notFound
	}
	e, err := c.store.FindEnrollment(ctx, rq.ws(), id)
	if err != nil {
		return nil, err
	}
	if !rq.key.SeesInstance(e.ProgramInstanceID) {
		return nil, notFound
	}
	return e, nil
}

// loadDetail gathers the enrollment page: the enrollment, its instance's
// declarations (with programs:read), its history and (with events:read)
// its events.
func (c *Console) loadDetail(ctx context.Context, rq *request, id string) (*detailData, error) {
	e, err := c.findVisible(ctx, rq, id)
	if err != nil {
		return nil, err
	}
	d := &detailData{E: e, Name: displayName(e), ETag: e.ETag(), Notes: e.Notes,
		Actions: actionsFor(rq, e.Eligibility.Status), CanWrite: rq.has(enroll.ScopeEnrollmentsWrite),
		Return: Prefix + "/enrollments/" + e.ID}
	if len(e.Metadata) > 0 {
		d.Metadata = prettyJSON(e.Metadata)
	}
	inst, err := c.store.FindInstance(ctx, rq.ws(), e.ProgramInstanceID)
	if err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
		return nil, err
	}
	hide := inst != nil && !rq.has(enroll.ScopeProgramsWrite)
	if hide {
		// As in the API: hidden parameters are for program staff.
		e.HideParameters(inst)
	}
	if rq.has(enroll.ScopeProgramsRead) {
		d.Instance = inst
	}
	if d.Instance != nil {
		d.Label = c.instanceLabel(ctx, rq, d.Instance)
	}
	d.Params = paramRows(e, d.Instance, hide)
	d.Fields = enrollmentFields(e, d.Label, groupLinks(e, d.Instance))
	d.ActionsNote = actionsNote(rq, e.Eligibility.Status, len(d.Actions))

	changes, err := c.store.ListStatusChanges(ctx, rq.ws(), e.ID)
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if !rq.has(enroll.ScopeProgramsWrite) {
			// As in the API: rules' errors may quote hidden values.
			ch.Trace, _ = inst.HideTrace(ch.Trace)
		}
		row := historyRow{StatusChange: ch, Actor: ch.ActorKeyID, You: ch.ActorKeyID != "" && ch.ActorKeyID == rq.key.ID}
		if row.Actor == "" {
			row.Actor = "system or CLI"
		}
		d.History = append(d.History, row)
	}

	if ns, ok := c.store.(enroll.NotificationStore); ok {
		pg, err := ns.ListNotifications(ctx, rq.ws(), enroll.NotificationFilter{EnrollmentID: e.ID,
			ListParams: enroll.ListParams{PerPage: maxDetailEvents}})
		if err != nil {
			return nil, err
		}
		d.NotificationsTotal = pg.TotalItems
		for _, n := range pg.Data {
			n = n.Public()
			if !rq.has(enroll.ScopeProgramsWrite) {
				// As in the API: a failed render's error may quote a
				// hidden value (the page shows no bodies).
				n = n.WithheldFrom(inst)
			}
			d.Notifications = append(d.Notifications, n)
		}
	}

	if rq.has(enroll.ScopeEventsRead) {
		d.EventsAllowed = true
		pg, err := c.store.ListEvents(ctx, rq.ws(), enroll.EventFilter{ObjectID: e.ID,
			ListParams: enroll.ListParams{PerPage: maxDetailEvents}})
		if err != nil {
			return nil, err
		}
		d.EventsTotal = pg.TotalItems
		for _, ev := range pg.Data {
			if !rq.has(enroll.ScopeProgramsWrite) {
				// Events carry the enrollment: its hidden values too.
				ee, err := ev.Enrollment()
				if err != nil {
					return nil, err
				}
				if ee != nil {
					if err := ev.HideParameters(ee, inst); err != nil {
						return nil, err
					}
				}
			}
			d.Events = append(d.Events, eventRow{Event: ev, Changed: slices.Sorted(maps.Keys(ev.Data.PreviousAttributes)),
				JSON: eventJSON(ev)})
		}
	}
	return d, nil
}

// eventJSON is an event's data as the API shows it, indented.
func eventJSON(ev *enroll.Event) string {
	var obj any
	_ = json.Unmarshal(ev.Data.Object, &obj)
	return prettyJSON(map[string]any{"object": obj, "previousAttributes": ev.Data.PreviousAttributes})
}

// paramRows lists the instance's declared parameters in their order, with
// the enrollment's values and errors, then any value the instance does not
// declare (or every value, when the instance is not known). Hidden
// parameters are left out when hide is set.
func paramRows(e *enroll.Enrollment, in *enroll.ProgramInstance, hide bool) []paramRow {
	values := map[string]enroll.ParameterValue{}
	for _, p := range e.Parameters {
		values[p.ExternalID] = p
	}
	var out []paramRow
	seen := map[string]bool{}
	if in != nil {
		for _, decl := range in.Parameters {
			v, ok := values[decl.ExternalID]
			seen[decl.ExternalID] = true
			if hide && decl.Constraints.Hidden {
				continue
			}
			out = append(out, paramRow{ExternalID: decl.ExternalID, Name: decl.Name, Type: decl.Type,
				Value: formatValue(v.Value), Required: decl.Constraints.Required, Hidden: decl.Constraints.Hidden,
				Missing: decl.Constraints.Required && (!ok || v.Value == nil), Error: v.Error})
		}
	}
	for _, p := range e.Parameters {
		if !seen[p.ExternalID] {
			out = append(out, paramRow{ExternalID: p.ExternalID, Value: formatValue(p.Value), Error: p.Error})
		}
	}
	return out
}

// groupLinks names the enrollment's groups as the instance declares them
// (their ids alone when the instance is not known), each linked to the
// enrollments of the instance in that group: a group id is the instance's.
func groupLinks(e *enroll.Enrollment, in *enroll.ProgramInstance) []fieldLink {
	out := make([]fieldLink, 0, len(e.GroupIDs))
	for _, id := range e.GroupIDs {
		name := id
		if in != nil {
			for _, g := range in.Groups {
				if g.ID == id {
					name = g.Name + " (" + id + ")"
				}
			}
		}
		out = append(out, fieldLink{Text: name,
			Href: Prefix + "/enrollments?" + url.Values{"groupId": {id}, "instance": {e.ProgramInstanceID}}.Encode()})
	}
	return out
}

// actionsNote explains why the page offers fewer moves than the workflow
// allows: a terminal status, or scopes the key lacks.
func actionsNote(rq *request, from enroll.Status, offered int) string {
	if from.Terminal() {
		return "This enrollment is " + statusLabel(from) + ": its status cannot change any more. " +
			"To enroll the participant again, re-enroll through the API (identificationType enrollmentId)."
	}
	if !rq.has(enroll.ScopeEnrollmentsWrite) {
		return "Your API key can view this enrollment but not change it (that needs the enrollments:write scope)."
	}
	if offered < len(from.Next()) {
		return "Approving, rejecting, requesting action and resuming need the enrollments:review scope, which your API key lacks."
	}
	return ""
}

// hideParameters removes hidden parameters from enrollments shown to a key
// without programs:write, as the API does. It loads each instance once.
func (c *Console) hideParameters(ctx context.Context, rq *request, es ...*enroll.Enrollment) error {
	if rq.has(enroll.ScopeProgramsWrite) {
		return nil
	}
	insts := map[string]*enroll.ProgramInstance{}
	for _, e := range es {
		in, ok := insts[e.ProgramInstanceID]
		if !ok {
			var err error
			if in, err = c.store.FindInstance(ctx, rq.ws(), e.ProgramInstanceID); err != nil {
				return err
			}
			insts[e.ProgramInstanceID] = in
		}
		e.HideParameters(in)
	}
	return nil
}
