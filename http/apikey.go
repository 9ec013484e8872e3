package http

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// APIKeyCreate is the body of POST /v1/apiKeys. Without scopes and
// instances the key is a secret key with full access; a key made by a
// scoped key never exceeds its maker's scopes and instances.
type APIKeyCreate struct {
	Name               string    `json:"name,omitempty" nullable:"true" maxLength:"256"`
	Scopes             scopeList `json:"scopes,omitempty" maxItems:"20" enum:"programs:read,programs:write,enrollments:read,enrollments:write,enrollments:review,events:read,webhooks:write,imports:write,keys:write" doc:"Scopes of a scoped key; omitted, the key has every scope its maker has (a secret key's: all). An empty list, or null, is refused (422): a key with no scope could do nothing, and a client that writes an unset list as null must not get every scope by mistake."`
	ProgramInstanceIDs []string  `json:"programInstanceIds,omitempty" maxItems:"100" doc:"Limit the key to these program instances; empty means all. An instance the caller's key cannot see (of another workspace, or none) is a 404."`
}

// documentScopesNotEmpty says in the OpenAPI document that a new key's
// scopes, when given, list one scope at least (minItems 1), through the
// schema's extension keywords as documentUniqueItems does: the schema's
// own MinItems would have Huma refuse an empty list before createAPIKey,
// without its advice to omit scopes for a key with every scope.
func documentScopesNotEmpty(schemas huma.Registry) {
	setKeyword(schemaMember(schemas, "APIKeyCreate", "scopes"), "minItems", 1)
}

// scopeList is APIKeyCreate's scopes as sent: a list, or null, which
// decoding would otherwise leave as it leaves a list left out, the one
// that means every scope.
type scopeList struct {
	list []enroll.Scope
	null bool
}

// UnmarshalJSON keeps the list, or that it was null.
func (s *scopeList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = scopeList{null: true}
		return nil
	}
	return json.Unmarshal(b, &s.list)
}

// Schema documents the list as Huma documents a []enroll.Scope (the
// field's tags add its enum and maxItems), but not nullable.
func (scopeList) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeString}}
}

// APIKeyWithSecret is a new key with its secret, shown only in the
// response that creates it.
type APIKeyWithSecret struct {
	*enroll.APIKey
	Secret string `json:"secret,omitempty" doc:"The key's secret. Store it now: it is never shown again, not even in an Idempotency-Key replay of this response, where it is absent."`
}

// apiKeySort names the keys' one order, newest first, in their page
// tokens.
const apiKeySort = "-createdAt"

type createAPIKeyInput struct {
	Body APIKeyCreate
}

type apiKeyIDInput struct {
	KeyID string `path:"keyId" doc:"The API key's id."`
}

type listAPIKeysInput struct {
	CreatedBy string `query:"createdBy" maxLength:"256" doc:"Keep the keys this key made (their createdBy): those a leaked key made, which its revocation leaves working unless cascade is asked for."`
	ListQuery
}

type revokeAPIKeyInput struct {
	KeyID   string `path:"keyId" doc:"The API key's id."`
	Cascade bool   `query:"cascade" doc:"Also revoke every key this key made (createdBy), and the keys those made, all the way down: for a leaked key, whose holder may have made others. Without it only this key is revoked; the keys it made keep working."`
}

// Resolve reads a cascade without a value (?cascade, ?cascade=) as
// asking for it, as a flag does: read as false, it would leave working
// the keys the caller meant to revoke.
func (in *revokeAPIKeyInput) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	if v, ok := u.Query()["cascade"]; ok && len(v) == 1 && v[0] == "" {
		in.Cascade = true
	}
	return nil
}

type apiKeyCreatedOutput struct {
	Location string `header:"Location" doc:"The new key's URL."`
	Body     *APIKeyWithSecret
}

type apiKeyOutput struct {
	Body *enroll.APIKey
}

func (s *Server) createAPIKey(ctx context.Context, in *createAPIKeyInput) (*apiKeyCreatedOutput, error) {
	maker := keyFrom(ctx)
	scopes, instances := in.Body.Scopes.list, in.Body.ProgramInstanceIDs
	// Scopes and ids listed twice are refused by the key's Validate, in
	// the store, as for a key the CLI makes.
	var v enroll.Invalid
	switch {
	case in.Body.Scopes.null:
		// A client's unset list, more likely than a wish for every scope.
		v.Add("scopes", "must not be null: list the key's scopes, or omit scopes for a key with every scope", nil)
	case scopes != nil && len(scopes) == 0:
		// Read as "every scope" it would grant the opposite of what an
		// empty list says.
		v.Add("scopes", "must list at least one scope; omit scopes for a key with every scope", []enroll.Scope{})
	}
	for i, id := range instances {
		if !enroll.ValidID(id) {
			v.Add(loc("programInstanceIds", i), "is not an id", id)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// An instance the key cannot name, of another workspace or none, is a
	// 404 as a body's customerId is in an enrollment create: the same
	// answer whether it exists elsewhere or not.
	for _, id := range instances {
		if err := checkInstance(ctx, id); err != nil {
			return nil, err
		}
		if _, err := s.store.FindInstance(ctx, workspaceFrom(ctx), id); err != nil {
			return nil, err
		}
	}
	if maker.Kind == enroll.KeyScoped {
		// No privilege escalation: a scoped key makes keys within its own limits.
		if len(scopes) == 0 {
			scopes = maker.Scopes
		}
		for _, sc := range scopes {
			if !maker.Has(sc) {
				return nil, enroll.Errorf(enroll.EFORBIDDEN, "A key cannot grant the %s scope it lacks.", sc)
			}
		}
		if len(instances) == 0 {
			instances = limitedInstances(ctx)
		}
	}
	key, secret := enroll.NewAPIKey(workspaceFrom(ctx), in.Body.Name, scopes, instances, time.Now().UTC().Truncate(time.Microsecond))
	if err := s.store.CreateAPIKey(ctx, actorFrom(ctx), key); err != nil {
		return nil, err
	}
	return &apiKeyCreatedOutput{Location: "/v1/apiKeys/" + key.ID, Body: &APIKeyWithSecret{APIKey: key, Secret: secret}}, nil
}

// visibleKeys returns the workspace's keys that the request's key covers
// (enroll.APIKey.Covers): all of them for a secret key.
func (s *Server) visibleKeys(ctx context.Context) ([]*enroll.APIKey, error) {
	keys, err := s.store.ListAPIKeys(ctx, workspaceFrom(ctx))
	if err != nil {
		return nil, err
	}
	caller := keyFrom(ctx)
	return slices.DeleteFunc(keys, func(k *enroll.APIKey) bool { return !caller.Covers(k) }), nil
}

// visibleKey returns key id if the request's key covers it; ENOTFOUND
// otherwise, as for a key of another workspace.
func (s *Server) visibleKey(ctx context.Context, id string) (*enroll.APIKey, error) {
	keys, err := s.visibleKeys(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(keys, func(k *enroll.APIKey) bool { return k.ID == id })
	if i < 0 {
		return nil, notFound("API key", id)
	}
	return keys[i], nil
}

// listAPIKeys pages through the keys the request's key could have made
// (all of them for a secret key), revoked ones included, newest first,
// read whole: a workspace holds a few dozen keys.
func (s *Server) listAPIKeys(ctx context.Context, in *listAPIKeysInput) (*bodyPage[*enroll.APIKey], error) {
	keys, err := s.visibleKeys(ctx)
	if err != nil {
		return nil, err
	}
	// A token is bound to the filter, as every list's is; the unfiltered
	// list's, 0, is the one its tokens carried before the filter was.
	var filter uint64
	if in.CreatedBy != "" {
		keys = slices.DeleteFunc(keys, func(k *enroll.APIKey) bool { return k.MadeBy() != in.CreatedBy })
		filter = enroll.HashFilter(in.CreatedBy)
	}
	page, err := enroll.PageSlice(keys, in.params(""), apiKeySort, filter, func(k *enroll.APIKey) string { return k.ID })
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.APIKey]{Body: page}, nil
}

func (s *Server) getAPIKey(ctx context.Context, in *apiKeyIDInput) (*apiKeyOutput, error) {
	k, err := s.visibleKey(ctx, in.KeyID)
	if err != nil {
		return nil, err
	}
	return &apiKeyOutput{Body: k}, nil
}

func (s *Server) revokeAPIKey(ctx context.Context, in *revokeAPIKeyInput) (*struct{}, error) {
	if !enroll.ValidID(in.KeyID) {
		return nil, notFound("API key", in.KeyID)
	}
	// A key may revoke only the keys it could have made: a narrower one
	// must not lock out a broader one. The keys a key made never exceed
	// it, so the caller covers those a cascade reaches; the list is
	// filtered all the same.
	keys, err := s.visibleKeys(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(keys, func(k *enroll.APIKey) bool { return k.ID == in.KeyID }) {
		return nil, notFound("API key", in.KeyID)
	}
	ids := []string{in.KeyID}
	for {
		if in.Cascade {
			for _, k := range enroll.KeysMadeBy(keys, in.KeyID) {
				if k.RevokedAt == nil {
					ids = append(ids, k.ID)
				}
			}
		}
		if err := s.store.RevokeAPIKeys(ctx, actorFrom(ctx), ids); err != nil {
			return nil, err
		}
		// Revoked at once on this server; other replicas forget the keys when
		// their store reports the revocation (keycache.go, docs/security.md).
		for _, id := range ids {
			s.touches.keys.forget(id)
		}
		if !in.Cascade {
			return nil, nil
		}
		// Keys made by the keys revoked while the list was read commit
		// after it; once their makers' revocation has committed, the
		// store makes no more of them, so looking again until a look
		// finds none revokes them all.
		if keys, err = s.visibleKeys(ctx); err != nil {
			return nil, err
		}
		ids = ids[:0]
		if !slices.ContainsFunc(enroll.KeysMadeBy(keys, in.KeyID), func(k *enroll.APIKey) bool { return k.RevokedAt == nil }) {
			return nil, nil
		}
	}
}

// loc names the i-th item of a body member, as the domain's field errors do.
func loc(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
