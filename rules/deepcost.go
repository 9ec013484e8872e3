package rules

import (
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// CEL prices a call by the sizes of its arguments, and the size of a list
// or map is its number of entries, however much they hold. Where a call's
// work goes all the way down a value, that let a rule do far more than its
// cost said: "%s".format([enrollment]) cost 1 and formatted every member,
// metadata included (4 ms on 16 KiB of metadata, so 1,000 of them ran 4 s
// within the limit), and enrollment == enrollment compared every entry of
// its metadata for the cost of its 30 members. deepCosts prices such calls
// by what they walk, at about the time a unit of other work takes
// (measured; TestDeepCallsWithinTheCostLimit), so the cost limit bounds them too.

const (
	// perNode is the cost of each value a comparison goes through, a
	// string costing 1 more per 10 bytes, as CEL's own comparisons do.
	perNode = 4
	// perFormattedByte is the cost of each byte format writes.
	perFormattedByte = 4
	// perQuotedByte is the cost of each byte strings.quote writes.
	perQuotedByte = 1
)

// The overloads deepCosts prices, beyond CEL's operators.
const (
	overloadFormat         = "string_format"
	overloadQuote          = "strings_quote"
	overloadDistinct       = "list_distinct"
	overloadSetsContains   = "list_sets_contains_list"
	overloadSetsEquivalent = "list_sets_equivalent_list"
	overloadSetsIntersects = "list_sets_intersects_list"
	overloadHasOnly        = "list_hasOnly_list"
	overloadHasAny         = "list_hasAny_list"
	overloadHasAll         = "list_hasAll_list"
	overloadHasExactly     = "list_hasExactly_list"
)

// deepCosts returns the trackers that price those calls by the values they
// walk, counted up to limit (past it the evaluation stops anyway). The
// comparisons leave CEL's price where they compare no list or map.
func deepCosts(limit uint64) []cost.TrackerOption {
	equality := func(args []ref.Val, _ ref.Val) *uint64 {
		if len(args) != 2 || !isContainer(args[0]) || !isContainer(args[1]) {
			return nil
		}
		return priced(comparedSize(args[0], args[1], limit))
	}
	in := func(args []ref.Val, _ ref.Val) *uint64 {
		if len(args) != 2 || !isContainer(args[0]) {
			return nil
		}
		l, ok := args[1].(traits.Lister)
		if !ok {
			return nil
		}
		var n uint64
		for it := l.Iterator(); it.HasNext() == types.True && n <= limit; {
			n = cost.SafeAdd(n, comparedSize(args[0], it.Next(), limit))
		}
		return priced(n)
	}
	// Set operations compare items of one list with items of the other.
	sets := func(args []ref.Val, _ ref.Val) *uint64 {
		if len(args) != 2 {
			return nil
		}
		a, aok := args[0].(traits.Lister)
		b, bok := args[1].(traits.Lister)
		if !aok || !bok || !holdsContainer(a) && !holdsContainer(b) {
			return nil
		}
		var n uint64
		for i := a.Iterator(); i.HasNext() == types.True && n <= limit; {
			x := i.Next()
			for j := b.Iterator(); j.HasNext() == types.True && n <= limit; {
				n = cost.SafeAdd(n, comparedSize(x, j.Next(), limit))
			}
		}
		return priced(n)
	}
	distinct := func(args []ref.Val, _ ref.Val) *uint64 {
		if len(args) != 1 {
			return nil
		}
		l, ok := args[0].(traits.Lister)
		if !ok || !holdsContainer(l) {
			return nil
		}
		var n uint64
		size := int64(listLen(l))
		for i := int64(0); i < size && n <= limit; i++ {
			x := l.Get(types.Int(i))
			for j := i + 1; j < size && n <= limit; j++ {
				n = cost.SafeAdd(n, comparedSize(x, l.Get(types.Int(j)), limit))
			}
		}
		return priced(n)
	}
	written := func(perByte uint64) cost.FunctionTracker {
		return func(_ []ref.Val, result ref.Val) *uint64 {
			s, ok := result.(types.String)
			if !ok {
				return nil
			}
			c := cost.SafeAdd(1, cost.SafeMultiply(uint64(len(s)), perByte))
			return &c
		}
	}
	return []cost.TrackerOption{
		cost.OverloadTracker(overloads.Equals, equality),
		cost.OverloadTracker(overloads.NotEquals, equality),
		cost.OverloadTracker(overloads.InList, in),
		cost.OverloadTracker(overloadSetsContains, sets),
		cost.OverloadTracker(overloadSetsEquivalent, sets),
		cost.OverloadTracker(overloadSetsIntersects, sets),
		cost.OverloadTracker(overloadHasOnly, sets),
		cost.OverloadTracker(overloadHasAny, sets),
		cost.OverloadTracker(overloadHasAll, sets),
		cost.OverloadTracker(overloadHasExactly, sets),
		cost.OverloadTracker(overloadDistinct, distinct),
		cost.OverloadTracker(overloadFormat, written(perFormattedByte)),
		cost.OverloadTracker(overloadQuote, written(perQuotedByte)),
	}
}

func priced(nodes uint64) *uint64 {
	c := cost.SafeMultiply(nodes, perNode)
	return &c
}

func isContainer(v ref.Val) bool {
	switch v.(type) {
	case traits.Lister, traits.Mapper:
		return true
	}
	return false
}

// holdsContainer reports whether a list has a list or a map among its items.
func holdsContainer(l traits.Lister) bool {
	for it := l.Iterator(); it.HasNext() == types.True; {
		if isContainer(it.Next()) {
			return true
		}
	}
	return false
}

func listLen(l traits.Lister) uint64 {
	n, _ := l.Size().(types.Int)
	return uint64(max(n, 0))
}

// comparedSize counts the values an equality of a and b can go through,
// at most: it walks them together as the equality does, into the entries
// of maps and the items of lists of the same size, and the shorter of two
// strings, a string counting 1 more per 10 bytes; it stops counting past
// limit. Values of different kinds or sizes count 1: the equality tells
// them apart at once.
func comparedSize(a, b ref.Val, limit uint64) uint64 {
	n := uint64(0)
	var walk func(a, b ref.Val)
	walk = func(a, b ref.Val) {
		if n > limit {
			return
		}
		n++
		switch x := a.(type) {
		case types.String:
			if y, ok := b.(types.String); ok {
				n += uint64(min(len(x), len(y))) / 10
			}
		case traits.Mapper:
			y, ok := b.(traits.Mapper)
			if !ok || x.Size() != y.Size() {
				return
			}
			for it := x.Iterator(); it.HasNext() == types.True && n <= limit; {
				k := it.Next()
				n++
				// Every key is counted, the equality stopping at one the
				// other lacks or not, so that the count does not depend
				// on the order of the keys, nor an evaluation's outcome.
				va, aok := x.Find(k)
				vb, bok := y.Find(k)
				if aok && bok {
					walk(va, vb)
				}
			}
		case traits.Lister:
			y, ok := b.(traits.Lister)
			if !ok || x.Size() != y.Size() {
				return
			}
			i, j := x.Iterator(), y.Iterator()
			for i.HasNext() == types.True && j.HasNext() == types.True && n <= limit {
				walk(i.Next(), j.Next())
			}
		}
	}
	walk(a, b)
	return n
}
