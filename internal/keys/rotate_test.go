package keys

import (
	"testing"
	"time"
)

func rotKey(mod func(*Key)) *Key {
	k := auditKey()
	k.ExpiresAt = auditT0.Add(10 * 24 * time.Hour)
	if mod != nil {
		mod(k)
	}
	return k
}

func timeAt(d time.Duration) *time.Time { t := auditT0.Add(d); return &t }

func TestDecideRotation(t *testing.T) {
	now := auditT0
	day := 24 * time.Hour
	tests := []struct {
		name     string
		key      *Key
		previous *time.Time
		req      RotateRequest
		until    time.Time
		ended    bool
		reason   string
	}{
		{name: "grace", key: rotKey(nil), req: RotateRequest{Grace: day}, until: now.Add(day)},
		{name: "no grace ends at once", key: rotKey(nil), req: RotateRequest{}, until: now},
		{name: "grace capped at the key's expiry", key: rotKey(func(k *Key) { k.ExpiresAt = now.Add(time.Hour) }),
			req: RotateRequest{Grace: day}, until: now.Add(time.Hour)},
		{name: "huge grace capped", key: rotKey(nil), req: RotateRequest{Grace: 1<<63 - 1}, until: now.Add(10 * day)},
		{name: "previous over", key: rotKey(nil), previous: timeAt(-time.Second), req: RotateRequest{Grace: time.Hour}, until: now.Add(time.Hour)},
		{name: "previous ends exactly now", key: rotKey(nil), previous: timeAt(0), req: RotateRequest{Grace: time.Hour}, until: now.Add(time.Hour)},
		{name: "previous in grace", key: rotKey(nil), previous: timeAt(time.Hour), req: RotateRequest{Grace: day}, reason: "previous_in_grace"},
		{name: "previous in grace, ended", key: rotKey(nil), previous: timeAt(time.Hour),
			req: RotateRequest{Grace: day, EndPrevious: true}, until: now.Add(day), ended: true},
		{name: "end previous with none", key: rotKey(nil), req: RotateRequest{Grace: day, EndPrevious: true}, until: now.Add(day)},
		{name: "revoked", key: rotKey(func(k *Key) { k.RevokedAt = timeAt(-time.Hour) }), req: RotateRequest{Grace: day}, reason: "key_revoked"},
		{name: "revoked with previous", key: rotKey(func(k *Key) { k.RevokedAt = timeAt(-time.Hour) }), previous: timeAt(time.Hour),
			req: RotateRequest{EndPrevious: true}, reason: "key_revoked"},
		{name: "expired", key: rotKey(func(k *Key) { k.ExpiresAt = now }), req: RotateRequest{Grace: day}, reason: "key_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecideRotation(now, tt.key, tt.previous, tt.req)
			if tt.reason != "" {
				e, ok := err.(*Error)
				if !ok || e.Code != ECONFLICT || e.Reason != tt.reason {
					t.Fatalf("got %v, want conflict %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !r.PreviousValidUntil.Equal(tt.until) || r.EndedPrevious != tt.ended || r.Grace != tt.req.Grace {
				t.Fatalf("got %+v, want until %s ended %v", r, tt.until, tt.ended)
			}
			if r.Live(now) != tt.until.After(now) {
				t.Fatalf("Live(now) = %v with until %s", r.Live(now), tt.until)
			}
		})
	}
}

func TestLivePrevious(t *testing.T) {
	now := auditT0
	if LivePrevious(rotKey(nil), nil, now) != nil {
		t.Fatal("no previous string")
	}
	if got := LivePrevious(rotKey(nil), timeAt(time.Hour), now); got == nil || !got.Equal(now.Add(time.Hour)) {
		t.Fatalf("in grace: %v", got)
	}
	for name, c := range map[string]struct {
		k    *Key
		prev *time.Time
	}{
		"grace over":       {rotKey(nil), timeAt(0)},
		"key revoked":      {rotKey(func(k *Key) { k.RevokedAt = timeAt(-time.Second) }), timeAt(time.Hour)},
		"key expired":      {rotKey(func(k *Key) { k.ExpiresAt = now }), timeAt(time.Hour)},
		"grace zero given": {rotKey(nil), timeAt(0)},
	} {
		if got := LivePrevious(c.k, c.prev, now); got != nil {
			t.Errorf("%s: previous reported live until %s", name, got)
		}
	}
}

func TestCredentialEnd(t *testing.T) {
	exp := auditT0.Add(time.Hour)
	if got := CredentialEnd(exp, nil); !got.Equal(exp) {
		t.Fatalf("current string: %s", got)
	}
	if got := CredentialEnd(exp, timeAt(time.Minute)); !got.Equal(auditT0.Add(time.Minute)) {
		t.Fatalf("previous string in grace: %s", got)
	}
	if got := CredentialEnd(exp, timeAt(2*time.Hour)); !got.Equal(exp) {
		t.Fatalf("never past the key's expiry: %s", got)
	}
}

func TestParseGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0": 0, "0s": 0, "0h": 0, "0d": 0, "00": 0, "0h0m": 0, "0.0h": 0,
		"30m": 30 * time.Minute, "1d": 24 * time.Hour, "2w": 14 * 24 * time.Hour,
	} {
		if got, err := ParseGrace(in); err != nil || got != want {
			t.Errorf("ParseGrace(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1h", "-0", "x", "0x", "1y", "h"} {
		if _, err := ParseGrace(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseGrace(%q) accepted", bad)
		}
	}
}

func TestRotateRequestValidate(t *testing.T) {
	if err := (&RotateRequest{Ref: "ci-bot", Grace: time.Hour, Prefix: "kw"}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []RotateRequest{{Ref: "Bad Alias", Prefix: "kw"}, {Ref: "ci-bot", Grace: -time.Second, Prefix: "kw"},
		{Ref: NewCredential("kw", KindKey).String, Prefix: "kw"}, {Ref: "ci-bot"}, {Ref: "ci-bot", Prefix: "K W"}} {
		if ErrorCode(r.Validate()) != EINVALID {
			t.Errorf("%+v accepted", r)
		}
	}
}

// TestRotate: the new string names the same key, in keyward's format;
// the record keeps everything but its masked stub and legacy flag.
func TestRotate(t *testing.T) {
	old := rotKey(func(k *Key) { k.Imported = true; k.Masked = "lega…" })
	cred := NewKeyString("kw", old.ID)
	p, shape := Parse(cred.String)
	if shape != Native || p.ID != old.ID || cred.Hash != Hash(cred.String) || cred.Masked != Mask(cred.String) {
		t.Fatalf("new string %q: shape %v id %q", cred.String, shape, p.ID)
	}
	res, err := Rotate(auditT0, old, RotateRequest{Ref: "ci-bot", Grace: time.Hour, Prefix: "kw"}, cred)
	if err != nil {
		t.Fatal(err)
	}
	k := res.Key
	if k.ID != old.ID || k.Imported || k.Masked != cred.Masked || !k.ExpiresAt.Equal(old.ExpiresAt) || !k.UpdatedAt.Equal(auditT0) ||
		k.PreviousValidUntil == nil || !k.PreviousValidUntil.Equal(auditT0.Add(time.Hour)) || res.Secret != cred.String ||
		res.PreviousValidUntil == nil || old.Masked != "lega…" {
		t.Fatalf("rotated %+v from %+v", res, old)
	}
	res, err = Rotate(auditT0, old, RotateRequest{Ref: "ci-bot", Prefix: "kw"}, NewKeyString("kw", old.ID))
	if err != nil || res.PreviousValidUntil != nil || !res.Key.PreviousValidUntil.Equal(auditT0) {
		t.Fatalf("no grace: %+v %v", res, err)
	}
	for name, bad := range map[string]Credential{
		"another id": NewKeyString("kw", NewID()),
		"bad hash":   {String: cred.String, ID: cred.ID, Hash: Hash("x"), Masked: cred.Masked},
		"foreign":    {String: "legacy-0123456789abcdef", ID: old.ID, Hash: Hash("legacy-0123456789abcdef")},
	} {
		if _, err := Rotate(auditT0, old, RotateRequest{Ref: "ci-bot", Prefix: "kw"}, bad); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRotateDetails(t *testing.T) {
	r := Rotation{PreviousValidUntil: auditT0.Add(time.Hour), Grace: time.Hour, EndedPrevious: true}
	d := RotateDetails(r, "kw_AbCdEfGh1234_aaaa…", "kw_AbCdEfGh1234_bbbb…", true)
	want := `{"ended_previous":true,"grace_seconds":3600,"legacy_key":{"new":false,"old":true},` +
		`"masked":{"new":"kw_AbCdEfGh1234_bbbb…","old":"kw_AbCdEfGh1234_aaaa…"},"previous_valid_until":"2026-11-30T13:00:00Z"}`
	if got := EncodeDetails(d); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
