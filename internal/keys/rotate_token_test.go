package keys

import (
	"strings"
	"testing"
	"time"
)

func TestMintTokenFromPreviousString(t *testing.T) {
	k := &Key{ID: "Abcdefghijk1", Alias: "ci-bot", Scopes: []string{AllScopes}, TokenTTL: 4 * time.Hour,
		ExpiresAt: testNow.Add(48 * time.Hour)}
	end := testNow.Add(2 * time.Hour)
	k.PreviousValidUntil = &end
	req := func(ttl time.Duration, until *time.Time) TokenRequest {
		return TokenRequest{KeyID: k.ID, TTL: ttl, PreviousValidUntil: until, Token: NewCredential("kw", KindToken)}
	}
	for _, c := range []struct {
		name    string
		ttl     time.Duration
		until   *time.Time
		expires time.Time
		warning string
	}{
		{"capped at the end of the grace", 3 * time.Hour, &end, end, "stops working (a rotation replaced it)"},
		{"within the grace", time.Hour, &end, testNow.Add(time.Hour), ""},
		{"the current string", 3 * time.Hour, nil, testNow.Add(3 * time.Hour), ""},
		{"the verdict's end, sooner than the record's", 3 * time.Hour, ptrTime(testNow.Add(time.Hour)), testNow.Add(time.Hour), "stops working"},
	} {
		res, err := testPolicy.MintToken(testNow, k, nil, req(c.ttl, c.until))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !res.Token.ExpiresAt.Equal(c.expires) {
			t.Errorf("%s: expires %v, want %v", c.name, res.Token.ExpiresAt, c.expires)
		}
		if got := strings.Join(res.Warnings, "; "); c.warning == "" && got != "" || !strings.Contains(got, c.warning) {
			t.Errorf("%s: warnings %q, want %q", c.name, got, c.warning)
		}
	}
	// The key's record, read when minting, wins when it ends the string
	// sooner than the verdict said (ended by a rotation meanwhile).
	later := end.Add(time.Hour)
	if res, err := testPolicy.MintToken(testNow, k, nil, req(4*time.Hour, &later)); err != nil || !res.Token.ExpiresAt.Equal(end) {
		t.Errorf("record ends sooner: %v %v", err, res.Token)
	}
	// A grace that ends with the key: the key's expiry is the reason.
	brief := *k
	brief.ExpiresAt = end
	if res, err := testPolicy.MintToken(testNow, &brief, nil, req(3*time.Hour, &end)); err != nil || !res.Token.ExpiresAt.Equal(end) ||
		len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "the key's expiry") {
		t.Errorf("grace ending with the key: %v %v %q", err, res.Token, res.Warnings)
	}
	// Past its end: refused as expired, naming the previous string.
	_, err := testPolicy.MintToken(end, k, nil, req(time.Hour, &end))
	var e *Error
	if !asError(err, &e) || e.Code != EREJECTED || e.Reason != "expired" || e.Values["string"] != "previous" {
		t.Errorf("after the grace: %v", err)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// An expired previous string is refused naming the rotation when its
// grace ended it, and as an expired key when the key's expiry came first.
func TestMintingKeyPreviousExpired(t *testing.T) {
	grace := testNow.Add(-time.Hour)
	later := testNow.Add(time.Hour)
	for _, c := range []struct {
		name     string
		expires  time.Time
		previous bool
	}{
		{"the grace ended it", grace, true},
		{"the key's expiry came first", testNow.Add(-2 * time.Hour), false},
	} {
		until := grace
		if !c.previous {
			until = later
		}
		_, err := MintingKey(Verification{Code: CodeExpired, Kind: KindKey, Alias: "ci-bot", ExpiresAt: &c.expires, PreviousValidUntil: &until})
		var e *Error
		if !asError(err, &e) || e.Reason != "expired" || (e.Values["string"] == "previous") != c.previous {
			t.Errorf("%s: %v %v", c.name, err, e.Values)
		}
	}
}
