package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/seal"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// sealedSecretsHarness reaches one database file, its stores opened with
// the sealer given, its secrets column read and written through a
// connection of its own.
func sealedSecretsHarness(t *testing.T) storetest.SealedSecretsHarness {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	var (
		once  sync.Once
		rawDB *sql.DB
	)
	raw := func(t *testing.T) *sql.DB {
		once.Do(func() {
			var err error
			if rawDB, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rawDB.Close() })
		})
		return rawDB
	}
	return storetest.SealedSecretsHarness{
		Open: func(t *testing.T, s enroll.SecretSealer) enroll.Store {
			db, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New(), Sealer: s})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		RawSecrets: func(t *testing.T, wsID, id string) string {
			var v string
			if err := raw(t).QueryRowContext(ctx, `SELECT secrets FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		},
		SetRawSecrets: func(t *testing.T, wsID, id, v string) {
			if _, err := raw(t).ExecContext(ctx, `UPDATE webhook_endpoints SET secrets = ? WHERE workspace_id = ? AND id = ?`, v, wsID, id); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func TestSealedSecrets(t *testing.T) {
	t.Parallel()
	storetest.SealedSecrets(t, sealedSecretsHarness(t))
}

func TestSealedSecretsUnopened(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsUnopened(t, sealedSecretsHarness(t))
}

func TestSealedSecretsLostKey(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsLostKey(t, sealedSecretsHarness(t))
}

func TestSealedSecretsConcurrent(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsConcurrent(t, sealedSecretsHarness(t))
}

// TestSealWebhookSecretsLeavesNoPlainCopy checks that once the pass at
// start sealed the secrets stored plain, the database file holds none of
// them: SQLite leaves an updated row's old bytes in its page's free space
// unless told to zero them (secure_delete), and a page the rows that grew
// freed whole keeps them unless secure_delete is ON; a copy of the file
// taken after sealing would still sign as the service. Each size of rows
// lays their pages out differently (19 more bytes left one secret in a
// freelist page with FAST alone).
func TestSealWebhookSecretsLeavesNoPlainCopy(t *testing.T) {
	t.Parallel()
	for _, extra := range []int{0, 19, 500} {
		t.Run(fmt.Sprintf("description+%d", extra), func(t *testing.T) {
			t.Parallel()
			if left := plainSecretsAfterSealing(t, extra); left != "" {
				t.Error(left)
			}
		})
	}
}

// plainSecretsAfterSealing stores 300 endpoints plain, their descriptions
// of varied lengths (extra bytes more), so that rows differ in size and
// pages are not simply rebuilt; seals them at a start with a key; and
// says which of the database's files still hold secrets plain.
func plainSecretsAfterSealing(t *testing.T, extra int) string {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "enroll.db")
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_test"}
	var secrets []string
	for i := range 300 {
		ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true, Description: strings.Repeat("d", i%50+extra)}
		if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, ep.Secret)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New(), Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.SealWebhookSecrets(ctx, nil); n != len(secrets) || err != nil {
		t.Fatalf("SealWebhookSecrets = %d, %v; want %d", n, err, len(secrets))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, s := range secrets {
			if bytes.Contains(b, []byte(strings.TrimPrefix(s, "whsec_"))) {
				left++
			}
		}
		if left > 0 {
			found = append(found, fmt.Sprintf("after sealing, %s still holds %d of the %d secrets plain", filepath.Base(f), left, len(secrets)))
		}
	}
	return strings.Join(found, "; ")
}
