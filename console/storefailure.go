package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/enrollhq/enroll"
)

// pingTimeout bounds the ping that tells a database that does not answer
// (enroll.StoreDown), as the API's bounds it.
const pingTimeout = 2 * time.Second

// retryAfter is the Retry-After of a page for a database that is full or
// does not answer: about how long a restart or a failover takes, as the
// API's 503s say.
const retryAfter = "5"

// storeFailure shows the page for a failure of the database itself, as
// the API answers it: a 503 with Retry-After, since the same request
// succeeds once the disk has room or the database is back, where a 500
// says the request broke something. It reports false, having shown
// nothing, when err is not such a failure. A request whose client went
// away is logged at debug level: nothing is wrong with the service.
func (c *Console) storeFailure(w http.ResponseWriter, r *http.Request, rq *request, err error) bool {
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	switch {
	case r.Context().Err() != nil:
		c.logger.Debug("console: request canceled", "method", r.Method, "path", r.URL.Path, "err", err, "requestId", requestID(r))
		c.renderError(w, r, rq, http.StatusServiceUnavailable, "Request canceled", "The request was canceled before it was completed.")
	case errors.Is(err, enroll.ErrDiskFull):
		c.logger.Error("console: database disk full", "method", r.Method, "path", r.URL.Path, "err", err, "requestId", requestID(r))
		w.Header().Set("Retry-After", retryAfter)
		c.renderError(w, r, rq, http.StatusServiceUnavailable, "Database disk full",
			"The database's disk is full, so nothing was stored. Try again once your operator has freed space on it.")
	case enroll.StoreDown(r.Context(), c.store, err, pingTimeout):
		c.logger.Warn("console: store unavailable", "method", r.Method, "path", r.URL.Path, "err", err, "requestId", requestID(r))
		msg := "The database does not answer. Try again in a few seconds."
		if write {
			msg = "The database does not answer, so what you sent may not have been saved. Go back, check, and try again in a few seconds."
		}
		w.Header().Set("Retry-After", retryAfter)
		c.renderError(w, r, rq, http.StatusServiceUnavailable, "Database unavailable", msg)
	default:
		return false
	}
	return true
}
