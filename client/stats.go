package client

import (
	"context"

	"github.com/enrollhq/enroll"
)

// InstanceStats counts a program instance's enrollments per status.
type InstanceStats struct {
	ProgramInstanceID string `json:"programInstanceId"`
	// Counts has every status, those without enrollments at 0.
	Counts map[enroll.Status]int `json:"counts"`
	Total  int                   `json:"total"`
}

// GetInstanceStats counts a program instance's enrollments per status.
func (c *Client) GetInstanceStats(ctx context.Context, instanceID string) (*InstanceStats, error) {
	return get[InstanceStats](c, ctx, "/v1/programInstances/"+esc(instanceID)+"/stats", nil)
}
