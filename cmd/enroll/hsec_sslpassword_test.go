package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/postgres/pgtest"
)

// TestServeLogsNoSSLPassword: a --db URL may carry, besides the password,
// sslpassword, the passphrase of the client's TLS key (a pgx parameter, as
// libpq's), which is as secret; "enroll listening" logged it in db=.
func TestServeLogsNoSSLPassword(t *testing.T) {
	t.Parallel()
	const secret = "TopSecretKeyPass"
	if got := redactedDB("postgres://enroll@db.internal/enroll?sslmode=verify-full&sslpassword=" + secret); strings.Contains(got, secret) {
		t.Errorf("redactedDB shows the sslpassword: %s", got)
	}

	db := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(db, "?") {
		sep = "&"
	}
	m := NewMain()
	var logs bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &logs
	m.Config.DB, m.Config.Addr = db+sep+"sslpassword="+secret, "127.0.0.1:0"
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	if !strings.Contains(logs.String(), "enroll listening") {
		t.Fatalf("no listening line in the log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the sslpassword is in the log:\n%s", logs.String())
	}
}
