package keys

import (
	"context"
	"time"
)

// Finder is the look-up a Verifier needs. A store implements it; serve
// puts a cache in front of one.
type Finder interface {
	// FindCredential returns the key, or the token with its key, whose
	// stored SHA-256 is hash (keys.Hash of the whole credential string),
	// or nil, nil when none matches. It judges no status: the Verifier
	// decides at its own clock, so a cached Subject stays correct.
	FindCredential(ctx context.Context, hash string) (*Subject, error)
	// Registry returns the scope registry.
	Registry(ctx context.Context) (Registry, error)
}

// Verifier checks credentials: parse → look up → decide → record last use.
type Verifier struct {
	Policy Policy
	Finder Finder
	// Touch records last_used_at (at most once a minute per key is decided
	// by Policy.Decide's Verification.Touch); best effort, never fails a
	// verification. nil: nothing is recorded.
	Touch func(ctx context.Context, keyID string, at time.Time)
	Now   func() time.Time // UTC, truncated to the second by the Verifier
}

// Verify answers MALFORMED without calling the Finder; otherwise looks the
// hash up, loads the registry only when NeedsRegistry says so, and returns
// Policy.Decide's verdict.
func (v *Verifier) Verify(ctx context.Context, req VerifyRequest) (Verification, error) {
	if _, shape := Parse(req.Credential); shape == Malformed {
		return Verification{Code: CodeMalformed}, nil
	}
	sub, err := v.Finder.FindCredential(ctx, Hash(req.Credential))
	if err != nil {
		return Verification{}, err
	}
	var reg Registry
	if NeedsRegistry(sub, req) {
		if reg, err = v.Finder.Registry(ctx); err != nil {
			return Verification{}, err
		}
	}
	now := v.now()
	out := v.Policy.Decide(now, sub, reg, req)
	if out.Touch && v.Touch != nil {
		v.Touch(ctx, out.KeyID, now)
	}
	return out, nil
}

func (v *Verifier) now() time.Time {
	clock := v.Now
	if clock == nil {
		clock = time.Now
	}
	return clock().UTC().Truncate(time.Second)
}

// NewVerifier checks credentials straight against a store and records
// last use there.
func NewVerifier(p Policy, s Store, now func() time.Time) *Verifier {
	return &Verifier{Policy: p, Finder: s, Touch: s.Touch, Now: now}
}
