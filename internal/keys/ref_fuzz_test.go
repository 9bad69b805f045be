package keys

import (
	"strings"
	"testing"
)

// FuzzRef checks references (ALIAS|ID arguments): anything is either
// accepted as an alias or an id, or refused with a usage error that never
// repeats a string shaped like a key; and resolution never picks a key
// the reference does not name.
func FuzzRef(f *testing.F) {
	f.Add("ci-bot")
	f.Add("abcdefghijkl")
	f.Add("AbCdEfGhIjKl")
	f.Add("kw_AbCdEfGhIjKl_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd")
	f.Add("Not An Alias!")
	f.Fuzz(func(t *testing.T, ref string) {
		err := ValidateRef(ref)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("code %s for %q", ErrorCode(err), ref)
			}
			if LooksLikeCredential(ref) && len(ref) >= 8 && strings.Contains(err.Error(), ref) {
				t.Fatalf("the error repeats a key: %v", err)
			}
			return
		}
		if !IsAlias(ref) && len(ref) != IDLen {
			t.Fatalf("accepted %q", ref)
		}
		a := &Key{ID: "AAAAAAAAAAAA", Alias: ref}
		b := &Key{ID: ref, Alias: "other"}
		for _, tc := range []struct{ byAlias, byID *Key }{{a, nil}, {nil, b}, {a, b}, {nil, nil}} {
			k, err := ResolveRef(ref, tc.byAlias, tc.byID)
			switch {
			case tc.byAlias != nil && tc.byID != nil && tc.byAlias.ID != tc.byID.ID:
				if ErrorCode(err) != EINVALID || k != nil {
					t.Fatalf("two keys for %q resolved to %v, %v", ref, k, err)
				}
			case tc.byAlias == nil && tc.byID == nil:
				if ErrorCode(err) != ENOTFOUND {
					t.Fatalf("no key for %q: %v", ref, err)
				}
			case err != nil || (k.Alias != ref && k.ID != ref):
				t.Fatalf("%q resolved to %+v, %v", ref, k, err)
			}
		}
	})
}
