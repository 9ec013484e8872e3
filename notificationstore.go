package enroll

import (
	"context"
	"time"
)

// NotificationStore is a Store that keeps notification templates, each
// instance's notification settings, and the notification queue (issue
// #10). The sqlite and postgres stores implement it.
//
// Notifications ride on the webhook outbox: the DispatchEvents call that
// turns an enrollment.status_changed event into webhook deliveries also
// queues its notifications (NewNotifications), rendered, in the same
// transaction, so each change is notified exactly once. Package notify's
// Sender then claims due notifications with a lease
// (ClaimNotifications), sends them over SMTP and records each attempt
// (FinishNotification).
type NotificationStore interface {
	Store

	// CreateNotificationTemplate stores a new template in a.WorkspaceID,
	// setting its ID and times. Returns EINVALID, ENOTFOUND (the program
	// instance) or ECONFLICT (a template for the same instance, status and
	// audience exists).
	CreateNotificationTemplate(ctx context.Context, a Actor, t *NotificationTemplate) error
	// FindNotificationTemplate returns a template. Returns ENOTFOUND.
	FindNotificationTemplate(ctx context.Context, wsID, id string) (*NotificationTemplate, error)
	// ListNotificationTemplates returns a page of templates, newest first.
	// Returns EINVALID for bad paging.
	ListNotificationTemplates(ctx context.Context, wsID string, f NotificationTemplateFilter) (*Page[*NotificationTemplate], error)
	// UpdateNotificationTemplate changes a template through fn; its id,
	// instance and creation time stay. fn may be called more than once, on
	// copies: a store may try the change outside its write transaction
	// first, so that checking the result (which renders it) does not hold
	// the transaction. Returns ENOTFOUND, EINVALID, ECONFLICT or fn's error.
	UpdateNotificationTemplate(ctx context.Context, a Actor, id string, fn func(*NotificationTemplate) error) (*NotificationTemplate, error)
	// DeleteNotificationTemplate deletes a template; notifications made
	// from it keep their record. check (may be nil) sees it first, in the
	// transaction, and may refuse. Returns ENOTFOUND or check's error.
	DeleteNotificationTemplate(ctx context.Context, a Actor, id string, check func(*NotificationTemplate) error) error

	// FindNotificationSettings returns an instance's settings, the
	// defaults when never set. Returns ENOTFOUND (the instance).
	FindNotificationSettings(ctx context.Context, wsID, instanceID string) (*NotificationSettings, error)
	// PutNotificationSettings replaces an instance's settings. check (may
	// be nil) sees the settings held first, the defaults when none are
	// stored, in the write transaction, and may refuse (an If-Match
	// check, with EPRECONDITION): two puts checked against the same
	// settings never both apply. Returns ENOTFOUND (the instance),
	// EINVALID or check's error, storing nothing.
	PutNotificationSettings(ctx context.Context, a Actor, s *NotificationSettings, check func(*NotificationSettings) error) error

	// ListNotifications returns a page of notifications, newest first.
	// Returns EINVALID for bad paging.
	ListNotifications(ctx context.Context, wsID string, f NotificationFilter) (*Page[*Notification], error)
	// ClaimNotifications leases up to limit due, pending notifications for
	// lease, shared between workspaces: by turn, the leases a
	// notification's workspace holds plus its rank among the workspace's
	// due ones, then in due order, so that one workspace's backlog does
	// not hold back another's messages and a workspace alone gets every
	// slot. A claimed notification is not claimed again until finished or
	// its lease expires.
	ClaimNotifications(ctx context.Context, lease time.Duration, limit int) ([]*Notification, error)
	// FinishNotification records an attempt of a claimed notification and
	// its outcome (see DecideNotificationOutcome), ending the lease n holds
	// (n.LeaseUntil). Returns ENOTFOUND, and ECONFLICT, recording nothing,
	// when the notification no longer holds that lease (it expired and the
	// notification was claimed again, or the attempt was recorded
	// already).
	FinishNotification(ctx context.Context, n *Notification, o NotificationOutcome) (*Notification, error)

	// LatestNotificationTemplate returns the template of an enrollment's
	// newest notification (the marketplace seed's enrollment.template),
	// or nil when it has none.
	LatestNotificationTemplate(ctx context.Context, wsID, enrollmentID string) (*NotificationRef, error)

	// FindUnsubscription returns the address an unsubscribe token stands
	// for, and whether it unsubscribed. Returns ENOTFOUND.
	FindUnsubscription(ctx context.Context, token string) (*Unsubscription, error)
	// Unsubscribe records that the token's address unsubscribed from its
	// workspace's non-essential notifications; doing it again changes
	// nothing. Returns ENOTFOUND.
	Unsubscribe(ctx context.Context, token string) (*Unsubscription, error)
}
