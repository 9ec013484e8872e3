// Package storetest is the conformance suite every enroll.Store
// implementation runs: one behaviour, every database.
//
//	func TestStore(t *testing.T) {
//		storetest.Exercise(t, func(t *testing.T) enroll.Store { return openTestStore(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// Factory returns a fresh, empty store for one test; it registers its own
// cleanup with t. Stores must be built with a working enroll.RuleEngine.
type Factory func(t *testing.T) enroll.Store

// Exercise runs the whole suite against stores made by newStore.
func Exercise(t *testing.T, newStore Factory) {
	t.Run("Workspace", func(t *testing.T) { t.Parallel(); testWorkspace(t, newStore) })
	t.Run("APIKey", func(t *testing.T) { t.Parallel(); testAPIKey(t, newStore) })
	t.Run("APIKeyMakers", func(t *testing.T) { t.Parallel(); testAPIKeyMakers(t, newStore) })
	t.Run("KeyRevocations", func(t *testing.T) { t.Parallel(); testKeyRevocations(t, newStore) })
	t.Run("RateUsage", func(t *testing.T) { t.Parallel(); testRateUsage(t, newStore) })
	t.Run("Program", func(t *testing.T) { t.Parallel(); testProgram(t, newStore) })
	t.Run("Instance", func(t *testing.T) { t.Parallel(); testInstance(t, newStore) })
	t.Run("Customer", func(t *testing.T) { t.Parallel(); testCustomer(t, newStore) })
	t.Run("Lead", func(t *testing.T) { t.Parallel(); testLead(t, newStore) })
	t.Run("EnrollmentCreate", func(t *testing.T) { t.Parallel(); testEnrollmentCreate(t, newStore) })
	t.Run("EnrollmentLeadBecomesCustomer", func(t *testing.T) { t.Parallel(); testEnrollmentLeadBecomesCustomer(t, newStore) })
	t.Run("EnrolledElsewhereThroughLead", func(t *testing.T) { t.Parallel(); testEnrolledElsewhereThroughLead(t, newStore) })
	t.Run("EnrolledElsewhereAfterConversion", func(t *testing.T) { t.Parallel(); testEnrolledElsewhereAfterConversion(t, newStore) })
	t.Run("Snapshot", func(t *testing.T) { t.Parallel(); testSnapshot(t, newStore) })
	t.Run("ListLeadsByCustomer", func(t *testing.T) { t.Parallel(); testListLeadsByCustomer(t, newStore) })
	t.Run("EnrollmentConvertedLeadHoldsOpen", func(t *testing.T) { t.Parallel(); testEnrollmentConvertedLeadHoldsOpen(t, newStore) })
	t.Run("EnrollmentEmailHeldOpen", func(t *testing.T) { t.Parallel(); testEnrollmentEmailHeldOpen(t, newStore) })
	t.Run("EnrollmentEmailRace", func(t *testing.T) { t.Parallel(); testEnrollmentEmailRace(t, newStore) })
	t.Run("EnrollmentEmailPatchHeld", func(t *testing.T) { t.Parallel(); testEnrollmentEmailPatchHeld(t, newStore) })
	t.Run("EnrollmentEmailPatchRace", func(t *testing.T) { t.Parallel(); testEnrollmentEmailPatchRace(t, newStore) })
	t.Run("EnrollmentTransitions", func(t *testing.T) { t.Parallel(); testEnrollmentTransitions(t, newStore) })
	t.Run("EnrollmentUpdate", func(t *testing.T) { t.Parallel(); testEnrollmentUpdate(t, newStore) })
	t.Run("EnrollmentEvaluate", func(t *testing.T) { t.Parallel(); testEnrollmentEvaluate(t, newStore) })
	t.Run("EnrollmentDelete", func(t *testing.T) { t.Parallel(); testEnrollmentDelete(t, newStore) })
	t.Run("StatusSince", func(t *testing.T) { t.Parallel(); testStatusSince(t, newStore) })
	t.Run("EnrollmentList", func(t *testing.T) { t.Parallel(); testEnrollmentList(t, newStore) })
	t.Run("EnrollmentSearch", func(t *testing.T) { t.Parallel(); testEnrollmentSearch(t, newStore) })
	t.Run("EnrollmentNames", func(t *testing.T) { t.Parallel(); testEnrollmentNames(t, newStore) })
	t.Run("EnrollmentNameWords", func(t *testing.T) { t.Parallel(); testEnrollmentNameWords(t, newStore) })
	t.Run("NameSpaces", func(t *testing.T) { t.Parallel(); testNameSpaces(t, newStore) })
	t.Run("MetadataNulls", func(t *testing.T) { t.Parallel(); testMetadataNulls(t, newStore) })
	t.Run("EnrollmentLabels", func(t *testing.T) { t.Parallel(); testEnrollmentLabels(t, newStore) })
	t.Run("EnrollmentLabelTotals", func(t *testing.T) { t.Parallel(); testEnrollmentLabelTotals(t, newStore) })
	t.Run("EnrollmentDocs", func(t *testing.T) { t.Parallel(); testEnrollmentDocs(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { t.Parallel(); testConcurrency(t, newStore) })
	t.Run("Isolation", func(t *testing.T) { t.Parallel(); testIsolation(t, newStore) })
	t.Run("Events", func(t *testing.T) { t.Parallel(); testEvents(t, newStore) })
	t.Run("EventsByInstance", func(t *testing.T) { t.Parallel(); testEventsByInstance(t, newStore) })
	t.Run("Idempotency", func(t *testing.T) { t.Parallel(); testIdempotency(t, newStore) })
	t.Run("Parameters", func(t *testing.T) { t.Parallel(); testParameters(t, newStore) })
	t.Run("UniqueDeclarations", func(t *testing.T) { t.Parallel(); testUniqueDeclarations(t, newStore) })
	t.Run("UniqueDeclarationRace", func(t *testing.T) { t.Parallel(); testUniqueDeclarationRace(t, newStore) })
	t.Run("Import", func(t *testing.T) { t.Parallel(); testImport(t, newStore) })
	t.Run("ImportNDJSON", func(t *testing.T) { t.Parallel(); testImportNDJSON(t, newStore) })
	t.Run("ImportResume", func(t *testing.T) { t.Parallel(); testImportResume(t, newStore) })
	t.Run("ImportHeldOpen", func(t *testing.T) { t.Parallel(); testImportHeldOpen(t, newStore) })
	t.Run("ImportEmailRace", func(t *testing.T) { t.Parallel(); testImportEmailRace(t, newStore) })
	t.Run("ImportNULKeys", func(t *testing.T) { t.Parallel(); testImportNULKeys(t, newStore) })
	t.Run("ImportCSVLines", func(t *testing.T) { t.Parallel(); testImportCSVLines(t, newStore) })
	t.Run("WebhookEndpoints", func(t *testing.T) { t.Parallel(); testWebhookEndpoints(t, newStore) })
	t.Run("WebhookEndpointDelete", func(t *testing.T) { t.Parallel(); testWebhookEndpointDelete(t, newStore) })
	t.Run("WebhookDispatch", func(t *testing.T) { t.Parallel(); testWebhookDispatch(t, newStore) })
	t.Run("WebhookRetries", func(t *testing.T) { t.Parallel(); testWebhookRetries(t, newStore) })
	t.Run("WebhookQueuedNextAttempt", func(t *testing.T) { t.Parallel(); testWebhookQueuedNextAttempt(t, newStore) })
	t.Run("EventsAfter", func(t *testing.T) { t.Parallel(); testEventsAfter(t, newStore) })
	t.Run("EventsAfterWalk", func(t *testing.T) { t.Parallel(); testEventsAfterWalk(t, newStore) })
	t.Run("WebhookFinishBatch", func(t *testing.T) { t.Parallel(); testWebhookFinishBatch(t, newStore) })
	t.Run("WebhookLeaseFence", func(t *testing.T) { t.Parallel(); testWebhookLeaseFence(t, newStore) })
	t.Run("WebhookConcurrency", func(t *testing.T) { t.Parallel(); testWebhookConcurrency(t, newStore) })
	t.Run("WebhookEndpointCap", func(t *testing.T) { t.Parallel(); testWebhookEndpointCap(t, newStore) })
	t.Run("WebhookWorkspaceCap", func(t *testing.T) { t.Parallel(); testWebhookWorkspaceCap(t, newStore) })
	t.Run("WebhookWorkspaceCapConcurrent", func(t *testing.T) { t.Parallel(); testWebhookWorkspaceCapConcurrent(t, newStore) })
	t.Run("WebhookWorkspaceOrder", func(t *testing.T) { t.Parallel(); testWebhookWorkspaceOrder(t, newStore) })
	t.Run("NotificationTemplates", func(t *testing.T) { t.Parallel(); testNotificationTemplates(t, newStore) })
	t.Run("NotificationSettings", func(t *testing.T) { t.Parallel(); testNotificationSettings(t, newStore) })
	t.Run("NotificationSettingsCheck", func(t *testing.T) { t.Parallel(); testNotificationSettingsCheck(t, newStore) })
	t.Run("NotificationSettingsRace", func(t *testing.T) { t.Parallel(); testNotificationSettingsRace(t, newStore) })
	t.Run("NotificationQueue", func(t *testing.T) { t.Parallel(); testNotificationQueue(t, newStore) })
	t.Run("NotificationLeaseFence", func(t *testing.T) { t.Parallel(); testNotificationLeaseFence(t, newStore) })
	t.Run("NotificationDispatch", func(t *testing.T) { t.Parallel(); testNotificationDispatch(t, newStore) })
	t.Run("NotificationUnsubscribe", func(t *testing.T) { t.Parallel(); testNotificationUnsubscribe(t, newStore) })
	t.Run("ConsoleSessions", func(t *testing.T) { t.Parallel(); testConsoleSessions(t, newStore) })
	t.Run("DeleteCheck", func(t *testing.T) { t.Parallel(); testDeleteCheck(t, newStore) })
}

// fixture is a store with one workspace and an actor in it.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     enroll.Store
	a     enroll.Actor
	keyID string
}

func newFixture(t *testing.T, newStore Factory) *fixture {
	t.Helper()
	s := newStore(t)
	return newFixtureOn(t, s)
}

func newFixtureOn(t *testing.T, s enroll.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	return &fixture{t: t, ctx: ctx, s: s, a: enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_test"}, keyID: key.ID}
}

func (f *fixture) program(slug string) *enroll.Program {
	f.t.Helper()
	p := &enroll.Program{Slug: slug, Name: "Program " + slug, Active: true}
	if err := f.s.CreateProgram(f.ctx, f.a, p); err != nil {
		f.t.Fatalf("CreateProgram: %v", err)
	}
	return p
}

// instance creates a program and an active instance; mutate may adjust it.
func (f *fixture) instance(mutate ...func(*enroll.ProgramInstance)) *enroll.ProgramInstance {
	f.t.Helper()
	p := f.program("p-" + enroll.NewID()[16:])
	in := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Season 2026", Status: enroll.InstanceActive, AutoEvaluate: true}
	for _, m := range mutate {
		m(in)
	}
	if err := f.s.CreateInstance(f.ctx, f.a, in); err != nil {
		f.t.Fatalf("CreateInstance: %v", err)
	}
	return in
}

// sibling creates another active instance of inst's program: a later or
// earlier season.
func (f *fixture) sibling(inst *enroll.ProgramInstance, mutate ...func(*enroll.ProgramInstance)) *enroll.ProgramInstance {
	f.t.Helper()
	in := &enroll.ProgramInstance{ProgramID: inst.ProgramID, Slug: "s-" + enroll.NewID()[16:], Name: "Another season", Status: enroll.InstanceActive, AutoEvaluate: true}
	for _, m := range mutate {
		m(in)
	}
	if err := f.s.CreateInstance(f.ctx, f.a, in); err != nil {
		f.t.Fatalf("CreateInstance: %v", err)
	}
	return in
}

// enroll creates a customerInfo enrollment for email in inst.
func (f *fixture) enroll(inst *enroll.ProgramInstance, email string, mutate ...func(*enroll.EnrollmentCreate)) *enroll.Enrollment {
	f.t.Helper()
	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Suzie", LastName: "Homeowner", Email: email}
	for _, m := range mutate {
		m(in)
	}
	e, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, in)
	if err != nil {
		f.t.Fatalf("CreateEnrollment: %v", err)
	}
	return e
}

// move changes e's status and fails the test on error.
func (f *fixture) move(e *enroll.Enrollment, to enroll.Status) *enroll.Enrollment {
	f.t.Helper()
	out, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, setStatus(to, "because"))
	if err != nil {
		f.t.Fatalf("move %s → %s: %v", e.Eligibility.Status, to, err)
	}
	return out
}

func setStatus(to enroll.Status, reason string) func(*enroll.Enrollment) error {
	return func(e *enroll.Enrollment) error {
		e.SetStatus(to, reason)
		return nil
	}
}

// wantCode fails unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := enroll.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// wantField fails t unless err is an EINVALID whose one field error is at
// loc and repeats value, as sent.
func wantField(t *testing.T, err error, loc string, value any) {
	t.Helper()
	wantCode(t, err, enroll.EINVALID)
	var de *enroll.Error
	if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Location != loc || de.Fields[0].Value != value {
		t.Fatalf("error = %v (fields %+v), want %v at %s", err, de.Fields, value, loc)
	}
}

// must returns v, and panics (failing the test with a stack trace that
// points at the call) when err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}
