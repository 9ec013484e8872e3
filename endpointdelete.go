package enroll

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
