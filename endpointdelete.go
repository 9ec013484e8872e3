package enroll

// EndpointDeleteBatch bounds the deliveries one transaction of
// DeleteWebhookEndpoint or DeleteOrphanedDeliveries deletes: SQLite has
// one writer, which every workspace's writes wait for, and one
// transaction deleting an endpoint's 400,000 deliveries held it for
// 2.4 s; a batch holds it for tens of milliseconds.
const EndpointDeleteBatch = 5000
