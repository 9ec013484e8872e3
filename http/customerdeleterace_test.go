package http_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestCreateByEmailWhileCustomerDeleted races the deletion of a customer
// without enrollments against customerInfo creates (and a leadId create of
// a lead with names) carrying that customer's email. A create whose
// customer is deleted under it has a customer to enroll all the same: the
// one it found, whose deletion must then wait and be refused (409, it has
// an enrollment now), or a new one with the email. It must never answer
// 404 naming a customer id the request did not send. Run with
// ENROLL_TEST_STORE=postgres, where creates and deletions run at once.
func TestCreateByEmailWhileCustomerDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	other := e.manualInstance()
	for round := range 40 {
		email := fmt.Sprintf("race%d-%s@example.com", round, uniq())
		c := e.do("POST", "/v1/customers", map[string]any{"firstName": "Ada", "lastName": "Race", "email": email}).expect(201).obj()["id"].(string)
		lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "Ada", "lastName": "Race", "email": email}).expect(201).obj()["id"].(string)
		var (
			wg                sync.WaitGroup
			del, byInfo, byLd *response
		)
		start := make(chan struct{})
		wg.Add(3)
		go func() {
			defer wg.Done()
			<-start
			del = e.do("DELETE", "/v1/customers/"+c, nil)
		}()
		go func() {
			defer wg.Done()
			<-start
			byInfo = e.do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "customerInfo",
				"firstName": "Ada", "lastName": "Race", "email": email})
		}()
		go func() {
			defer wg.Done()
			<-start
			byLd = e.do("POST", "/v1/programInstances/"+other+"/enrollments", map[string]any{"identificationType": "leadId", "leadId": lead})
		}()
		close(start)
		wg.Wait()
		if byInfo.Status != 201 {
			t.Errorf("round %d: the customerInfo create = %d, want 201 (the deletion %d): %s", round, byInfo.Status, del.Status, byInfo.Body)
		}
		if byLd.Status != 201 {
			t.Errorf("round %d: the leadId create = %d, want 201 (the deletion %d): %s", round, byLd.Status, del.Status, byLd.Body)
		}
		if del.Status != 204 && del.Status != 409 {
			t.Errorf("round %d: the deletion = %d: %s", round, del.Status, del.Body)
		}
		if t.Failed() {
			return
		}
	}
}
