package main

import "github.com/enrollhq/enroll"

// cloneLabel is one label counter a clone adds to: a label of a template
// in the template's status.
type cloneLabel struct {
	label  enroll.Label
	status enroll.Status
}

// cloneLabelCounts returns what n copies of ts, taken in turn (copy i is
// of ts[i%len(ts)]), add to the label counters of their instance, which
// the SQLite store keeps beside enrollment_counts (enrollment_label_counts):
// a clone writes rows behind the store's back, and must keep both true.
// (PostgreSQL's triggers count a clone's rows themselves.)
func cloneLabelCounts(ts []template, n int) map[cloneLabel]int {
	out := map[cloneLabel]int{}
	for j := range ts {
		copies := n / len(ts)
		if j < n%len(ts) {
			copies++
		}
		if copies == 0 {
			continue
		}
		for _, l := range ts[j].e.Labels() {
			out[cloneLabel{l, ts[j].status}] += copies
		}
	}
	return out
}
