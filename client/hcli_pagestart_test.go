package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// TestAllStartsAtTheListsPage: an All iterator given a page and no page
// size starts where the List method given the same query does, at that
// page of the server's default size: All with Page 1 started at item 500
// (page 1 of MaxPerPage), where ListCustomers with Page 1 answers items
// 50 to 99, and silently skipped the 450 between.
func TestAllStartsAtTheListsPage(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	const n = enroll.DefaultPerPage + 10
	for i := range n {
		must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "Page", LastName: fmt.Sprint("Start", i),
			Email: fmt.Sprintf("start%d@example.com", i)}))
	}
	q := client.CustomerQuery{ListOptions: client.ListOptions{Page: 1}}
	page := must[*enroll.Page[*enroll.Customer]](t)(c.ListCustomers(ctx, q))
	if len(page.Data) != n-enroll.DefaultPerPage {
		t.Fatalf("ListCustomers page 1 holds %d customers, want %d", len(page.Data), n-enroll.DefaultPerPage)
	}
	all := collect(t, c.AllCustomers(ctx, q))
	if len(all) != len(page.Data) || all[0].ID != page.Data[0].ID {
		first := "none"
		if len(all) > 0 {
			first = all[0].ID
		}
		t.Fatalf("AllCustomers from page 1 yields %d customers starting at %s; ListCustomers page 1 holds %d starting at %s",
			len(all), first, len(page.Data), page.Data[0].ID)
	}
	// With a page size given, All starts at that page of that size.
	q.PerPage = 20
	page = must[*enroll.Page[*enroll.Customer]](t)(c.ListCustomers(ctx, q))
	all = collect(t, c.AllCustomers(ctx, q))
	if len(all) != n-20 || all[0].ID != page.Data[0].ID {
		t.Fatalf("AllCustomers from page 1 of 20 yields %d customers, want %d from %s", len(all), n-20, page.Data[0].ID)
	}
}
