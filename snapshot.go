package enroll

import "sync"

// SnapshotSlots bounds the snapshots (Store.Snapshot) a store holds open
// at once to half of its pool's connections, so that the other reads and
// the writes keep the rest. A pool of one connection has none: a snapshot
// holding it would leave the reads made while it is open (an export's
// look-ups of instances) none. The zero value is ready; the slots are
// made on first use, from the pool's size.
type SnapshotSlots struct {
	once  sync.Once
	slots chan struct{}
}

// Get returns the slots of a pool of size connections, a buffered
// channel that a snapshot sends to while it is open, or nil when it may
// hold none.
func (s *SnapshotSlots) Get(size int) chan struct{} {
	s.once.Do(func() {
		if size >= 2 {
			s.slots = make(chan struct{}, size/2)
		}
	})
	return s.slots
}
