package serve

import (
	"context"
	"testing"
	"time"
)

func TestTouchIsBatchedAndOncePerMinute(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	id := fx.f.subjects[hashOf(fx.creds["ci-bot"])].Key.ID
	codeOf(t, fx, fx.creds["ci-bot"])
	codeOf(t, fx, fx.creds["ci-bot"])
	codeOf(t, fx, fx.creds["gone"]) // not valid: not recorded
	if len(fx.w.touched) != 0 {
		t.Fatal("a use was written on the request path")
	}
	fx.srv.touch.flush(ctx)
	if len(fx.w.touched) != 1 || len(fx.w.touched[0]) != 1 || !fx.w.touched[0][id].Equal(fx.now) {
		t.Fatalf("first batch: %v, want {%s: %s}", fx.w.touched, id, fx.now)
	}
	fx.now = fx.now.Add(30 * time.Second)
	codeOf(t, fx, fx.creds["ci-bot"])
	fx.srv.touch.flush(ctx)
	if len(fx.w.touched) != 1 {
		t.Fatalf("written again within a minute: %v", fx.w.touched)
	}
	fx.now = fx.now.Add(31 * time.Second)
	codeOf(t, fx, fx.creds["ci-bot"])
	fx.srv.touch.flush(ctx)
	if len(fx.w.touched) != 2 || !fx.w.touched[1][id].Equal(fx.now) {
		t.Fatalf("a minute later: %v", fx.w.touched)
	}
}

func TestTouchFailureIsRetried(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	codeOf(t, fx, fx.creds["ci-bot"])
	fx.w.touchErr = errDown
	fx.srv.touch.flush(ctx)
	fx.w.touchErr = nil
	fx.srv.touch.flush(ctx)
	if len(fx.w.touched) != 1 || len(fx.w.touched[0]) != 1 {
		t.Fatalf("after a failed batch: %v", fx.w.touched)
	}
	body := fx.do("GET", "/metrics", "").Body.String()
	for _, want := range []string{"keyward_last_used_writes_total 1", "keyward_last_used_write_failures_total 1"} {
		if !contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestTouchRecentlyUsedKeyIsNotWritten(t *testing.T) {
	fx := newFixture(t)
	k := fx.f.subjects[hashOf(fx.creds["ci-bot"])].Key
	recent := fx.now.Add(-10 * time.Second)
	k.LastUsedAt = &recent // recorded by keyward verify in another process
	codeOf(t, fx, fx.creds["ci-bot"])
	fx.srv.touch.flush(context.Background())
	if len(fx.w.touched) != 0 {
		t.Errorf("written though used 10 s ago: %v", fx.w.touched)
	}
}
