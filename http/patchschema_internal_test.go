package http

import (
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestPatchSchemas checks that the OpenAPI document describes each PATCH
// body as the server takes it: every member a patch may change is there,
// null allowed exactly where the patch clears it (patchMembers), an
// address's own members nullable too (a merge patch removes them one by
// one), and the read-only members a client may echo back listed, so that
// a client validating its requests against the document sends what the
// server accepts.
func TestPatchSchemas(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "e.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServer(Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	oapi := s.OpenAPI()
	schemas := oapi.Components.Schemas
	resolve := func(p *huma.Schema) *huma.Schema {
		if p.Ref != "" {
			return schemas.SchemaFromRef(p.Ref)
		}
		return p
	}
	readOnly := reflect.TypeFor[ReadOnlyMembers]()
	for name, members := range map[string]patchMembers{
		"EnrollmentPatch": enrollmentPatchable, "CustomerPatch": customerPatchable, "LeadPatch": leadPatchable,
		"InstancePatch": instancePatchable, "ProgramPatch": programPatchable, "WebhookEndpointPatch": webhookPatchable,
		"NotificationTemplatePatch": templatePatchable,
	} {
		sch := schemas.Map()[name]
		if sch == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		for m, nullable := range members {
			p := sch.Properties[m]
			if p == nil {
				t.Errorf("%s.%s is not in the document", name, m)
				continue
			}
			if got := resolve(p).Nullable; got != nullable {
				t.Errorf("%s.%s: nullable %v in the document, %v in the patch", name, m, got, nullable)
			}
			if r := resolve(p); strings.HasSuffix(p.Ref, "AddressPatch") {
				for f, fp := range r.Properties {
					if !fp.Nullable {
						t.Errorf("%s.%s.%s is not nullable", name, m, f)
					}
				}
			}
		}
		rep := schemas.Map()[patchBodies[name]]
		for f := range readOnly.Fields() {
			json, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			p, has := sch.Properties[json], rep.Properties[json] != nil
			switch {
			case has && (p == nil || !strings.HasPrefix(p.Description, "Read-only")):
				t.Errorf("%s: read-only member %s of %s not described", name, json, patchBodies[name])
			case !has && p != nil:
				t.Errorf("%s: member %s, which %s lacks, in the document", name, json, patchBodies[name])
			}
		}
	}
}
