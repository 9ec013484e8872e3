package enroll

// EventKey is what a store counts events by (its event_counts): the
// workspace, the instance ("" for events of none) and the type. The
// retention keeps the newest event of each (NewestKept) and remembers the
// position of the last one it deleted (EventFilter.ErrAfterExpired).
type EventKey struct {
	WorkspaceID string
	InstanceID  string
	Type        EventType
}

// SweptEvent is an event created before a retention sweep's cutoff, as
// the sweep's walk read it: its seq, its key, and its position in the
// order GET /v1/events?after= lists events (the store's commit order: seq
// on SQLite, dispatch_seq on PostgreSQL), 0 while it is not published.
type SweptEvent struct {
	Seq      int64
	Position int64
	Key      EventKey
}

// NewestKept picks, as a retention sweep walks the events created before
// its cutoff batch by batch, those it keeps for pollers: of each key, the
// newest published one, by position. A poller's after= cursor is the last
// event it read, the newest of its key it saw: it goes only once a newer
// event of its key is itself older than the retention, which a poller
// that polls within the retention has read past. Events not published
// when read stay too (they may be the newest once published). The zero
// value is ready to use; it holds a few fields per key.
type NewestKept struct {
	newest map[EventKey]keptEvent
	batch  int
}

type keptEvent struct {
	SweptEvent
	batch int
}

// Batch takes the events of the walk's next batch and returns the seqs of
// those of the batch it must not delete, and of those of earlier batches
// kept as the newest of their key that one of this batch is newer than,
// which this batch may delete now.
func (k *NewestKept) Batch(events []SweptEvent) (keep, superseded []int64) {
	if k.newest == nil {
		k.newest = map[EventKey]keptEvent{}
	}
	k.batch++
	for _, e := range events {
		if e.Position == 0 {
			keep = append(keep, e.Seq)
			continue
		}
		n, ok := k.newest[e.Key]
		if ok && n.Position >= e.Position {
			continue
		}
		if ok && n.batch < k.batch {
			superseded = append(superseded, n.Seq)
		}
		k.newest[e.Key] = keptEvent{e, k.batch}
	}
	for _, e := range events {
		if e.Position != 0 && k.newest[e.Key].Seq == e.Seq {
			keep = append(keep, e.Seq)
		}
	}
	return keep, superseded
}
