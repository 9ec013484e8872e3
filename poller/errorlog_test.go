package poller_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/poller"
)

// TestErrorLogRepeats: a failure that repeats is logged once within
// ErrorLogEvery; another message is logged at once, with its arguments.
func TestErrorLogRepeats(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	l := poller.NewErrorLog(slog.New(slog.NewTextHandler(&b, nil)))
	for range 5 {
		l.Error("claim failed", context.DeadlineExceeded)
	}
	l.Error("dispatch failed", context.Canceled, "k", "v")
	out := b.String()
	if n := strings.Count(out, "claim failed"); n != 1 {
		t.Errorf("claim failed logged %d times:\n%s", n, out)
	}
	if !strings.Contains(out, `msg="dispatch failed" error="context canceled" failedSinceLastLog=0 k=v`) {
		t.Errorf("the other message:\n%s", out)
	}
}
