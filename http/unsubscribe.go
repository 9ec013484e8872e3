package http

import (
	"bytes"
	"context"
	"html/template"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// unsubscribeInput is the query of GET and POST /unsubscribe: the token of
// the link a non-essential notification carried. POST ignores its body:
// RFC 8058's one-click clients send "List-Unsubscribe=One-Click", the
// confirmation page's form the same (documentOneClick declares it).
type unsubscribeInput struct {
	Token string `query:"token" required:"true" maxLength:"128" doc:"The token of the unsubscribe link a non-essential notification carried."`
}

// htmlOutput is a small HTML page.
type htmlOutput struct {
	Status       int
	ContentType  string `header:"Content-Type" doc:"text/html; charset=utf-8"`
	CacheControl string `header:"Cache-Control" doc:"no-store: the page shows an email address."`
	// The token is in the page's URL: no referrer carries it elsewhere,
	// and the page runs no script and loads nothing.
	ReferrerPolicy string `header:"Referrer-Policy" doc:"no-referrer: the page's URL holds the link's token."`
	CSP            string `header:"Content-Security-Policy" doc:"The page runs no script and loads nothing; its form posts to this server only."`
	Body           []byte
}

// unsubscribePage is the confirmation page (before) and the answer
// (after). GET only shows it, since mail scanners follow links; the
// button POSTs.
var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1rem}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .NotFound}}<p>This unsubscribe link is not valid. Please use the link of a recent message.</p>
{{else if .Done}}<p><strong>{{.Email}}</strong> will no longer receive optional messages. Messages about decisions on your own enrollment are still sent.</p>
{{else}}<p>Stop sending optional messages to <strong>{{.Email}}</strong>? Messages about decisions on your own enrollment are still sent.</p>
<form method="post" action="?token={{.Token}}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
{{end}}</body></html>
`))

type unsubscribeView struct {
	Title, Email, Token string
	Done, NotFound      bool
}

// showUnsubscribe answers GET /unsubscribe: a page asking to confirm.
func (s *Server) showUnsubscribe(ctx context.Context, in *unsubscribeInput) (*htmlOutput, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	u, err := ns.FindUnsubscription(ctx, in.Token)
	return unsubscribeAnswer(u, err, in.Token)
}

// unsubscribe answers POST /unsubscribe, the page's button and RFC 8058's
// one-click: the address stops receiving non-essential notifications.
func (s *Server) unsubscribe(ctx context.Context, in *unsubscribeInput) (*htmlOutput, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	u, err := ns.Unsubscribe(ctx, in.Token)
	return unsubscribeAnswer(u, err, in.Token)
}

// unsubscribeAnswer renders the page for u, or for an unknown token (404,
// still a page: people, not programs, follow these links).
func unsubscribeAnswer(u *enroll.Unsubscription, err error, token string) (*htmlOutput, error) {
	v := unsubscribeView{Title: "Unsubscribe", Token: token}
	status := http.StatusOK
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		v.NotFound, v.Title, status = true, "Link not valid", http.StatusNotFound
	case err != nil:
		return nil, err
	default:
		v.Email, v.Done = u.Email, u.UnsubscribedAt != nil
		if v.Done {
			v.Title = "You are unsubscribed"
		}
	}
	var b bytes.Buffer
	if err := unsubscribePage.Execute(&b, v); err != nil {
		return nil, err
	}
	return &htmlOutput{Status: status, ContentType: "text/html; charset=utf-8", CacheControl: "no-store",
		ReferrerPolicy: "no-referrer", CSP: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
		Body: b.Bytes()}, nil
}

// htmlPage documents an operation that answers an HTML page, for a person
// following a link in an email: the page itself (200), or a page saying
// the link is not valid (404). Malformed requests (422, and those every
// operation may get: everyStatus) and failures (500) are problems, as
// elsewhere.
func htmlPage(op *huma.Operation) {
	page := func(desc string) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{
			"text/html": {Schema: &huma.Schema{Type: huma.TypeString, Description: "An HTML page."}},
		}}
	}
	op.Responses = map[string]*huma.Response{"200": page("The page."), "404": page("The link is not valid.")}
	op.Errors = append(op.Errors, http.StatusUnprocessableEntity)
}

// documentOneClick declares POST /unsubscribe's body: RFC 8058's
// one-click clients send List-Unsubscribe=One-Click, as
// multipart/form-data (which the RFC prefers) or
// application/x-www-form-urlencoded, and so does the page's form. It is
// declared once the operation is registered, as the operation does not
// read it (the link's token decides): Huma would read a body it knew of,
// and refuse the form media types, for which it has no format.
func (s *Server) documentOneClick() {
	item := s.api.OpenAPI().Paths["/unsubscribe"]
	if item == nil || item.Post == nil {
		return
	}
	schema := func() *huma.Schema {
		return &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{
			"List-Unsubscribe": {Type: huma.TypeString, Enum: []any{"One-Click"},
				Description: "RFC 8058's one-click key and value, as the List-Unsubscribe-Post header of the message gave them."},
		}}
	}
	item.Post.RequestBody = &huma.RequestBody{
		Description: "What RFC 8058's one-click clients and the confirmation page's form send. It is not read: " +
			"the token in the URL decides, and a POST with another body, or none, unsubscribes alike.",
		Content: map[string]*huma.MediaType{
			"multipart/form-data":               {Schema: schema()},
			"application/x-www-form-urlencoded": {Schema: schema()},
		},
	}
}
