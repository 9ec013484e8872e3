package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/enrollhq/enroll"
)

// APIKeyCreate is the body of CreateAPIKey. Without scopes and instances
// the key is a secret key with full access; a key made by a scoped key
// never exceeds its maker's scopes and instances.
type APIKeyCreate struct {
	Name string `json:"name,omitempty"`
	// Scopes of a scoped key; nil gives the key every scope its maker
	// has. An empty non-nil list is refused (422): a key with no scope
	// could do nothing.
	Scopes []enroll.Scope `json:"scopes,omitzero"`
	// ProgramInstanceIDs limits the key to these program instances;
	// empty means all.
	ProgramInstanceIDs []string `json:"programInstanceIds,omitempty"`
}

// APIKeyWithSecret is a new key with its secret.
type APIKeyWithSecret struct {
	*enroll.APIKey
	// Secret authenticates as the key (client.New's key). It is shown
	// in the answer that creates the key only, and is empty in an
	// Idempotency-Key replay of that answer.
	Secret string `json:"secret"`
}

// CreateAPIKey creates an API key of the workspace and returns it with its
// secret.
func (c *Client) CreateAPIKey(ctx context.Context, in *APIKeyCreate) (*APIKeyWithSecret, error) {
	return send[APIKeyWithSecret](c, ctx, http.MethodPost, "/v1/apiKeys", in)
}

// GetAPIKey returns an API key, without its secret.
func (c *Client) GetAPIKey(ctx context.Context, id string) (*enroll.APIKey, error) {
	return get[enroll.APIKey](c, ctx, "/v1/apiKeys/"+esc(id), nil)
}

// ListAPIKeys returns a page of the API keys this client's key could have
// made (all of them for a secret key), newest first, without secrets.
// Keys have one order: o.Sort is refused (422).
func (c *Client) ListAPIKeys(ctx context.Context, o ListOptions) (*enroll.Page[*enroll.APIKey], error) {
	return get[enroll.Page[*enroll.APIKey]](c, ctx, "/v1/apiKeys", o.values())
}

// AllAPIKeys returns every API key ListAPIKeys lists, page after page,
// from the page o names on.
func (c *Client) AllAPIKeys(ctx context.Context, o ListOptions) iter.Seq2[*enroll.APIKey, error] {
	return pages(o, func(o ListOptions) (*enroll.Page[*enroll.APIKey], error) {
		return c.ListAPIKeys(ctx, o)
	})
}

// RevokeAPIKey revokes an API key at once. Revoking a revoked key again
// succeeds.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.del(ctx, "/v1/apiKeys/"+esc(id), "")
}
