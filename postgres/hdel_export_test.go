package postgres

// The queries that find and delete orphaned deliveries, for their plans.
const (
	NextDeliveryEndpoint = nextDeliveryEndpoint
	DeleteEndpointBatch  = deleteEndpointBatch
)
