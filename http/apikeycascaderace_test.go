package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAPIKeyCascadeRace revokes a leaked key with ?cascade=true while its
// holder goes on making keys with it, as whoever holds a leaked key may:
// docs/security.md says the cascade revokes "the key and every key it
// made ... in one transaction", so no key the leaked one made may be left
// working once the revocation has answered and the creates under way
// have ended.
func TestAPIKeyCascadeRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 3 {
		leaked := e.do("POST", "/v1/apiKeys", map[string]any{"name": "leaked"}).expect(201).obj()
		leakedID, leakedSecret := leaked["id"].(string), leaked["secret"].(string)

		var made atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(10 * time.Second)
		for range 8 {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest("POST", e.url+"/v1/apiKeys", strings.NewReader(`{"name":"made by the leaked key"}`))
					req.Header.Set("Authorization", "Bearer "+leakedSecret)
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						return
					}
					res.Body.Close()
					if res.StatusCode == http.StatusCreated {
						made.Add(1)
					} else {
						return // 401: the leaked key is revoked
					}
				}
			})
		}
		for made.Load() < 20 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		e.do("DELETE", "/v1/apiKeys/"+leakedID+"?cascade=true", nil).expect(204)
		wg.Wait()

		var list struct {
			Data []struct {
				ID        string          `json:"id"`
				RevokedAt json.RawMessage `json:"revokedAt"`
			} `json:"data"`
		}
		e.do("GET", "/v1/apiKeys?perPage=500&createdBy="+leakedID, nil).expect(200).decode(&list)
		var working []string
		for _, k := range list.Data {
			if string(k.RevokedAt) == "null" {
				working = append(working, k.ID)
			}
		}
		if len(working) > 0 {
			t.Fatalf("round %d: after DELETE ?cascade=true of the leaked key, %d of the %d keys it made still work: %v",
				round, len(working), len(list.Data), working)
		}
	}
}
