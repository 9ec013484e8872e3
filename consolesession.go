package enroll

import (
	"context"
	"time"
)

// ConsoleSession is a browser signed in to the web console with an API
// key. Sessions live in the store, not in a process, so that every replica
// serving the console knows them and a restart signs nobody out.
type ConsoleSession struct {
	// ID is the SHA-256, in hex, of the random id in the browser's cookie:
	// the store never holds what a cookie could be rebuilt from.
	ID          string
	WorkspaceID string
	KeyID       string
	// KeyHash is the hash of the key's secret, through which every request
	// reads the key again, so a revoked key loses its sessions at once.
	KeyHash       string
	WorkspaceName string
	// CSRF is the synchronizer token every form of the session carries.
	CSRF string
	// Flash is a one-time message for the session's next page, or "".
	Flash string
	// Secret holds the webhook signing secrets waiting to be shown once,
	// in the console's own encoding, or "".
	Secret     string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// ConsoleSessionStore keeps console sessions; it is part of Store.
type ConsoleSessionStore interface {
	// CreateConsoleSession stores s. Returns ECONFLICT when a session with
	// its ID exists.
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	// FindConsoleSession returns the session with id. Returns ENOTFOUND.
	FindConsoleSession(ctx context.Context, id string) (*ConsoleSession, error)
	// TouchConsoleSession sets the LastSeenAt of the session with id to
	// at, and nothing else, so that a request marking the session used
	// never undoes a message or secret another request just left in it.
	// Returns ENOTFOUND when the session is gone.
	TouchConsoleSession(ctx context.Context, id string, at time.Time) error

	// The Flash and the Secret of a session are each written on their
	// own, never from a copy of the whole session, so that two requests of
	// one session (two tabs, or a POST and the page it redirects to,
	// served by another replica) never undo each other's message or
	// secret.

	// SetConsoleFlash sets the Flash of the session with id to flash, and
	// nothing else. Returns ENOTFOUND when the session is gone.
	SetConsoleFlash(ctx context.Context, id, flash string) error
	// TakeConsoleFlash returns the Flash of the session with id, or "",
	// and clears it in the same atomic step, so that of two requests
	// taking it at once only one gets the message. Returns ENOTFOUND when
	// the session is gone.
	TakeConsoleFlash(ctx context.Context, id string) (string, error)
	// SwapConsoleSecret sets the Secret of the session with id to to, and
	// nothing else, if it is still from (as the caller read it, not since
	// changed by another request), in one atomic step, and reports whether
	// it did. The Secret holds several secrets, each added or taken by a
	// request working from what it read: so no request undoes another's
	// change, and of two requests taking the same secret only the one that
	// gets true shows it. Returns ENOTFOUND when the session is gone.
	SwapConsoleSecret(ctx context.Context, id, from, to string) (bool, error)
	// DropConsoleSecrets clears the Secret of every session whose Secret
	// starts with none of keep, and returns how many it cleared. A start
	// with --secrets-key drops so the secrets left waiting plain (before
	// sealing was turned on) or sealed under a key no longer given, which
	// the console could not open: their endpoints' secrets are rotated to
	// be seen again.
	DropConsoleSecrets(ctx context.Context, keep []string) (int, error)
	// DeleteConsoleSession removes the session with id, if there is one.
	DeleteConsoleSession(ctx context.Context, id string) error
	// DeleteExpiredConsoleSessions removes the sessions last seen before
	// idleBefore or created before createdBefore, and returns how many.
	DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error)
}
