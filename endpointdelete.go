package enroll

import (
	"errors"
	"fmt"
)

// EndpointDeleteBatch bounds the deliveries one transaction of
// DeleteWebhookEndpoint or DeleteOrphanedDeliveries deletes: SQLite has
// one writer, which every workspace's writes wait for, and one
// transaction deleting an endpoint's 400,000 deliveries held it for
// 2.4 s; a batch holds it for tens of milliseconds.
const EndpointDeleteBatch = 5000

// DrainInBatches calls del, which deletes at most batch rows in a
// transaction of its own, until one call deletes fewer, and returns how
// many rows the calls deleted in all, and the first error: the rest of a
// deleted endpoint's deliveries, which no index range bounds in advance
// as DeleteInBatches' seq ranges do.
func DrainInBatches(batch int, del func() (int, error)) (int, error) {
	total := 0
	for {
		n, err := del()
		if err != nil {
			return total, err // n, if any, was rolled back
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// ErrDeliveriesLeft is wrapped by the error DeleteWebhookEndpoint returns
// when the endpoint was deleted (its first transaction committed) but a
// later batch of its deliveries failed. The deletion is done for every
// client: the endpoint is not found, and the deliveries left are inert
// (never claimed, found nor listed) until DeleteOrphanedDeliveries
// deletes them. Callers answer success and let them be purged.
var ErrDeliveriesLeft = errors.New("webhook endpoint deleted, some of its deliveries left to delete later")

// DeliveriesLeft returns err, a failure to delete the rest of endpoint
// id's deliveries after the endpoint itself was deleted, wrapping
// ErrDeliveriesLeft; nil for nil.
func DeliveriesLeft(id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (endpoint %s): %w", ErrDeliveriesLeft, id, err)
}
