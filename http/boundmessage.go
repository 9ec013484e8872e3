package http

import (
	"fmt"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

func init() {
	// Huma writes a schema's bounds into its validation messages with %v
	// of a float64, which Go prints with an exponent from a million up:
	// "expected number <= 1e+09" for capacity, "<= 2.147483647e+09" for
	// page. A client shows the message as it is, so the numbers are
	// written as people read them.
	huma.ErrorFormatter = formatBound
}

// formatBound is fmt.Sprintf with each float64 argument written in
// decimal, without an exponent (1000000000, 0.5).
func formatBound(format string, args ...any) string {
	for i, a := range args {
		if f, ok := a.(float64); ok {
			args[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return fmt.Sprintf(format, args...)
}
