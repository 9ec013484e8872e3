package http

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// pruneEvery is how many requests pass between sweeps of idle buckets.
const pruneEvery = 4096

// rateLimiter is a token bucket per API key: a key may make burst requests
// at once and rate per second after that. Buckets are in memory, so each
// replica of the service limits on its own (N replicas allow N times the
// rate); the limit protects each process, not a global quota.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	takes   int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// newRateLimiter returns a limiter, or nil when rate is not positive (no
// limit). A burst of 0 means twice the rate.
func newRateLimiter(rate float64, burst int) *rateLimiter {
	if rate <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = int(math.Ceil(2 * rate))
	}
	return &rateLimiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// take spends a token from key id's bucket. It reports whether the request
// may go on, the whole tokens left, and how long until the next token (when
// refused) or until the bucket is full again (when allowed).
func (l *rateLimiter) take(id string) (ok bool, remaining int, wait time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.takes++
	if l.takes%pruneEvery == 0 {
		l.prune(now)
	}
	b := l.buckets[id]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[id] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, 0, l.seconds(1 - b.tokens)
	}
	b.tokens--
	return true, int(b.tokens), l.seconds(l.burst - b.tokens)
}

// seconds is how long refilling n tokens takes.
func (l *rateLimiter) seconds(n float64) time.Duration {
	return time.Duration(n / l.rate * float64(time.Second))
}

// prune forgets buckets that have refilled: they equal a new bucket.
func (l *rateLimiter) prune(now time.Time) {
	full := l.seconds(l.burst)
	for id, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, id)
		}
	}
}

// rateLimit spends a token of the key's bucket and sets the RateLimit
// headers (IETF draft: limit, remaining, seconds to reset); it returns the
// 429 problem to answer, with Retry-After, when the bucket is empty.
func (s *Server) rateLimit(ctx huma.Context, keyID string) *Problem {
	if s.limiter == nil {
		return nil
	}
	ok, remaining, wait := s.limiter.take(keyID)
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	ctx.SetHeader("RateLimit-Limit", strconv.Itoa(int(s.limiter.burst)))
	ctx.SetHeader("RateLimit-Remaining", strconv.Itoa(remaining))
	ctx.SetHeader("RateLimit-Reset", secs)
	ctx.SetHeader("RateLimit-Policy", strconv.Itoa(int(s.limiter.burst))+";w="+strconv.Itoa(max(1, int(math.Ceil(s.limiter.burst/s.limiter.rate)))))
	if ok {
		return nil
	}
	ctx.SetHeader("Retry-After", secs)
	return newProblem(http.StatusTooManyRequests, "This API key sends requests too fast; retry after "+secs+" s.")
}
