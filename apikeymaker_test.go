package enroll_test

import (
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestKeysMadeBy(t *testing.T) {
	t.Parallel()
	key := func(id string, maker enroll.Actor) *enroll.APIKey {
		k, _ := enroll.NewAPIKey("w", id, nil, nil, time.Now())
		k.ID = id
		k.SetMaker(maker)
		return k
	}
	by := func(id string) enroll.Actor { return enroll.Actor{WorkspaceID: "w", KeyID: id} }
	// Newest first, as the stores list them: root made a and b, a made
	// a1, a1 made a2; other was made by the CLI, and o1 by other.
	keys := []*enroll.APIKey{key("a2", by("a1")), key("o1", by("other")), key("a1", by("a")), key("b", by("root")),
		key("a", by("root")), key("other", enroll.Actor{WorkspaceID: "w"}), key("root", enroll.Actor{WorkspaceID: "w"})}
	ids := func(keys []*enroll.APIKey) []string {
		out := []string{}
		for _, k := range keys {
			out = append(out, k.ID)
		}
		return out
	}
	for _, c := range []struct {
		id   string
		want []string
	}{
		{"root", []string{"a2", "a1", "b", "a"}},
		{"a", []string{"a2", "a1"}},
		{"a2", []string{}},
		{"other", []string{"o1"}},
		{"missing", []string{}},
		{"", []string{}},
	} {
		if got := ids(enroll.KeysMadeBy(keys, c.id)); !slices.Equal(got, c.want) {
			t.Errorf("KeysMadeBy(%q) = %v, want %v", c.id, got, c.want)
		}
	}
	if k := keys[len(keys)-1]; k.CreatedBy != nil || k.MadeBy() != "" {
		t.Errorf("a key the CLI made has maker %v", k.CreatedBy)
	}
	if k := keys[0]; k.MadeBy() != "a1" {
		t.Errorf("MadeBy = %q", k.MadeBy())
	}
}
