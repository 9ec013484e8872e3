package enroll

import (
	"context"
	"time"
)

// Store persists Enroll's entities. The sqlite and postgres packages
// implement it, and package storetest checks any implementation against one
// shared suite.
//
// Every method is scoped by a workspace id (explicitly, or through the
// Actor of a write) that appears in the WHERE clause of every query: an
// object of another workspace is ENOTFOUND. Every exported method owns its
// transaction: a write commits its row, its history entry, its events and
// its counters together, or nothing. Update methods load the object inside
// the transaction, call fn to change it (fn may return an error, typically
// EPRECONDITION for a stale ETag or ENOTFOUND for an object the caller must
// not see, which aborts the update), then validate and store the result.
//
// Methods never return a nil object with a nil error.
type Store interface {
	// Console sessions are looked up by the hash of the cookie's id, before
	// the workspace is known, as API keys are by the hash of their secret.
	ConsoleSessionStore

	// CreateWorkspace stores a new workspace with its first API key.
	// Returns EINVALID, or ECONFLICT when the name is taken.
	CreateWorkspace(ctx context.Context, ws *Workspace, key *APIKey) error
	// FindWorkspace returns the workspace with the given id or name.
	// Returns ENOTFOUND.
	FindWorkspace(ctx context.Context, idOrName string) (*Workspace, error)
	// FindWorkspaceByName returns the workspace with the given name.
	// Returns ENOTFOUND.
	FindWorkspaceByName(ctx context.Context, name string) (*Workspace, error)
	// CountWorkspaces returns how many workspaces exist.
	CountWorkspaces(ctx context.Context) (int, error)

	// CreateAPIKey stores a new key in a.WorkspaceID, made by a's key
	// (APIKey.SetMaker). Returns EINVALID, and EUNAUTHORIZED when a's key
	// is revoked by the time the key would be stored (a cascade revocation
	// then finds every key it made).
	CreateAPIKey(ctx context.Context, a Actor, k *APIKey) error
	// FindAPIKeyByHash returns the key whose secret hashes to hash, revoked
	// or not (callers check RevokedAt). Returns ENOTFOUND.
	FindAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys returns the workspace's keys, revoked ones included, newest first.
	ListAPIKeys(ctx context.Context, wsID string) ([]*APIKey, error)
	// RevokeAPIKey revokes a key at once. Returns ENOTFOUND.
	RevokeAPIKey(ctx context.Context, a Actor, id string) error
	// RevokeAPIKeys revokes keys ids at once, together: ENOTFOUND, and
	// none revoked, when one is not a.WorkspaceID's. A key revoked
	// already keeps its revokedAt.
	RevokeAPIKeys(ctx context.Context, a Actor, ids []string) error
	// TouchAPIKey records that a key was used at t. Best effort: callers
	// may ignore its error.
	TouchAPIKey(ctx context.Context, id string, t time.Time) error

	// CreateProgram stores a new program and its program.created event.
	// Returns EINVALID, or ECONFLICT when the slug is taken.
	CreateProgram(ctx context.Context, a Actor, p *Program) error
	// FindProgram returns a program by id or slug. Returns ENOTFOUND.
	FindProgram(ctx context.Context, wsID, idOrSlug string) (*Program, error)
	// ListPrograms returns a page of programs. Returns EINVALID for bad paging.
	ListPrograms(ctx context.Context, wsID string, f ProgramFilter) (*Page[*Program], error)
	// UpdateProgram changes a program through fn. Returns ENOTFOUND,
	// EINVALID, ECONFLICT (slug taken) or fn's error.
	UpdateProgram(ctx context.Context, a Actor, idOrSlug string, fn func(*Program) error) (*Program, error)
	// DeleteProgram deletes a program that has no instances; check (may
	// be nil) sees it first, in the transaction, and may refuse. Returns
	// ENOTFOUND, ECONFLICT when instances exist, or check's error.
	DeleteProgram(ctx context.Context, a Actor, idOrSlug string, check func(*Program) error) error

	// CreateInstance stores a new program instance of the program named by
	// in.ProgramID (an id or a slug, replaced by the id), its rules' names
	// trimmed (TrimRuleNames), after checking its rules with the store's
	// RuleEngine, before the write transaction. Returns ENOTFOUND (program),
	// EINVALID, or ECONFLICT when the slug is taken in the program.
	CreateInstance(ctx context.Context, a Actor, in *ProgramInstance) error
	// FindInstance returns a program instance. Returns ENOTFOUND.
	FindInstance(ctx context.Context, wsID, id string) (*ProgramInstance, error)
	// ListInstances returns a page of program instances. Returns EINVALID.
	ListInstances(ctx context.Context, wsID string, f InstanceFilter) (*Page[*ProgramInstance], error)
	// UpdateInstance changes an instance through fn; changed rules are
	// checked, before the write transaction (WriteCheckedRules), and bump
	// RulesVersion. fn may run more than once, each time on the instance
	// as stored then. Returns ENOTFOUND, EINVALID, ECONFLICT or fn's error.
	UpdateInstance(ctx context.Context, a Actor, id string, fn func(*ProgramInstance) error) (*ProgramInstance, error)
	// DeleteInstance deletes an instance that has no enrollments; check
	// (may be nil) sees it first, in the transaction, and may refuse.
	// Returns ENOTFOUND, ECONFLICT when enrollments exist, or check's error.
	DeleteInstance(ctx context.Context, a Actor, id string, check func(*ProgramInstance) error) error

	// CreateCustomer stores a new customer. Returns EINVALID, or ECONFLICT
	// (with Extra["existingId"]) when the email is taken.
	CreateCustomer(ctx context.Context, a Actor, c *Customer) error
	// FindCustomer returns a customer. Returns ENOTFOUND.
	FindCustomer(ctx context.Context, wsID, id string) (*Customer, error)
	// ListCustomers returns a page of customers. Returns EINVALID.
	ListCustomers(ctx context.Context, wsID string, f CustomerFilter) (*Page[*Customer], error)
	// UpdateCustomer changes a customer through fn. Returns ENOTFOUND,
	// EINVALID, ECONFLICT (email taken) or fn's error.
	UpdateCustomer(ctx context.Context, a Actor, id string, fn func(*Customer) error) (*Customer, error)
	// DeleteCustomer deletes a customer without enrollments; check (may
	// be nil) sees it first, in the transaction, and may refuse. Returns
	// ENOTFOUND, ECONFLICT when enrollments refer to it, or check's error.
	DeleteCustomer(ctx context.Context, a Actor, id string, check func(*Customer) error) error

	// CreateLead stores a new lead. Returns EINVALID.
	CreateLead(ctx context.Context, a Actor, l *Lead) error
	// FindLead returns a lead. Returns ENOTFOUND.
	FindLead(ctx context.Context, wsID, id string) (*Lead, error)
	// ListLeads returns a page of leads. Returns EINVALID.
	ListLeads(ctx context.Context, wsID string, f LeadFilter) (*Page[*Lead], error)
	// UpdateLead changes a lead through fn. Returns ENOTFOUND, EINVALID or fn's error.
	UpdateLead(ctx context.Context, a Actor, id string, fn func(*Lead) error) (*Lead, error)
	// DeleteLead deletes a lead without enrollments; check (may be nil)
	// sees it first, in the transaction, and may refuse. Returns
	// ENOTFOUND, ECONFLICT when enrollments refer to it, or check's error.
	DeleteLead(ctx context.Context, a Actor, id string, check func(*Lead) error) error

	// CreateEnrollment enrolls the participant in.IdentificationType names
	// into an active instance: it resolves or creates the customer, stores
	// the enrollment with its creation history entry and enrollment.created
	// event, then (with the instance's autoEvaluate, or when submitted is
	// asked for) evaluates the rules and applies the resulting transitions,
	// each with history and events. Returns ENOTFOUND (instance, customer,
	// lead or enrollment named), EINVALID, or ECONFLICT: the instance is not
	// active, or the participant already holds an open enrollment in the
	// instance (Extra["existingId"] names it), or reenroll is false and the
	// participant was enrolled before.
	CreateEnrollment(ctx context.Context, a Actor, instanceID string, in *EnrollmentCreate) (*Enrollment, error)
	// FindEnrollment returns an enrollment. Returns ENOTFOUND.
	FindEnrollment(ctx context.Context, wsID, id string) (*Enrollment, error)
	// ListEnrollments returns a page of enrollments matching f, by keyset
	// when f.PageToken is set. Returns EINVALID for bad filters or tokens.
	ListEnrollments(ctx context.Context, wsID string, f EnrollmentFilter) (*Page[*Enrollment], error)
	// Snapshot returns ctx carrying a read transaction whose snapshot is
	// taken now: ListEnrollments called with the returned context reads
	// the database as it was then, whatever commits meanwhile, so that an
	// export walking many pages under a sort whose key can change
	// (updatedAt, lastName) neither loses nor repeats a row that moves.
	// release ends it and must be called (a second call does nothing);
	// until then it holds a connection, and a store whose pool has only
	// one takes none (each read then sees its own moment), as the reads
	// made meanwhile need one. The context must not be used by two
	// goroutines at once.
	Snapshot(ctx context.Context) (snap context.Context, release func(), err error)
	// EnrolledElsewhere answers the rules' enrolledInOtherProgram() for e,
	// of workspace wsID, as its create or evaluation does: whether its
	// participant holds an approved or paused enrollment in an instance
	// of another program than e.ProgramInstanceID's. The participant is
	// e's customer, with the enrollments of leads it was made from that
	// name no customer, or, when e has none, the customer e's lead has
	// become since, so counted, or else e's lead. False for an enrollment
	// with neither.
	EnrolledElsewhere(ctx context.Context, wsID string, e *Enrollment) (bool, error)
	// UpdateEnrollment changes an enrollment through fn and
	// PrepareEnrollmentUpdate; a status change writes a history entry and an
	// enrollment.status_changed event, any change an enrollment.updated
	// event; a change that changes nothing writes nothing. Returns
	// ENOTFOUND, EINVALID, ECONFLICT (transition refused, capacity
	// reached, or an open enrollment given an email, other than in case,
	// that another open enrollment of the instance holds:
	// OpenEnrollmentConflict) or fn's error.
	UpdateEnrollment(ctx context.Context, a Actor, id string, fn func(*Enrollment) error) (*Enrollment, error)
	// EvaluateEnrollment runs the instance's rules on a candidate, eligible
	// or ineligible enrollment and applies the result like an update.
	// Returns ENOTFOUND, or ECONFLICT when the enrollment is past eligibility.
	EvaluateEnrollment(ctx context.Context, a Actor, id string, check func(*Enrollment) error) (*Enrollment, error)
	// DeleteEnrollment deletes an enrollment and its history, writing an
	// enrollment.deleted event; check (may be nil) sees it first and may
	// refuse. Returns ENOTFOUND or check's error.
	DeleteEnrollment(ctx context.Context, a Actor, id string, check func(*Enrollment) error) error
	// ListStatusChanges returns an enrollment's history, oldest first.
	// Returns ENOTFOUND when the enrollment does not exist.
	ListStatusChanges(ctx context.Context, wsID, enrollmentID string) ([]*StatusChange, error)
	// StatusSince returns, for each of the enrollments ids that exists in
	// the workspace, when it took its current status: the time of its
	// latest history entry. Ids of enrollments that do not exist are left
	// out, so one call also tells which of a page's enrollments still
	// exist.
	StatusSince(ctx context.Context, wsID string, ids []string) (map[string]time.Time, error)
	// CountEnrollments returns an instance's enrollment count per status,
	// with every status present. Returns ENOTFOUND for an unknown instance.
	CountEnrollments(ctx context.Context, wsID, instanceID string) (map[Status]int, error)

	// FindEvent returns an event. Returns ENOTFOUND.
	FindEvent(ctx context.Context, wsID, id string) (*Event, error)
	// ListEvents returns a page of events, newest first. Returns EINVALID.
	ListEvents(ctx context.Context, wsID string, f EventFilter) (*Page[*Event], error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}

// RunCheck calls check on v when check is set: the stores' delete methods
// run their caller's check (If-Match) in the deleting transaction.
func RunCheck[T any](check func(*T) error, v *T) error {
	if check == nil {
		return nil
	}
	return check(v)
}
