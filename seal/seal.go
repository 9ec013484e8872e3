// Package seal encrypts secrets at rest with AES-256-GCM under keys the
// operator holds: it implements enroll.SecretSealer, with which the
// stores keep webhook signing secrets sealed in the database.
//
// A sealed value is "aes-256-gcm:v1:<key id>:<base64 of nonce and
// ciphertext>": the scheme and its version, so that another scheme can
// come beside it, and the key's id, the first 4 bytes (8 hex digits) of
// the SHA-256 of the key, so that the key that opens it is found at once
// among several and a value no configured key sealed is told apart from
// a damaged one. The nonce is 12 random bytes per seal; the additional
// data binds a value to its record.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/enrollhq/enroll"
)

// KeySize is the size of a key: 32 bytes, for AES-256.
const KeySize = 32

// scheme starts every sealed value, with its version.
const scheme = "aes-256-gcm:v1:"

// Sealer seals with its first key and opens with any of its keys, so
// that keys can be rotated: a new key put first seals from then on while
// the older ones still open what they sealed.
type Sealer struct {
	keys []key
}

// key is one AES-256-GCM key and its id.
type key struct {
	id   string
	aead cipher.AEAD
}

var _ enroll.SecretSealer = (*Sealer)(nil)

// New returns a Sealer with keys, the sealing one first. It refuses no
// keys, a key of another size than KeySize, and a key given twice.
func New(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("seal: no key")
	}
	s := &Sealer{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want %d", i+1, len(k), KeySize)
		}
		id := KeyID(k)
		for j, other := range s.keys {
			if other.id == id {
				return nil, fmt.Errorf("seal: key %d is key %d again", i+1, j+1)
			}
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		s.keys = append(s.keys, key{id: id, aead: aead})
	}
	return s, nil
}

// Parse returns a Sealer with keys given as base64 text (standard
// encoding, as `openssl rand -base64 32` prints them), the sealing one
// first. Its errors name a key by its position, never by its text.
func Parse(texts []string) (*Sealer, error) {
	keys := make([][]byte, 0, len(texts))
	for i, t := range texts {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t))
		if err != nil {
			return nil, fmt.Errorf("seal: key %d is not base64; make one with: openssl rand -base64 32", i+1)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want %d; make one with: openssl rand -base64 32", i+1, len(k), KeySize)
		}
		keys = append(keys, k)
	}
	return New(keys...)
}

// KeyID returns the id of a key that sealed values name: the first 4
// bytes of its SHA-256, in hex. It says which key sealed a value, and
// reveals nothing usable of the key.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:4])
}

// KeyPrefix returns the prefix of the values that the key of id (KeyID)
// sealed, as KeyPrefixes gives those of a Sealer's keys, for a key not at
// hand: one the operator declared lost. It takes the id alone or as a
// refused start names it, after its scheme ("aes-256-gcm:v1:<id>"), and
// refuses anything but 8 hex digits.
func KeyPrefix(id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), scheme), ":")
	if b, err := hex.DecodeString(id); err != nil || len(b) != 4 {
		return "", fmt.Errorf("seal: %q is not a key id: 8 hex digits, as a refused start names it", id)
	}
	return scheme + strings.ToLower(id) + ":", nil
}

// KeyPrefixes implements enroll.SecretSealer.
func (s *Sealer) KeyPrefixes() []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = scheme + k.id + ":"
	}
	return out
}

// Seal implements enroll.SecretSealer: under the first key, with a new
// random nonce.
func (s *Sealer) Seal(plaintext, additional string) (string, error) {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(additional))
	return scheme + k.id + ":" + base64.StdEncoding.EncodeToString(out), nil
}

// Open implements enroll.SecretSealer.
func (s *Sealer) Open(sealed, additional string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, scheme)
	if !ok {
		return "", fmt.Errorf("seal: %w", enroll.ErrNotSealed)
	}
	id, data, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("seal: %w", enroll.ErrSealBroken)
	}
	for _, k := range s.keys {
		if k.id != id {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil || len(b) < k.aead.NonceSize() {
			return "", fmt.Errorf("seal: %w", enroll.ErrSealBroken)
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, b[:n], b[n:], []byte(additional))
		if err != nil {
			return "", fmt.Errorf("seal: key %s: %w", id, enroll.ErrSealBroken)
		}
		return string(plain), nil
	}
	return "", fmt.Errorf("seal: key %s: %w", id, enroll.ErrSealKeyUnknown)
}
