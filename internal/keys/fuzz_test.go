package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The SPEC's regular expressions, written out again here so that the
// fuzz targets check the validators against the contract rather than
// against themselves.
var (
	specAlias  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	specScope  = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)
	specPrefix = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`)
)

// keyFrom builds a well-formed key or token string from arbitrary bytes,
// deterministically, so that a failing input can be replayed.
func keyFrom(prefix string, token bool, seed []byte) string {
	if !specPrefix.MatchString(prefix) {
		prefix = "kw"
	}
	head := prefix
	if token {
		head += "t"
	}
	body := make([]byte, IDLen+randLen)
	for i := range body {
		var b byte
		if len(seed) > 0 {
			b = seed[i%len(seed)] + byte(i/len(seed))
		}
		body[i] = alphabet[int(b)%62]
	}
	s := head + "_" + string(body[:IDLen]) + "_" + string(body[IDLen:])
	return s + checksum(s)
}

// FuzzCredential: a generated key parses back to itself, and no
// one-character change (substitution, insertion or deletion) of it
// parses as the same key.
func FuzzCredential(f *testing.F) {
	f.Add("kw", false, []byte("seed"), 0, byte('A'))
	f.Add("kw", true, []byte{0, 1, 2, 3}, 60, byte('0'))
	f.Add("a", false, []byte{255}, 2, byte('_'))
	f.Add("prod9", false, []byte("x"), 1000, byte('z'))
	f.Add("Bad_Prefix", true, []byte{}, -7, byte(0))
	f.Fuzz(func(t *testing.T, prefix string, token bool, seed []byte, pos int, c byte) {
		s := keyFrom(prefix, token, seed)
		p, shape := Parse(s)
		if shape != Native {
			t.Fatalf("generated %q parses as %v, want Native", s, shape)
		}
		if got := p.Head + "_" + p.ID + "_" + p.Secret; got != s {
			t.Fatalf("generated %q parses back as %q", s, got)
		}
		if token && !p.MaybeToken() {
			t.Fatalf("token %q: MaybeToken is false", s)
		}
		if kind := map[bool]Kind{false: KindKey, true: KindToken}[token]; specPrefix.MatchString(prefix) {
			c := NewCredential(prefix, kind)
			if cp, shape := Parse(c.String); shape != Native || cp.ID != c.ID || c.Hash != Hash(c.String) || c.Masked != Mask(c.String) {
				t.Fatalf("NewCredential(%q, %s) = %+v does not parse back to itself (%v, %+v)", prefix, kind, c, shape, cp)
			}
		}
		if !LooksLikeCredential(s) {
			t.Fatalf("generated %q does not look like a credential", s)
		}
		if m := Mask(s); !strings.HasPrefix(s, strings.TrimSuffix(m, "…")) || strings.Contains(m, p.Secret[4:]) {
			t.Fatalf("Mask(%q) = %q shows more than prefix, id and four secret characters", s, m)
		}
		if pos < 0 {
			pos = -pos
		}
		i := pos % len(s)
		mutations := []string{
			s[:i] + string(c) + s[i+1:], // substitution
			s[:i] + string(c) + s[i:],   // insertion
			s[:i] + s[i+1:],             // deletion
		}
		for n, m := range mutations {
			if m == s {
				continue
			}
			mp, mshape := Parse(m)
			if mshape == Native && mp.ID == p.ID && mp.Secret == p.Secret {
				t.Fatalf("%q changed at %d to %q still parses as the same key", s, i, m)
			}
			if n == 0 && mshape == Native {
				t.Fatalf("%q with one character substituted at %d (%q) passes the checksum", s, i, m)
			}
		}
	})
}

// FuzzParse: any string at all is classified without panicking, and a
// Native result is exactly the string's parts with a good checksum.
func FuzzParse(f *testing.F) {
	f.Add("kw_0123456789AB_0123456789abcdefghijABCDEFGHIJ012345")
	f.Add(keyFrom("kw", false, []byte("corpus")))
	f.Add(keyFrom("kw", true, []byte("corpus")))
	f.Add("0123456789abcdef0123456789abcdef01234567") // a Girder-style key
	f.Add("gpustack_0123456789abcdef_0123456789abcdef0123456789abcdef")
	f.Add("kw__")
	f.Add("\x00\xff kw_0123456789AB_")
	f.Add(strings.Repeat("_", 300))
	f.Fuzz(func(t *testing.T, s string) {
		p, shape := Parse(s)
		_ = Mask(s)
		_ = LooksLikeCredential(s)
		switch shape {
		case Native:
			if p.Head+"_"+p.ID+"_"+p.Secret != s {
				t.Fatalf("Parse(%q) = %+v, parts do not make up the string", s, p)
			}
			if len(p.ID) != IDLen || len(p.Secret) != SecretLen || !isBase62(p.ID+p.Secret) {
				t.Fatalf("Parse(%q) = %+v, bad part lengths", s, p)
			}
			n := len(s) - checksumLen
			if checksum(s[:n]) != s[n:] {
				t.Fatalf("Parse(%q) is Native with a bad checksum", s)
			}
			if !LooksLikeCredential(s) {
				t.Fatalf("Native %q does not look like a credential", s)
			}
		case Foreign:
			if len(s) < MinCredentialLen || len(s) > MaxCredentialLen || !printable(s) {
				t.Fatalf("Parse(%q) = Foreign for an impossible key", s)
			}
		case Malformed:
		default:
			t.Fatalf("Parse(%q) = unknown shape %v", s, shape)
		}
		sum := sha256.Sum256([]byte(s))
		if h := Hash(s); h != hex.EncodeToString(sum[:]) || !HashEqual(h, Hash(s)) || HashEqual(h, Hash(s+"x")) {
			t.Fatalf("Hash(%q) = %q is not the hex SHA-256 of the string", s, h)
		}
	})
}

// FuzzParseDuration: no input panics; an accepted duration is positive
// and reads back from FormatDuration as the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90m", "36h", "15d", "2w", "1d12h", "0", "-5d", "1.5d", "0.1d", "9223372036854775807ns",
		"106751d", "106752d", "15250w", "1e3d", "1..2d", ".5h", "1d1d1d", "  7d ", "1µs", "5", "d", "1x", "+1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("ParseDuration(%q) error %v has code %s, want %s", s, err, ErrorCode(err), EINVALID)
			}
			if msg := err.Error(); len(msg) > 400 || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("ParseDuration(%q): error message is not one short line: %q", s, msg)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v, want > 0", s, d)
		}
		text := FormatDuration(d)
		back, err := ParseDuration(text)
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v; FormatDuration gives %q, which parses as %v, %v", s, d, text, back, err)
		}
	})
}

// FuzzValidate: the alias, scope, reference, name and role validators
// never panic, and accept exactly what the SPEC allows.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"ci-bot", "backup.prod", "a", "0", "-a", "A", "backup:read", "billing.write",
		"x'; DROP TABLE keys; --", strings.Repeat("a", 64), strings.Repeat("a", 65), "ключ", "a\tb", "a\x00b",
		"0123456789AB", "admin", "user", " admin", "*", "kw_0123456789AB_0123456789abcdefghijABCDEFGHIJ012345", "\xff"} {
		f.Add(s)
	}
	policy := Policy{Roles: []string{"admin", "creator", "user", "agent"}, AdminRole: "admin"}
	f.Fuzz(func(t *testing.T, s string) {
		if ok := ValidateAlias(s) == nil; ok != specAlias.MatchString(s) {
			t.Fatalf("ValidateAlias(%q) accepted=%v, SPEC regex says %v", s, ok, !ok)
		}
		if ok := ValidateScopeName(s) == nil; ok != specScope.MatchString(s) {
			t.Fatalf("ValidateScopeName(%q) accepted=%v, SPEC regex says %v", s, ok, !ok)
		}
		if ok := ValidatePrefix(s) == nil; ok != specPrefix.MatchString(s) {
			t.Fatalf("ValidatePrefix(%q) accepted=%v, SPEC regex says %v", s, ok, !ok)
		}
		if ValidateRef(s) == nil && !specAlias.MatchString(s) && !(len(s) == IDLen && isBase62(s)) {
			t.Fatalf("ValidateRef(%q) accepted something that is neither an alias nor an id", s)
		}
		_, _, statusErr := ParseStatus(s)
		_, durationErr := ParseDuration(s)
		_, roleErr := policy.NormalizeRoles([]string{s})
		for _, err := range []error{ValidateAlias(s), ValidateRef(s), ValidateScopeName(s), ErrKeyNotFound(s), statusErr, durationErr, roleErr} {
			if err != nil && len(s) >= 16 && strings.Contains(err.Error(), s[:16]) && LooksLikeCredential(s) {
				t.Fatalf("error for credential-like %q repeats it: %v", s, err)
			}
		}
		if name, err := NormalizeName(s); err == nil {
			if name != strings.TrimSpace(s) || name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 {
				t.Fatalf("NormalizeName(%q) = %q, outside 1-200 trimmed valid characters", s, name)
			}
			if strings.IndexFunc(name, unicode.IsControl) >= 0 {
				t.Fatalf("NormalizeName(%q) = %q keeps a control character", s, name)
			}
		}
		roles, err := policy.NormalizeRoles([]string{s, "user"})
		inSet := s == "admin" || s == "creator" || s == "user" || s == "agent"
		if (err == nil) != inSet {
			t.Fatalf("NormalizeRoles([%q]) error %v, want accepted=%v", s, err, inSet)
		}
		if err == nil && (len(roles) == 0 || len(roles) > 2) {
			t.Fatalf("NormalizeRoles([%q, user]) = %v", s, roles)
		}
		scopes, err := NormalizeScopes(strings.Split(s, ","))
		if err == nil {
			for _, sc := range scopes {
				if sc != AllScopes && !specScope.MatchString(sc) {
					t.Fatalf("NormalizeScopes(%q) accepted %q", s, sc)
				}
			}
		}
	})
}

// TestFuzzHelpers keeps keyFrom honest: it must build the same string
// NewCredential would for the same random parts.
func TestFuzzHelpers(t *testing.T) {
	c := NewCredential("kw", KindKey)
	body := c.String[:len(c.String)-checksumLen]
	if checksum(body) != c.String[len(body):] {
		t.Fatalf("NewCredential %q does not end in the checksum keyFrom appends", c.String)
	}
	s := keyFrom("kw", false, []byte("abc"))
	if _, shape := Parse(s); shape != Native {
		t.Fatalf("keyFrom made %q, which does not parse", s)
	}
}
