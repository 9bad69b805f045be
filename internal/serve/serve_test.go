package serve

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func keyBody(key string, extra string) string {
	return `{"key": "` + key + `"` + extra + `}`
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func TestVerifyValidKey(t *testing.T) {
	fx := newFixture(t)
	rec := fx.verify(keyBody(fx.creds["ci-bot"], `, "scopes": ["backup:read"], "roles": ["agent"]`))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	m := decode(t, rec.Body.String())
	want := map[string]any{"valid": true, "code": "VALID", "kind": "key", "alias": "ci-bot",
		"roles": []any{"agent"}, "scopes": []any{"backup:read"}, "expires_at": "2026-12-01T12:00:00Z"}
	for k, v := range want {
		if got, _ := json.Marshal(m[k]); string(got) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if m["id"] != m["key_id"] || len(m["id"].(string)) != 12 {
		t.Errorf("id %v, key_id %v", m["id"], m["key_id"])
	}
	if got := rec.Header().Get("X-Keyward-Code"); got != "VALID" {
		t.Errorf("X-Keyward-Code %q", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestVerifyVerdictsAre200(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct{ body, code string }{
		{keyBody(fx.creds["gone"], ""), "REVOKED"},
		{keyBody(fx.creds["old"], ""), "EXPIRED"},
		{keyBody(fx.creds["ci-bot"], `, "roles": ["admin"]`), "INSUFFICIENT_ROLE"},
		{keyBody(fx.creds["ci-bot"], `, "scopes": ["backup:write"]`), "INSUFFICIENT_SCOPE"},
		{keyBody("kw_AAAAAAAAAAAA_"+strings.Repeat("A", 38), ""), "MALFORMED"},
		{keyBody("an-imported-key-nobody-has-1234", ""), "NOT_FOUND"},
		{keyBody(fx.creds["wild"], `, "scopes": ["backup:write"]`), "VALID"},
	} {
		rec := fx.verify(tc.body)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d, want 200: %s", tc.code, rec.Code, rec.Body)
			continue
		}
		m := decode(t, rec.Body.String())
		if m["code"] != tc.code || m["valid"] != (tc.code == "VALID") {
			t.Errorf("want %s, got %s", tc.code, rec.Body)
		}
		if rec.Header().Get("X-Keyward-Code") != tc.code {
			t.Errorf("X-Keyward-Code %q, want %s", rec.Header().Get("X-Keyward-Code"), tc.code)
		}
	}
}

func TestVerifyUnknownIsAllNull(t *testing.T) {
	fx := newFixture(t)
	rec := fx.verify(keyBody("an-imported-key-nobody-has-1234", ""))
	want := `{"valid":false,"code":"NOT_FOUND","kind":null,"id":null,"key_id":null,"alias":null,"roles":null,"scopes":null,"expires_at":null}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("body %s\nwant %s", rec.Body, want)
	}
}

func TestVerifyMalformedDoesNotLookUp(t *testing.T) {
	fx := newFixture(t)
	for _, k := range []string{"short", "kw_AAAAAAAAAAAA_" + strings.Repeat("A", 38), "has a space in it somewhere"} {
		rec := fx.verify(keyBody(k, ""))
		if m := decode(t, rec.Body.String()); m["code"] != "MALFORMED" {
			t.Errorf("%q: %s", k, rec.Body)
		}
	}
	if fx.f.calls() != 0 || fx.w.changesCalls() != 0 {
		t.Errorf("malformed keys touched the database: %d look-ups, %d change checks", fx.f.calls(), fx.w.changesCalls())
	}
}

func TestVerifyBadBodies(t *testing.T) {
	fx := newFixture(t)
	key := fx.creds["ci-bot"]
	for _, tc := range []struct{ name, body, reason string }{
		{"empty", "", "invalid_body"},
		{"bad JSON", `{"key": "` + key + `"`, "invalid_json"},
		{"an array", `[{"key": "` + key + `"}]`, "invalid_body"},
		{"a string", `"` + key + `"`, "invalid_body"},
		{"missing key", `{"scopes": ["backup:read"]}`, "missing_key"},
		{"null key", `{"key": null}`, "missing_key"},
		{"key not a string", `{"key": 42}`, "invalid_json"},
		{"scopes not an array", keyBody(key, `, "scopes": "backup:read"`), "invalid_json"},
		{"unknown field", keyBody(key, `, "scope": ["backup:write"]`), "unknown_field"},
		{"two objects", keyBody(key, "") + keyBody(key, ""), "invalid_json"},
		{"unknown role", keyBody(key, `, "roles": ["wizard"]`), "invalid_role"},
		{"bad scope name", keyBody(key, `, "scopes": ["Backup Read"]`), "invalid_scope"},
		{"oversized", keyBody(key, `, "scopes": ["`+strings.Repeat("a", 5000)+`"]`), "body_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := fx.verify(tc.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" {
				t.Fatalf("not an error object: %v: %s", err, rec.Body)
			}
			if tc.reason != "invalid_role" && tc.reason != "invalid_scope" && e.Error.Code != tc.reason {
				t.Errorf("code %q, want %q", e.Error.Code, tc.reason)
			}
			if e.Error.Code == "" || strings.Contains(rec.Body.String(), key) {
				t.Errorf("bad error body: %s", rec.Body)
			}
		})
	}
	if fx.f.calls() != 0 {
		t.Errorf("refused bodies were looked up: %d", fx.f.calls())
	}
}

func TestRoutes(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v1/verify", 405, "POST"},
		{"PUT", "/v1/verify", 405, "POST"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"DELETE", "/metrics", 405, "GET, HEAD"},
		{"GET", "/", 404, ""},
		{"POST", "/v1/verify/", 404, ""},
		{"GET", "/v1/authx", 404, ""},
		{"GET", "/v2/verify", 404, ""},
		{"GET", "/healthz", 200, ""},
		{"HEAD", "/healthz", 200, ""},
		{"GET", "/metrics", 200, ""},
	} {
		rec := fx.do(tc.method, tc.path, "")
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: status %d Allow %q, want %d %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
		}
		if tc.status >= 400 {
			if m := decode(t, rec.Body.String()); m["error"] == nil {
				t.Errorf("%s %s: no error object: %s", tc.method, tc.path, rec.Body)
			}
		}
	}
}

func TestHealthz(t *testing.T) {
	fx := newFixture(t)
	if rec := fx.do("GET", "/healthz", ""); rec.Code != 200 {
		t.Fatalf("healthy: %d", rec.Code)
	}
	fx.w.pingErr = errDown
	if rec := fx.do("GET", "/healthz", ""); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("database down: %d, want 503", rec.Code)
	}
}

func TestDatabaseErrorIs500(t *testing.T) {
	fx := newFixture(t)
	fx.f.err = errDown
	rec := fx.verify(keyBody(fx.creds["ci-bot"], ""))
	if rec.Code != http.StatusInternalServerError || decode(t, rec.Body.String())["error"] == nil {
		t.Errorf("verify: %d %s", rec.Code, rec.Body)
	}
	rec = fx.do("GET", "/v1/auth", "", "X-API-Key", fx.creds["ci-bot"])
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("X-Keyward-Code") != "ERROR" {
		t.Errorf("auth: %d %q", rec.Code, rec.Header().Get("X-Keyward-Code"))
	}
}

func TestMetrics(t *testing.T) {
	fx := newFixture(t)
	fx.verify(keyBody(fx.creds["ci-bot"], ""))
	fx.verify(keyBody(fx.creds["ci-bot"], ""))
	fx.verify(keyBody(fx.creds["gone"], ""))
	fx.do("GET", "/v1/auth", "")
	body := fx.do("GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`keyward_verifications_total{code="VALID"} 2`,
		`keyward_verifications_total{code="REVOKED"} 1`,
		`keyward_verifications_total{code="MISSING"} 1`,
		`keyward_cache_hits_total 1`,
		`keyward_cache_misses_total 2`,
		`keyward_verification_duration_seconds_count 4`,
		`keyward_last_used_writes_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestLookUpFailureIsRetriedThen500(t *testing.T) {
	fx := newFixture(t)
	fx.f.err = errDown
	rec := fx.verify(keyBody(fx.creds["ci-bot"], ""))
	if rec.Code != http.StatusInternalServerError || fx.f.calls() != 3 {
		t.Errorf("status %d after %d look-ups, want 500 after 3", rec.Code, fx.f.calls())
	}
	// A failure that passes is not seen by the client.
	fx.f.during = func() {
		fx.f.mu.Lock()
		fx.f.err = nil // the next try succeeds
		fx.f.mu.Unlock()
	}
	before := fx.f.calls()
	if c := codeOf(t, fx, fx.creds["wild"]); c != "VALID" || fx.f.calls()-before != 2 {
		t.Errorf("after a passing failure: %s in %d look-ups, want VALID in 2", c, fx.f.calls()-before)
	}
}
