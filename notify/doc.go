// Package notify sends the notifications the store queues (see
// enroll.NotificationStore) to their recipients by email, over SMTP.
//
// A Sender works like package webhook's Deliverer: it claims due
// notifications with a lease, sends each once, and records the attempt
// and its outcome; a refusal for now (SMTP 4xx, or no connection) is
// retried with the webhooks' backoff for a day, a permanent one (5xx)
// fails at once. Without an SMTP server configured, every notification is
// recorded as skipped, saying so, rather than left waiting or dropped.
package notify
