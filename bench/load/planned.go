package main

import "fmt"

// planned are the figures issue 9 asks for whose features do not exist
// yet. Each shows as a row saying so until a workload (workloads.go), a
// backend (backend.go) or a figure (figures, below) with its key is
// registered from a file of its own.
var planned = []struct {
	key, what string
	issue     int
}{
	{"import", "bulk import, rows/s", 6},
	{"postgres", "PostgreSQL next to SQLite, every workload (and a bare PostgreSQL baseline)", 3},
}

// plannedTable lists the planned figures not built yet.
func plannedTable() table {
	t := table{title: "Not measured yet", head: []string{"figure", "status"}}
	for _, p := range planned {
		if registered(p.key) {
			continue
		}
		t.rows = append(t.rows, []string{p.what, fmt.Sprintf("not built yet (issue %d)", p.issue)})
	}
	return t
}

// figures are the figures measured outside the workloads of each size
// (the import), by key; each registers itself from its file.
var figures = map[string]bool{}

// registered reports whether a workload, backend or figure named key exists.
func registered(key string) bool {
	if backends[key] != nil || figures[key] {
		return true
	}
	for _, w := range workloads {
		if w.key == key {
			return true
		}
	}
	return false
}
