package console

import (
	"net/http"
	"strings"
)

// unavailableData is what the page of a feature not built yet shows.
type unavailableData struct {
	Section section
	Scopes  string
}

// unavailable returns the page of a section that is not built yet, or that
// this server's store does not keep: it says so plainly, and what the
// section does, rather than showing controls that do nothing.
func (c *Console) unavailable(s section) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) {
		if !rq.has(s.Scopes...) {
			c.forbidden(w, r, rq, s.Scopes[0], "use "+strings.ToLower(s.Label))
			return
		}
		if !rq.allows(s) {
			c.limitedForbidden(w, r, rq, "use "+strings.ToLower(s.Label)+", which concern the whole workspace")
			return
		}
		names := make([]string, len(s.Scopes))
		for i, sc := range s.Scopes {
			names[i] = string(sc)
		}
		c.render(w, r, rq, http.StatusOK, "unavailable", s.Label+" — not available yet",
			unavailableData{Section: s, Scopes: strings.Join(names, ", ")})
	}
}
