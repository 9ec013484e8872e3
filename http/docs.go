package http

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// The /docs page is rendered here from the OpenAPI document, on the server
// and without scripts: the service must document itself on machines with
// no internet access, where Huma's CDN-hosted renderers stay blank.

type docsPage struct {
	Title, Version, Description string
	Groups                      []*docsGroup
	Schemas                     []docsSchema
}

type docsGroup struct {
	Name, Description string
	Ops               []docsOp
}

type docsOp struct {
	Method, Path, ID, Summary, Description string
	Params                                 []docsField
	Body                                   string
	Responses                              []docsResponse
}

type docsField struct {
	Name, In, Type, Description string
	Required                    bool
}

type docsResponse struct {
	Status, Description, Schema string
}

type docsSchema struct {
	Name, Description string
	Props             []docsField
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1f2328}
h1{margin-bottom:0}h2{border-bottom:2px solid #d0d7de;padding-top:1rem}h3{margin:1.5rem 0 .25rem;font-size:1rem}
code,.path{font-family:ui-monospace,monospace}.method{display:inline-block;min-width:4.5rem;font-weight:700}
.GET{color:#0969da}.POST{color:#1a7f37}.PATCH{color:#9a6700}.DELETE{color:#cf222e}
table{border-collapse:collapse;margin:.25rem 0 .75rem}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav ul{columns:2}.muted{color:#59636e}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="muted">Version {{.Version}} · <a href="/openapi.json">openapi.json</a> · <a href="/openapi.yaml">openapi.yaml</a></p>
<p>{{.Description}}</p>
<nav><ul>{{range .Groups}}<li><a href="#{{.Name}}">{{.Name}}</a></li>{{end}}<li><a href="#schemas">Schemas</a></li></ul></nav>
{{range .Groups}}
<h2 id="{{.Name}}">{{.Name}}</h2>
<p>{{.Description}}</p>
{{range .Ops}}
<section id="{{.ID}}">
<h3><span class="method {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span></h3>
<p>{{.Summary}}. {{.Description}} <span class="muted">operationId <code>{{.ID}}</code></span></p>
{{if .Params}}<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{if .Body}}<p>Request body: {{.Body}}</p>{{end}}
<table><tr><th>Status</th><th>Description</th><th>Body</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}</td><td>{{.Schema}}</td></tr>
{{end}}</table>
</section>
{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}
<section id="schema-{{.Name}}">
<h3>{{.Name}}</h3>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Props}}<table><tr><th>Member</th><th>Type</th><th>Description</th></tr>
{{range .Props}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
</section>
{{end}}
</body>
</html>
`))

// docsHandler serves the reference, rendered on first use (after Open has
// completed the document's server list).
func (s *Server) docsHandler() http.Handler {
	var (
		once sync.Once
		page []byte
		err  error
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			var buf bytes.Buffer
			err = docsTemplate.Execute(&buf, docsFrom(s.api.OpenAPI()))
			page = buf.Bytes()
		})
		if err != nil {
			s.logger.Error("cannot render /docs", "err", err)
			writeProblem(w, newProblem(http.StatusInternalServerError, "Internal error."))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, _ = w.Write(page)
	})
}

// docsFrom turns the OpenAPI document into the page's data.
func docsFrom(oapi *huma.OpenAPI) *docsPage {
	p := &docsPage{Title: oapi.Info.Title, Version: oapi.Info.Version, Description: oapi.Info.Description}
	groups := map[string]*docsGroup{}
	for _, t := range oapi.Tags {
		g := &docsGroup{Name: t.Name, Description: t.Description}
		groups[t.Name] = g
		p.Groups = append(p.Groups, g)
	}
	paths := make([]string, 0, len(oapi.Paths))
	for p := range oapi.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, pth := range paths {
		item := oapi.Paths[pth]
		for _, mo := range []struct {
			method string
			op     *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op == nil {
				continue
			}
			tag := "Other"
			if len(mo.op.Tags) > 0 {
				tag = mo.op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				g = &docsGroup{Name: tag}
				groups[tag] = g
				p.Groups = append(p.Groups, g)
			}
			g.Ops = append(g.Ops, docsOperation(mo.method, pth, mo.op))
		}
	}
	p.Groups = slices.DeleteFunc(p.Groups, func(g *docsGroup) bool { return len(g.Ops) == 0 })
	if oapi.Components != nil && oapi.Components.Schemas != nil {
		schemas := oapi.Components.Schemas.Map()
		names := make([]string, 0, len(schemas))
		for n := range schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p.Schemas = append(p.Schemas, docsSchemaOf(n, schemas[n]))
		}
	}
	return p
}

func docsOperation(method, pth string, op *huma.Operation) docsOp {
	d := docsOp{Method: method, Path: pth, ID: op.OperationID, Summary: op.Summary, Description: op.Description}
	for _, prm := range op.Parameters {
		d.Params = append(d.Params, docsField{Name: prm.Name, In: prm.In, Type: schemaType(prm.Schema),
			Description: prm.Description, Required: prm.Required})
	}
	if rb := op.RequestBody; rb != nil {
		var parts []string
		for _, ct := range sortedKeys(rb.Content) {
			parts = append(parts, schemaType(rb.Content[ct].Schema)+" ("+ct+")")
		}
		d.Body = strings.Join(parts, ", ")
	}
	for _, status := range sortedKeys(op.Responses) {
		r := op.Responses[status]
		resp := docsResponse{Status: status, Description: r.Description}
		for _, ct := range sortedKeys(r.Content) {
			resp.Schema = schemaType(r.Content[ct].Schema) + " (" + ct + ")"
			break
		}
		d.Responses = append(d.Responses, resp)
	}
	return d
}

func docsSchemaOf(name string, s *huma.Schema) docsSchema {
	d := docsSchema{Name: name, Description: s.Description}
	// The marshaled schema leaves out hidden members (read-only members a
	// PATCH tolerates), as the OpenAPI document does.
	var visible struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &visible)
	for _, prop := range sortedKeys(visible.Properties) {
		ps := s.Properties[prop]
		d.Props = append(d.Props, docsField{Name: prop, Type: schemaType(ps), Description: ps.Description,
			Required: slices.Contains(s.Required, prop)})
	}
	return d
}

// schemaType describes a schema in a few words: its name, or its type.
func schemaType(s *huma.Schema) string {
	switch {
	case s == nil:
		return "any"
	case s.Ref != "":
		return path.Base(s.Ref)
	case s.Type == huma.TypeArray:
		return "array of " + schemaType(s.Items)
	case s.Type == "":
		return "any"
	case s.Format != "":
		return s.Type + " (" + s.Format + ")"
	case len(s.Enum) > 0:
		var vals []string
		for _, v := range s.Enum {
			if str, ok := v.(string); ok {
				vals = append(vals, str)
			}
		}
		return s.Type + ": " + strings.Join(vals, " | ")
	}
	return s.Type
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
