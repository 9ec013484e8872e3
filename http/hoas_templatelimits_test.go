package http_test

import (
	"strings"
	"testing"
)

// TestNotificationTemplateLimitsInCharacters checks that a notification
// template's subject, text and html take as many characters as the
// OpenAPI document's maxLength (and docs/api.md's Limits) say, written in
// characters of more than one byte too, on create and on update, and that
// one more is a 422 at the member.
func TestNotificationTemplateLimitsInCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schemas := e.srv.OpenAPI().Components.Schemas.Map()
	for _, member := range []string{"subject", "text", "html"} {
		for _, schema := range []string{"NotificationTemplateCreate", "NotificationTemplatePatch"} {
			p := schemas[schema].Properties[member]
			if p == nil || p.MaxLength == nil {
				t.Fatalf("%s.%s declares no maxLength", schema, member)
			}
			max := *p.MaxLength
			for _, ch := range []string{"é", "😀"} {
				body := map[string]any{"programInstanceId": e.createInstance(nil), "name": "n", "status": "approved", "subject": "s", "text": "t"}
				at := strings.Repeat(ch, max)
				if schema == "NotificationTemplateCreate" {
					body[member] = at
					res := e.do("POST", "/v1/notificationTemplates", body)
					if res.Status != 201 {
						t.Errorf("%s.%s of %d × %q (maxLength %d): %d %.300s", schema, member, max, ch, max, res.Status, res.Body)
						continue
					}
					body[member] = at + ch
					body["status"] = "paused"
					if p := e.do("POST", "/v1/notificationTemplates", body).expect(422).problem(); !p.hasLocation("body." + member) {
						t.Errorf("%s.%s of %d characters: %v", schema, member, max+1, p.Errors)
					}
					continue
				}
				id := e.do("POST", "/v1/notificationTemplates", body).expect(201).obj()["id"].(string)
				res := e.do("PATCH", "/v1/notificationTemplates/"+id, map[string]any{member: at})
				if res.Status != 200 {
					t.Errorf("%s.%s of %d × %q (maxLength %d): %d %.300s", schema, member, max, ch, max, res.Status, res.Body)
					continue
				}
				if p := e.do("PATCH", "/v1/notificationTemplates/"+id, map[string]any{member: at + ch}).expect(422).problem(); !p.hasLocation("body." + member) {
					t.Errorf("%s.%s of %d characters: %v", schema, member, max+1, p.Errors)
				}
			}
		}
	}
}
