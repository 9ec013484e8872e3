package sqlite

import (
	"sync"

	"github.com/enrollhq/enroll"
)

// maxCachedInstances bounds instanceCache; past it the cache starts over.
const maxCachedInstances = 1024

// instanceCache holds the decoded form of the instance documents creates
// were last planned with, so that a busy instance's document is decoded
// once per change rather than once per create. An entry is used only for
// the very bytes it was decoded from; entries are shared, and never
// changed.
type instanceCache struct {
	mu sync.Mutex
	m  map[string]cachedInstance // by workspace id and instance id
}

type cachedInstance struct {
	doc  string
	inst *enroll.ProgramInstance
}

// decode returns the instance of workspace wsID whose document is doc,
// decoding it only when the cache holds another document for it. The
// result must not be changed.
func (c *instanceCache) decode(wsID, id, doc string) (*enroll.ProgramInstance, error) {
	key := wsID + "/" + id
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.doc == doc {
		return e.inst, nil
	}
	inst, err := decode[enroll.ProgramInstance](doc)
	if err != nil {
		return nil, err
	}
	inst.WorkspaceID = wsID
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedInstances {
		c.m = map[string]cachedInstance{}
	}
	c.m[key] = cachedInstance{doc: doc, inst: inst}
	c.mu.Unlock()
	return inst, nil
}
