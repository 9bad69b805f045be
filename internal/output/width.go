package output

import (
	"unicode"
	"unicode/utf8"
)

// displayWidth is how many terminal columns s takes: East Asian wide
// and fullwidth characters take two, combining marks and zero-width
// characters none, everything else one.
func displayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == 0x200B:
		case isWide(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

// isWide reports East Asian Wide (W) and Fullwidth (F) characters and
// emoji presentation, the ranges that take two columns in a terminal.
func isWide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115F, r == 0x2329, r == 0x232A,
		0x231A <= r && r <= 0x231B, 0x23E9 <= r && r <= 0x23EC, r == 0x23F0, r == 0x23F3,
		0x25FD <= r && r <= 0x25FE, 0x2614 <= r && r <= 0x2615, 0x2648 <= r && r <= 0x2653,
		r == 0x267F, r == 0x2693, r == 0x26A1, 0x26AA <= r && r <= 0x26AB, 0x26BD <= r && r <= 0x26BE,
		0x26C4 <= r && r <= 0x26C5, r == 0x26CE, r == 0x26D4, r == 0x26EA, 0x26F2 <= r && r <= 0x26F3,
		r == 0x26F5, r == 0x26FA, r == 0x26FD, r == 0x2705, 0x270A <= r && r <= 0x270B, r == 0x2728,
		r == 0x274C, r == 0x274E, 0x2753 <= r && r <= 0x2755, r == 0x2757, 0x2795 <= r && r <= 0x2797,
		r == 0x27B0, r == 0x27BF, 0x2B1B <= r && r <= 0x2B1C, r == 0x2B50, r == 0x2B55,
		0x2E80 <= r && r <= 0x303E, 0x3041 <= r && r <= 0x33FF, 0x3400 <= r && r <= 0x4DBF,
		0x4E00 <= r && r <= 0x9FFF, 0xA000 <= r && r <= 0xA4CF, 0xA960 <= r && r <= 0xA97F,
		0xAC00 <= r && r <= 0xD7A3, 0xF900 <= r && r <= 0xFAFF, 0xFE10 <= r && r <= 0xFE19,
		0xFE30 <= r && r <= 0xFE6F, 0xFF00 <= r && r <= 0xFF60, 0xFFE0 <= r && r <= 0xFFE6,
		0x16FE0 <= r && r <= 0x18AFF, 0x1B000 <= r && r <= 0x1B2FF, r == 0x1F004, r == 0x1F0CF,
		r == 0x1F18E, 0x1F191 <= r && r <= 0x1F19A, 0x1F200 <= r && r <= 0x1F251,
		0x1F300 <= r && r <= 0x1F320, 0x1F32D <= r && r <= 0x1F335, 0x1F337 <= r && r <= 0x1F37C,
		0x1F37E <= r && r <= 0x1F393, 0x1F3A0 <= r && r <= 0x1F3CA, 0x1F3CF <= r && r <= 0x1F3D3,
		0x1F3E0 <= r && r <= 0x1F3F0, r == 0x1F3F4, 0x1F3F8 <= r && r <= 0x1F43E, r == 0x1F440,
		0x1F442 <= r && r <= 0x1F4FC, 0x1F4FF <= r && r <= 0x1F53D, 0x1F54B <= r && r <= 0x1F54E,
		0x1F550 <= r && r <= 0x1F567, r == 0x1F57A, 0x1F595 <= r && r <= 0x1F596, r == 0x1F5A4,
		0x1F5FB <= r && r <= 0x1F64F, 0x1F680 <= r && r <= 0x1F6C5, r == 0x1F6CC,
		0x1F6D0 <= r && r <= 0x1F6D2, 0x1F6D5 <= r && r <= 0x1F6D7, 0x1F6DC <= r && r <= 0x1F6DF,
		0x1F6EB <= r && r <= 0x1F6EC, 0x1F6F4 <= r && r <= 0x1F6FC, 0x1F7E0 <= r && r <= 0x1F7EB,
		r == 0x1F7F0, 0x1F90C <= r && r <= 0x1F93A, 0x1F93C <= r && r <= 0x1F945,
		0x1F947 <= r && r <= 0x1F9FF, 0x1FA70 <= r && r <= 0x1FAFF, 0x20000 <= r && r <= 0x3FFFD:
		return true
	}
	return false
}
