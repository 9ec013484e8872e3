package http_test

import (
	"slices"
	"testing"
)

// TestAPIKeyMakers checks what an operator revoking a leaked key relies
// on: each key names the key that made it (createdBy), the keys a key
// made are listed by ?createdBy=, a plain revocation revokes that key
// only, and ?cascade=true revokes it with every key it made, all the way
// down, and no other.
func TestAPIKeyMakers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type key struct{ id, secret string }
	newKey := func(by string, body map[string]any) key {
		t.Helper()
		m := e.do("POST", "/v1/apiKeys", body, withKey(by)).expect(201).obj()
		return key{m["id"].(string), m["secret"].(string)}
	}
	ids := func(query string) []string {
		t.Helper()
		var list struct {
			Data []struct {
				ID        string  `json:"id"`
				CreatedBy *string `json:"createdBy"`
			} `json:"data"`
		}
		e.do("GET", "/v1/apiKeys"+query, nil).expect(200).decode(&list)
		var out []string
		for _, k := range list.Data {
			out = append(out, k.ID)
		}
		return out
	}
	works := func(k key) bool {
		t.Helper()
		return e.do("GET", "/v1/apiKeys/"+k.id, nil, withKey(k.secret)).Status == 200
	}

	leaked := newKey(e.secret, map[string]any{"name": "leaked"})
	child := newKey(leaked.secret, map[string]any{"name": "child"})
	grandchild := newKey(child.secret, map[string]any{"name": "grandchild", "scopes": []string{"keys:write", "programs:read"}})
	sibling := newKey(e.secret, map[string]any{"name": "sibling"})

	got := e.do("GET", "/v1/apiKeys/"+child.id, nil).expect(200).obj()
	if got["createdBy"] != leaked.id {
		t.Fatalf("child's createdBy = %v, want %s", got["createdBy"], leaked.id)
	}
	if got := e.do("GET", "/v1/apiKeys/"+e.keyID, nil).expect(200).obj(); got["createdBy"] != nil {
		t.Fatalf("the workspace's first key has createdBy %v", got["createdBy"])
	}
	if got := ids("?createdBy=" + leaked.id); !slices.Equal(got, []string{child.id}) {
		t.Fatalf("?createdBy=leaked lists %v, want the child only", got)
	}
	if got := ids("?createdBy=" + e.keyID); !slices.Equal(got, []string{sibling.id, leaked.id}) {
		t.Fatalf("?createdBy=first lists %v", got)
	}
	if got := ids("?createdBy=" + sibling.id); len(got) != 0 {
		t.Fatalf("?createdBy=sibling lists %v", got)
	}

	// A token pages the list it came from only.
	var first struct {
		NextPageToken string `json:"nextPageToken"`
	}
	e.do("GET", "/v1/apiKeys?perPage=1", nil).expect(200).decode(&first)
	e.do("GET", "/v1/apiKeys?perPage=1&createdBy="+e.keyID+"&pageToken="+first.NextPageToken, nil).expect(422).problem()

	// Revoking the leaked key alone leaves the keys it made working.
	e.do("DELETE", "/v1/apiKeys/"+leaked.id, nil).expect(204)
	if works(leaked) || !works(child) || !works(grandchild) {
		t.Fatal("a plain revocation must revoke that key only")
	}
	// With cascade, again on the revoked key: the keys it made go too,
	// through the revoked one.
	e.do("DELETE", "/v1/apiKeys/"+leaked.id+"?cascade=true", nil).expect(204)
	if works(child) || works(grandchild) || !works(sibling) {
		t.Fatal("cascade must revoke the keys the key made, all the way down, and no other")
	}
	nephew := newKey(sibling.secret, map[string]any{"name": "nephew"})
	e.do("DELETE", "/v1/apiKeys/"+sibling.id+"?cascade=false", nil).expect(204)
	if !works(nephew) {
		t.Fatal("cascade=false must revoke that key only")
	}
	e.do("DELETE", "/v1/apiKeys/"+sibling.id+"?cascade", nil).expect(204)
	if works(nephew) {
		t.Fatal("?cascade without a value must cascade")
	}
	e.do("DELETE", "/v1/apiKeys/"+e.keyID+"?cascade=maybe", nil).expect(422).problem()
	if !works(key{e.keyID, e.secret}) {
		t.Fatal("a refused revocation revoked")
	}
}
