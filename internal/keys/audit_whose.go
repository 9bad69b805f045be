package keys

// Whose decides what `show --key-file` reports for a string: the key it
// belongs to, or the token's key, whatever their status. sub is what the
// store found for the string's hash, nil for nothing.
func Whose(credential string, sub *Subject) (*Subject, error) {
	if _, shape := Parse(credential); shape == Malformed {
		return nil, &Error{Code: EREJECTED, Reason: "malformed", Op: "show",
			Message: "the string read is malformed (bad checksum, or not a key at all)"}
	}
	if sub == nil || sub.Key == nil {
		return nil, &Error{Code: EREJECTED, Reason: "not_found", Op: "show",
			Message: "no key or token matches the string read"}
	}
	return sub, nil
}
