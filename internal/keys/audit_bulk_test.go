package keys

import (
	"testing"
	"time"
)

// The bulk builders write, byte for byte, what the map-built details
// encode to, and seal to the same hashes.
func TestBulkEventsMatchDetails(t *testing.T) {
	before := auditKey()
	before.ExpiresAt = before.ExpiresAt.Add(1500 * time.Millisecond).In(time.FixedZone("X", -7*3600))
	after := auditKey()
	after.TTL = 90 * time.Second
	after.ExpiresAt = auditT0.Add(90 * time.Second)
	for _, batch := range []string{"B1", "", "ba\"tch\n\u2028é"} {
		for _, legacy := range []bool{false, true} {
			for _, given := range []bool{false, true} {
				got := ImportEvent(before, legacy, given, batch)
				want := KeyEvent(ActionImport, before, ImportDetails(before, legacy, given, batch))
				sameSealed(t, got, want)
			}
		}
		sameSealed(t, RenewAllEvent(before, after, batch), KeyEvent(ActionRenew, after, RenewAllDetails(before, after, batch)))
	}
}

func sameSealed(t *testing.T, got, want Event) {
	t.Helper()
	if got.DetailsJSON() != want.DetailsJSON() {
		t.Fatalf("details:\ngot  %s\nwant %s", got.DetailsJSON(), want.DetailsJSON())
	}
	if string(got.Canonical()) != string(want.Canonical()) {
		t.Fatalf("canonical:\ngot  %s\nwant %s", got.Canonical(), want.Canonical())
	}
	evs := []Event{want, got, want}
	for i := range evs {
		evs[i].At, evs[i].Actor = auditT0.Add(time.Duration(i)*time.Second), "alice"
	}
	Seal(4, GenesisHash, evs)
	ref := []Event{want, want, want}
	for i := range ref {
		ref[i].At, ref[i].Actor = evs[i].At, "alice"
	}
	Seal(4, GenesisHash, ref)
	for i := range evs {
		if evs[i].Hash != ref[i].Hash || evs[i].Seq != ref[i].Seq || evs[i].Hash != ChainHash(prevHash(ref, i), &ref[i]) || evs[i].Hash != ChainHash(prevHash(evs, i), &evs[i]) {
			t.Fatalf("event %d sealed to %s, want %s", i, evs[i].Hash, ref[i].Hash)
		}
	}
}

func prevHash(evs []Event, i int) string {
	if i == 0 {
		return GenesisHash
	}
	return evs[i-1].Hash
}
