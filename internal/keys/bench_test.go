package keys

import "testing"

func BenchmarkNewCredential(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewCredential("kw", KindKey)
	}
}

func BenchmarkParse(b *testing.B) {
	s := NewCredential("kw", KindKey).String
	b.ReportAllocs()
	for b.Loop() {
		if _, shape := Parse(s); shape != Native {
			b.Fatal(shape)
		}
	}
}

func BenchmarkParseForeign(b *testing.B) {
	const s = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
	b.ReportAllocs()
	for b.Loop() {
		if _, shape := Parse(s); shape != Foreign {
			b.Fatal(shape)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	s := NewCredential("kw", KindKey).String
	b.ReportAllocs()
	for b.Loop() {
		Hash(s)
	}
}

func BenchmarkParseImportLine(b *testing.B) {
	line := []byte(`{"alias":"svc-0000001","name":"Service 1","owner":"team-1@example.com","description":"benchmark key","roles":["agent"],"ttl":"30d"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseImportLine(line, 1, testPolicy, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
