package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "k", Name: "K"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "k", &client.InstanceCreate{Slug: "i", Name: "I"}))

	k := must[*client.APIKeyWithSecret](t)(c.CreateAPIKey(ctx, &client.APIKeyCreate{Name: "reader",
		Scopes: []enroll.Scope{enroll.ScopeProgramsRead}, ProgramInstanceIDs: []string{inst.ID}}))
	if k.APIKey == nil || k.Kind != enroll.KeyScoped || k.Secret == "" || k.Name != "reader" || k.ProgramInstanceIDs[0] != inst.ID {
		t.Fatalf("created %+v", k)
	}
	if _, err := c.CreateAPIKey(ctx, &client.APIKeyCreate{Scopes: []enroll.Scope{}}); !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("an empty scope list: %v", err)
	}
	secret := must[*client.APIKeyWithSecret](t)(c.CreateAPIKey(ctx, &client.APIKeyCreate{Name: "full"}))
	if secret.Kind != enroll.KeySecret {
		t.Fatalf("created without scopes: %+v", secret)
	}
	// The new key's secret works, within its scope and instance.
	reader := client.New(s.srv.URL(), k.Secret)
	if got := must[*enroll.ProgramInstance](t)(reader.GetInstance(ctx, inst.ID)); got.ID != inst.ID {
		t.Fatalf("GetInstance with the new key = %+v", got)
	}
	if _, err := reader.ListAPIKeys(ctx, client.APIKeyQuery{}); !client.IsStatus(err, http.StatusForbidden) {
		t.Fatalf("ListAPIKeys without keys:write: %v", err)
	}

	if got := must[*enroll.APIKey](t)(c.GetAPIKey(ctx, k.ID)); got.Prefix != k.Prefix || got.RevokedAt != nil {
		t.Fatalf("GetAPIKey = %+v", got)
	}
	if pg := must[*enroll.Page[*enroll.APIKey]](t)(c.ListAPIKeys(ctx, client.APIKeyQuery{ListOptions: client.ListOptions{PerPage: 1}})); pg.TotalItems != 3 || pg.Data[0].ID != secret.ID {
		t.Fatalf("ListAPIKeys = %+v", pg)
	}
	if all := collect(t, c.AllAPIKeys(ctx, client.APIKeyQuery{ListOptions: client.ListOptions{PerPage: 2}})); len(all) != 3 || all[0].ID != secret.ID || all[1].ID != k.ID {
		t.Fatalf("AllAPIKeys = %+v", all)
	}
	if err := c.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatalf("revoking again: %v", err)
	}
	if got := must[*enroll.APIKey](t)(c.GetAPIKey(ctx, k.ID)); got.RevokedAt == nil {
		t.Fatalf("revoked key = %+v", got)
	}
	if _, err := reader.GetInstance(ctx, inst.ID); !client.IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("a revoked key: %v", err)
	}
}
