package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// constraint returns the name of the uniqueness constraint err violates
// ("table.column, ..." or "index 'name'"), or "" when err is not one.
func constraint(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := se.Error()
		if i := strings.Index(msg, "constraint failed: "); i >= 0 {
			return msg[i+len("constraint failed: "):]
		}
		return msg
	}
	return ""
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// diskFull returns err with a domain message saying that the database's
// disk is full, and enroll.ErrDiskFull, when SQLite says so (SQLITE_FULL),
// so that a job failed by it says why rather than "Internal error."; else
// err. SQLite's own error stays joined, for the logs.
func diskFull(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_FULL {
		return err
	}
	return errors.Join(enroll.Errorf(enroll.EINTERNAL, "The database's disk is full: free space on it."), enroll.ErrDiskFull, err)
}

// notFound turns sql.ErrNoRows into ENOTFOUND naming what was looked for.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return enroll.Errorf(enroll.ENOTFOUND, "%s %s not found.", what, id)
	}
	return err
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
