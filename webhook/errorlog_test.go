package webhook_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/webhook"
)

// lockedBuffer is a log destination the deliverer's goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDispatchFailureLoggedOnce: while the store fails (a database
// away), every poll of the deliverer fails the same way; it logs the
// failure once, then at most once a minute, rather than at each poll (20
// a second here, as in a hunt where each replica wrote an ERROR every 50
// ms for the length of an outage).
func TestDispatchFailureLoggedOnce(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // every call fails from now on
	var logs lockedBuffer
	d := webhook.New(webhook.Config{Store: db, Logger: slog.New(slog.NewTextHandler(&logs, nil)), PollInterval: 20 * time.Millisecond})
	d.Start()
	time.Sleep(time.Second)
	d.Close()
	if n := strings.Count(logs.String(), "webhook dispatch failed"); n != 1 {
		t.Errorf("the failure was logged %d times in a second, want once:\n%s", n, logs.String())
	}
}
