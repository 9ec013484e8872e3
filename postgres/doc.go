// Package postgres implements enroll.Store on PostgreSQL with pgx and a
// pgxpool connection pool, so that several `enroll serve` replicas on one
// database behave as one service.
//
// The schema follows the SQLite store's design (the object's JSON in a jsonb
// `doc` column, indexed copies of what constraints, filters and sorts need,
// per-status counters) and the conformance suite in package storetest runs
// unchanged against both. Everything that must hold across replicas is
// enforced by the database, never in process memory: uniqueness by unique
// indexes, the status workflow by row locks (SELECT ... FOR UPDATE) and
// conditional updates (WHERE version = $n), capacity by a lock on the
// instance row taken before counting. Transactions run at READ COMMITTED;
// serialization failures and deadlocks are retried inside each method.
package postgres

import (
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/enrollhq/enroll"
)

// encode returns the JSON stored in a doc column
// (enroll.MarshalDocument).
func encode(v any) ([]byte, error) {
	b, err := enroll.MarshalDocument(v)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode: %w", err)
	}
	return b, nil
}

// decode parses a doc column into a new T. Documents are only ever written
// by encode, so the stricter, faster decoder of encoding/json's successor
// (exact names, valid UTF-8, no duplicate names: what json.Marshal
// writes) reads them as encoding/json would, in about 60% of the time and
// half the allocations (docs/architecture.md, Dependencies).
func decode[T any](doc []byte) (*T, error) {
	v := new(T)
	if err := jsonv2.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("postgres: decode %T: %w", v, err)
	}
	// jsonb keeps an object's members sorted by length: an event's object,
	// read back whole rather than into its type, is put back in its
	// representation's order, as SQLite keeps it.
	if ev, ok := any(v).(*enroll.Event); ok {
		if err := ev.ReorderObject(); err != nil {
			return nil, fmt.Errorf("postgres: decode: %w", err)
		}
	}
	return v, nil
}
