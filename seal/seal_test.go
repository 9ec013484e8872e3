package seal_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// testKey is a key of seal.KeySize bytes b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

func mustNew(t *testing.T, keys ...[]byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	const secret, ad = "whsec_c2VjcmV0", "ws\x00whe_1"
	one, two := testKey(1), testKey(2)
	sealed, err := mustNew(t, one).Seal(secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(sealed)
	tampered[len(tampered)-3] ^= 'A' ^ 'B'
	if tampered[len(tampered)-3] == sealed[len(sealed)-3] {
		t.Fatal("tampering changed nothing")
	}
	for _, c := range []struct {
		name    string
		opener  *seal.Sealer
		value   string
		ad      string
		wantErr error
	}{
		{"round trip", mustNew(t, one), sealed, ad, nil},
		{"wrong key", mustNew(t, two), sealed, ad, enroll.ErrSealKeyUnknown},
		{"tampered ciphertext", mustNew(t, one), string(tampered), ad, enroll.ErrSealBroken},
		{"another endpoint's additional data", mustNew(t, one), sealed, "ws\x00whe_2", enroll.ErrSealBroken},
		{"rotation: the old key, second, still opens", mustNew(t, two, one), sealed, ad, nil},
		{"a plain value", mustNew(t, one), secret, ad, enroll.ErrNotSealed},
		{"no key id", mustNew(t, one), "aes-256-gcm:v1:", ad, enroll.ErrSealBroken},
		{"not base64", mustNew(t, one), "aes-256-gcm:v1:" + seal.KeyID(one) + ":%%%", ad, enroll.ErrSealBroken},
		{"too short", mustNew(t, one), "aes-256-gcm:v1:" + seal.KeyID(one) + ":AAAA", ad, enroll.ErrSealBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.opener.Open(c.value, c.ad)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && got != secret) {
				t.Fatalf("Open = %q, %v; want %q, %v", got, err, secret, c.wantErr)
			}
		})
	}
}

// TestSealForm checks what a sealed value shows: the scheme and the
// sealing key's id, never the secret, and a new nonce each time.
func TestSealForm(t *testing.T) {
	t.Parallel()
	one, two := testKey(1), testKey(2)
	s := mustNew(t, two, one)
	a, _ := s.Seal("whsec_c2VjcmV0", "x")
	b, _ := s.Seal("whsec_c2VjcmV0", "x")
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	p := s.KeyPrefixes()
	if len(p) != 2 || p[0] != "aes-256-gcm:v1:"+seal.KeyID(two)+":" || p[1] != "aes-256-gcm:v1:"+seal.KeyID(one)+":" {
		t.Fatalf("KeyPrefixes = %q", p)
	}
	if !strings.HasPrefix(a, p[0]) || strings.Contains(a, "c2VjcmV0") || enroll.PlainWebhookSecret(a) {
		t.Fatalf("sealed = %q: want the new key's prefix, not the secret", a)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good := base64.StdEncoding.EncodeToString(testKey(1))
	other := base64.StdEncoding.EncodeToString(testKey(2))
	for _, c := range []struct {
		keys []string
		want string // "" for a Sealer
	}{
		{[]string{good}, ""},
		{[]string{" " + good + "\n", other}, ""},
		{nil, "no key"},
		{[]string{"not base64!"}, "key 1 is not base64; make one with: openssl rand -base64 32"},
		{[]string{good, base64.StdEncoding.EncodeToString(make([]byte, 16))}, "key 2 is 16 bytes, want 32"},
		{[]string{good, other, good}, "key 3 is key 1 again"},
	} {
		s, err := seal.Parse(c.keys)
		switch {
		case c.want == "" && (err != nil || s == nil):
			t.Errorf("Parse(%q) = %v", c.keys, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Parse(%q) = %v, want %q", c.keys, err, c.want)
		case err != nil && strings.Contains(err.Error(), good):
			t.Errorf("Parse error %q shows the key", err)
		}
	}
}

func TestKeyPrefix(t *testing.T) {
	t.Parallel()
	k := bytes.Repeat([]byte{3}, seal.KeySize)
	s, err := seal.New(k)
	if err != nil {
		t.Fatal(err)
	}
	want := s.KeyPrefixes()[0]
	for _, id := range []string{seal.KeyID(k), strings.ToUpper(seal.KeyID(k)), "aes-256-gcm:v1:" + seal.KeyID(k), " aes-256-gcm:v1:" + seal.KeyID(k) + ":"} {
		if got, err := seal.KeyPrefix(id); got != want || err != nil {
			t.Errorf("KeyPrefix(%q) = %q, %v; want %q", id, got, err, want)
		}
	}
	for _, id := range []string{"", "abc", "0123456789", "zzzzzzzz", "aes-256-gcm:v2:" + seal.KeyID(k)} {
		if got, err := seal.KeyPrefix(id); err == nil {
			t.Errorf("KeyPrefix(%q) = %q, want an error", id, got)
		}
	}
}
