package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/enrollhq/enroll/namekey"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies pending migrations through a short-lived database/sql
// handle (goose's interface). goose holds a session-level advisory lock
// while it works, so replicas that start at once on a new database take
// turns and no migration runs twice; the others find nothing left to do.
//
// Its sessions wait at most MigrationLockTimeout (or the URL's own
// lock_timeout) for a table's lock: a migration that alters a table
// queues behind a long transaction that read it, and every query of the
// table queues behind the migration, so a live database would stall for
// as long as that transaction lasts. It fails instead, its transaction
// undone (a concurrent index build leaves an invalid index, which the
// next attempt builds again), with ErrMigrationLockTimeout.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	if cc.RuntimeParams["lock_timeout"] == "" {
		cc.RuntimeParams["lock_timeout"] = strconv.FormatInt(MigrationLockTimeout.Milliseconds(), 10) + "ms"
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := provider(db, true)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == codeLockNotAvailable {
			return fmt.Errorf("%w (lock_timeout %s): end the transaction holding it, or retry the start or `enroll migrate` when the database is quieter (or raise lock_timeout in the URL): %w",
				ErrMigrationLockTimeout, cc.RuntimeParams["lock_timeout"], err)
		}
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// MigrationLockTimeout is how long a migration waits for a lock when the
// URL sets no lock_timeout: long enough for the store's own transactions
// (their statements end within 30s, most within milliseconds), short
// enough that the queries queued behind it stall for no longer.
const MigrationLockTimeout = 10 * time.Second

// goMigrations are the migrations written in Go, beside the SQL files,
// each named in the form of the files' for `enroll migrate` to print.
func goMigrations() []*goose.Migration {
	return goMigrationsWith(uniqueRegistration{chunk: uniqueChunk, log: slog.Default()})
}

// goMigrationsWith is goMigrations with unique, the migration registering
// unique values, as given.
func goMigrationsWith(unique uniqueRegistration) []*goose.Migration {
	keys := goose.NewGoMigration(nameKeysVersion, &goose.GoFunc{RunTx: rekeyNames(namekey.Of)},
		&goose.GoFunc{RunTx: rekeyNames(strings.ToLower)})
	keys.Source = "00019_enrollment_name_keys.go"
	leads := goose.NewGoMigration(openLeadVersion, &goose.GoFunc{RunDB: reindexOpenLeads}, &goose.GoFunc{RunDB: restoreOpenLeads})
	leads.Source = "00020_enrollment_open_lead.go"
	// Outside a transaction, one of its own an instance; rolled back, it
	// leaves the rows it added: they are what the release before writes
	// at each enrollment's next write.
	values := goose.NewGoMigration(uniqueValuesVersion, &goose.GoFunc{RunDB: unique.registerHeldUniqueValues}, nil)
	values.Source = "00021_unique_values_held.go"
	return []*goose.Migration{keys, leads, values}
}

func provider(db *sql.DB, locked bool) (*goose.Provider, error) {
	return providerOf(db, locked, goMigrations())
}

// providerOf is provider with the Go migrations goms.
func providerOf(db *sql.DB, locked bool, goms []*goose.Migration) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goms...)}
	if locked {
		// Poll for the lock every second (goose's default is every 5s) for up
		// to 10 minutes, so a replica waiting behind another starts promptly.
		l, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, fmt.Errorf("postgres: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return p, nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	// Version is the number the migration's file name starts with.
	Version int64
	// Name is the migration's file name.
	Name string
	// Applied reports whether the database has the migration.
	Applied bool
}

// Migrate applies pending migrations to the database at url without
// opening a store, and returns the state of every migration afterwards:
// `enroll migrate`.
func Migrate(ctx context.Context, url string) ([]MigrationStatus, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse URL: %w", err)
	}
	if err := migrate(ctx, cc.Copy()); err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := provider(db, false)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// ErrMigrationLockTimeout is the error (wrapped) of a migration that
// waited longer than its lock_timeout for a lock another session holds
// (migrate): nothing of that migration was applied, and starting again
// later retries it.
var ErrMigrationLockTimeout = errors.New("postgres: a migration waited too long for a lock another session holds")

// codeLockNotAvailable is the SQLSTATE of a statement that waited longer
// than lock_timeout (lock_not_available).
const codeLockNotAvailable = "55P03"
