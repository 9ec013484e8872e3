package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// deleteOrphanedDeliveries deletes, once at start, the deliveries that an
// endpoint's deletion stopped between its transactions (a crash, a
// shutdown) left behind. They are inert meanwhile: never claimed, found
// nor listed, since their endpoint is gone.
func (s *Server) deleteOrphanedDeliveries(ctx context.Context, ws enroll.WebhookStore) {
	n, err := ws.DeleteOrphanedDeliveries(ctx)
	if err != nil && ctx.Err() == nil {
		s.logger.Warn("cannot delete the deliveries of deleted webhook endpoints", "err", err)
	} else if n > 0 {
		s.logger.Info("deleted the deliveries of deleted webhook endpoints", "deliveries", n)
	}
}
