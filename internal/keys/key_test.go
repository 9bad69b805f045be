package keys

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateAlias(t *testing.T) {
	good := []string{"a", "0", "ci-bot", "backup.prod", "a_b", "0.b_c-d", strings.Repeat("a", 64)}
	for _, a := range good {
		if err := ValidateAlias(a); err != nil {
			t.Errorf("ValidateAlias(%q) = %v", a, err)
		}
	}
	bad := []string{"", "A", "Ci-bot", "-a", ".a", "_a", "a b", "a/b", "a:b", "é", "a\n", strings.Repeat("a", 65), "a*"}
	for _, a := range bad {
		err := ValidateAlias(a)
		if err == nil {
			t.Errorf("ValidateAlias(%q) accepted", a)
			continue
		}
		if ErrorCode(err) != EINVALID {
			t.Errorf("ValidateAlias(%q): code %q", a, ErrorCode(err))
		}
	}
	// A pasted key is refused without being repeated.
	key := NewCredential("kw", KindKey).String
	err := ValidateAlias(key)
	var e *Error
	if !asError(err, &e) || e.Reason != "secret_in_argument" || strings.Contains(e.Message+e.Hint, key) {
		t.Errorf("ValidateAlias(key) = %v", err)
	}
}

func TestValidateRef(t *testing.T) {
	for _, ref := range []string{"ci-bot", "AbCdEfGhIjKl", "abcdefghijkl"} {
		if err := ValidateRef(ref); err != nil {
			t.Errorf("ValidateRef(%q) = %v", ref, err)
		}
	}
	for _, ref := range []string{"", "AbCdEfGhIjK", "Ci-Bot", "a b"} {
		if err := ValidateRef(ref); ErrorCode(err) != EINVALID {
			t.Errorf("ValidateRef(%q) = %v, want invalid", ref, err)
		}
	}
}

func TestStatusAt(t *testing.T) {
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	revoked := exp.Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		revoked *time.Time
		now     time.Time
		want    Status
	}{
		{"a second before expiry", nil, exp.Add(-time.Second), StatusActive},
		{"a nanosecond before expiry", nil, exp.Add(-1), StatusActive},
		{"at expiry", nil, exp, StatusExpired},
		{"after expiry", nil, exp.Add(time.Second), StatusExpired},
		{"revoked and not expired", &revoked, exp.Add(-2 * time.Hour), StatusRevoked},
		{"revoked and expired", &revoked, exp.Add(time.Hour), StatusRevoked},
	} {
		if got := StatusAt(tc.revoked, exp, tc.now); got != tc.want {
			t.Errorf("%s: StatusAt = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]Status{"active": StatusActive, "expired": StatusExpired, "revoked": StatusRevoked} {
		s, all, err := ParseStatus(in)
		if s != want || all || err != nil {
			t.Errorf("ParseStatus(%q) = %q, %v, %v", in, s, all, err)
		}
	}
	if s, all, err := ParseStatus("all"); s != "" || !all || err != nil {
		t.Errorf("ParseStatus(all) = %q, %v, %v", s, all, err)
	}
	for _, in := range []string{"", "Active", "dead", "revoked,active"} {
		if _, _, err := ParseStatus(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseStatus(%q) = %v, want invalid", in, err)
		}
	}
}

var testPolicy = Policy{
	Prefix:      "kw",
	DefaultTTL:  15 * 24 * time.Hour,
	MaxTTL:      90 * 24 * time.Hour,
	TokenTTL:    time.Hour,
	MaxTokenTTL: 24 * time.Hour,
	Roles:       []string{"admin", "creator", "user", "agent"},
	AdminRole:   "admin",
}

func TestPolicyTTLCaps(t *testing.T) {
	p := testPolicy
	for _, tc := range []struct {
		d      time.Duration
		reason string // "" when accepted
	}{
		{time.Second, ""},
		{90 * 24 * time.Hour, ""},
		{90*24*time.Hour + time.Second, "ttl_too_long"},
		{365 * 24 * time.Hour, "ttl_too_long"},
		{500 * time.Millisecond, "invalid_duration"},
		{0, "invalid_duration"},
		{-time.Hour, "invalid_duration"},
	} {
		err := p.CheckTTL(tc.d)
		checkReason(t, "CheckTTL("+tc.d.String()+")", err, tc.reason)
	}
	for _, tc := range []struct {
		d      time.Duration
		reason string
	}{
		{24 * time.Hour, ""},
		{24*time.Hour + time.Second, "token_ttl_too_long"},
		{0, "invalid_duration"},
	} {
		checkReason(t, "CheckTokenTTL("+tc.d.String()+")", p.CheckTokenTTL(tc.d), tc.reason)
	}
	// The message says what was asked and what is allowed: never capped.
	err := p.CheckTTL(91 * 24 * time.Hour)
	if err.Error() != "ttl 91d is above max_ttl 90d" {
		t.Errorf("message %q", err.Error())
	}
}

func checkReason(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Errorf("%s = %v, want ok", what, err)
		}
		return
	}
	var e *Error
	if !asError(err, &e) || e.Reason != reason || e.Code != EINVALID {
		t.Errorf("%s = %v, want %s", what, err, reason)
	}
}

func TestNormalizeRoles(t *testing.T) {
	p := testPolicy
	got, err := p.NormalizeRoles([]string{"user", "agent", "user", "admin"})
	if err != nil || !slices.Equal(got, []string{"admin", "agent", "user"}) {
		t.Errorf("NormalizeRoles = %v, %v", got, err)
	}
	got, err = p.NormalizeRoles(nil)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("NormalizeRoles(nil) = %#v, %v; want an empty, non-nil list", got, err)
	}
	for _, bad := range [][]string{{"root"}, {"Admin"}, {""}, {"user", "wizard"}} {
		_, err := p.NormalizeRoles(bad)
		checkReason(t, "NormalizeRoles("+strings.Join(bad, ",")+")", err, "unknown_role")
	}
	if !p.IsAdmin([]string{"agent", "admin"}) || p.IsAdmin([]string{"agent"}) {
		t.Error("IsAdmin")
	}
}

func TestNormalizeName(t *testing.T) {
	if got, err := NormalizeName("  CI bot \t"); err != nil || got != "CI bot" {
		t.Errorf("NormalizeName = %q, %v", got, err)
	}
	if got, err := NormalizeName(strings.Repeat("é", 200)); err != nil || got != strings.Repeat("é", 200) {
		t.Errorf("200 two-byte characters: %v", err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 201), "a\tb", "a\nb", "a\x00b", "a\x7fb", "a\u0085b", "\xff\xfe"} {
		_, err := NormalizeName(bad)
		checkReason(t, "NormalizeName("+bad+")", err, "invalid_name")
	}
}

func TestValidateTextFields(t *testing.T) {
	if err := ValidateDescription("line one\nline two\tindented"); err != nil {
		t.Errorf("a description may hold newlines and tabs: %v", err)
	}
	checkReason(t, "ValidateDescription(1001)", ValidateDescription(strings.Repeat("d", 1001)), "invalid_description")
	checkReason(t, "ValidateDescription(bell)", ValidateDescription("a\x07"), "invalid_description")
	if err := ValidateDescription(strings.Repeat("d", 1000)); err != nil {
		t.Errorf("1000 characters: %v", err)
	}
	if err := ValidateOwner(""); err != nil {
		t.Errorf("empty owner: %v", err)
	}
	checkReason(t, "ValidateOwner(201)", ValidateOwner(strings.Repeat("o", 201)), "invalid_owner")
	checkReason(t, "ValidateOwner(newline)", ValidateOwner("a\nb"), "invalid_owner")
	checkReason(t, "ValidateReason(escape)", ValidateReason("\x1b[31m"), "invalid_reason")
}

func TestCreateRequestNewKey(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	cred := NewCredential("kw", KindKey)
	req := CreateRequest{Alias: "ci-bot", Credential: cred}
	if err := req.Validate(testPolicy); err != nil {
		t.Fatal(err)
	}
	k := req.NewKey(testPolicy, now)
	if k.Name != "ci-bot" || k.ID != cred.ID || k.Masked != cred.Masked {
		t.Errorf("name %q id %q masked %q", k.Name, k.ID, k.Masked)
	}
	if !slices.Equal(k.Scopes, []string{"*"}) || k.Roles == nil || len(k.Roles) != 0 {
		t.Errorf("scopes %v roles %#v", k.Scopes, k.Roles)
	}
	if k.TTL != testPolicy.DefaultTTL || !k.ExpiresAt.Equal(now.Add(15*24*time.Hour)) || k.TokenTTL != time.Hour {
		t.Errorf("ttl %v expires %v token ttl %v", k.TTL, k.ExpiresAt, k.TokenTTL)
	}
	if !k.CreatedAt.Equal(now) || !k.UpdatedAt.Equal(now) || k.Status != StatusActive {
		t.Errorf("created %v updated %v status %v", k.CreatedAt, k.UpdatedAt, k.Status)
	}

	name, roles, tokenTTL := "  CI  ", []string{"user", "agent"}, 2*time.Hour
	req = CreateRequest{Alias: "ci-bot", TTL: 2 * time.Hour, Credential: cred,
		Fields: Change{Name: &name, Roles: &roles, TokenTTL: &tokenTTL}}
	if err := req.Validate(testPolicy); err != nil {
		t.Fatal(err)
	}
	k = req.NewKey(testPolicy, now)
	if k.Name != "CI" || !slices.Equal(k.Roles, []string{"agent", "user"}) || k.TokenTTL != 2*time.Hour || !k.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("%+v", k)
	}
}

func TestCreateRequestValidate(t *testing.T) {
	tooLong, tokenTooLong, badRole := 91*24*time.Hour, 25*time.Hour, []string{"root"}
	for _, tc := range []struct {
		name   string
		req    CreateRequest
		reason string
	}{
		{"bad alias", CreateRequest{Alias: "Bad"}, "invalid_alias"},
		{"ttl above max", CreateRequest{Alias: "a", TTL: tooLong}, "ttl_too_long"},
		{"token ttl above max", CreateRequest{Alias: "a", Fields: Change{TokenTTL: &tokenTooLong}}, "token_ttl_too_long"},
		{"unknown role", CreateRequest{Alias: "a", Fields: Change{Roles: &badRole}}, "unknown_role"},
		{"reactivate alone", CreateRequest{Alias: "a", Reactivate: true}, "invalid_flags"},
	} {
		checkReason(t, tc.name, tc.req.Validate(testPolicy), tc.reason)
	}
}

func TestChangeEmptyAndApply(t *testing.T) {
	if !(Change{}).Empty() {
		t.Error("zero Change is not empty")
	}
	owner := ""
	c := Change{Owner: &owner}
	if c.Empty() {
		t.Error("a Change clearing the owner is empty")
	}
	k := &Key{Owner: "ops", Name: "n"}
	c.Apply(k)
	if k.Owner != "" || k.Name != "n" {
		t.Errorf("Apply: %+v", k)
	}
}
