package enroll

import (
	"crypto/sha256"
	"errors"
	"sync"
)

// maxCheckedSources bounds how many results checkedSources keeps.
const maxCheckedSources = 256

// checkedSources remembers the latest results of checkTemplateSource, which
// renders a source on the sample and so may take up to a render's time
// limit. A store can then check a template's change once outside its write
// transaction and again, at no cost, inside it (SQLite's writer is every
// workspace's). The result depends only on the source (the sample and the
// limits are fixed), except for the time limit, which a busy machine
// reaches sooner: that failure is not remembered.
var checkedSources = struct {
	sync.Mutex
	results map[checkedSource]error
}{results: map[checkedSource]error{}}

// checkedSource identifies a source and how it is parsed.
type checkedSource struct {
	sum  [sha256.Size]byte
	html bool
}

// checkTemplateSource parses src and checks that it names only known
// placeholders, then renders it on the sample; a source checked lately
// is not checked again.
func checkTemplateSource(src string, html bool) error {
	k := checkedSource{sum: sha256.Sum256([]byte(src)), html: html}
	checkedSources.Lock()
	err, ok := checkedSources.results[k]
	checkedSources.Unlock()
	if ok {
		return err
	}
	err = checkTemplateSourceNow(src, html)
	if limit, ok := errors.AsType[*renderLimitError](err); ok && limit.timed {
		return err
	}
	checkedSources.Lock()
	defer checkedSources.Unlock()
	if len(checkedSources.results) >= maxCheckedSources {
		clear(checkedSources.results)
	}
	checkedSources.results[k] = err
	return err
}
