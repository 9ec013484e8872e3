package enroll

// ClaimPick is a delivery a store's claim may lease, as its query read
// it (WebhookStore.ClaimWebhookDeliveries).
type ClaimPick struct {
	// Seq is the delivery's position in the store's queue.
	Seq int64
	// WorkspaceID and EndpointID are the delivery's.
	WorkspaceID, EndpointID string
	// OK says the delivery may be claimed: due, not leased, the head of
	// its stream, of an enabled endpoint.
	OK bool
	// Room and WorkspaceRoom are how many more leases its endpoint and
	// its workspace could take when the query read it.
	Room, WorkspaceRoom int
}

// PickClaims chooses the deliveries a claim leases, the same way on
// every store, from what the store's two queries read: front(walk), the
// walk first deliveries of the queue in due order, and, when those hold
// fewer than limit it may lease (an endpoint's or a workspace's backlog
// beyond its room, a disabled endpoint's, streams behind an attempt
// under way), byEndpoint(depth), up to depth of each endpoint with room
// in the order to lease them. It reads first the earliest of each
// endpoint, which is enough when as many endpoints have due deliveries
// as the limit, and deeper only when that falls short. It returns up to
// limit picks, each endpoint and workspace within its room, in order.
func PickClaims(limit, perEndpoint, perWorkspace int, front, byEndpoint func(n int) ([]ClaimPick, error)) ([]ClaimPick, error) {
	walk := limit
	all, err := front(walk)
	if err != nil {
		return nil, err
	}
	picks := takeClaimPicks(all, limit)
	if len(picks) < limit && len(all) == walk {
		deepest := min(perEndpoint, perWorkspace)
		for depth := 1; ; depth = deepest {
			all, err := byEndpoint(depth)
			if err != nil {
				return nil, err
			}
			picks = takeClaimPicks(all, limit)
			if len(picks) == 0 || len(picks) >= limit || depth == deepest {
				break
			}
		}
	}
	return picks, nil
}

// takeClaimPicks keeps up to limit of picks that may be claimed, each
// endpoint and each workspace within its room.
func takeClaimPicks(picks []ClaimPick, limit int) []ClaimPick {
	var out []ClaimPick
	endpoints, workspaces := map[string]int{}, map[string]int{}
	for _, p := range picks {
		if p.OK && len(out) < limit && endpoints[p.EndpointID] < p.Room && workspaces[p.WorkspaceID] < p.WorkspaceRoom {
			endpoints[p.EndpointID]++
			workspaces[p.WorkspaceID]++
			out = append(out, p)
		}
	}
	return out
}
