package sqlite

// zeroingFreedPages runs f with the writer's secure_delete ON rather than
// FAST, its setting (db.go). FAST zeroes what a write frees inside the
// pages it writes anyway, but not a page freed whole: rows that grow
// rebalance their B-tree, which can hand an old page to the freelist with
// its cells intact. The passes that replace secrets stored plain
// (SealWebhookSecrets, DropConsoleSecrets) need those pages zeroed too,
// and are rare enough that the extra page writes cost nothing.
func (tx *Tx) zeroingFreedPages(f func() error) (err error) {
	if _, err := tx.exec(`PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	defer func() {
		if _, e := tx.exec(`PRAGMA secure_delete = FAST`); e != nil && err == nil {
			err = e
		}
	}()
	return f()
}
