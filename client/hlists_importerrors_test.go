package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestAllImportErrors: AllImportErrors reads every error of a job, page
// after page, in row order, as the list's pages hold them.
func TestAllImportErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "ie", Name: "Ie"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "ie", &client.InstanceCreate{Slug: "a", Name: "A"}))
	file := "firstName,lastName,email,shoeSize\nA,,a@example.com,1\nB,,b@example.com,2\nC,,c@example.com,3\n"
	im := must[*enroll.Import](t)(c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file), Size: int64(len(file))}))
	im = must[*enroll.Import](t)(c.WaitImport(ctx, im.ID, 10*time.Millisecond, nil))
	var want []enroll.ImportError
	for o := (client.ListOptions{PerPage: 500}); ; {
		pg := must[*enroll.Page[enroll.ImportError]](t)(c.ListImportErrors(ctx, im.ID, o))
		want = append(want, pg.Data...)
		if pg.NextPageToken == "" {
			break
		}
		o.PageToken = string(pg.NextPageToken)
	}
	got := collect(t, c.AllImportErrors(ctx, im.ID, client.ListOptions{PerPage: 1}))
	if len(want) != 4 || len(got) != len(want) {
		t.Fatalf("AllImportErrors = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("AllImportErrors[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
