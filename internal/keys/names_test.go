package keys

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The SPEC's patterns; the byte-by-byte checks must agree with them.
var specPatterns = []struct {
	name string
	re   *regexp.Regexp
	fn   func(string) bool
}{
	{"alias", regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`), IsAlias},
	{"prefix", regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`), IsPrefix},
	{"scope", regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`), IsScopeName},
	{"role", regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`), IsRoleName},
	{"credential", regexp.MustCompile(`[a-z][a-z0-9]{0,16}_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}`), ContainsCredential},
}

func TestNameChecksAgreeWithSpecPatterns(t *testing.T) {
	key := NewCredential("kw", KindKey).String
	token := NewCredential("abcdefghijklmnop", KindToken).String
	fixed := []string{"", "a", "0", "A", "-a", "a-", "ci-bot", "backup:read", "a.b_c-d", "kw", "x" + strings.Repeat("y", 15),
		"x" + strings.Repeat("y", 16), "a" + strings.Repeat("b", 31), "a" + strings.Repeat("b", 32), strings.Repeat("a", 64), strings.Repeat("a", 65),
		"é", "a\x00", "a b", key, token, "--name=" + key + " trailing", "Kw" + key[2:], "_" + key[3:], key[:len(key)-1], "x" + key,
		"0" + key, strings.Repeat("a", 18) + key[2:], strings.Repeat("a", 17) + key[2:]}
	// Random strings over an alphabet rich in the characters that matter.
	const alpha = "abz09AZ_-.:é \x00"
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := rng.IntN(70)
		var b strings.Builder
		for range n {
			b.WriteByte(alpha[rng.IntN(len(alpha))])
		}
		fixed = append(fixed, b.String())
	}
	// Near-misses of the credential shape: one byte changed or removed.
	for i := range key {
		fixed = append(fixed, key[:i]+"!"+key[i+1:], key[:i]+key[i+1:])
	}
	for _, p := range specPatterns {
		for _, s := range fixed {
			if got, want := p.fn(s), p.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the SPEC pattern says %v", p.name, s, got, want)
			}
		}
	}
}
