package keys

import (
	"crypto/rand"
	"hash/crc32"
)

// alphabet is base62 in the order the SPEC fixes: digits, upper, lower.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const checksumLen = 6

// isBase62 reports whether every byte of s is in the alphabet.
func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// randomBase62 returns n characters drawn uniformly from the alphabet by
// rejection sampling, so that no character is more likely than another.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("keyward: crypto/rand failed: " + err.Error()) // never happens on supported systems
		}
		for _, b := range buf {
			// 248 = 4*62: bytes at or above it would bias the result.
			if b < 248 && len(out) < n {
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out)
}

// checksum returns the CRC32 (IEEE) of s written in base62, most
// significant digit first, left-padded with '0' to six characters.
func checksum(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	var out [checksumLen]byte
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[v%62]
		v /= 62
	}
	return string(out[:])
}
