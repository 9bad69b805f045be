package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// A token minted from a key's previous string never outlives that
// string: it is capped at the end of the grace, with a warning saying
// why; a token minted from the current string is not.
func testRotateTokenCapped(t *testing.T, e *env) {
	first := e.create("ci-bot", keys.Change{TokenTTL: ptr(4 * time.Hour)}, 48*time.Hour).Secret
	r, err := e.rotate("ci-bot", 2*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().Add(2 * time.Hour)

	res, err := e.mint(e.s, Policy, first, keys.TokenRequest{TTL: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Token.ExpiresAt.Equal(until) || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], until.Format(time.RFC3339)) || !strings.Contains(res.Warnings[0], "rotation") {
		t.Errorf("token of the previous string: expires %v, string ends %v; warnings %q", res.Token.ExpiresAt, until, res.Warnings)
	}
	if v := e.verify(res.Secret, nil, nil); v.Code != keys.CodeValid || !v.ExpiresAt.Equal(until) {
		t.Errorf("that token verifies %s until %v", v.Code, deref(v.ExpiresAt))
	}
	short, err := e.mint(e.s, Policy, first, keys.TokenRequest{TTL: time.Hour})
	if err != nil || !short.Token.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) || len(short.Warnings) != 0 {
		t.Errorf("a token within the grace is not capped: %v %+v %q", err, short.Token, short.Warnings)
	}
	cur, err := e.mint(e.s, Policy, r.Secret, keys.TokenRequest{TTL: 3 * time.Hour})
	if err != nil || !cur.Token.ExpiresAt.Equal(e.clock.Now().Add(3*time.Hour)) || len(cur.Warnings) != 0 {
		t.Errorf("the current string's token: %v %+v %q", err, cur.Token, cur.Warnings)
	}

	// Once the grace is over the previous string mints nothing, and says
	// which string it was; nothing is written.
	e.clock.Advance(2 * time.Hour)
	before := e.snapshot()
	_, err = e.mint(e.s, Policy, first, keys.TokenRequest{})
	if x := wantErr(t, err, keys.EREJECTED, "expired"); x.Values["string"] != "previous" || !strings.Contains(x.Message, "rotation") {
		t.Errorf("refusal of the previous string after its grace: %s %v", x.Message, x.Values)
	}
	e.unchanged(before, "a refused token")
	if v := e.verify(res.Secret, nil, nil); v.Code != keys.CodeExpired {
		t.Errorf("the capped token after the grace: %s", v.Code)
	}
}
