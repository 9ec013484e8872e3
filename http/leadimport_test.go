package http_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestImportMixedRowsKeepFileOrder: api.md promises that the rows
// of one import batch list in the file's order by createdAt. A batch
// mixing leadId rows (run through the create path inside the write
// transaction) with customerInfo rows (planned ahead on SQLite, with the
// planning time and ids made then) lists every customerInfo row before
// every leadId row (file order 1,2,3,4 listed as 2,4,1,3) until such a
// batch was planned in its write transaction only. PostgreSQL, which does
// not plan ahead, keeps the file's order.
func TestImportMixedRowsKeepFileOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var file strings.Builder
	var want []string
	for i := range 6 {
		ref := fmt.Sprintf("row%d", i+1)
		want = append(want, ref)
		if i%2 == 0 {
			lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "L", "lastName": ref,
				"email": "l" + uniq() + "@example.com"}).expect(201).obj()["id"].(string)
			fmt.Fprintf(&file, `{"identificationType":"leadId","leadId":%q,"referenceId":%q}`+"\n", lead, ref)
		} else {
			fmt.Fprintf(&file, `{"identificationType":"customerInfo","firstName":"C","lastName":%q,"email":"c%s@example.com","referenceId":%q}`+"\n", ref, uniq(), ref)
		}
	}
	j := e.waitImport(e.startImport(inst, upload{"application/x-ndjson", file.String()}, "").ID)
	if j.Status != "succeeded" || j.CreatedCount != 6 {
		t.Fatalf("job %+v", j)
	}
	var page struct {
		Data []struct {
			ReferenceID string `json:"referenceId"`
			CreatedAt   string `json:"createdAt"`
		} `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+inst+"/enrollments?sort=createdAt", nil).expect(200).decode(&page)
	var got []string
	for _, d := range page.Data {
		got = append(got, d.ReferenceID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sort=createdAt lists %v (createdAt %v), want the file's order %v", got, page.Data, want)
	}
}

// TestConvertedLeadEnrolledAsItsCustomer: a lead enrolled with
// names and email becomes a customer (lead.customerId). api.md says a
// customer's names and email come from the customer (customerId), and a
// re-enrollment of such a lead is "enrolled as that customer ... names and
// email come from the customer". A later leadId create of the same lead
// does set customerId to that customer, but copies the lead's names and
// email, so the enrollment names customer C with an email that is not
// C's: the email filter, the open-email hold and notifications follow the
// stale address.
func TestConvertedLeadEnrolledAsItsCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, second, third := e.manualInstance(), e.manualInstance(), e.manualInstance()
	old, now := "old"+uniq()+"@example.com", "new"+uniq()+"@example.com"
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "Lee", "lastName": "Dee", "email": old}).expect(201).obj()["id"].(string)
	enr := e.do("POST", "/v1/programInstances/"+first+"/enrollments",
		map[string]any{"identificationType": "leadId", "leadId": lead}).expect(201).obj()
	cust := enr["customerId"].(string)
	// The person's address changes, on the customer, where api.md says to change it.
	e.do("PATCH", "/v1/customers/"+cust, map[string]any{"email": now, "firstName": "Leo"}).expect(200)

	re := e.do("POST", "/v1/programInstances/"+second+"/enrollments",
		map[string]any{"identificationType": "enrollmentId", "enrollmentId": enr["id"]}).expect(201).obj()
	byLead := e.do("POST", "/v1/programInstances/"+third+"/enrollments",
		map[string]any{"identificationType": "leadId", "leadId": lead}).expect(201).obj()
	if re["customerId"] != cust || re["email"] != now || re["firstName"] != "Leo" {
		t.Fatalf("re-enrollment: %v %v %v", re["customerId"], re["email"], re["firstName"])
	}
	if byLead["customerId"] != cust || byLead["email"] != now || byLead["firstName"] != "Leo" {
		t.Errorf("leadId create of a converted lead: customerId %v (want %s) with email %v and firstName %v; the customer's are %s and Leo",
			byLead["customerId"], cust, byLead["email"], byLead["firstName"], now)
	}
}

// TestConvertedLeadTakesNoOtherEmail: with leadId, the
// request's names and email overlay the lead's. For a lead not yet
// converted that makes it the customer with that email; for a converted
// one the enrollment keeps the lead's customer but takes the request's
// email as given, so it names customer C with customer B's name and
// email, and B's own create in the instance is then a 409 naming C's
// enrollment.
func TestConvertedLeadTakesNoOtherEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, second := e.manualInstance(), e.manualInstance()
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "Lee", "lastName": "Dee",
		"email": "lee" + uniq() + "@example.com"}).expect(201).obj()["id"].(string)
	c := e.do("POST", "/v1/programInstances/"+first+"/enrollments",
		map[string]any{"identificationType": "leadId", "leadId": lead}).expect(201).obj()["customerId"].(string)
	bEmail := "b" + uniq() + "@example.com"
	b := e.do("POST", "/v1/customers", map[string]any{"firstName": "Bea", "lastName": "Bee", "email": bEmail}).expect(201).obj()["id"].(string)

	got := e.do("POST", "/v1/programInstances/"+second+"/enrollments", map[string]any{"identificationType": "leadId",
		"leadId": lead, "firstName": "Bea", "lastName": "Bee", "email": bEmail}).obj()
	if got["customerId"] == c && got["email"] == bEmail {
		r := e.do("POST", "/v1/programInstances/"+second+"/enrollments",
			map[string]any{"identificationType": "customerId", "customerId": b})
		t.Errorf("enrollment %v names customer %s (the lead's) with customer %s's email %s; B's own create then answers %d",
			got["id"], c, b, bEmail, r.Status)
	}
}
