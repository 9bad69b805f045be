package serve

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuthNoCredential(t *testing.T) {
	fx := newFixture(t)
	for _, h := range [][]string{nil, {"Authorization", "Basic dXNlcjpwYXNz"}, {"Authorization", "Bearer "}, {"X-API-Key", "  "}} {
		rec := fx.do("GET", "/v1/auth", "", h...)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("X-Keyward-Code") != "MISSING" ||
			rec.Header().Get("WWW-Authenticate") != `Bearer realm="keyward"` {
			t.Errorf("%v: %d %v", h, rec.Code, rec.Header())
		}
	}
	if fx.f.calls() != 0 {
		t.Error("no credential, yet a look-up")
	}
}

func TestAuthValid(t *testing.T) {
	fx := newFixture(t)
	for _, h := range [][]string{
		{"Authorization", "Bearer " + fx.creds["ci-bot"]},
		{"Authorization", "bearer  " + fx.creds["ci-bot"]},
		{"X-API-Key", fx.creds["ci-bot"]},
	} {
		for _, method := range []string{"GET", "POST", "DELETE", "HEAD"} {
			rec := fx.do(method, "/v1/auth/some/original/path?scope=backup:read", "", h...)
			hd := rec.Header()
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %v: %d %v", method, h[0], rec.Code, hd)
			}
			if hd.Get("X-Keyward-Code") != "VALID" || hd.Get("X-Keyward-Alias") != "ci-bot" || hd.Get("X-Keyward-Kind") != "key" ||
				hd.Get("X-Keyward-Roles") != "agent" || hd.Get("X-Keyward-Scopes") != "backup:read" || len(hd.Get("X-Keyward-Id")) != 12 {
				t.Errorf("%s %v: identity headers %v", method, h[0], hd)
			}
			if hd.Get("WWW-Authenticate") != "" {
				t.Errorf("200 with WWW-Authenticate")
			}
		}
	}
}

func TestAuthVerdicts(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		target string
		header []string
		status int
		code   string
	}{
		{"/v1/auth", []string{"X-API-Key", fx.creds["gone"]}, 401, "REVOKED"},
		{"/v1/auth", []string{"X-API-Key", fx.creds["old"]}, 401, "EXPIRED"},
		{"/v1/auth", []string{"X-API-Key", "an-imported-key-nobody-has-1234"}, 401, "NOT_FOUND"},
		{"/v1/auth", []string{"X-API-Key", "kw_AAAAAAAAAAAA_" + strings.Repeat("A", 38)}, 401, "MALFORMED"},
		{"/v1/auth?scope=backup:write", []string{"X-API-Key", fx.creds["ci-bot"]}, 403, "INSUFFICIENT_SCOPE"},
		{"/v1/auth?scope=backup:read&scope=backup:write", []string{"X-API-Key", fx.creds["ci-bot"]}, 403, "INSUFFICIENT_SCOPE"},
		{"/v1/auth", []string{"X-API-Key", fx.creds["ci-bot"], "X-Keyward-Scope", "backup:read, backup:write"}, 403, "INSUFFICIENT_SCOPE"},
		{"/v1/auth", []string{"X-API-Key", fx.creds["ci-bot"], "X-Keyward-Scope", "backup:read", "X-Keyward-Scope", "backup:write"}, 403, "INSUFFICIENT_SCOPE"},
		{"/v1/auth?role=admin", []string{"X-API-Key", fx.creds["ci-bot"]}, 403, "INSUFFICIENT_ROLE"},
		{"/v1/auth", []string{"X-API-Key", fx.creds["ci-bot"], "X-Keyward-Role", "agent,admin"}, 403, "INSUFFICIENT_ROLE"},
		{"/v1/auth?role=agent", []string{"X-API-Key", fx.creds["ci-bot"], "X-Keyward-Scope", "backup:read"}, 200, "VALID"},
		{"/v1/auth?role=wizard", []string{"X-API-Key", fx.creds["ci-bot"]}, 400, "INVALID_REQUEST"},
		{"/v1/auth", []string{"X-API-Key", fx.creds["ci-bot"], "X-Keyward-Scope", "Not A Scope"}, 400, "INVALID_REQUEST"},
	} {
		rec := fx.do("GET", tc.target, "", tc.header...)
		if rec.Code != tc.status || rec.Header().Get("X-Keyward-Code") != tc.code {
			t.Errorf("%s %v: %d %q, want %d %s", tc.target, tc.header[2:], rec.Code, rec.Header().Get("X-Keyward-Code"), tc.status, tc.code)
		}
		wantAuth := ""
		if tc.status == 401 {
			wantAuth = `Bearer realm="keyward"`
		}
		if got := rec.Header().Get("WWW-Authenticate"); got != wantAuth {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tc.code, got, wantAuth)
		}
		if tc.status != 200 && rec.Header().Get("X-Keyward-Id") != "" {
			t.Errorf("%s: identity headers on a refusal", tc.code)
		}
	}
}

func TestAuthBearerWinsOverAPIKey(t *testing.T) {
	fx := newFixture(t)
	rec := fx.do("GET", "/v1/auth", "", "Authorization", "Bearer "+fx.creds["gone"], "X-API-Key", fx.creds["ci-bot"])
	if rec.Code != 401 || rec.Header().Get("X-Keyward-Code") != "REVOKED" {
		t.Errorf("%d %q", rec.Code, rec.Header().Get("X-Keyward-Code"))
	}
}
