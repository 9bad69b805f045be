package serve

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAccessLogOneLinePerRequestWithoutCredential(t *testing.T) {
	fx := newFixture(t)
	key := fx.creds["ci-bot"]
	fx.verify(keyBody(key, ""))
	fx.verify(`{"key": "` + key + `", "bogus": 1}`)
	fx.verify(`[` + keyBody(key, "") + `]`)
	fx.do("GET", "/v1/auth?key="+key, "", "X-API-Key", key)
	fx.do("GET", "/v1/auth", "", "Authorization", "Bearer "+key[:len(key)-1]+"x")
	fx.do("GET", "/nowhere", "")
	out := fx.log.String()
	if strings.Contains(out, key) || strings.Contains(out, key[:len(key)-1]) || strings.Contains(out, key[16:]) {
		t.Fatalf("the access log holds a credential:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d log lines for 6 requests:\n%s", len(lines), out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("not a JSON line: %s", lines[0])
	}
	if first["msg"] != "request" || first["code"] != "VALID" || first["alias"] != "ci-bot" || first["status"] != 200.0 ||
		first["path"] != "/v1/verify" || first["method"] != "POST" {
		t.Errorf("first line: %s", lines[0])
	}
	var last map[string]any
	json.Unmarshal([]byte(lines[5]), &last)
	if last["status"] != 404.0 || last["path"] != "/nowhere" {
		t.Errorf("last line: %s", lines[5])
	}
}
