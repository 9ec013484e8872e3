package client_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/client"
)

// TestEveryListHasAll: docs/api.md says each list of the client has an All
// form, an iterator following nextPageToken: every List method answering
// an enroll.Page has its All method.
func TestEveryListHasAll(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeFor[*client.Client]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		name, ok := strings.CutPrefix(m.Name, "List")
		if !ok || m.Type.NumOut() == 0 || !strings.Contains(m.Type.Out(0).String(), "enroll.Page[") {
			continue
		}
		if _, ok := ct.MethodByName("All" + name); !ok {
			t.Errorf("%s answers a page, but there is no All%s", m.Name, name)
		}
	}
}
