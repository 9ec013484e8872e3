package rules

// Compiles reports how many rulesets e has compiled, so tests can see the
// cache at work.
func Compiles(e *Engine) int64 { return e.compiles.Load() }

// CacheLen reports how many compiled rulesets e holds.
func CacheLen(e *Engine) int { return e.cache.len() }

// WithReferencePath makes e evaluate as the engine did before its fast
// paths: variables converted through JSON, helpers late-bound, every
// program run by ContextEval, no native rules. The fast paths must give
// the same evaluations.
func WithReferencePath() Option { return func(e *Engine) { e.reference = true } }
