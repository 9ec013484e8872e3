package enroll

// A key that leaks may have been used to make other keys, which its
// revocation leaves working: revoking one key never silently revokes
// another, as a key made by a colleague's key is no less theirs. So each
// key records its maker (CreatedBy), the keys a key made can be listed,
// and a revocation may ask for them too (KeysMadeBy).

// MadeBy returns the id of the key whose request made k, or "" when none
// is known.
func (k *APIKey) MadeBy() string {
	if k.CreatedBy == nil {
		return ""
	}
	return *k.CreatedBy
}

// SetMaker records a's key as k's maker, or none for an actor without a
// key (the CLI): the stores call it as they store a new key, so that the
// record is the authenticated request's, whoever built k.
func (k *APIKey) SetMaker(a Actor) {
	k.CreatedBy = nil
	if a.KeyID != "" {
		id := a.KeyID
		k.CreatedBy = &id
	}
}

// KeysMadeBy returns the keys of keys that key id made and, in turn, the
// keys those made, all the way down, in the order of keys: what an
// attacker holding id could have made and still hold once id is revoked.
// Keys already revoked are listed too, since the keys they made may not
// be.
func KeysMadeBy(keys []*APIKey, id string) []*APIKey {
	made := map[string]bool{id: true}
	// A key is made after its maker, so each pass adds the next
	// generation; the passes stop when one adds none.
	for grew := true; grew; {
		grew = false
		for _, k := range keys {
			if !made[k.ID] && made[k.MadeBy()] && k.MadeBy() != "" {
				made[k.ID], grew = true, true
			}
		}
	}
	var out []*APIKey
	for _, k := range keys {
		if k.ID != id && made[k.ID] {
			out = append(out, k)
		}
	}
	return out
}
