package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

var keyRe = regexp.MustCompile(`^kw_([0-9A-Za-z]{12})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$`)

// crc32IEEE is the reflected CRC-32 (polynomial 0xEDB88320), bit by bit:
// written here independently of hash/crc32.
func crc32IEEE(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ 0xEDB88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// base62Of6 writes v in base 62 (0-9, A-Z, a-z), most significant digit
// first, left-padded with '0' to six characters.
func base62Of6(v uint32) string {
	digits := func(d uint64) byte {
		switch {
		case d < 10:
			return byte('0' + d)
		case d < 36:
			return byte('A' + d - 10)
		}
		return byte('a' + d - 36)
	}
	out := []byte("000000")
	n := uint64(v)
	for i := 5; n > 0; i-- {
		out[i] = digits(n % 62)
		n /= 62
	}
	return string(out)
}

func TestChecksumKnownAnswers(t *testing.T) {
	// The standard CRC-32 check value, and its base62 spelling worked out by hand.
	if got := crc32IEEE([]byte("123456789")); got != 0xCBF43926 {
		t.Fatalf("test CRC is wrong: %#x", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"123456789", "3jZRME"},
		{"", "000000"},
		{"kw_0123456789ab_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", "3gj0uF"},
	} {
		if got := checksum(tc.in); got != tc.want {
			t.Errorf("checksum(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := base62Of6(crc32IEEE([]byte(tc.in))); got != tc.want {
			t.Errorf("independent checksum(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := base62Of6(0xFFFFFFFF); got != "4gfFC3" {
		t.Errorf("largest CRC = %q, want 4gfFC3: six characters must hold any CRC32", got)
	}
}

func TestNewCredentialKey(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewCredential("kw", KindKey)
		m := keyRe.FindStringSubmatch(c.String)
		if m == nil {
			t.Fatalf("key %q does not match %s", c.String, keyRe)
		}
		if m[1] != c.ID {
			t.Errorf("id %q is not the one in the key %q", c.ID, c.String)
		}
		body := strings.TrimSuffix(c.String, m[3])
		if want := base62Of6(crc32IEEE([]byte(body))); m[3] != want {
			t.Errorf("key %q ends in %q, want the CRC32 of the rest %q", c.String, m[3], want)
		}
		sum := sha256.Sum256([]byte(c.String))
		if c.Hash != hex.EncodeToString(sum[:]) {
			t.Errorf("hash %q is not the hex SHA-256 of the whole key", c.Hash)
		}
		if want := "kw_" + c.ID + "_" + m[2][:4] + "…"; c.Masked != want {
			t.Errorf("masked %q, want %q", c.Masked, want)
		}
		if strings.Contains(c.Masked, m[2][4:8]) {
			t.Errorf("masked %q shows more than four secret characters", c.Masked)
		}
		if seen[c.String] || seen[c.ID] {
			t.Fatalf("repeated key or id: %q", c.String)
		}
		seen[c.String], seen[c.ID] = true, true
		p, shape := Parse(c.String)
		if shape != Native || p.ID != c.ID || p.Head != "kw" || p.MaybeToken() {
			t.Errorf("Parse(%q) = %+v, %v", c.String, p, shape)
		}
	}
}

func TestNewCredentialTokenAndPrefix(t *testing.T) {
	tok := NewCredential("acme", KindToken)
	if !regexp.MustCompile(`^acmet_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$`).MatchString(tok.String) {
		t.Fatalf("token %q", tok.String)
	}
	p, shape := Parse(tok.String)
	if shape != Native || !p.MaybeToken() || p.Head != "acmet" {
		t.Errorf("Parse(token) = %+v, %v", p, shape)
	}
}

// TestEveryTypoIsDetected changes each character of generated keys to
// every other character it could plausibly be mistyped as: the checksum
// must catch each one without a database.
func TestEveryTypoIsDetected(t *testing.T) {
	for range 20 {
		key := NewCredential("kw", KindKey).String
		for i := 0; i < len(key); i++ {
			if key[i] == '_' {
				continue // a key without its separators no longer has keyward's shape
			}
			for j := 0; j < len(alphabet); j++ {
				c := alphabet[j]
				lower, digit := 'a' <= c && c <= 'z', '0' <= c && c <= '9'
				// The prefix is a lowercase letter then lowercase letters or digits.
				if c == key[i] || i == 0 && !lower || i == 1 && !lower && !digit {
					continue
				}
				typo := key[:i] + string(c) + key[i+1:]
				if _, shape := Parse(typo); shape != Malformed {
					t.Fatalf("typo at %d (%q for %q) in %q: Parse says %v, want Malformed", i, c, key[i], key, shape)
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	key := NewCredential("kw", KindKey).String
	for _, tc := range []struct {
		name string
		in   string
		want ShapeResult
	}{
		{"own key", key, Native},
		{"too short", "abc", Malformed},
		{"15 characters", strings.Repeat("a", 15), Malformed},
		{"16 characters", strings.Repeat("a", 16), Foreign},
		{"256 characters", strings.Repeat("a", 256), Foreign},
		{"257 characters", strings.Repeat("a", 257), Malformed},
		{"girder key", "Wq9zXCq5bjTSb0bgB5GK7rA2SXmnOe2MStEGsUVb", Foreign},
		{"space inside", "abcdefgh ijklmnopq", Malformed},
		{"non-ASCII", "abcdefghijklmnopé", Malformed},
		{"control character", "abcdefghijklmnop\x01", Malformed},
		{"truncated key", key[:len(key)-1], Foreign},
		{"key with an extra character", key + "x", Foreign},
		{"swapped checksum", key[:len(key)-6] + "000000", Malformed},
	} {
		if _, got := Parse(tc.in); got != tc.want {
			t.Errorf("%s: Parse(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestMaskForeign(t *testing.T) {
	if got := Mask("Wq9zXCq5bjTSb0bgB5GK7rA2SXmnOe2MStEGsUVb"); got != "Wq9z…" {
		t.Errorf("Mask = %q", got)
	}
}

func TestLooksLikeCredential(t *testing.T) {
	key := NewCredential("kw", KindKey).String
	for in, want := range map[string]bool{
		key:                                   true,
		NewCredential("kw", KindToken).String: true,
		"Wq9zXCq5bjTSb0bgB5GK7rA2SXmnOe2MStEGsUVb": true,
		"ci-bot":       false,
		"backup.prod":  false,
		"AbCdEfGhIjKl": false, // a key id
		"a-very-long-alias-that-is-still-an-alias-of-sixty-chars": false,
	} {
		if got := LooksLikeCredential(in); got != want {
			t.Errorf("LooksLikeCredential(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	for p, ok := range map[string]bool{"kw": true, "a": true, "acme2": true, "abcdefghijklmnop": true,
		"abcdefghijklmnopq": false, "": false, "KW": false, "2kw": false, "k_w": false, "k-w": false} {
		if err := ValidatePrefix(p); (err == nil) != ok {
			t.Errorf("ValidatePrefix(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}
