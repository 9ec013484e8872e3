package enroll

import (
	"context"
	"time"
)

// WebhookStore is a Store that keeps webhook endpoints and their durable
// delivery queue (SPEC §6). The sqlite and postgres stores implement it;
// the HTTP layer manages endpoints through it and package webhook's
// Deliverer sends what it queues.
//
// Events reach deliveries in two steps, neither on the write path of a
// change: DispatchEvents turns committed events (the transactional outbox)
// into one delivery per endpoint that wants each, exactly once; then
// ClaimWebhookDeliveries leases due deliveries to one sender at a time, a
// bounded number per endpoint and per workspace, and FinishWebhookDelivery
// records each attempt. A delivery whose lease expires (its sender died) is claimed
// again: delivery is at-least-once, and receivers deduplicate by the
// webhook-id header, the event id.
type WebhookStore interface {
	Store

	// CreateWebhookEndpoint stores a new endpoint in a.WorkspaceID with a
	// new signing secret, shown once in ep.Secret. It sets ep's ID,
	// WorkspaceID, Secrets and times. Returns EINVALID.
	CreateWebhookEndpoint(ctx context.Context, a Actor, ep *WebhookEndpoint) error
	// FindWebhookEndpoint returns an endpoint, without its Secret. One
	// whose stored secrets do not open is returned all the same, without
	// Secrets and with its SecretError (OpenEndpointSecrets), as every
	// read of endpoints returns it. Returns ENOTFOUND.
	FindWebhookEndpoint(ctx context.Context, wsID, id string) (*WebhookEndpoint, error)
	// ListWebhookEndpoints returns a page of endpoints, newest first, each
	// with its SecretError as FindWebhookEndpoint gives it. Returns
	// EINVALID for bad paging.
	ListWebhookEndpoints(ctx context.Context, wsID string, p ListParams) (*Page[*WebhookEndpoint], error)
	// UpdateWebhookEndpoint changes an endpoint through fn, which may also
	// Rotate its secret (the result then shows the new Secret). Enabling an
	// endpoint clears its DisabledReason. Secrets that do not open are
	// stored again as they were, unless rotated, which replaces them.
	// Returns ENOTFOUND, EINVALID or fn's error.
	UpdateWebhookEndpoint(ctx context.Context, a Actor, id string, fn func(*WebhookEndpoint) error) (*WebhookEndpoint, error)
	// DeleteWebhookEndpoint deletes an endpoint and its deliveries; check
	// (may be nil) sees it first, in the transaction, and may refuse.
	// The endpoint goes with its first EndpointDeleteBatch deliveries in
	// one transaction, the rest in further ones of at most as many, so
	// that no write waits long behind it; once the first has committed,
	// the endpoint's remaining deliveries are inert (never claimed, found
	// nor listed) and the rest go on whatever ctx does. A process stopped
	// in between leaves them to DeleteOrphanedDeliveries, and so does a
	// later batch that fails: the error returned then wraps
	// ErrDeliveriesLeft, and the deletion is done as far as clients can
	// tell. Returns ENOTFOUND or check's error.
	DeleteWebhookEndpoint(ctx context.Context, a Actor, id string, check func(*WebhookEndpoint) error) error
	// DeleteOrphanedDeliveries deletes, in transactions of at most
	// EndpointDeleteBatch rows, the deliveries of endpoints that no longer
	// exist: what a DeleteWebhookEndpoint stopped between its transactions
	// left. It finds them with one index probe per endpoint that has
	// deliveries, not a read of every delivery. Several callers at once
	// (replicas) share the work. Returns how many it deleted, and no domain
	// error, only the database's (ctx's included).
	DeleteOrphanedDeliveries(ctx context.Context) (int, error)

	// ListWebhookDeliveries returns a page of an endpoint's deliveries,
	// newest first. Returns ENOTFOUND (endpoint) or EINVALID.
	ListWebhookDeliveries(ctx context.Context, wsID, endpointID string, f DeliveryFilter) (*Page[*WebhookDelivery], error)
	// FindWebhookDelivery returns one delivery of an endpoint. Returns
	// ENOTFOUND, also for a delivery of a deleted endpoint not yet
	// deleted itself (see DeleteWebhookEndpoint).
	FindWebhookDelivery(ctx context.Context, wsID, endpointID, id string) (*WebhookDelivery, error)
	// RedeliverWebhook queues a new delivery of the event of delivery id,
	// due at once (see WebhookDelivery.Redelivery). Returns ENOTFOUND, or
	// ECONFLICT for a disabled endpoint or a delivery still pending.
	RedeliverWebhook(ctx context.Context, a Actor, endpointID, id string) (*WebhookDelivery, error)

	// DispatchEvents turns up to limit committed, not yet dispatched events
	// into deliveries (NewDeliveries), in event order, and returns how many
	// events it took. Concurrent callers (replicas) never dispatch an event
	// twice nor out of order: one dispatches while the others take none.
	// A store that queues notifications in the same transaction
	// (NotificationStore) takes no further event once rendering them has
	// taken renderBudget (0: no bound), so that slow templates cannot hold
	// the transaction for long; likewise it takes no further event once
	// their deliveries would pass DispatchDeliveryBudget, so that many
	// endpoints cannot either (DispatchDeliveries). It always takes at
	// least one event.
	DispatchEvents(ctx context.Context, limit int, renderBudget time.Duration) (int, error)
	// ClaimWebhookDeliveries leases up to limit due, pending deliveries of
	// enabled endpoints for lease. Only the earliest pending delivery of
	// each stream is due, so an endpoint receives the events of one
	// enrollment one at a time and in order. A claimed delivery is not
	// claimed again until finished or its lease expires.
	//
	// No endpoint holds more than perEndpoint unexpired leases at once,
	// and no workspace more than perWorkspace (all its endpoints'),
	// counting those of every caller (replicas share the queue): a claim
	// leases none of an endpoint or a workspace already at its bound, and
	// at most the bound minus those it holds. So a slow receiver ties up
	// at most perEndpoint senders, a workspace with a backlog over many
	// endpoints (an import's events) at most perWorkspace, and other
	// endpoints' and workspaces' deliveries go out beside them: a claim
	// takes the earliest due deliveries, and when those are beyond their
	// endpoint's or workspace's room, endpoint by endpoint the first of
	// every workspace before the second of any, and within a workspace
	// the first of every endpoint before the second of any. A claim with
	// limit, perEndpoint or perWorkspace below 1 leases nothing. Returns
	// no domain error, only the database's.
	ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint, perWorkspace int) ([]*WebhookJob, error)
	// FinishWebhookDelivery records an attempt of a claimed delivery and its
	// outcome (see DecideOutcome), ending j's lease; a 410 outcome disables
	// the endpoint. Returns ENOTFOUND when the delivery (or its endpoint) was
	// deleted meanwhile, and ECONFLICT, recording nothing, when the
	// delivery no longer holds j's lease (it expired and the delivery was
	// claimed again, or this attempt was recorded already): so a record
	// can be tried again after an error that leaves unknown whether it
	// committed.
	FinishWebhookDelivery(ctx context.Context, j *WebhookJob, o DeliveryOutcome) (*WebhookDelivery, error)
	// FinishWebhookDeliveries records several attempts as
	// FinishWebhookDelivery does, in one transaction (one commit, however
	// many attempts), skipping deliveries deleted meanwhile or no longer
	// holding their job's lease. Returns no domain error, only the
	// database's.
	FinishWebhookDeliveries(ctx context.Context, done []DeliveryResult) error

	// SealWebhookSecrets makes the stored signing secrets match the
	// store's SecretSealer, and returns how many endpoints it sealed. It
	// first refuses, with an error wrapping ErrSealKeyUnknown, a store
	// holding a secret sealed under none of its keys (or sealed at all,
	// without a sealer), whose deliveries would all fail, unless the value
	// starts with one of lost: the prefixes (SecretSealer.KeyPrefixes) of
	// keys the operator declared lost, whose endpoints are then served
	// with their SecretError until their secrets are rotated. Then, with a
	// sealer, it seals every endpoint's secrets stored plain or under
	// another key than the sealing one, a bounded chunk per transaction.
	// Several callers at once (replicas starting) share the work. An
	// endpoint whose sealed value is damaged (ErrSealBroken) or sealed
	// under a lost key is left as it is. serve calls it before it
	// listens.
	SealWebhookSecrets(ctx context.Context, lost []string) (int, error)

	// DeleteExpiredEvents deletes what has been kept for longer than
	// retention, by the store's clock, in bounded batches of one
	// transaction each, so that no write waits long behind it: webhook
	// deliveries finished (succeeded, or failed for good) and created
	// and last changed before that, with their attempts; notifications
	// finished (sent, skipped, failed for good) likewise, when the store
	// keeps notifications; then events created before that which
	// DispatchEvents has taken and that no remaining delivery nor pending
	// notification refers to, but the newest of each EventKey among
	// them (NewestKept: a poller's cursor), keeping the counters that
	// total events right and raising their key's expired position
	// (EventFilter.ErrAfterExpired). Pending and leased deliveries and notifications, and the
	// events they need, stay whatever their age, as does everything else
	// (enrollments and their history, customers, leads, imports). Rows
	// made a little out of order (concurrent writers) may wait for the
	// next call. Several callers at once (replicas) share the work.
	// Returns no domain error, only the database's (ctx's included).
	DeleteExpiredEvents(ctx context.Context, retention time.Duration) (ExpiredEvents, error)
}

// ExpiredEvents is what DeleteExpiredEvents deleted.
type ExpiredEvents struct {
	Events, Deliveries, Notifications int
}

// Total is how many rows were deleted in all.
func (x ExpiredEvents) Total() int { return x.Events + x.Deliveries + x.Notifications }

// DeliveryResult is an attempt of a claimed delivery and its outcome.
type DeliveryResult struct {
	Job     *WebhookJob
	Outcome DeliveryOutcome
}

// WebhookEndpointsFilter is the filter hash the webhook endpoints' list
// binds its page tokens to. The list has no filter, but 0, the hash of
// none, is also the API keys' list's, whose sort it shares: with it a key
// list's token would page the endpoints from nowhere instead of being
// refused.
var WebhookEndpointsFilter = HashFilter("webhookEndpoints")
