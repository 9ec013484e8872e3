package enroll

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// ExportColumns are the columns of an enrollment CSV export: the columns an
// import takes, plus the read-only ones (id, status, times) it ignores.
var ExportColumns = []string{
	"id", "identificationType", "programInstanceId", "customerId", "leadId", "enrollmentId",
	"status", "eligibilityReason", "firstName", "lastName", "email", "phone",
	"address.streetOne", "address.streetTwo", "address.city", "address.state", "address.postalCode", "address.country",
	"manufacturerSlugs", "serialNumber", "referenceId", "referenceDescription", "tags", "groupIds",
	"notes", "assignee", "enrollmentStartDate", "enrolledAt", "unenrolledAt",
	"metadata", "parameters", "devices", "createdAt", "updatedAt",
}

// CSVExporter writes enrollments as CSV rows, one at a time.
type CSVExporter struct {
	w   *csv.Writer
	rec []string
}

// NewCSVExporter writes the header row to w and returns the exporter.
func NewCSVExporter(w io.Writer) (*CSVExporter, error) {
	x := &CSVExporter{w: csv.NewWriter(w), rec: make([]string, len(ExportColumns))}
	return x, x.w.Write(ExportColumns)
}

// Write writes one enrollment.
func (x *CSVExporter) Write(e *Enrollment) error {
	a := e.Address
	if a == nil {
		a = &Address{}
	}
	x.rec = append(x.rec[:0],
		e.ID, string(e.IdentificationType), e.ProgramInstanceID, e.CustomerID, e.LeadID, e.EnrollmentID,
		string(e.Eligibility.Status), e.Eligibility.Reason, e.FirstName, e.LastName, e.Email, e.Phone,
		a.StreetOne, a.StreetTwo, a.City, a.State, a.PostalCode, a.Country,
		listCell(e.ManufacturerSlugs), e.SerialNumber, e.ReferenceID, e.ReferenceDescription,
		listCell(e.Tags), listCell(e.GroupIDs), e.Notes, e.Assignee,
		timeCell(e.EnrollmentStartDate), timeCell(e.EnrolledAt), timeCell(e.UnenrolledAt),
		jsonCell(e.Metadata, 0), jsonCell(e.Parameters, len(e.Parameters)), jsonCell(e.Devices, len(e.Devices)),
		e.CreatedAt.Format(time.RFC3339Nano), e.UpdatedAt.Format(time.RFC3339Nano),
	)
	return x.w.Write(x.rec)
}

// Flush writes buffered rows and returns any write error.
func (x *CSVExporter) Flush() error {
	x.w.Flush()
	return x.w.Error()
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// listCell is items separated by "|", as an import reads them (splitList),
// or, when that would not read back the same (an item that holds "|", is
// empty or has spaces around it, or a cell that would start like a JSON
// list), the items as a JSON list of strings, which an import reads too.
func listCell(items []string) string {
	plain := strings.Join(items, "|")
	asJSON := strings.HasPrefix(plain, "[")
	for _, it := range items {
		asJSON = asJSON || it == "" || strings.Contains(it, "|") || strings.TrimSpace(it) != it
	}
	if !asJSON {
		return plain
	}
	return jsonCell(items, len(items))
}

// jsonCell is v as JSON, or "" for an empty list (n == 0) or object.
func jsonCell(v any, n int) string {
	if m, ok := v.(map[string]any); ok {
		n = len(m)
	}
	if n == 0 {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
