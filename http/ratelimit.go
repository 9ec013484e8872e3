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
// at once and rate per second after that. Buckets are in memory. When the
// store lets replicas exchange their usage (enroll.RateUsageExchange),
// each replica also spends from its buckets the requests the others
// admitted (shareRateUsage), so that a key's limit holds for the service:
// every replica's bucket estimates the one bucket of the service.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	takes   int
	// used counts the requests admitted per key since drain, when share
	// is set (the server publishes them).
	share bool
	used  map[string]int
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
		// Capped: twice a rate past 4.6e18 would overflow int to a
		// negative burst, which refuses every request.
		burst = int(min(math.Ceil(2*rate), math.MaxInt32))
	}
	return &rateLimiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}, used: map[string]int{}}
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
	b := l.refill(id, now)
	if b.tokens < 1 {
		return false, 0, l.seconds(1 - b.tokens)
	}
	b.tokens--
	if l.share {
		l.used[id]++
	}
	return true, int(b.tokens), l.seconds(l.burst - b.tokens)
}

// refill returns key id's bucket, refilled up to now. l.mu is held.
func (l *rateLimiter) refill(id string, now time.Time) *bucket {
	b := l.buckets[id]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[id] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

// drain returns the requests admitted per key since the last drain, or
// nil when there were none.
func (l *rateLimiter) drain() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.used) == 0 {
		return nil
	}
	used := l.used
	l.used = map[string]int{}
	return used
}

// spend takes from the buckets the requests other replicas admitted, and
// returns how many it took. A bucket may go below zero, by as much as a
// burst: the replicas together admitted more than the key's tokens
// before they heard of each other, and the next requests wait for it.
func (l *rateLimiter) spend(used map[string]int) int {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for id, n := range used {
		if n <= 0 {
			continue
		}
		b := l.refill(id, now)
		b.tokens = max(-l.burst, b.tokens-float64(n))
		total += n
	}
	return total
}

// seconds is how long refilling n tokens takes, at most about 292 years:
// a rate below about 1e-9 per second would overflow Duration to a
// negative wait (a Retry-After of 1 s).
func (l *rateLimiter) seconds(n float64) time.Duration {
	s := n / l.rate
	if maxSeconds := float64(math.MaxInt64 / int64(time.Second)); s >= maxSeconds {
		return time.Duration(maxSeconds) * time.Second
	}
	return time.Duration(s * float64(time.Second))
}

// prune forgets buckets that have refilled: they equal a new bucket.
func (l *rateLimiter) prune(now time.Time) {
	for id, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, id)
		}
	}
}

// rateLimit spends a token of the key's bucket and sets the RateLimit
// headers (takeToken); it returns the 429 problem to answer, with
// Retry-After, when the bucket is empty.
func (s *Server) rateLimit(ctx huma.Context, keyID string) *Problem {
	secs := s.takeToken(ctx.SetHeader, keyID)
	if secs == 0 {
		return nil
	}
	return newProblem(http.StatusTooManyRequests, "This API key sends requests too fast; retry after "+strconv.Itoa(secs)+" s.")
}

// takeToken spends a token of key keyID's bucket and sets the RateLimit
// headers (IETF draft: limit, remaining, seconds to reset) with set. When
// the bucket is empty it also sets Retry-After, and returns its seconds;
// else 0, as it does when rate limiting is off.
func (s *Server) takeToken(set func(name, value string), keyID string) int {
	if s.limiter == nil {
		return 0
	}
	ok, remaining, wait := s.limiter.take(keyID)
	n := max(1, int(math.Ceil(wait.Seconds())))
	secs := strconv.Itoa(n)
	set("RateLimit-Limit", strconv.Itoa(int(s.limiter.burst)))
	set("RateLimit-Remaining", strconv.Itoa(remaining))
	set("RateLimit-Reset", secs)
	set("RateLimit-Policy", strconv.Itoa(int(s.limiter.burst))+";w="+strconv.Itoa(max(1, int(math.Ceil(s.limiter.seconds(s.limiter.burst).Seconds())))))
	if ok {
		return 0
	}
	set("Retry-After", secs)
	return n
}

// AdmitKey admits a request that a handler served with the API
// (Config.Console) authenticated itself, with API key keyID: it names the
// key in the request's access log line, as authenticate does for the API,
// and spends a token of the key's rate limit, which the key's API requests
// share, setting the RateLimit headers on w. It returns 0 when the request
// may go on. Otherwise the key has no token left: Retry-After is set, and
// it returns how long to wait, for the handler's 429.
func (s *Server) AdmitKey(w http.ResponseWriter, r *http.Request, keyID string) time.Duration {
	setLogKey(r.Context(), keyID)
	return time.Duration(s.takeToken(w.Header().Set, keyID)) * time.Second
}
