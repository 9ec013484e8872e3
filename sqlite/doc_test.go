package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestDecodeAsEncodingJSON writes documents of every kind through the store,
// with every optional part filled in (parameters and their errors, rules
// and traces, history, previousAttributes), and checks that decode reads
// each one exactly as encoding/json would.
func TestDecodeAsEncodingJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "doc.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "docs"}
	key, _ := enroll.NewAPIKey(ws.ID, "docs", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_docs"}
	p := &enroll.Program{Slug: "solar", Name: "Solar ☀", Description: "Line\nbreak \"quoted\" <b>", States: []string{"NY"}, Active: true}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	capacity := 10
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive, AutoEvaluate: true,
		Capacity: &capacity, Metadata: map[string]any{"n": 1.5, "list": []any{"a", true, nil}, "nested": map[string]any{"x": "é"}},
		EligibilityRules: []enroll.Rule{{Name: "ny", Expression: `inStates(["NY"])`, Reason: "Outside NY."},
			{Name: "not-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Elsewhere."}},
		Parameters: []enroll.Parameter{
			{ExternalID: "kw", Name: "System size", Type: "number", Constraints: enroll.ParameterConstraints{Required: true}},
			{ExternalID: "acct", Name: "Account", Type: "string", Constraints: enroll.ParameterConstraints{Unique: true, Pattern: "^[0-9]+$"}},
		}}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	for i, in := range []*enroll.EnrollmentCreate{
		{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Zoë", LastName: "O'Hara", Email: "zoe@example.com", Phone: "+12125550100",
			Address:    &enroll.Address{StreetOne: "1 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
			Parameters: []enroll.ParameterValue{{ExternalID: "kw", Value: 7.5}, {ExternalID: "acct", Value: "123"}},
			Tags:       []string{"a", "b"}, ManufacturerSlugs: []string{"tesla"}, ReferenceID: "ref-1"},
		{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Bad", LastName: "Params", Email: "bad@example.com",
			Address:    &enroll.Address{StreetOne: "2 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
			Parameters: []enroll.ParameterValue{{ExternalID: "acct", Value: "456"}}, EligibilityStatus: enroll.StatusSubmitted},
	} {
		e, err := db.CreateEnrollment(ctx, a, inst.ID, in)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if _, err := db.UpdateEnrollment(ctx, a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "n\u2028"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// The parts the documents must hold for the comparison to mean much.
	var withParts int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE doc LIKE '%"trace":[{%' AND doc LIKE '%"parameters":[{%'`).
		Scan(&withParts); err != nil || withParts == 0 {
		t.Fatalf("no enrollment with a trace and parameters (%v)", err)
	}
	var withPrev int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE doc LIKE '%"previousAttributes":{%'`).Scan(&withPrev); err != nil || withPrev == 0 {
		t.Fatalf("no event with previousAttributes (%v)", err)
	}
	check := func(table string, decodeBoth func(doc string) (v1, v2 any, err error)) {
		rows, err := db.r.QueryContext(ctx, `SELECT doc FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				t.Fatal(err)
			}
			v1, v2, err := decodeBoth(doc)
			if err != nil {
				t.Fatalf("%s: %v\n%s", table, err, doc)
			}
			if !reflect.DeepEqual(v1, v2) {
				t.Errorf("%s: decode differs from encoding/json:\n%+v\n%+v", table, v2, v1)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no documents", table)
		}
	}
	check("programs", both[enroll.Program])
	check("program_instances", both[enroll.ProgramInstance])
	check("customers", both[enroll.Customer])
	check("enrollments", both[enroll.Enrollment])
	check("status_changes", both[enroll.StatusChange])
	check("events", both[enroll.Event])
}

// both decodes doc with encoding/json and with decode.
func both[T any](doc string) (any, any, error) {
	v1 := new(T)
	if err := json.Unmarshal([]byte(doc), v1); err != nil {
		return nil, nil, err
	}
	v2, err := decode[T](doc)
	return v1, v2, err
}
