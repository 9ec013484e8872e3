package enroll

import (
	"crypto/rand"
	"crypto/sha3"
	"encoding/binary"
	"math/big"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// idLength is the length of generated ids: CUID2's default.
const idLength = 24

var (
	idCounter     atomic.Uint64
	idFingerprint = func() []byte {
		host, _ := os.Hostname()
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return append(b, []byte(host+strconv.Itoa(os.Getpid()))...)
	}()
)

func init() {
	var b [8]byte
	_, _ = rand.Read(b[:])
	idCounter.Store(binary.BigEndian.Uint64(b[:]) >> 16)
}

// NewID returns a collision-resistant identifier in the CUID2 style: a
// lowercase letter followed by 23 base-36 characters of a SHA3-512 hash of
// time, a per-process counter, a host fingerprint and random entropy. Ids are
// opaque and unordered; lists order by createdAt with the id as tie-breaker.
func NewID() string {
	var buf [8 + 8 + 32]byte
	binary.BigEndian.PutUint64(buf[0:], uint64(time.Now().UnixNano()))
	binary.BigEndian.PutUint64(buf[8:], idCounter.Add(1))
	_, _ = rand.Read(buf[16:])
	h := sha3.New512()
	h.Write(buf[:])
	h.Write(idFingerprint)
	sum := h.Sum(nil)
	s := new(big.Int).SetBytes(sum).Text(36)
	var first [1]byte
	_, _ = rand.Read(first[:])
	id := string(rune('a'+int(first[0])%26)) + s
	if len(id) < idLength {
		id += s
	}
	return id[:idLength]
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
