package enroll

import "fmt"

// plural returns many when there are more than one, else one.
func plural(more bool, many, one string) string {
	if more {
		return many
	}
	return one
}

// Quantity returns "1 row" or "3 rows": n and the noun that agrees with
// it, for messages (the jobs' and the CLI's).
func Quantity(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
