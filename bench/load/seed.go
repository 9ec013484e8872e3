package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/enrollhq/enroll"
)

// eligibilityRules are the three rules of the benchmark's instances: a
// territory by state and postal code, an equipment maker, and exclusivity,
// which costs a query per evaluation as in production.
var eligibilityRules = []enroll.Rule{
	{Name: "in-territory", Expression: `inStates(["NY", "NJ"]) && inPostalCodes(["100*", "112*", "07*"])`, Reason: "Outside the service territory."},
	{Name: "has-equipment", Expression: `hasManufacturer(["tesla", "enphase", "lg"])`, Reason: "No eligible battery or inverter."},
	{Name: "not-enrolled-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program."},
}

// dataset is the workspace, key and instances the runs work on.
type dataset struct {
	wsID, keyID, secret string
	// list is the instance whose size the runs vary and whose enrollments
	// are listed, read and evaluated; writes receives the creates and the
	// status changes, so that list keeps its size.
	list, writes string
	// templates are list enrollments the store created: what clone copies.
	templates []string
	// writeTemplates are eligible enrollments of writes, copied into the
	// pools of enrollments that PATCH moves to submitted.
	writeTemplates []string
	// size is the number of enrollments in list.
	size int
	// sample holds ids of list enrollments, for gets and evaluations.
	sample *reservoir
}

// actor is the dataset's key, as the store sees it.
func (d *dataset) actor() enroll.Actor { return enroll.Actor{WorkspaceID: d.wsID, KeyID: d.keyID} }

// setup creates the workspace with its secret key, a program and the two
// active instances, all through the store.
func setup(ctx context.Context, store enroll.Store) (*dataset, error) {
	d, p, err := setupProgram(ctx, store)
	if err != nil {
		return nil, err
	}
	a := d.actor()
	for _, in := range []struct {
		slug string
		id   *string
	}{{"list", &d.list}, {"writes", &d.writes}} {
		inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: in.slug, Name: "Solar Rebate 2026 (" + in.slug + ")",
			Status: enroll.InstanceActive, AutoEvaluate: true, EligibilityRules: eligibilityRules}
		if err := store.CreateInstance(ctx, a, inst); err != nil {
			return nil, fmt.Errorf("instance %s: %w", in.slug, err)
		}
		*in.id = inst.ID
	}
	return d, nil
}

// setupProgram creates the workspace with its secret key and a program,
// through the store.
func setupProgram(ctx context.Context, store enroll.Store) (*dataset, *enroll.Program, error) {
	now := time.Now().UTC()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench"}
	key, secret := enroll.NewAPIKey(ws.ID, "bench", nil, nil, now)
	if err := store.CreateWorkspace(ctx, ws, key); err != nil {
		return nil, nil, fmt.Errorf("workspace: %w", err)
	}
	d := &dataset{wsID: ws.ID, keyID: key.ID, secret: secret, sample: newReservoir(50_000)}
	p := &enroll.Program{Slug: "solar-rebate", Name: "Solar Rebate", States: []string{"NY", "NJ", "CT"}}
	if err := store.CreateProgram(ctx, d.actor(), p); err != nil {
		return nil, nil, fmt.Errorf("program: %w", err)
	}
	return d, p, nil
}

// createThroughStore creates n enrollments in inst with CreateEnrollment
// from workers goroutines, numbering participants from first, and calls
// keep with each (from any goroutine).
func createThroughStore(ctx context.Context, store enroll.Store, a enroll.Actor, inst, tag string, first, n, workers int, keep func(*enroll.Enrollment)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	next.Store(int64(first))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= first+n {
					return
				}
				e, err := store.CreateEnrollment(ctx, a, inst, participant(i, tag))
				if err != nil {
					cancel(fmt.Errorf("create enrollment %d: %w", i, err))
					return
				}
				keep(e)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// firstNames and lastNames vary the participants.
var (
	firstNames = []string{"Suzie", "Ravi", "Mei", "Carlos", "Amara", "Jonas", "Leila", "Tomás", "Ngozi", "Hana"}
	lastNames  = []string{"Homeowner", "Patel", "Chen", "García", "Okafor", "Berg", "Haddad", "Silva", "Eze", "Sato"}
)

// participant returns the i-th create request, the seed's customerInfo
// example with varied data: a quarter of the participants live outside the
// territory and a tenth have no eligible equipment, so about two thirds
// come out eligible. tag keeps emails unique across loads.
func participant(i int, tag string) *enroll.EnrollmentCreate {
	state, zip := "NY", fmt.Sprintf("100%02d", i%100)
	switch i % 4 {
	case 1:
		state, zip = "NJ", fmt.Sprintf("07%03d", i%1000)
	case 3:
		state, zip = "PA", "19103"
	}
	makers := []string{"tesla", "enphase"}
	if i%10 == 9 {
		makers = []string{"sunpower"}
	}
	return &enroll.EnrollmentCreate{
		IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName:          firstNames[i%len(firstNames)],
		LastName:           lastNames[(i/len(firstNames))%len(lastNames)],
		Email:              fmt.Sprintf("%s.%d@example.com", tag, i),
		Phone:              fmt.Sprintf("+1212555%04d", i%10000),
		Address: &enroll.Address{StreetOne: fmt.Sprintf("%d Main St", 1+i%999), StreetTwo: "Apt 4B",
			City: "Springfield", State: state, PostalCode: zip, Country: "USA"},
		ManufacturerSlugs:    makers,
		SerialNumber:         fmt.Sprintf("SN%010d", i),
		ReferenceID:          fmt.Sprintf("ref-%d", i),
		ReferenceDescription: "Tesla Grid Services id.",
		Tags:                 []string{"bench", "solar"},
	}
}

// reservoir keeps a uniform random sample of the ids it is offered.
type reservoir struct {
	mu   sync.Mutex
	seen int
	ids  []string
}

// newReservoir returns a sample of at most capacity ids.
func newReservoir(capacity int) *reservoir { return &reservoir{ids: make([]string, 0, capacity)} }

// add offers id to the sample (Algorithm R).
func (r *reservoir) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if len(r.ids) < cap(r.ids) {
		r.ids = append(r.ids, id)
	} else if j := rand.IntN(r.seen); j < len(r.ids) {
		r.ids[j] = id
	}
}

// list returns a copy of the sample.
func (r *reservoir) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}
