package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/enrollhq/enroll"
)

// The baselines show the limit of the stack Enroll is built on. They answer
// the same requests with the same JSON on the same routes (baselineRoutes)
// and do nothing else: no authentication, validation, history, events,
// counters or rules. Each is a role of its own file.

// Baseline routes, shared by every baseline server.
const (
	baseCreate = "POST /enrollments"
	baseGet    = "GET /enrollments/{id}"
	baseUpdate = "PATCH /enrollments/{id}"
	baseList   = "GET /instances/{instance}/enrollments"
)

// loadTemplate reads the enrollment the baselines answer with: one the
// store created, so the bodies are the size of Enroll's.
func loadTemplate(path string) (*enroll.Enrollment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e enroll.Enrollment
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return &e, nil
}

// fromRequest returns the enrollment a create request makes: the template
// with the request's participant data, a new id and the current time.
func fromRequest(t *enroll.Enrollment, in *enroll.EnrollmentCreate) *enroll.Enrollment {
	e := *t
	now := time.Now().UTC()
	e.ID, e.CreatedAt, e.UpdatedAt = enroll.NewID(), now, now
	e.FirstName, e.LastName, e.Email, e.Phone, e.Address = in.FirstName, in.LastName, in.Email, in.Phone, in.Address
	e.ManufacturerSlugs, e.SerialNumber, e.Tags = in.ManufacturerSlugs, in.SerialNumber, in.Tags
	e.ReferenceID, e.ReferenceDescription = in.ReferenceID, in.ReferenceDescription
	return &e
}

// decodeCreate reads a create request body.
func decodeCreate(r *http.Request) (*enroll.EnrollmentCreate, error) {
	var in enroll.EnrollmentCreate
	err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&in)
	return &in, err
}

// writeJSON writes b as a JSON response with status code.
func writeJSON(w http.ResponseWriter, code int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
