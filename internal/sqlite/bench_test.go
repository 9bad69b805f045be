package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

// benchStore is a store holding n imported keys; it returns one key
// string from the middle.
func benchStore(b *testing.B, n int) (*Store, string) {
	b.Helper()
	s := openTest(b)
	res, err := s.Import(context.Background(), benchItems(b, n, "k"))
	if err != nil {
		b.Fatal(err)
	}
	return s, res[n/2].Secret
}

func benchItems(b *testing.B, n int, prefix string) []keys.ImportItem {
	var in strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, `{"alias":"%s-%07d","name":"Service %d","owner":"team-%d","description":"benchmark key %d","roles":["agent"]}`+"\n",
			prefix, i, i, i%97, i)
	}
	r := &keys.ImportReader{Policy: testPolicy, Now: testNow}
	items, err := r.ReadImport(strings.NewReader(in.String()))
	if err != nil {
		b.Fatal(err)
	}
	return items
}

// BenchmarkVerify is the store's side of keyward verify: parse, hash,
// one indexed look-up, the policy's decision.
func BenchmarkVerify(b *testing.B) {
	s, key := benchStore(b, 10000)
	ctx := context.Background()
	req := keys.VerifyRequest{Credential: key}
	b.ReportAllocs()
	for b.Loop() {
		v, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(ctx, req)
		if err != nil || !v.Valid {
			b.Fatal(v.Code, err)
		}
	}
}

// BenchmarkVerifyForeign looks an imported key up by its hash.
func BenchmarkVerifyForeign(b *testing.B) {
	s, _ := benchStore(b, 10000)
	ctx := context.Background()
	if _, err := s.Import(ctx, importLines(b, `{"alias":"foreign","key":"`+foreignKey+`"}`)); err != nil {
		b.Fatal(err)
	}
	req := keys.VerifyRequest{Credential: foreignKey}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(ctx, req); err != nil || !v.Valid {
			b.Fatal(v.Code, err)
		}
	}
}

// BenchmarkImport writes 10,000 keys in one transaction per operation.
func BenchmarkImport(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	round := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		items := benchItems(b, benchImportN, fmt.Sprintf("r%d", round))
		round++
		b.StartTimer()
		if _, err := s.Import(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListKeys streams 10,000 keys per operation.
func BenchmarkListKeys(b *testing.B) {
	s, _ := benchStore(b, 10000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := s.ListKeys(ctx, keys.Filter{AllStatuses: true}, func(*keys.Key) error { n++; return nil }); err != nil || n != 10000 {
			b.Fatal(n, err)
		}
	}
}

// benchImportN is how many keys one BenchmarkImport operation writes.
const benchImportN = 10000
