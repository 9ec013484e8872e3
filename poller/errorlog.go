package poller

import (
	"log/slog"
	"sync"
	"time"
)

// ErrorLogEvery is how often ErrorLog logs a failure that repeats again.
const ErrorLogEvery = time.Minute

// ErrorLog logs the failures of a loop's work, each message at most once
// an ErrorLogEvery, with the count of those not logged since: while the
// database is away every poll fails alike, and a webhook deliverer wrote
// an ERROR every 50 ms (a notification sender every 250 ms) for the
// length of an outage. The zero value is not usable: use NewErrorLog.
type ErrorLog struct {
	logger *slog.Logger
	mu     sync.Mutex
	// logged is when each message was last logged, skipped how many times
	// it failed since without being logged.
	logged  map[string]time.Time
	skipped map[string]int
}

// NewErrorLog returns an ErrorLog writing to logger.
func NewErrorLog(logger *slog.Logger) *ErrorLog {
	return &ErrorLog{logger: logger, logged: map[string]time.Time{}, skipped: map[string]int{}}
}

// Error logs msg with err and args at level Error, unless msg was logged
// less than ErrorLogEvery ago.
func (l *ErrorLog) Error(msg string, err error, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if last, ok := l.logged[msg]; ok && now.Sub(last) < ErrorLogEvery {
		l.skipped[msg]++
		return
	}
	l.logger.Error(msg, append([]any{"error", err, "failedSinceLastLog", l.skipped[msg]}, args...)...)
	l.logged[msg], l.skipped[msg] = now, 0
}
