package enroll

// CreationDocs are the JSON documents a store writes for a creation's
// history entries and events, in the order of its History and Events.
// Encoding them is a large share of a create's CPU; a creation planned
// before its write transaction (a create or an import batch planned
// ahead) has them encoded there, outside the one writer SQLite has.
type CreationDocs struct {
	// History holds json.Marshal of each status change.
	History []string
	// Events holds Event.MarshalDoc of each event.
	Events []string
}

// EncodeDocs sets c.Docs from c's history and events, which must not
// change afterwards.
func (c *EnrollmentCreation) EncodeDocs() error {
	d := &CreationDocs{History: make([]string, len(c.History)), Events: make([]string, len(c.Events))}
	for i, h := range c.History {
		b, err := h.AppendJSON(make([]byte, 0, 512))
		if err != nil {
			return err
		}
		d.History[i] = string(b)
	}
	for i, e := range c.Events {
		doc, err := e.MarshalDoc()
		if err != nil {
			return err
		}
		d.Events[i] = doc
	}
	c.Docs = d
	return nil
}

// HistoryDocs returns d.History, or nil when d is nil.
func (d *CreationDocs) HistoryDocs() []string {
	if d == nil {
		return nil
	}
	return d.History
}

// EventDocs returns d.Events, or nil when d is nil.
func (d *CreationDocs) EventDocs() []string {
	if d == nil {
		return nil
	}
	return d.Events
}
