// Package webhook sends Enroll's events to webhook endpoints: the
// Deliverer turns committed events into deliveries and POSTs them, signed
// per the Standard Webhooks specification (https://www.standardwebhooks.com),
// from the durable queue an enroll.WebhookStore keeps. Nothing here holds
// state a crash could lose: a delivery is claimed with a lease, and one
// whose sender dies is claimed again when the lease expires.
package webhook
