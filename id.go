package enroll

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// idLength is the length of generated ids: CUID2's default.
const idLength = 24

// idTimeDigits is the number of base-36 digits of the time prefix: Unix
// milliseconds fit in eight until 2059.
const idTimeDigits = 8

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// NewID returns a collision-resistant identifier of 24 lowercase base-36
// characters: the Unix time in milliseconds (8 digits), then 16 random
// digits (82 bits from crypto/rand).
//
// The time prefix is there for the database, not for clients (ids stay
// opaque; lists order by createdAt): ids made one after the other sort one
// after the other, so every index keyed by an id (primary keys, the event
// and history indexes by enrollment) grows at its right edge instead of
// taking random inserts all over the tree, which at a million rows means
// pages read from disk and rewritten on every insert. It reveals no more
// than the createdAt every object carries. The random part makes a
// collision within one millisecond as unlikely as a collision of CUID2
// ids. Until 2059 the first character is a letter, as in CUID2.
func NewID() string {
	var b [idLength]byte
	ms := uint64(time.Now().UnixMilli())
	for i := idTimeDigits - 1; i >= 0; i-- {
		b[i] = base36[ms%36]
		ms /= 36
	}
	var r [16]byte
	_, _ = rand.Read(r[:])
	// Each 64-bit word gives 8 digits: 36^8 < 2^42, so the bias of the
	// remainders is below 2^-22 and keeps over 80 bits of entropy in all.
	for w := range 2 {
		x := binary.LittleEndian.Uint64(r[w*8:])
		for i := range 8 {
			b[idTimeDigits+w*8+i] = base36[x%36]
			x /= 36
		}
	}
	return string(b[:])
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
