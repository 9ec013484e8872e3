package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// TestMigrateNameWords: enrollment_name_words holds what nameWords
// computes from each enrollment's names, as the store writes it and as
// migrations 24 and 25 fill it in SQL from the keys (laterNameWords), for names
// of every shape the two splits could read apart; and IntegrityCheck
// notices a row missing or left over.
func TestMigrateNameWords(t *testing.T) {
	t.Parallel()
	if enrollmentColumns[firstNameCol] != "first_name" || enrollmentColumns[lastNameCol] != "last_name" {
		t.Fatalf("firstNameCol, lastNameCol name %s, %s", enrollmentColumns[firstNameCol], enrollmentColumns[lastNameCol])
	}
	ctx := context.Background()
	f := newInstanceFixture(t, "words", "OFF", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive})
	db, a, inst := f.db, f.a, f.inst
	want := map[string][]string{}
	for i, n := range [][2]string{
		{"Suzie", "Homeowner"},
		{"Vincent", "van der Berg"},
		{"Mary Ann", "Smith"},
		{"  Mary   Ann  ", " de  la Cruz "},
		{"Ann Ann", "Ann Marie Ann"},
		{"José\u00a0María", "García Márquez"},
		{"Mary\tAnn", "Lee\nKim"},
		{"Ann\x01 Lee", "x \x01 y z"},
		{`O"Neil \ Jr`, `a\"b "c" \u0020d`},
		{"Åsa Britt", strings.Repeat("ﷺ", 3)},
		{"a " + strings.Repeat("㍿", 200), "b " + strings.Repeat("é", 254)},
		{"😀 ünï 😀", "中村 太郎"},
		{"Jean-Luc", "O'Brien"},
		{"-Luc--'x'", "d'Arc O'Hara"},
		{"Smith Mary-Ann", "Ann-Ann"},
		{"a-'b", "'-"},
	} {
		e, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: n[0], LastName: n[1], Email: fmt.Sprintf("p%d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		if w := nameWords(namekey.Of(n[0]), namekey.Of(n[1])); w != nil {
			want[e.ID] = slices.Sorted(slices.Values(w))
		}
	}
	stored := func() map[string][]string {
		t.Helper()
		out := map[string][]string{}
		for _, p := range columnPairs(t, db.r, `SELECT enrollment_id, word FROM enrollment_name_words WHERE workspace_id = ? AND instance_id = ? ORDER BY word`,
			a.WorkspaceID, inst.ID) {
			out[p[0].String] = append(out[p[0].String], p[1].String)
		}
		return out
	}
	if got := stored(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("written words %q\nwant %q", got, want)
	}
	if len(want) < 8 {
		t.Fatalf("only %d enrollments have later words", len(want))
	}

	// Down to 23 (no table), up to 25: the table filled from the keys,
	// the words split at spaces (24), then the parts (25).
	mdb, pr := migrationConn(t, f.path, "OFF")
	mdb.SetMaxOpenConns(1)
	if _, err := pr.DownTo(ctx, 23); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.UpTo(ctx, 24); err != nil {
		t.Fatal(err)
	}
	// At 24 the parts are missing: IntegrityCheck says so.
	if err := db.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "enrollment_name_words") {
		t.Errorf("IntegrityCheck at 24: %v, want the parts missing", err)
	}
	// Up to 25, and past it to the tables IntegrityCheck compares.
	if _, err := pr.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("migrated words %q\nwant %q", got, want)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	// 25 down (the release before's rows) and up again.
	if _, err := pr.DownTo(ctx, 24); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("words after 25 down and up %q\nwant %q", got, want)
	}

	// A word missing hides its enrollment from q, one left over shows it:
	// IntegrityCheck says so.
	for _, damage := range []string{
		`DELETE FROM enrollment_name_words WHERE word = 'berg'`,
		`INSERT INTO enrollment_name_words SELECT enrollment_id, 'berge', workspace_id, instance_id FROM enrollment_name_words WHERE word = 'berg'`,
	} {
		tx, err := mdb.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, damage); err != nil {
			t.Fatal(err)
		}
		// IntegrityCheck reads another connection: commit, check, undo.
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "enrollment_name_words") {
			t.Errorf("IntegrityCheck after %s: %v", damage, err)
		}
		if _, err := pr.DownTo(ctx, 23); err != nil {
			t.Fatal(err)
		}
		if _, err := pr.UpTo(ctx, 25); err != nil {
			t.Fatal(err)
		}
	}
}
