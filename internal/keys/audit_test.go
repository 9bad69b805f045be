package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

var auditT0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func auditKey() *Key {
	return &Key{
		ID: "AbCdEfGh1234", Alias: "ci-bot", Name: "CI bot", Owner: "ops",
		Roles: []string{"agent"}, Scopes: []string{"backup:read"},
		TTL: 15 * 24 * time.Hour, TokenTTL: time.Hour,
		CreatedAt: auditT0, UpdatedAt: auditT0, ExpiresAt: auditT0.Add(15 * 24 * time.Hour),
		Masked: "kw_AbCdEfGh1234_x9Kq…",
	}
}

func TestCanonicalForm(t *testing.T) {
	e := Event{
		Seq: 7, At: auditT0.Add(500 * time.Millisecond), Actor: "alice", Action: ActionRevoke,
		KeyID: "AbCdEfGh1234", Alias: "ci-bot",
		Details: Details{"reason": "leaked in \"ci\" log\n<&>\u2028é\x01\x7f", "batch": "B", "n": int64(-3),
			"list": []string{"b", "a"}, "nested": Details{"z": nil, "a": true}},
	}
	want := `{"action":"revoke","actor":"alice","alias":"ci-bot","at":"2026-11-30T12:00:00Z",` +
		`"details":{"batch":"B","list":["b","a"],"n":-3,"nested":{"a":true,"z":null},` +
		`"reason":"leaked in \"ci\" log\n<&>` + "\u2028é" + `\u0001` + "\x7f" + `"},` +
		`"key_id":"AbCdEfGh1234","seq":7}`
	if got := string(e.Canonical()); got != want {
		t.Fatalf("canonical form\n got %s\nwant %s", got, want)
	}
	scope := ScopeEvent(ActionScopeAdd, Scope{Name: "backup:read"})
	scope.Seq, scope.At, scope.Actor = 1, auditT0, "bob"
	if got := string(scope.Canonical()); !strings.Contains(got, `"alias":null`) || !strings.Contains(got, `"key_id":null`) {
		t.Fatalf("a scope event names no key: %s", got)
	}
}

// TestCanonicalIsJSON checks that the canonical form is valid JSON whose
// values are the event's, and that what encoding/json writes for the
// same event (as `keyward log -o json` does) parses to the same values.
func TestCanonicalIsJSON(t *testing.T) {
	k := withMeta(auditKey(), Meta{"env": "prod", "team": "a\tb"})
	e := KeyEvent(ActionCreate, k, CreateDetails(k))
	e.Seq, e.At, e.Actor = 1, auditT0, "ops"
	var got map[string]any
	if err := json.Unmarshal(e.Canonical(), &got); err != nil {
		t.Fatalf("canonical form is not JSON: %v\n%s", err, e.Canonical())
	}
	d := got["details"].(map[string]any)
	if got["seq"].(float64) != 1 || got["action"] != "create" || d["name"] != "CI bot" ||
		d["meta"].(map[string]any)["team"] != "a\tb" || d["ttl_seconds"].(float64) != 15*24*3600 {
		t.Fatalf("canonical form lost values: %v", got)
	}
}

// TestDetailsRoundTrip: details read back from storage have the same
// canonical form, so the stored hash can be recomputed from the rows.
func TestDetailsRoundTrip(t *testing.T) {
	before, after := auditKey(), auditKey()
	after.Roles = []string{"agent", "user"}
	after.TokenTTL = 2 * time.Hour
	for _, d := range []Details{
		CreateDetails(auditKey()),
		ImportDetails(withMeta(auditKey(), Meta{"env": "prod"}), true, true, "BATCH"),
		ChangeDetails(before, withMeta(after, Meta{"x": "ü"})),
		RenewDetails(before, after),
		RevokeDetails("leak \u0000 \\"),
		TokenDetails(&Token{ID: "T", CreatedAt: auditT0, ExpiresAt: auditT0.Add(time.Hour)}),
	} {
		stored := EncodeDetails(d)
		back, err := DecodeDetails(stored)
		if err != nil {
			t.Fatal(err)
		}
		a := Event{Seq: 3, At: auditT0, Actor: "x", Action: ActionUpdate, Details: d}
		b := a
		b.Details = back
		if string(a.Canonical()) != string(b.Canonical()) {
			t.Fatalf("round trip changed the canonical form:\n%s\n%s", a.Canonical(), b.Canonical())
		}
	}
	for _, bad := range []string{"", "[]", "null", `{"a":1} {}`, `{"a":`} {
		if _, err := DecodeDetails(bad); err == nil {
			t.Errorf("DecodeDetails(%q) accepted it", bad)
		}
	}
}

func sealed(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = KeyEvent(ActionRenew, auditKey(), Details{"i": int64(i)})
		evs[i].At, evs[i].Actor = auditT0.Add(time.Duration(i)*time.Second), "ops"
	}
	Seal(0, "", evs)
	return evs
}

func TestSealChains(t *testing.T) {
	evs := sealed(3)
	prev := GenesisHash
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("seq %d at position %d", e.Seq, i)
		}
		sum := sha256.Sum256(append([]byte(prev), e.Canonical()...))
		if e.Hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("seq %d: hash is not SHA-256(previous hash + canonical form)", e.Seq)
		}
		prev = e.Hash
	}
	// Sealing more continues the chain from the head.
	more := sealed(1)
	head := Seal(evs[2].Seq, evs[2].Hash, more)
	if more[0].Seq != 4 || head != (Head{4, more[0].Hash}) || more[0].Hash != ChainHash(evs[2].Hash, &more[0]) {
		t.Fatalf("continued chain: %+v head %v", more[0], head)
	}
}

func check(evs []Event, head *Head) (Head, *ChainError) {
	c := NewChainCheck(head)
	for i := range evs {
		if err := c.Add(&evs[i]); err != nil {
			return Head{}, err
		}
	}
	return c.Done()
}

func TestChainCheck(t *testing.T) {
	intact := sealed(5)
	h, err := check(intact, nil)
	if err != nil || h != (Head{5, intact[4].Hash}) {
		t.Fatalf("intact log: head %v, %v", h, err)
	}
	headOf := func(evs []Event, seq int) *Head { return &Head{int64(seq), evs[seq-1].Hash} }

	tests := []struct {
		name    string
		tamper  func([]Event) []Event
		head    *Head
		seq     int64
		problem string
	}{
		{"edited details", func(e []Event) []Event { e[2].Details["i"] = int64(99); return e }, nil, 3, ChainEdited},
		{"edited actor", func(e []Event) []Event { e[1].Actor = "mallory"; return e }, nil, 2, ChainEdited},
		{"edited time", func(e []Event) []Event { e[3].At = e[3].At.Add(time.Second); return e }, nil, 4, ChainEdited},
		{"edited hash", func(e []Event) []Event { e[4].Hash = strings.Repeat("a", 64); return e }, nil, 5, ChainEdited},
		{"deleted", func(e []Event) []Event { return append(e[:1], e[2:]...) }, nil, 2, ChainMissing},
		{"deleted and renumbered", func(e []Event) []Event {
			e = append(e[:1], e[2:]...)
			for i := range e {
				e[i].Seq = int64(i + 1)
			}
			return e
		}, nil, 2, ChainEdited},
		{"swapped contents", func(e []Event) []Event {
			e[1], e[2] = e[2], e[1]
			e[1].Seq, e[2].Seq = 2, 3
			return e
		}, nil, 2, ChainEdited},
		{"swapped rows", func(e []Event) []Event { e[1], e[2] = e[2], e[1]; return e }, nil, 2, ChainMissing},
		{"repeated", func(e []Event) []Event { return append(e[:3], e[2:]...) }, nil, 3, ChainOrder},
		{"first deleted", func(e []Event) []Event { return e[1:] }, nil, 1, ChainMissing},
		{"truncated tail", func(e []Event) []Event { return e[:3] }, &Head{5, intact[4].Hash}, 4, ChainTruncated},
		{"emptied", func(e []Event) []Event { return nil }, &Head{5, intact[4].Hash}, 1, ChainTruncated},
		{"rewritten from the head on", func(e []Event) []Event {
			e[3].Details["i"] = int64(42)
			Seal(3, e[2].Hash, e[3:])
			return e
		}, &Head{4, intact[3].Hash}, 4, ChainHeadDiff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := tt.tamper(sealed(5))
			_, err := check(evs, tt.head)
			if err == nil || err.Seq != tt.seq || err.Problem != tt.problem {
				t.Fatalf("got %v, want seq %d %s", err, tt.seq, tt.problem)
			}
			if !strings.Contains(err.Error(), "seq "+strconv.FormatInt(tt.seq, 10)) {
				t.Fatalf("message does not name the seq: %s", err)
			}
			var e *Error
			if !errors.As(err.AsError(), &e) || e.Code != EINTERNAL || e.Reason != "audit_log_broken" {
				t.Fatalf("coded error: %+v", e)
			}
		})
	}
	// A rewritten log passes without a head: the limit the README states.
	evs := sealed(5)
	evs[3].Details["i"] = int64(42)
	Seal(3, evs[2].Hash, evs[3:])
	if _, err := check(evs, nil); err != nil {
		t.Fatalf("a consistently rewritten tail cannot be caught without a head, got %v", err)
	}
	// Matching heads pass, at the end or in the middle.
	for _, seq := range []int{5, 2} {
		if _, err := check(sealed(5), headOf(sealed(5), seq)); err != nil {
			t.Fatalf("head %d: %v", seq, err)
		}
	}
	if _, err := check(nil, &Head{Hash: GenesisHash}); err != nil {
		t.Fatalf("empty log with the empty head: %v", err)
	}
}

func TestHead(t *testing.T) {
	h := Head{12, strings.Repeat("ab", 32)}
	got, err := ParseHead(" " + strings.ToUpper(h.String()) + "\n")
	if err != nil || got != h {
		t.Fatalf("ParseHead(String()) = %v, %v", got, err)
	}
	if (Head{}).String() != "0:"+GenesisHash {
		t.Fatalf("empty head: %s", Head{})
	}
	for _, bad := range []string{"", "12", ":" + h.Hash, "x:" + h.Hash, "-1:" + h.Hash, "012:" + h.Hash,
		"12:" + h.Hash[:63], "12:" + h.Hash + "0", "12:" + strings.Repeat("g", 64), "0:" + h.Hash} {
		if _, err := ParseHead(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseHead(%q) = %v", bad, err)
		}
	}
}

func TestActor(t *testing.T) {
	tests := []struct{ setting, user, want string }{
		{"deploy-bot", "root", "deploy-bot"},
		{"", "alice", "alice"},
		{"", "", "unknown"},
		{"", "bad\nname", "unknown"},
		{"Jürgen (on-call)", "", "Jürgen (on-call)"},
	}
	for _, tt := range tests {
		if got, err := Actor(tt.setting, tt.user); err != nil || got != tt.want {
			t.Errorf("Actor(%q, %q) = %q, %v; want %q", tt.setting, tt.user, got, err, tt.want)
		}
	}
	key := NewCredential("kw", KindKey).String
	for _, bad := range []string{"a\x1bb", "   ", strings.Repeat("x", 201), "\xff", key, "me " + key} {
		if _, err := Actor(bad, "alice"); ErrorCode(err) != EINVALID {
			t.Errorf("Actor(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestParseAction(t *testing.T) {
	for _, a := range Actions {
		if got, err := ParseAction(string(a)); err != nil || got != a {
			t.Errorf("ParseAction(%q) = %q, %v", a, got, err)
		}
	}
	if _, err := ParseAction("delete"); ErrorCode(err) != EINVALID {
		t.Errorf("unknown action accepted: %v", err)
	}
}

// TestCanonicalPython recomputes the chain the way the README tells an
// outside tool to: from `keyward log -o json`-shaped objects, in Python.
func TestCanonicalPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	evs := sealed(3)
	evs[1].Details = RevokeDetails("quote \" backslash \\ tab \t nul \x00 é \u2028 <&>")
	evs[2] = ScopeEvent(ActionScopeAdd, Scope{Name: "backup:read", Description: "Читать"})
	evs[2].At, evs[2].Actor = auditT0, "ops"
	Seal(0, "", evs)
	var lines []string
	for _, e := range evs {
		b, err := json.Marshal(map[string]any{"seq": e.Seq, "at": auditTime(e.At), "actor": e.Actor, "action": e.Action,
			"key_id": nullable(e.KeyID), "alias": nullable(e.Alias), "details": e.Details, "hash": e.Hash})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	const script = `
import hashlib, json, sys
prev = "0" * 64
for line in sys.stdin:
    e = json.loads(line)
    h = e.pop("hash")
    canon = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prev = hashlib.sha256((prev + canon).encode("utf-8")).hexdigest()
    print(prev == h)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "True True True" {
		t.Fatalf("python recomputed the chain differently: %s", out)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
