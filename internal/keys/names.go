package keys

// Names are checked byte by byte rather than with regular expressions:
// compiling the patterns cost every keyward process, verify included,
// over a millisecond at start-up.

func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLowNum(c byte) bool { return isLower(c) || isDigit(c) }

// isName reports whether s is one byte accepted by first, then bytes
// accepted by rest, max bytes in all.
func isName(s string, max int, first, rest func(byte) bool) bool {
	if len(s) == 0 || len(s) > max || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

// IsAlias: ^[a-z0-9][a-z0-9._-]{0,63}$
func IsAlias(s string) bool {
	return isName(s, 64, isLowNum, func(c byte) bool { return isLowNum(c) || c == '.' || c == '_' || c == '-' })
}

// IsPrefix: ^[a-z][a-z0-9]{0,15}$
func IsPrefix(s string) bool { return isName(s, 16, isLower, isLowNum) }

// IsScopeName: ^[a-z][a-z0-9_.:-]{0,63}$
func IsScopeName(s string) bool {
	return isName(s, 64, isLower, func(c byte) bool { return isLowNum(c) || c == '_' || c == '.' || c == ':' || c == '-' })
}

// IsRoleName: ^[a-z][a-z0-9_-]{0,31}$
func IsRoleName(s string) bool {
	return isName(s, 32, isLower, func(c byte) bool { return isLowNum(c) || c == '_' || c == '-' })
}

// ContainsCredential reports whether s holds keyward's key or token shape
// anywhere, checksum or not ([a-z][a-z0-9]{0,16}_ then 12 base62, _, 38
// base62): a value such as a name or a search that carries a key
// would put it in shell history and ps.
func ContainsCredential(s string) bool {
	const tail = 1 + IDLen + 1 + SecretLen // "_" id "_" secret
	for i := 1; i+tail <= len(s); i++ {
		if s[i] != '_' || s[i+1+IDLen] != '_' || !isBase62(s[i+1:i+1+IDLen]) || !isBase62(s[i+2+IDLen:i+tail]) {
			continue
		}
		// A head of 1-17 [a-z0-9] ending at i-1 whose first byte is a-z.
		for j := i - 1; j >= 0 && i-j <= 17 && isLowNum(s[j]); j-- {
			if isLower(s[j]) {
				return true
			}
		}
	}
	return false
}
