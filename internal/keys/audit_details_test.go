package keys

import (
	"strings"
	"testing"
	"time"
)

func TestCreateDetails(t *testing.T) {
	got := EncodeDetails(CreateDetails(withMeta(auditKey(), Meta{"env": "prod"})))
	want := `{"description":"","expires_at":"2026-12-15T12:00:00Z","meta":{"env":"prod"},"name":"CI bot","owner":"ops",` +
		`"roles":["agent"],"scopes":["backup:read"],"token_ttl_seconds":3600,"ttl_seconds":1296000}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := EncodeDetails(CreateDetails(&Key{})); !strings.Contains(got, `"meta":{}`) || !strings.Contains(got, `"roles":[]`) {
		t.Fatalf("empty sets are written as empty, not null: %s", got)
	}
	imp := ImportDetails(auditKey(), true, true, "B1")
	if imp["batch"] != "B1" || imp["legacy_key"] != true || imp["expires_at"] != "2026-12-15T12:00:00Z" {
		t.Fatalf("import details: %v", imp)
	}
	if got := EncodeDetails(ImportDetails(auditKey(), false, false, "B1")); got != `{"batch":"B1","ttl_seconds":1296000}` {
		t.Fatalf("a generated key with its default expiry: %s", got)
	}
}

func TestChangeDetails(t *testing.T) {
	before, after := auditKey(), auditKey()
	before.Meta, after.Meta = Meta{"a": "1"}, Meta{"a": "1"}
	if d := ChangeDetails(before, after); len(d) != 0 {
		t.Fatalf("nothing changed, got %v", d)
	}
	after.Owner = "billing"
	after.Scopes = []string{"backup:read", "backup:write"}
	after.UpdatedAt = auditT0.Add(time.Hour) // not a recorded field
	after.Meta = Meta{}
	got := EncodeDetails(ChangeDetails(before, after))
	want := `{"meta":{"new":{},"old":{"a":"1"}},"owner":{"new":"billing","old":"ops"},` +
		`"scopes":{"new":["backup:read","backup:write"],"old":["backup:read"]}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRenewDetails(t *testing.T) {
	before, after := auditKey(), auditKey()
	after.ExpiresAt = before.ExpiresAt.Add(time.Hour)
	got := EncodeDetails(RenewDetails(before, after))
	want := `{"expires_at":{"new":"2026-12-15T13:00:00Z","old":"2026-12-15T12:00:00Z"},"ttl_seconds":{"new":1296000,"old":1296000}}`
	if got != want {
		t.Fatalf("the TTL is recorded even when it stays:\n got %s\nwant %s", got, want)
	}
	if RenewAction(before) != ActionRenew {
		t.Fatal("renewing an active key is a renew")
	}
	before.RevokedAt = timeAt(-time.Hour)
	after.TTL = time.Hour
	d := RenewDetails(before, after)
	if EncodeDetails(d["revoked_at"].(Details)) != `{"new":null,"old":"2026-11-30T11:00:00Z"}` ||
		EncodeDetails(d["ttl_seconds"].(Details)) != `{"new":3600,"old":1296000}` {
		t.Fatalf("reactivation details: %s", EncodeDetails(d))
	}
	if RenewAction(before) != ActionReactivate {
		t.Fatal("renewing a revoked key is a reactivation")
	}
}

func TestSmallDetails(t *testing.T) {
	if got := EncodeDetails(RevokeDetails("")); got != `{}` {
		t.Fatalf("no reason: %s", got)
	}
	if got := EncodeDetails(RevokeDetails("leaked").WithBatch("B")); got != `{"batch":"B","reason":"leaked"}` {
		t.Fatalf("reason and batch: %s", got)
	}
	if got := EncodeDetails(Details{}.WithBatch("")); got != `{}` {
		t.Fatalf("no batch: %s", got)
	}
	tok := &Token{ID: "TTTTTTTTTTTT", Scopes: []string{"*"}, CreatedAt: auditT0, ExpiresAt: auditT0.Add(90 * time.Minute)}
	if got := EncodeDetails(TokenDetails(tok)); got != `{"expires_at":"2026-11-30T13:30:00Z","scopes":["*"],"token_id":"TTTTTTTTTTTT","ttl_seconds":5400}` {
		t.Fatalf("token: %s", got)
	}
	e := ScopeEvent(ActionScopeRemove, Scope{Name: "keys:admin", Description: "d", AdminOnly: true})
	if e.KeyID != "" || e.Alias != "" || EncodeDetails(e.Details) != `{"admin_only":true,"description":"d","scope":"keys:admin"}` {
		t.Fatalf("scope event: %+v", e)
	}
	k := KeyEvent(ActionRevoke, auditKey(), nil)
	if k.KeyID != "AbCdEfGh1234" || k.Alias != "ci-bot" || k.Details == nil {
		t.Fatalf("key event: %+v", k)
	}
	if a, b := NewBatchID(), NewBatchID(); a == b || len(a) != IDLen {
		t.Fatalf("batch ids %q %q", a, b)
	}
}

func withMeta(k *Key, m Meta) *Key { k.Meta = m; return k }

// TestRenewAllDetails: the lean form renew --all writes says the same as
// RenewDetails for a renewal that changes only the expiry.
func TestRenewAllDetails(t *testing.T) {
	before, after := auditKey(), auditKey()
	after.ExpiresAt = before.ExpiresAt.Add(48 * time.Hour)
	after.UpdatedAt = before.UpdatedAt.Add(48 * time.Hour)
	if a, b := EncodeDetails(RenewAllDetails(before, after, "B")), EncodeDetails(RenewDetails(before, after).WithBatch("B")); a != b {
		t.Fatalf("renew --all details\n%s\nrenew details\n%s", a, b)
	}
}
