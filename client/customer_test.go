package client_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// collect reads a whole sequence, failing the test at its error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var all []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, v)
	}
	return all
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()

	cu := must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "Suzie", LastName: "Homeowner",
		Email: "suzie@example.com", ReferenceID: "crm-1", Address: &enroll.Address{State: "NY"}, Metadata: map[string]any{"a": "b"}}))
	if cu.ID == "" || cu.Address == nil || cu.Address.State != "NY" || cu.Metadata["a"] != "b" {
		t.Fatalf("created %+v", cu)
	}
	if _, err := c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "S", LastName: "H", Email: "SUZIE@example.com"}); !client.IsStatus(err, http.StatusConflict) {
		t.Fatalf("second customer with the email: %v", err)
	}
	got, etag, err := c.GetCustomerETag(ctx, cu.ID)
	if err != nil || got.Email != cu.Email || etag == "" {
		t.Fatalf("GetCustomerETag = %+v %q %v", got, etag, err)
	}
	up := must[*enroll.Customer](t)(c.UpdateCustomer(ctx, cu.ID, map[string]any{"phone": "555-0100"}, etag))
	if up.Phone != "555-0100" {
		t.Fatalf("UpdateCustomer = %+v", up)
	}
	if _, err := c.UpdateCustomer(ctx, cu.ID, map[string]any{"phone": "555-0199"}, etag); !client.IsStatus(err, http.StatusPreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if got := must[*enroll.Customer](t)(c.GetCustomer(ctx, cu.ID)); got.Phone != "555-0100" {
		t.Fatalf("GetCustomer = %+v", got)
	}

	for i := range 4 {
		must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "N", LastName: fmt.Sprint(i), Email: fmt.Sprintf("n%d@example.com", i)}))
	}
	pg := must[*enroll.Page[*enroll.Customer]](t)(c.ListCustomers(ctx, client.CustomerQuery{ReferenceID: "crm-1"}))
	if pg.TotalItems != 1 || pg.Data[0].ID != cu.ID {
		t.Fatalf("ListCustomers by reference id = %+v", pg)
	}
	if pg := must[*enroll.Page[*enroll.Customer]](t)(c.ListCustomers(ctx, client.CustomerQuery{Email: "N2@EXAMPLE.COM"})); pg.TotalItems != 1 {
		t.Fatalf("ListCustomers by email = %+v", pg)
	}
	// Pages of 2, oldest first: every customer once, in order.
	all := collect(t, c.AllCustomers(ctx, client.CustomerQuery{ListOptions: client.ListOptions{PerPage: 2, Sort: "createdAt"}}))
	if len(all) != 5 || all[0].ID != cu.ID || all[4].Email != "n3@example.com" {
		t.Fatalf("AllCustomers = %d customers, first %+v", len(all), all[0])
	}

	if err := c.DeleteCustomer(ctx, cu.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCustomer(ctx, cu.ID); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("deleted customer: %v", err)
	}
}
