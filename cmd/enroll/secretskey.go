package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// secretsKeysValue is the value of --secrets-key (and ENROLL_SECRETS_KEY):
// keys separated by commas, the flag given once or more. Its Set never
// fails, leaving malformed keys to secretSealer, which names them by
// position: pflag quotes a value its Set refuses in its error, and a
// string slice's CSV reader refuses one holding a quote. Its String
// shows how many keys, never them.
type secretsKeysValue struct{ keys *[]string }

// Set implements pflag.Value: it adds the keys of v. It refuses only an
// empty value (--secrets-key=, ENROLL_SECRETS_KEY= from a secret not
// mounted), which would start the server storing secrets unsealed
// without a word, as an empty --secrets-key-file is refused.
func (v secretsKeysValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("is empty: give a key (openssl rand -base64 32), or leave it out to store webhook secrets unsealed")
	}
	for _, k := range strings.Split(s, ",") {
		*v.keys = append(*v.keys, strings.TrimSpace(k))
	}
	return nil
}

// String implements pflag.Value.
func (v secretsKeysValue) String() string {
	if v.keys == nil || len(*v.keys) == 0 {
		return ""
	}
	return fmt.Sprintf("(%d keys)", len(*v.keys))
}

// Type implements pflag.Value.
func (v secretsKeysValue) Type() string { return "keys" }

// secretSealer returns the sealer of --secrets-key or --secrets-key-file,
// nil when neither is given. It refuses both at once, a file that cannot
// be read or holds no key, and a key that is not base64 of 32 bytes,
// naming it by position, never by its text.
func (c *Config) secretSealer() (enroll.SecretSealer, error) {
	keys, flag := c.SecretsKeys, "--secrets-key"
	if c.SecretsKeyFile != "" {
		if len(keys) > 0 {
			return nil, errors.New("--secrets-key and --secrets-key-file: give the keys one way")
		}
		flag = "--secrets-key-file"
		b, err := os.ReadFile(c.SecretsKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("%s %s holds no key; make one with: openssl rand -base64 32", flag, c.SecretsKeyFile)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	s, err := seal.Parse(keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", flag, strings.TrimPrefix(err.Error(), "seal: "))
	}
	return s, nil
}

// lostSecretsKeys returns the prefixes of the values sealed under the
// keys --secrets-key-lost names (seal.KeyPrefix), refusing an id that is
// malformed, or that of a key s (the --secrets-key sealer, or nil) holds.
func (c *Config) lostSecretsKeys(s enroll.SecretSealer) ([]string, error) {
	var out []string
	for _, id := range c.SecretsKeysLost {
		p, err := seal.KeyPrefix(id)
		if err != nil {
			return nil, fmt.Errorf("--secrets-key-lost: %s", strings.TrimPrefix(err.Error(), "seal: "))
		}
		if s != nil && slices.Contains(s.KeyPrefixes(), p) {
			return nil, fmt.Errorf("--secrets-key-lost %s: that key is given with --secrets-key; a key given is not lost", id)
		}
		out = append(out, p)
	}
	return out, nil
}

// lostKeyHint is how a refused start over secrets sealed under keys not
// given ends: what to do if that key is lost.
const lostKeyHint = "; if that key is lost, name its id with --secrets-key-lost (ENROLL_SECRETS_KEY_LOST) to start all the same: those endpoints then send nothing until their secret is rotated (docs/security.md)"

// sealSecrets checks, before serve listens, that every webhook signing
// secret stored sealed opens with the keys given, and seals those stored
// plain or under an older key (WebhookStore.SealWebhookSecrets). A
// database holding secrets sealed under keys neither given nor declared
// lost refuses to serve, rather than fail every delivery of those
// endpoints.
func (m *Main) sealSecrets(ctx context.Context, hooks enroll.WebhookStore) error {
	n, err := hooks.SealWebhookSecrets(ctx, m.lostKeys)
	switch {
	case errors.Is(err, enroll.ErrSealKeyUnknown) && m.sealer == nil:
		return fmt.Errorf("%w; give the key that sealed them with --secrets-key (ENROLL_SECRETS_KEY)"+lostKeyHint, err)
	case errors.Is(err, enroll.ErrSealKeyUnknown):
		return fmt.Errorf("%w; add the key that sealed them to --secrets-key, after the one that seals"+lostKeyHint, err)
	case err != nil:
		return fmt.Errorf("sealing webhook signing secrets: %w", err)
	}
	if n > 0 {
		m.logger.Info("webhook signing secrets sealed under the first --secrets-key", "endpoints", n)
	}
	if len(m.lostKeys) > 0 {
		m.logger.Warn("webhook signing secrets sealed under the keys of --secrets-key-lost are kept as they are: their endpoints send nothing, their secretError saying why, until their secret is rotated; a start without the flag refuses while one is left",
			"keys", strings.Join(m.Config.SecretsKeysLost, ","))
	}
	if m.sealer == nil {
		return nil
	}
	// The console's secrets waiting to be shown once, left plain before
	// sealing was turned on (or sealed under a key no longer given), are
	// dropped rather than left in the database; their endpoints' secrets
	// are rotated to be seen again.
	if cs, ok := hooks.(enroll.ConsoleSessionStore); ok {
		n, err := cs.DropConsoleSecrets(ctx, m.sealer.KeyPrefixes())
		if err != nil {
			return fmt.Errorf("dropping the console's unsealed secrets: %w", err)
		}
		if n > 0 {
			m.logger.Info("console secrets waiting unsealed dropped", "sessions", n)
		}
	}
	return nil
}
