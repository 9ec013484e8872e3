package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/sqlite"
)

// TestCreatePlanned changes, between a create's plan and its write, each
// thing the plan was made from, and checks that the create then has the
// outcome of one made after the change (the plan is not used), while an
// unchanged plan is.
func TestCreatePlanned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type env struct {
		db    *sqlite.DB
		a     enroll.Actor
		inst  *enroll.ProgramInstance
		other *enroll.ProgramInstance
	}
	create := func(e env, inst *enroll.ProgramInstance, email string) (*enroll.Enrollment, error) {
		return e.db.CreateEnrollment(ctx, e.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Suzie", LastName: "Homeowner", Email: email,
			Address: &enroll.Address{StreetOne: "1 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"}})
	}
	approve := func(t *testing.T, e env, en *enroll.Enrollment) {
		for _, to := range []enroll.Status{enroll.StatusSubmitted, enroll.StatusApproved} {
			if _, err := e.db.UpdateEnrollment(ctx, e.a, en.ID, func(n *enroll.Enrollment) error { n.SetStatus(to, "test"); return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		// before runs before the create; between, between its plan and
		// its write.
		before, between func(t *testing.T, e env)
		planUsed        bool
		wantCode        string
		wantStatus      enroll.Status
	}{
		{name: "unchanged", planUsed: true, wantStatus: enroll.StatusEligible},
		{name: "unchanged, customer known", planUsed: true, wantStatus: enroll.StatusEligible,
			before: func(t *testing.T, e env) {
				if err := e.db.CreateCustomer(ctx, e.a, &enroll.Customer{FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "rules changed", wantStatus: enroll.StatusIneligible,
			between: func(t *testing.T, e env) {
				_, err := e.db.UpdateInstance(ctx, e.a, e.inst.ID, func(in *enroll.ProgramInstance) error {
					in.EligibilityRules = []enroll.Rule{{Name: "nj", Expression: `inStates(["NJ"])`, Reason: "Outside NJ."}}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}},
		{name: "instance made inactive", wantCode: enroll.ECONFLICT,
			between: func(t *testing.T, e env) {
				_, err := e.db.UpdateInstance(ctx, e.a, e.inst.ID, func(in *enroll.ProgramInstance) error { in.Status = enroll.InstanceInactive; return nil })
				if err != nil {
					t.Fatal(err)
				}
			}},
		{name: "customer created", wantStatus: enroll.StatusEligible,
			between: func(t *testing.T, e env) {
				if err := e.db.CreateCustomer(ctx, e.a, &enroll.Customer{FirstName: "Suzie", LastName: "Homeowner", Email: "Suzie@example.com"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "customer approved elsewhere", wantStatus: enroll.StatusIneligible,
			before: func(t *testing.T, e env) {
				if err := e.db.CreateCustomer(ctx, e.a, &enroll.Customer{FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com"}); err != nil {
					t.Fatal(err)
				}
			},
			between: func(t *testing.T, e env) {
				en, err := create(e, e.other, "suzie@example.com")
				if err != nil {
					t.Fatal(err)
				}
				approve(t, e, en)
			}},
		{name: "customer enrolled here in between", wantCode: enroll.ECONFLICT,
			between: func(t *testing.T, e env) {
				if _, err := create(e, e.inst, "suzie@example.com"); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTestDB(t)
			e := env{db: db}
			ws := &enroll.Workspace{ID: enroll.NewID(), Name: "plan"}
			key, _ := enroll.NewAPIKey(ws.ID, "plan", nil, nil, time.Now())
			if err := db.CreateWorkspace(ctx, ws, key); err != nil {
				t.Fatal(err)
			}
			e.a = enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
			// other is an instance of another program: an approval there
			// counts for enrolledInOtherProgram().
			for i, slug := range []string{"2026", "other"} {
				p := &enroll.Program{Slug: "solar-" + slug, Name: "Solar"}
				if err := db.CreateProgram(ctx, e.a, p); err != nil {
					t.Fatal(err)
				}
				in := &enroll.ProgramInstance{ProgramID: p.ID, Slug: slug, Name: slug, Status: enroll.InstanceActive, AutoEvaluate: true,
					EligibilityRules: []enroll.Rule{
						{Name: "ny", Expression: `inStates(["NY"])`, Reason: "Outside NY."},
						{Name: "not-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Enrolled elsewhere."},
					}}
				if err := db.CreateInstance(ctx, e.a, in); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					e.inst = in
				} else {
					e.other = in
				}
			}
			if tt.before != nil {
				tt.before(t, e)
			}
			planned := sqlite.PlannedCreates(db)
			if tt.between != nil {
				// What between creates may be planned too; only the create
				// under test counts.
				sqlite.AfterPlan(db, func() { tt.between(t, e); planned = sqlite.PlannedCreates(db) })
			}
			got, err := create(e, e.inst, "suzie@example.com")
			if used := sqlite.PlannedCreates(db) > planned; used != tt.planUsed {
				t.Errorf("plan used: %v, want %v", used, tt.planUsed)
			}
			if tt.wantCode != "" {
				if enroll.ErrorCode(err) != tt.wantCode {
					t.Fatalf("error %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Eligibility.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", got.Eligibility.Status, tt.wantStatus)
			}
			// What was returned is what was stored, with its history.
			stored, err := db.FindEnrollment(ctx, e.a.WorkspaceID, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Eligibility.Status != got.Eligibility.Status || stored.Version != got.Version || !stored.CreatedAt.Equal(got.CreatedAt) {
				t.Errorf("stored %s v%d at %v, returned %s v%d at %v", stored.Eligibility.Status, stored.Version, stored.CreatedAt,
					got.Eligibility.Status, got.Version, got.CreatedAt)
			}
			// One customer has the email, and it is the enrollment's: a
			// customer made in between is used, not doubled.
			custs, err := db.ListCustomers(ctx, e.a.WorkspaceID, enroll.CustomerFilter{Email: "suzie@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if len(custs.Data) != 1 || custs.Data[0].ID != got.CustomerID {
				t.Fatalf("customers with the email: %d; enrollment's customer %s", len(custs.Data), got.CustomerID)
			}
		})
	}
}
