package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014"
	codeProgramLimitExceeded = "54000"
)

// violation returns the name of the constraint err violates when err is a
// PostgreSQL error with the given SQLSTATE, else "".
func violation(err error, code string) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		return ""
	}
	if pe.ConstraintName != "" {
		return pe.ConstraintName
	}
	// Some compatible engines name the constraint only in the message:
	// `... violates unique constraint "name"`.
	if _, rest, ok := strings.Cut(pe.Message, `constraint "`); ok {
		if name, _, ok := strings.Cut(rest, `"`); ok {
			return name
		}
	}
	return "?"
}

// constraint returns the name of the unique constraint or index err
// violates, or "" when err is not a unique violation.
func constraint(err error) string { return violation(err, codeUniqueViolation) }

// foreignKey returns the name of the foreign key err violates, or "".
func foreignKey(err error) string { return violation(err, codeForeignKeyViolation) }

// retryable reports whether err aborted a transaction that may succeed when
// run again: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}

// Outage implements enroll.OutageReporter: a connection exception (class
// 08), the server shutting down, crashed or starting (57P01-57P03), too
// many connections (53300), or a connection that failed, or was closed or
// cut under the call (a network error, an EOF, pgconn's closed conn).
func (db *DB) Outage(err error) bool { return outage(err) }

func outage(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed)
}

// sessionLost reports whether err is an outage met on a connection that
// was open (its session terminated or cut), not on a new one that could
// not be made: another connection, dialled anew, may succeed.
func sessionLost(err error) bool {
	var ce *pgconn.ConnectError
	return outage(err) && !errors.As(err, &ce)
}

// notFound turns pgx.ErrNoRows into ENOTFOUND naming what was looked for.
func notFound(err error, what, id string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return enroll.Errorf(enroll.ENOTFOUND, "%s %s not found.", what, id)
	}
	return wrap(err)
}

// wrap prefixes a database error with the package name; nil and domain
// errors pass through unchanged.
func wrap(err error) error {
	var de *enroll.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == codeProgramLimitExceeded {
		// A value past what an index takes (2,704 bytes an entry): bad
		// input the domain's limits did not foresee, not an internal error.
		return errors.Join(enroll.Errorf(enroll.EINVALID, "A value is too long for the database to index: shorten it."), err)
	}
	return fmt.Errorf("postgres: %w", err)
}

// statementTimedOut returns err with a domain message saying that the
// database ran past its statement timeout, when that is what err is, so
// that a job failed by it says why rather than "Internal error."; else
// err. The database's own error stays joined, for the logs.
func statementTimedOut(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeQueryCanceled || !strings.Contains(pe.Message, "statement timeout") {
		return err
	}
	return errors.Join(enroll.Errorf(enroll.EINTERNAL, "The database took longer than its statement timeout "+
		"(--pg-statement-timeout) to write the rows: it was too busy, or, without autovacuum, its statistics are stale: run ANALYZE (docs/postgres.md)."), err)
}
