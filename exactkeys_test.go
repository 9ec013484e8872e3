package enroll_test

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// TestExactKeysPathNamesTheItem: ExactKeys names a list item's member
// with the item's place ("[1].constraints.Hidden"), so that the console's
// message says which parameter is at fault; it said "constraints.Hidden".
func TestExactKeysPathNamesTheItem(t *testing.T) {
	t.Parallel()
	data := []byte(`[{"externalId":"a","name":"A","type":"string"},{"externalId":"b","name":"B","type":"string","constraints":{"Hidden":true}}]`)
	var v []enroll.Parameter
	if got := enroll.ExactKeys(data, &v); got != "[1].constraints.Hidden" {
		t.Errorf("ExactKeys = %q, want %q as its doc says", got, "[1].constraints.Hidden")
	}
}
