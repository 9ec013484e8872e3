package enroll_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestKeyCovers: a key covers another when it holds every scope of the
// other and sees every instance the other sees.
func TestKeyCovers(t *testing.T) {
	t.Parallel()
	key := func(scopes []enroll.Scope, instances ...string) *enroll.APIKey {
		k, _ := enroll.NewAPIKey("ws", "k", scopes, instances, time.Now())
		return k
	}
	read, write := enroll.ScopeEnrollmentsRead, enroll.ScopeEnrollmentsWrite
	secret := key(nil)
	for _, c := range []struct {
		name   string
		k, o   *enroll.APIKey
		covers bool
	}{
		{"secret covers secret", secret, key(nil), true},
		{"secret covers a limited key", secret, key([]enroll.Scope{read}, "a"), true},
		{"all scopes, unlimited, covers secret", key(enroll.AllScopes), secret, true},
		{"fewer scopes do not cover secret", key([]enroll.Scope{read, write}), secret, false},
		{"a subset of scopes", key([]enroll.Scope{read, write}), key([]enroll.Scope{read}), true},
		{"a scope beyond", key([]enroll.Scope{read}), key([]enroll.Scope{read, write}), false},
		{"limited does not cover unlimited", key([]enroll.Scope{read}, "a"), key([]enroll.Scope{read}), false},
		{"limited covers a subset of its instances", key([]enroll.Scope{read}, "a", "b"), key([]enroll.Scope{read}, "b"), true},
		{"limited does not cover another instance", key([]enroll.Scope{read}, "a"), key([]enroll.Scope{read}, "a", "c"), false},
		{"all scopes limited does not cover secret", key(enroll.AllScopes, "a"), secret, false},
	} {
		if got := c.k.Covers(c.o); got != c.covers {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.covers)
		}
	}
}

// TestAPIKeyValidate: a key's scopes must be known and its scopes and
// instances listed once, however the key is made; an unknown scope's
// message names the scopes there are.
func TestAPIKeyValidate(t *testing.T) {
	t.Parallel()
	inst := enroll.NewID()
	read := enroll.ScopeEnrollmentsRead
	for _, c := range []struct {
		name      string
		scopes    []enroll.Scope
		instances []string
		field     string // "" when valid
		message   string
	}{
		{"scoped", []enroll.Scope{read, enroll.ScopeEnrollmentsWrite}, []string{inst}, "", ""},
		{"a scope twice", []enroll.Scope{read, enroll.ScopeEventsRead, read}, nil, "scopes[2]", "is listed twice"},
		{"an instance twice", []enroll.Scope{read}, []string{inst, inst}, "programInstanceIds[1]", "is listed twice"},
		{"an unknown scope", []enroll.Scope{"everything"}, nil, "scopes[0]", "unknown scope; the scopes are programs:read, programs:write, enrollments:read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k, _ := enroll.NewAPIKey("ws", "k", c.scopes, c.instances, time.Now())
			err := k.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			var e *enroll.Error
			if !errors.As(err, &e) || e.Code != enroll.EINVALID || len(e.Fields) != 1 || e.Fields[0].Location != c.field ||
				!strings.HasPrefix(e.Fields[0].Message, c.message) {
				t.Fatalf("Validate = %#v, want %s: %s", err, c.field, c.message)
			}
		})
	}
}
