package http

import "strings"

// Huma's path buffer pops a location back to its last '.' or '[', even one
// inside a member name, so a member named "a.b" that the schema does not
// allow left "body.a" as the start of every later error's location
// (body.a.zz for zz). Huma validates the body decoded into an any, apart
// from the decoding into the operation's input; in that copy such names
// have these three characters stood in for by private-use ones
// (maskMemberNames), and the errors get them back (unmaskMemberNames).
var (
	memberMasker   = strings.NewReplacer(".", "\ue000", "[", "\ue001", "]", "\ue002")
	memberUnmasker = strings.NewReplacer("\ue000", ".", "\ue001", "[", "\ue002", "]")
)

// maskMemberNames renames, in v and the values it holds, the members whose
// names hold '.', '[' or ']', unless the new name is taken, and returns v.
func maskMemberNames(v any) any {
	switch x := v.(type) {
	case map[string]any:
		var renamed []string
		for k, e := range x {
			x[k] = maskMemberNames(e)
			if strings.ContainsAny(k, ".[]") {
				renamed = append(renamed, k)
			}
		}
		for _, k := range renamed {
			if masked := memberMasker.Replace(k); !has(x, masked) {
				x[masked] = x[k]
				delete(x, k)
			}
		}
	case []any:
		for i := range x {
			x[i] = maskMemberNames(x[i])
		}
	}
	return v
}

// has reports whether m has the member name.
func has(m map[string]any, name string) bool {
	_, ok := m[name]
	return ok
}

// unmaskMemberNames returns v, a value an error echoes from the masked
// copy, with its member names as sent.
func unmaskMemberNames(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[memberUnmasker.Replace(k)] = unmaskMemberNames(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unmaskMemberNames(e)
		}
		return out
	}
	return v
}
