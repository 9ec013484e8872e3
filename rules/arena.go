package rules

// arena hands out the maps, partials and lists of the conversions and
// takes them back for the next evaluation, so that a steady flow of
// evaluations allocates none of them: the pooled activation owns one. Only
// what the conversions created goes back, never the input's own maps,
// which normalize may pass on. A nil arena allocates.
type arena struct {
	maps     []map[string]any
	lists    [][]any
	partials []*partial
	nm       int // maps handed out this evaluation
	nl       int // lists handed out this evaluation
	np       int // partials handed out this evaluation
}

// Bounds on what an arena keeps between evaluations, so one evaluation of
// a large object does not pin its memory.
const (
	arenaMaxItems = 64  // maps, partials, lists
	arenaMaxLen   = 128 // entries of one map or list
)

func (ar *arena) newMap(n int) map[string]any {
	if ar == nil {
		return make(map[string]any, n)
	}
	if ar.nm < len(ar.maps) {
		m := ar.maps[ar.nm]
		ar.nm++
		return m // cleared by reset
	}
	m := make(map[string]any, n)
	if len(ar.maps) < arenaMaxItems {
		ar.maps = append(ar.maps, m)
		ar.nm++
	}
	return m
}

func (ar *arena) newPartial(n int) *partial {
	if ar == nil {
		return &partial{keys: make([]string, 0, n), vals: make([]any, 0, n)}
	}
	if ar.np < len(ar.partials) {
		p := ar.partials[ar.np]
		ar.np++
		return p // emptied by reset
	}
	p := &partial{keys: make([]string, 0, n), vals: make([]any, 0, n)}
	if len(ar.partials) < arenaMaxItems {
		ar.partials = append(ar.partials, p)
		ar.np++
	}
	return p
}

func (ar *arena) newList(n int) []any {
	if ar == nil {
		return make([]any, n)
	}
	if ar.nl < len(ar.lists) && cap(ar.lists[ar.nl]) >= n {
		l := ar.lists[ar.nl][:n]
		ar.nl++
		return l
	}
	l := make([]any, n)
	if ar.nl < len(ar.lists) {
		ar.lists[ar.nl] = l
		ar.nl++
	} else if len(ar.lists) < arenaMaxItems {
		ar.lists = append(ar.lists, l)
		ar.nl++
	}
	return l
}

// reset takes back everything handed out, emptied.
func (ar *arena) reset() {
	for i, m := range ar.maps[:ar.nm] {
		switch {
		case len(m) > arenaMaxLen:
			ar.maps[i] = make(map[string]any) // a cleared map keeps its size
		case len(m) <= 4:
			// Cheaper than clear, which wipes the whole table.
			for k := range m {
				delete(m, k)
			}
		default:
			clear(m)
		}
	}
	for i, l := range ar.lists[:ar.nl] {
		if cap(l) > arenaMaxLen {
			ar.lists[i] = nil
			continue
		}
		clear(l[:cap(l)])
	}
	for _, p := range ar.partials[:ar.np] {
		clear(p.vals)
		p.keys, p.vals = p.keys[:0], p.vals[:0]
	}
	ar.nm, ar.nl, ar.np = 0, 0, 0
}
