package rules

// Compiles reports how many rulesets e has compiled, so tests can see the
// cache at work.
func Compiles(e *Engine) int64 { return e.compiles.Load() }

// CacheLen reports how many compiled rulesets e holds.
func CacheLen(e *Engine) int { return e.cache.len() }
