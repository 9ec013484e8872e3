package enroll

import (
	"crypto/rand"
	"encoding/binary"
	randv2 "math/rand/v2"
	"sync"
	"time"
)

// idLength is the length of generated ids: CUID2's default.
const idLength = 24

// idTimeDigits is the number of base-36 digits of the time prefix: Unix
// milliseconds fit in eight until 2059.
const idTimeDigits = 8

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// idHalf is 36^8: each half of an id's random part is a number below it,
// written in eight base-36 digits.
const idHalf = 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36

// idGen makes ids that follow one another (NewID): it holds the time and
// random part of the last id it made.
type idGen struct {
	mu     sync.Mutex
	ms     uint64
	hi, lo uint64 // the random part, hi*idHalf + lo
}

// ids is the process's idGen.
var ids idGen

// NewID returns a collision-resistant identifier of 24 lowercase base-36
// characters: the Unix time in milliseconds (8 digits), then 16 digits
// that start, in each millisecond, at a random number (82 bits from
// crypto/rand).
//
// The time prefix is there for the database, not for clients (ids stay
// opaque; lists order by createdAt): ids made one after the other sort one
// after the other, so every index keyed by an id (primary keys, the event
// and history indexes by enrollment) grows at its right edge instead of
// taking random inserts all over the tree, which at a million rows means
// pages read from disk and rewritten on every insert. It reveals no more
// than the createdAt every object carries. Until 2059 the first character
// is a letter, as in CUID2.
//
// The ids of one process strictly increase, as ULID's monotonic mode
// makes them: within a millisecond (or while the clock is behind the last
// id's) each id is the last one's random part plus a random step of 1 to
// 2^32, so the rows an import writes in one transaction, which share
// their createdAt, list in the file's order (lists break ties by id).
// Ids of two processes in the same millisecond collide only where their
// runs of steps meet, which is about as unlikely as two random 82-bit
// numbers meeting: each of n ids is as likely to land on one of the
// other's as a random one, so a collision stays as unlikely as one of
// CUID2 ids. Should a millisecond's ids run out of random part (never, in
// practice: 2^50 ids), the next ones take the next millisecond.
func NewID() string { return ids.next(uint64(time.Now().UnixMilli())) }

// next returns the id that follows g's last one at Unix millisecond now.
func (g *idGen) next(now uint64) string {
	step := 1 + randv2.Uint64N(1<<32)
	g.mu.Lock()
	if now > g.ms {
		g.ms = now
		g.hi, g.lo = idStart()
	} else if g.lo += step; g.lo >= idHalf {
		g.lo -= idHalf
		if g.hi++; g.hi >= idHalf {
			g.ms++
			g.hi, g.lo = idStart()
		}
	}
	ms, hi, lo := g.ms, g.hi, g.lo
	g.mu.Unlock()

	var b [idLength]byte
	for i := idTimeDigits - 1; i >= 0; i-- {
		b[i] = base36[ms%36]
		ms /= 36
	}
	for i := 7; i >= 0; i-- {
		b[idTimeDigits+i] = base36[hi%36]
		b[idTimeDigits+8+i] = base36[lo%36]
		hi /= 36
		lo /= 36
	}
	return string(b[:])
}

// idStart returns a random start for a millisecond's ids: two numbers
// below idHalf. Each is a 64-bit word's remainder: 36^8 < 2^42, so the
// bias of the remainders is below 2^-22 and keeps over 80 bits of entropy
// in all.
func idStart() (hi, lo uint64) {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return binary.LittleEndian.Uint64(r[:8]) % idHalf, binary.LittleEndian.Uint64(r[8:]) % idHalf
}

// ValidID reports whether s could be an id: used to answer 404 at once for
// path parameters that no store could hold.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
