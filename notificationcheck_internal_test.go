package enroll

import (
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestCheckedSources checks that a source's check is remembered, so that
// a store's second check inside its write transaction renders nothing,
// and that what is remembered stays bounded.
func TestCheckedSources(t *testing.T) {
	t.Parallel()
	src := "Hello {{.enrollment.firstName}} " + NewID()
	if err := checkTemplateSource(src, false); err != nil {
		t.Fatal(err)
	}
	k := checkedSource{sum: sha256.Sum256([]byte(src))}
	checkedSources.Lock()
	_, ok := checkedSources.results[k]
	checkedSources.Unlock()
	if !ok {
		t.Fatal("the result was not remembered")
	}

	// A remembered result is answered without a render.
	slow := "{{range 1000000000}}{{end}} " + NewID()
	mark := errors.New("remembered")
	checkedSources.Lock()
	checkedSources.results[checkedSource{sum: sha256.Sum256([]byte(slow)), html: true}] = mark
	checkedSources.Unlock()
	if err := checkTemplateSource(slow, true); err != mark {
		t.Fatalf("check = %v, want the remembered result", err)
	}
	if err := checkTemplateSource(slow, false); err == nil || err == mark {
		t.Fatalf("as text = %v: text and HTML are checked apart", err)
	}

	// Running out of time depends on the machine's load as well: a source
	// that did is checked again next time.
	timed := "{{range 99999}}" + strings.Repeat("{{$x := len $.status}}", 2000) + "{{end}} " + NewID()
	err := checkTemplateSource(timed, false)
	if limit, ok := errors.AsType[*renderLimitError](err); !ok || !limit.timed {
		t.Fatalf("check = %v, want the time limit", err)
	}
	checkedSources.Lock()
	_, ok = checkedSources.results[checkedSource{sum: sha256.Sum256([]byte(timed))}]
	checkedSources.Unlock()
	if ok {
		t.Fatal("a check that ran out of time was remembered")
	}

	for i := range 2 * maxCheckedSources {
		_ = checkTemplateSource("{{.status}} "+strconv.Itoa(i), false)
	}
	checkedSources.Lock()
	n := len(checkedSources.results)
	checkedSources.Unlock()
	if n > maxCheckedSources {
		t.Fatalf("%d results remembered, at most %d", n, maxCheckedSources)
	}
}
