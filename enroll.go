// Package enroll is the domain of Enroll: the entities (workspaces, programs,
// program instances, customers, leads, enrollments), the enrollment status
// workflow with its single transition table, validation, the Store interface
// that storage packages implement, and the one error type the rest of the
// service maps to HTTP.
//
// It imports only the standard library. Storage lives in subpackages named
// after their database (sqlite, postgres); the HTTP API lives in package http.
package enroll

import (
	"context"
	"time"
)

// Clock returns the current time. Stores take one so tests can control time.
type Clock func() time.Time

// Now returns the current time truncated to microseconds in UTC: the
// precision every store keeps, so a value read back equals the one written.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return c().UTC().Truncate(time.Microsecond)
}

// Actor is who makes a change: the workspace it happens in, the API key that
// asked for it and the request it came with. Every write path takes one so
// history rows and events can name their cause.
type Actor struct {
	// WorkspaceID scopes the change; every query filters by it.
	WorkspaceID string
	// KeyID is the API key that made the request; empty for the CLI.
	KeyID string
	// RequestID is the X-Request-Id of the HTTP request, if any.
	RequestID string
}

type actorKey struct{}

// NewContextWithActor returns a copy of ctx that carries a.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor stored in ctx, or the zero Actor.
func ActorFromContext(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
