package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

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

// APIKeyQuery selects API keys in a list.
type APIKeyQuery struct {
	// CreatedBy keeps the keys this key made (their CreatedBy).
	CreatedBy string
	ListOptions
}

func (q APIKeyQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "createdBy", q.CreatedBy)
	return v
}

// ListAPIKeys returns a page of the API keys this client's key could have
// made (all of them for a secret key), newest first, without secrets.
// Keys have one order: q.Sort is refused (422).
func (c *Client) ListAPIKeys(ctx context.Context, q APIKeyQuery) (*enroll.Page[*enroll.APIKey], error) {
	return get[enroll.Page[*enroll.APIKey]](c, ctx, "/v1/apiKeys", q.values())
}

// AllAPIKeys returns every API key ListAPIKeys lists, page after page,
// from the page q names on.
func (c *Client) AllAPIKeys(ctx context.Context, q APIKeyQuery) iter.Seq2[*enroll.APIKey, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.APIKey], error) {
		q := q
		q.ListOptions = o
		return c.ListAPIKeys(ctx, q)
	})
}

// RevokeAPIKey revokes an API key at once; the keys it made keep working
// (RevokeAPIKeyCascade). Revoking a revoked key again succeeds.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.del(ctx, "/v1/apiKeys/"+esc(id), "")
}

// RevokeAPIKeyCascade revokes an API key at once together with every key
// it made, and the keys those made, all the way down: for a leaked key,
// whose holder may have made others. Again on a revoked key, it revokes
// the keys made since.
func (c *Client) RevokeAPIKeyCascade(ctx context.Context, id string) error {
	return c.call(ctx, request{method: http.MethodDelete, path: "/v1/apiKeys/" + esc(id), query: url.Values{"cascade": {"true"}}}, nil)
}
