package main

import "fmt"

// quantity returns "1 row" or "3 rows": n and the noun that agrees with it.
func quantity(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
