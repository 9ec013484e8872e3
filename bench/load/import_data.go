package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"

	"github.com/enrollhq/enroll"
)

// importRules are the five rules of the import's instance, of the shapes
// rules take (rules/bench_test.go): territory by state and by postal code,
// equipment, a condition on parameters, and exclusivity, which costs a
// query per evaluation.
var importRules = []enroll.Rule{
	{Name: "state", Expression: `inStates(["NY", "NJ", "CT"])`, Reason: "Outside the service territory."},
	{Name: "postal-code", Expression: `inPostalCodes(["100*", "112*", "07*", "06*"])`, Reason: "Outside the service area."},
	{Name: "equipment", Expression: `hasManufacturer(["tesla", "enphase", "lg"])`, Reason: "No eligible battery or inverter."},
	{Name: "size", Expression: `enrollment.params.size in ["medium", "large"] && enrollment.params.kw >= 3.0`, Reason: "System too small."},
	{Name: "exclusive", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program."},
}

// importParameters are the instance's declared parameters the file fills:
// the account number is unique, which costs a check per row.
var importParameters = []enroll.Parameter{
	{ExternalID: "size", Name: "Home size", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"small", "medium", "large"}}},
	{ExternalID: "kw", Name: "System size (kW)", Type: enroll.ParamNumber},
	{ExternalID: "account", Name: "Utility account", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
}

// importColumns is the header of the generated file: enrollment create
// fields by their API names, as docs/import.md lists them.
var importColumns = []string{"identificationType", "firstName", "lastName", "email", "phone",
	"address.streetOne", "address.streetTwo", "address.city", "address.state", "address.postalCode", "address.country",
	"manufacturerSlugs", "serialNumber", "referenceId", "referenceDescription", "tags",
	"parameters.size", "parameters.kw", "parameters.account"}

// importRow is what the generator knows of row i of the file (0-based):
// whether it is refused (an invalid email), skipped (it repeats the
// previous row's participant) or created, and if created whether the
// rules make it eligible.
type importRow struct{ invalid, duplicate, eligible bool }

// importRowKind returns what row i is. One row in 200 has an invalid
// email and one in 200 repeats its predecessor; of the others a quarter
// live outside the territory, a tenth have no eligible equipment and an
// eighth a home too small, so about half come out eligible.
func importRowKind(i int) importRow {
	switch i % 200 {
	case 50:
		return importRow{invalid: true}
	case 100:
		return importRow{duplicate: true}
	}
	return importRow{eligible: i%4 != 3 && i%10 != 9 && i%8 != 5}
}

// importOutcome is what an import of a file's first rows should report.
type importOutcome struct{ created, skipped, failed, eligible int }

// expectedImport returns the outcome of importing the first n rows of the
// generated file into an empty instance.
func expectedImport(n int) importOutcome {
	var o importOutcome
	for i := range n {
		switch k := importRowKind(i); {
		case k.invalid:
			o.failed++
		case k.duplicate:
			o.skipped++
		default:
			o.created++
			if k.eligible {
				o.eligible++
			}
		}
	}
	return o
}

// writeImportCSV writes a CSV file of n rows to path, streaming them, so
// a file of any size takes constant memory, and returns its size in bytes.
func writeImportCSV(ctx context.Context, path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("import file: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	err = w.Write(importColumns)
	rec := make([]string, len(importColumns))
	for i := 0; i < n && err == nil; i++ {
		if i%10_000 == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
		importRecord(rec, i)
		err = w.Write(rec)
	}
	if w.Flush(); err == nil {
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			size = st.Size()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("import file: %w", err)
	}
	return size, nil
}

// importRecord fills rec with row i of the file.
func importRecord(rec []string, i int) {
	k := importRowKind(i)
	p := i
	if k.duplicate {
		p = i - 1 // the same participant as the row before
	}
	state, zip := "NY", fmt.Sprintf("100%02d", p%100)
	switch {
	case p%4 == 3:
		state, zip = "PA", "19103"
	case p%4 == 1:
		state, zip = "NJ", fmt.Sprintf("07%03d", p%1000)
	case p%12 == 2:
		state, zip = "CT", fmt.Sprintf("06%03d", p%1000)
	}
	makers := "tesla|enphase"
	if p%10 == 9 {
		makers = "sunpower"
	}
	size, kw := "large", "7.5"
	if p%8 == 5 {
		size, kw = "small", "2.4"
	}
	email := "import." + strconv.Itoa(p) + "@example.com"
	if k.invalid {
		email = "import." + strconv.Itoa(p) + " at example.com"
	}
	rec[0] = "customerInfo"
	rec[1] = firstNames[p%len(firstNames)]
	rec[2] = lastNames[(p/len(firstNames))%len(lastNames)]
	rec[3] = email
	rec[4] = fmt.Sprintf("+1212555%04d", p%10000)
	rec[5] = strconv.Itoa(1+p%999) + " Main St"
	rec[6] = "Apt 4B"
	rec[7] = "Springfield"
	rec[8] = state
	rec[9] = zip
	rec[10] = "USA"
	rec[11] = makers
	rec[12] = fmt.Sprintf("SN%010d", p)
	rec[13] = "imp-" + strconv.Itoa(p)
	rec[14] = "Utility customer list, 2026 season."
	rec[15] = "import|solar"
	rec[16] = size
	rec[17] = kw
	rec[18] = fmt.Sprintf("ACC-%09d", p)
}
