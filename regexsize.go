package enroll

import (
	"math"
	"regexp/syntax"
)

// MaxPatternInstructions bounds the program a parameter's pattern compiles
// to. Every write of an enrollment compiles the patterns of its instance's
// parameters, in the store's write transaction; compiling takes about a
// microsecond an instruction, and repetitions multiply them: ".{0,1000}"
// 450 times, 4,050 characters, compiles to 900,000 instructions, for over
// a second. Patterns that check a value of up to 256 characters take a
// few hundred.
const MaxPatternInstructions = 5000

// RegexInstructions returns about how many instructions pattern (RE2, as
// regexp reads it) compiles to, from its parse, without compiling it, as
// regexp/syntax counts them to bound a program; or the error
// regexp.Compile would give.
func RegexInstructions(pattern string) (uint64, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, err
	}
	return regexSize(re), nil
}

func regexSize(re *syntax.Regexp) uint64 {
	var n uint64
	switch re.Op {
	case syntax.OpLiteral:
		n = uint64(len(re.Rune))
	case syntax.OpCapture, syntax.OpStar:
		n = satAdd(2, regexSize(re.Sub[0]))
	case syntax.OpPlus, syntax.OpQuest:
		n = satAdd(1, regexSize(re.Sub[0]))
	case syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			n = satAdd(n, regexSize(sub))
		}
		if re.Op == syntax.OpAlternate && len(re.Sub) > 1 {
			n = satAdd(n, uint64(len(re.Sub)-1))
		}
	case syntax.OpRepeat:
		sub := regexSize(re.Sub[0])
		switch {
		case re.Max == -1 && re.Min == 0:
			n = satAdd(2, sub)
		case re.Max == -1:
			n = satAdd(1, satMul(uint64(re.Min), sub))
		default:
			n = satAdd(satMul(uint64(re.Max), sub), uint64(re.Max-re.Min))
		}
	default:
		n = 1
	}
	return n
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func satMul(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}
