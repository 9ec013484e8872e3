package enroll

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// An import batch can be planned ahead: while one batch is written, a
// store that implements ImportPreparer looks up and plans the next one on
// a read snapshot, outside the write transaction, so the rules, the
// documents and the events of a batch are worked out on the other CPU
// instead of in the one writer's turn. A plan made ahead is only a guess:
// the write transaction looks the keys up again and uses the plan only
// when what it found is what the plan was made from (ImportLookup.Digest)
// and the instance is unchanged; otherwise it plans the rows again, so the
// outcome is always the one planning in the transaction gives.

// ImportPreparer is an ImportStore that plans batches ahead (see above).
// RunImport uses it when the store has it.
type ImportPreparer interface {
	// PrepareImport plans rows, a batch of the job importID, on a read
	// snapshot. It never writes, and plans nothing for a dry run, a
	// finished job or an instance that does not accept enrollments,
	// leaving the verdict to ImportPrepared. Returns ENOTFOUND (job,
	// instance) or an internal error.
	PrepareImport(ctx context.Context, a Actor, importID string, rows []*ImportRow) (*PreparedImport, error)
	// ImportPrepared is ImportEnrollments for rows, using prep (from
	// PrepareImport for the same rows, or nil) where it still holds.
	ImportPrepared(ctx context.Context, a Actor, importID string, rows []*ImportRow, prep *PreparedImport) (*Import, error)
}

// PreparedImport is a batch planned ahead by PrepareImport.
type PreparedImport struct {
	// Instance is the digest of the instance the plans were made with
	// (InstanceDigest).
	Instance string
	// Runs are the plans of the batch's runs of plannable rows, in order
	// (EachImportRun), by the index of their first row.
	Runs map[int]*PreparedRun
	// Part, when not 0, is the size of the parts of the batch the runs
	// were planned within, no run spanning two: the store writes the
	// batch in the same parts (SQLite does, to let other writes go
	// between two parts).
	Part int
}

// PreparedRun is the plan of one run of rows and the digest of the
// look-up it was made from.
type PreparedRun struct {
	Lookup string
	Plan   *ImportPlan
}

// Run returns the plan prepared for the run starting at row index first,
// if it was made from a look-up with digest lookup and with the instance
// whose digest is inst; else nil.
func (p *PreparedImport) Run(first int, inst, lookup string) *ImportPlan {
	if p == nil || p.Instance != inst {
		return nil
	}
	if r := p.Runs[first]; r != nil && r.Lookup == lookup {
		return r.Plan
	}
	return nil
}

// InstanceDigest returns a digest of everything about inst that planning
// reads (its rules, parameters, status, autoEvaluate…): its JSON.
func InstanceDigest(inst *ProgramInstance) (string, error) {
	b, err := json.Marshal(inst)
	if err != nil {
		return "", fmt.Errorf("digest of instance %s: %w", inst.ID, err)
	}
	sum := sha256.Sum256(b)
	return string(sum[:]), nil
}

// Digest returns a digest of what l holds, the same for the same contents
// in any map order. Planning reads nothing else of the database, so two
// look-ups with the same digest give the same plan. Call it before Plan,
// which changes l.
func (l *ImportLookup) Digest() (string, error) {
	h := sha256.New()
	str := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	set := func(m map[string]bool) {
		keys := slices.Sorted(maps.Keys(m))
		str(fmt.Sprint(len(keys)))
		for _, k := range keys {
			str(k)
		}
	}
	set(l.OpenReferences)
	set(l.OpenEmails)
	emails := slices.Sorted(maps.Keys(l.Customers))
	str(fmt.Sprint(len(emails)))
	for _, e := range emails {
		c := l.Customers[e]
		doc, err := c.Customer.AppendJSON(nil)
		if err != nil {
			return "", fmt.Errorf("digest of customer %s: %w", c.Customer.ID, err)
		}
		str(e)
		str(string(doc))
		str(fmt.Sprint(c.HoldsOpen, c.EnrolledElsewhere))
	}
	unique := slices.SortedFunc(maps.Keys(l.UniqueHolders), func(a, b UniqueValue) int {
		if a.ExternalID != b.ExternalID {
			return cmp.Compare(a.ExternalID, b.ExternalID)
		}
		return cmp.Compare(a.Value, b.Value)
	})
	str(fmt.Sprint(len(unique)))
	for _, u := range unique {
		str(u.ExternalID)
		str(u.Value)
		str(l.UniqueHolders[u])
	}
	return string(h.Sum(nil)), nil
}
