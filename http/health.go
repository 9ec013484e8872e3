package http

import (
	"context"
	"net/http"
	"time"
)

// pingTimeout bounds /readyz, so a hung database answers 503 rather than
// hanging the orchestrator's probe.
const pingTimeout = 2 * time.Second

// HealthStatus is the body of /healthz and /readyz.
type HealthStatus struct {
	Status string `json:"status" example:"ok"`
}

type healthOutput struct {
	Body *HealthStatus
}

// healthz answers as long as the process serves HTTP: a liveness probe.
func (s *Server) healthz(context.Context, *struct{}) (*healthOutput, error) {
	return &healthOutput{Body: &HealthStatus{Status: "ok"}}, nil
}

// readyz answers 200 only when the store answers: a readiness probe.
func (s *Server) readyz(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.logger.Warn("store not ready", "err", err, "requestId", requestID(ctx))
		return nil, newProblem(http.StatusServiceUnavailable, "The database does not answer.")
	}
	return &healthOutput{Body: &HealthStatus{Status: "ok"}}, nil
}
