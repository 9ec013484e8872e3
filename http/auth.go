package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// scopeMetadata is the key under which the route table stores an
// operation's required scope in huma.Operation.Metadata.
const scopeMetadata = "enroll:scope"

// wholeWorkspaceMetadata is the key under which the route table stores,
// for an operation a key limited to program instances may never use, why
// not (wholeWorkspace).
const wholeWorkspaceMetadata = "enroll:wholeWorkspace"

// touchInterval is how often a key's lastUsedAt is written at most: often
// enough to be useful, rarely enough not to turn reads into writes.
const touchInterval = time.Minute

type apiKeyKey struct{}

// authenticate is the Huma middleware that guards every operation with a
// required scope: it resolves the bearer key (401 when missing, unknown or
// revoked), spends a token of the key's rate limit (429), checks the scope
// and, for a key limited to program instances, that the operation is not
// one of the whole workspace's (403), and puts the key and the actor into the request context. It runs
// before parameters and bodies are parsed, so an unauthenticated request
// learns nothing about validation.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	scope, _ := ctx.Operation().Metadata[scopeMetadata].(enroll.Scope)
	if scope == "" {
		next(ctx)
		return
	}
	// Authorization is not a list: a second one is refused, not ignored,
	// so that the acting key never depends on the headers' order.
	var auth []string
	ctx.EachHeader(func(name, value string) {
		if strings.EqualFold(name, "Authorization") {
			auth = append(auth, value)
		}
	})
	key, p := s.lookupKey(ctx.Context(), auth)
	if p != nil {
		if p.Status == http.StatusUnauthorized {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="enroll"`)
		}
		writeHumaProblem(ctx, p)
		return
	}
	setLogKey(ctx.Context(), key.ID)
	if p := s.rateLimit(ctx, key.ID); p != nil {
		writeHumaProblem(ctx, p)
		return
	}
	if !key.Has(scope) {
		writeHumaProblem(ctx, newProblem(http.StatusForbidden, "This API key lacks the "+string(scope)+" scope."))
		return
	}
	if why, _ := ctx.Operation().Metadata[wholeWorkspaceMetadata].(string); why != "" && len(key.ProgramInstanceIDs) > 0 {
		writeHumaProblem(ctx, newProblem(http.StatusForbidden, why))
		return
	}
	s.touches.touch(key.ID)
	c := context.WithValue(ctx.Context(), apiKeyKey{}, key)
	c = enroll.NewContextWithActor(c, enroll.Actor{WorkspaceID: key.WorkspaceID, KeyID: key.ID, RequestID: requestID(c)})
	next(huma.WithContext(ctx, c))
}

// lookupKey resolves a request's Authorization headers, of which it must
// send one, to a live key, or returns the problem to answer.
func (s *Server) lookupKey(ctx context.Context, headers []string) (*enroll.APIKey, *Problem) {
	switch {
	case len(headers) > 1:
		return nil, newProblem(http.StatusUnauthorized, "Authorization was sent more than once; send one API key.")
	case len(headers) == 0 || headers[0] == "":
		return nil, newProblem(http.StatusUnauthorized, "Missing API key: send Authorization: Bearer <key>.")
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(headers[0]), " ")
	token = strings.TrimSpace(token)
	// Tokens that cannot be secrets are refused without a lookup.
	if !ok || !strings.EqualFold(scheme, "Bearer") || !enroll.LooksLikeSecret(token) {
		return nil, newProblem(http.StatusUnauthorized, "Invalid API key.")
	}
	hash := enroll.HashSecret(token)
	keys := &s.touches.keys
	now := time.Now()
	key, gen := keys.get(hash, now)
	if key == nil {
		var err error
		key, err = s.store.FindAPIKeyByHash(ctx, hash)
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			// Not cached: a key created a moment later must work at once.
			return nil, newProblem(http.StatusUnauthorized, "Invalid API key.")
		} else if err != nil {
			return nil, s.problemFor(ctx, err)
		}
		keys.put(hash, key, gen, now)
	}
	if key.RevokedAt != nil {
		return nil, newProblem(http.StatusUnauthorized, "This API key has been revoked.")
	}
	return key, nil
}

// keyFrom returns the authenticated key of the request. Routes reach
// handlers only through authenticate, so it is never nil there.
func keyFrom(ctx context.Context) *enroll.APIKey {
	k, _ := ctx.Value(apiKeyKey{}).(*enroll.APIKey)
	if k == nil {
		// A handler reached without authentication sees nothing.
		return &enroll.APIKey{ProgramInstanceIDs: []string{"\x00"}}
	}
	return k
}

// actorFrom returns who makes the request's changes.
func actorFrom(ctx context.Context) enroll.Actor { return enroll.ActorFromContext(ctx) }

// workspaceFrom returns the workspace every read is scoped to.
func workspaceFrom(ctx context.Context) string { return actorFrom(ctx).WorkspaceID }

// notFound is the answer for objects the caller may not see: the same as
// for objects that do not exist, so existence does not leak.
func notFound(what, id string) error {
	return enroll.Errorf(enroll.ENOTFOUND, "%s %s not found.", what, id)
}

// checkInstance refuses program instances outside the key's instance list.
func checkInstance(ctx context.Context, instanceID string) error {
	if !keyFrom(ctx).SeesInstance(instanceID) {
		return notFound("Program instance", instanceID)
	}
	return nil
}

// limitedInstances returns the key's instance list, nil when the key sees
// every instance: the value list filters take.
func limitedInstances(ctx context.Context) []string {
	k := keyFrom(ctx)
	if len(k.ProgramInstanceIDs) == 0 {
		return nil
	}
	return k.ProgramInstanceIDs
}

// requireScope refuses a request whose key lacks s, for decisions finer
// than the route's scope (reviewing an enrollment).
func requireScope(ctx context.Context, s enroll.Scope, why string) error {
	if !keyFrom(ctx).Has(s) {
		return enroll.Errorf(enroll.EFORBIDDEN, "This API key lacks the %s scope, needed to %s.", s, why)
	}
	return nil
}

// toucher records keys' lastUsedAt asynchronously, at most once per
// touchInterval per key, so authentication never waits for a write and a
// failing write never fails a request. It also holds the key cache, the
// other per-key state authentication keeps.
type toucher struct {
	store  enroll.Store
	logger *slog.Logger
	mu     sync.Mutex
	last   map[string]time.Time
	wg     sync.WaitGroup
	keys   keyCache
}

func newToucher(store enroll.Store, logger *slog.Logger) *toucher {
	return &toucher{store: store, logger: logger, last: map[string]time.Time{}}
}

// touch schedules a lastUsedAt update for key id if none was made recently.
func (t *toucher) touch(id string) {
	now := time.Now().UTC()
	t.mu.Lock()
	if now.Sub(t.last[id]) < touchInterval {
		t.mu.Unlock()
		return
	}
	if len(t.last) >= keyCacheSize {
		// Forget the keys not used for an interval, so the map holds the
		// keys in use rather than every key ever used.
		for k, at := range t.last {
			if now.Sub(at) >= touchInterval {
				delete(t.last, k)
			}
		}
	}
	t.last[id] = now
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.store.TouchAPIKey(ctx, id, now); err != nil {
			t.logger.Warn("cannot record API key use", "keyId", id, "err", err)
		}
	}()
}

// wait blocks until every scheduled update finished.
func (t *toucher) wait() { t.wg.Wait() }
