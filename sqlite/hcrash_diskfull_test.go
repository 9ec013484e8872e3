package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestDiskFullSaysSo fills the database as a full disk does (SQLite's
// SQLITE_FULL, here from max_page_count on the writer) and checks that
// what the caller is told names the cause: a create's error and an
// import's job message said "Internal error.", leaving an operator no clue
// that space must be freed before the same file is run again.
func TestDiskFullSaysSo(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	im, _ := s.newImport(t, false, 0)
	var pages int
	if err := s.db.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+4)); err != nil {
		t.Fatal(err)
	}

	var err error
	for i := 0; err == nil && i < 200; i++ {
		_, err = s.db.CreateEnrollment(ctx, s.a, s.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Full", LastName: "Disk", Email: fmt.Sprintf("full-%d@example.com", i), Notes: strings.Repeat("n", 3000)})
	}
	if err == nil {
		t.Fatal("200 creates fitted in the full database")
	}
	if msg := enroll.ErrorMessage(err); !strings.Contains(msg, "disk is full") {
		t.Errorf("a create on a full disk: %q (%v); want it to say the disk is full", msg, err)
	}

	dec, derr := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(importCSV(0, 1500)))
	if derr != nil {
		t.Fatal(derr)
	}
	if _, err := enroll.RunImport(ctx, s.db, s.a, im, dec, 0); err == nil {
		t.Fatal("an import into the full database succeeded")
	}
	got, err := s.db.FindImport(ctx, s.a.WorkspaceID, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != enroll.ImportFailed || !strings.Contains(got.Message, "disk is full") {
		t.Errorf("an import on a full disk: %s, %q; want failed, saying the disk is full", got.Status, got.Message)
	}

	// Space freed, writes go on.
	if _, err := s.db.w.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.CreateEnrollment(ctx, s.a, s.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Room", LastName: "Again", Email: "room@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
