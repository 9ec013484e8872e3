package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/pressly/goose/v3"

	"github.com/enrollhq/enroll/namekey"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies pending migrations to the database at path. An exclusive
// lock on a file beside the database serialises processes that start at
// once (a server and a CLI command on a new file), so no migration runs twice.
func migrate(ctx context.Context, path string) error {
	// An empty path would lock ".lock" in the current directory and
	// migrate a temporary database that vanishes with its connection
	// (enroll migrate with ENROLL_DB= set by mistake): refused, as Open
	// refuses it.
	if path == "" {
		return errors.New("sqlite: empty database path")
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: migration lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("sqlite: migration lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	// A new database is its owner's alone, as its lock file is: it holds
	// participants' data and, unless sealed, webhook signing secrets, and
	// SQLite would create it with the umask's mode (0644), giving its WAL
	// and shared-memory files the same. An empty file is an empty
	// database; one that exists keeps the mode its operator gave it.
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("sqlite: create %s: %w", path, err)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}

	db, err := sql.Open("sqlite", dsn(path, "FULL", "immediate", false))
	if err != nil {
		return fmt.Errorf("sqlite: open for migration: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p, err := provider(db)
	if err != nil {
		return err
	}
	if err := refuseNewerSchema(ctx, p); err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// refuseNewerSchema refuses a database a newer release migrated past the
// migrations this one knows. This release's writes would skip what those
// migrations added: the label counters of migration 26 were never
// written by the releases before it, which opened such a file without a
// word after a rollback, and left its label totals wrong for good.
func refuseNewerSchema(ctx context.Context, p *goose.Provider) error {
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migration version: %w", err)
	}
	var known int64
	for _, s := range p.ListSources() {
		known = max(known, s.Version)
	}
	if cur > known {
		return fmt.Errorf("sqlite: the database was migrated by a newer release of enroll (schema version %d; this release knows %d): run that release, or restore a backup made by this one", cur, known)
	}
	return nil
}

// goMigrations are the migrations written in Go, beside the SQL files.
// Each is given a name in the form of the files' (goose wants one ending
// in .go, with the version first), which `enroll migrate` prints: goose
// names a migration after its file, and these have none of their own.
func goMigrations() []*goose.Migration { return goMigrationsLogging(slog.Default()) }

// goMigrationsLogging is goMigrations with the migration registering
// unique values warning to log.
func goMigrationsLogging(log *slog.Logger) []*goose.Migration {
	docs := goose.NewGoMigration(nullMembersVersion, &goose.GoFunc{RunTx: rewriteEnrollmentDocs}, nil)
	docs.Source = "00013_enrollment_docs_null_members.go"
	keys := goose.NewGoMigration(nameKeysVersion, &goose.GoFunc{RunTx: rekeyNames(namekey.Of)},
		&goose.GoFunc{RunTx: rekeyNames(strings.ToLower)})
	keys.Source = "00020_enrollment_name_keys.go"
	leads := goose.NewGoMigration(openLeadVersion, &goose.GoFunc{RunTx: reindexOpenLeads}, &goose.GoFunc{RunTx: restoreOpenLeads})
	leads.Source = "00021_enrollment_open_lead.go"
	// Rolled back, it leaves the rows it added: they are what the release
	// before writes at each enrollment's next write.
	unique := goose.NewGoMigration(uniqueValuesVersion, &goose.GoFunc{RunTx: registerHeldUniqueValues(log)}, nil)
	unique.Source = "00023_unique_values_held.go"
	return []*goose.Migration{docs, keys, leads, unique}
}

// provider returns goose's provider of the migrations, run on db.
func provider(db *sql.DB) (*goose.Provider, error) { return providerOf(db, goMigrations()) }

// providerOf is provider with the Go migrations goms.
func providerOf(db *sql.DB, goms []*goose.Migration) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(goms...))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// Migrate applies pending migrations to the database at path without
// opening a store, and returns the state of every migration afterwards:
// `enroll migrate`.
func Migrate(ctx context.Context, path string) ([]MigrationStatus, error) {
	if err := migrate(ctx, path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, "FULL", "deferred", true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}
