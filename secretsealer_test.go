package enroll_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// TestUpdateKeepsUnopenedSecrets: an endpoint whose stored secrets do not
// open keeps them, as read, through any update that does not rotate them,
// a patch's decoded copy included; a rotation, asked for or done by fn,
// replaces them with a new secret alone.
func TestUpdateKeepsUnopenedSecrets(t *testing.T) {
	t.Parallel()
	s, err := seal.New(bytes.Repeat([]byte{6}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// Sealed for endpoint whe_a, read as endpoint whe_b's: it does not open.
	sealed := must(enroll.SealWebhookSecrets(s, "ws", "whe_a", []enroll.WebhookSecret{{Secret: enroll.NewWebhookSecret()}}))
	read := func() *enroll.WebhookEndpoint {
		exp := now.Add(time.Hour)
		ep := &enroll.WebhookEndpoint{ID: "whe_b", WorkspaceID: "ws", URL: "https://hooks.example.com/", Enabled: true,
			Secrets: slices.Clone(sealed), PreviousSecretExpiresAt: &exp, EventTypes: []enroll.EventType{}}
		if err := enroll.OpenEndpointSecrets(s, ep); !errors.Is(err, enroll.ErrSealBroken) {
			t.Fatalf("OpenEndpointSecrets = %v, want ErrSealBroken", err)
		}
		return ep
	}
	// decoded replaces the endpoint with a copy through its JSON, as a
	// patch does, keeping the members without one.
	decoded := func(ep *enroll.WebhookEndpoint) error {
		b, _ := json.Marshal(ep)
		var next enroll.WebhookEndpoint
		if err := json.Unmarshal(b, &next); err != nil {
			return err
		}
		next.WorkspaceID, next.Secrets = ep.WorkspaceID, ep.Secrets
		next.Description = "patched"
		*ep = next
		return nil
	}
	tests := []struct {
		name   string
		fn     func(*enroll.WebhookEndpoint) error
		rotate bool
	}{
		{"no change", func(*enroll.WebhookEndpoint) error { return nil }, false},
		{"disabled", func(ep *enroll.WebhookEndpoint) error { ep.Enabled = false; return nil }, false},
		{"decoded copy", decoded, false},
		{"secrets set by fn", func(ep *enroll.WebhookEndpoint) error { ep.Secrets = nil; return nil }, false},
		{"rotation asked", func(ep *enroll.WebhookEndpoint) error { ep.RotateOnUpdate(); return nil }, true},
		{"rotated by fn", func(ep *enroll.WebhookEndpoint) error { ep.Rotate(now); return nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := read()
			if old.SecretError == "" || len(old.SigningSecrets(now)) != 0 {
				t.Fatalf("read: secretError %q, %d signing secrets", old.SecretError, len(old.SigningSecrets(now)))
			}
			ep, err := enroll.UpdateWebhookEndpoint(old, tt.fn, now)
			if err != nil {
				t.Fatal(err)
			}
			stored := must(enroll.StoredWebhookSecrets(s, ep))
			// Stores keep no secretError: every read computes it.
			if doc := string(must(ep.MarshalDoc())); strings.Contains(doc, "secretError") || !strings.Contains(string(must(json.Marshal(ep))), `"secretError":`) {
				t.Fatalf("document %s; the representation must have secretError, the document not", doc)
			}
			if !tt.rotate {
				if ep.SecretError != old.SecretError || len(ep.Secrets) != 0 || !slices.Equal(stored, sealed) {
					t.Fatalf("secretError %q, %d secrets, stored %v; want the value as read", ep.SecretError, len(ep.Secrets), stored)
				}
				return
			}
			if ep.SecretError != "" || ep.PreviousSecretExpiresAt != nil || !slices.Equal(ep.SigningSecrets(now), []string{ep.Secret}) {
				t.Fatalf("rotated: secretError %q, previousSecretExpiresAt %v, %d signing secrets", ep.SecretError, ep.PreviousSecretExpiresAt, len(ep.SigningSecrets(now)))
			}
			if len(stored) != 1 || strings.HasPrefix(stored[0].Secret, "whsec_") || stored[0].Secret == sealed[0].Secret {
				t.Fatalf("rotated, stored %v; want the new secret sealed", stored)
			}
		})
	}
}

// must returns v, and panics on err: for fixtures that cannot fail.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
