package rules

import (
	"cel.dev/cel-go/common/cost"

	"github.com/enrollhq/enroll"
)

// sizeEstimator bounds the sizes of the variables' strings, lists and maps
// for static cost estimation. The variables are dynamic maps, so CEL alone
// would take every size as unbounded and reject any rule that iterates a
// list; the bounds follow the domain's validation limits instead.
type sizeEstimator struct{}

// freeForm names the fields holding arbitrary JSON, bounded only by the
// metadata size limit.
var freeForm = map[string]bool{"metadata": true, "attributes": true, "configuration": true, "value": true, "params": true}

// lists names the domain's list fields, which hold at most
// enroll.MaxListItems items.
var lists = map[string]bool{
	"manufacturerSlugs": true, "devices": true, "tags": true, "parameters": true, "groupIds": true,
	"eligibilityRules": true, "groups": true, "options": true, "trace": true,
}

// longText names the fields allowed the long text limit.
var longText = map[string]bool{"notes": true, "referenceDescription": true, "reason": true, "expression": true}

// EstimateSize implements cost.Estimator.
func (sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) == 0 {
		return nil
	}
	switch path[0] {
	case varEnrollment, varCustomer, varInstance:
	default:
		return nil
	}
	limit := uint64(enroll.MaxNameLength) // names and other short strings, and the objects themselves
	for _, p := range path[1:] {
		if freeForm[p] {
			limit = enroll.MaxMetadataBytes
			break
		}
	}
	if last := path[len(path)-1]; limit != enroll.MaxMetadataBytes {
		switch {
		case lists[last]:
			limit = enroll.MaxListItems
		case longText[last]:
			limit = enroll.MaxTextLength
		}
	}
	s := cost.RangedSizeEstimate(0, limit)
	return &s
}

// EstimateCallCost implements cost.Estimator; CEL's defaults apply.
func (sizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}
