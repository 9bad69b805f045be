package keys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// EncodeDetails is the stored form of d: its canonical JSON.
func EncodeDetails(d Details) string { return string(appendCanonical(nil, map[string]any(d))) }

// DecodeDetails reads stored details back. Numbers stay as written
// (json.Number), so that the canonical form of what was read is the
// canonical form of what was written, digit for digit.
func DecodeDetails(s string) (Details, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var d Details
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("audit details: data after the object")
	}
	if d == nil {
		return nil, fmt.Errorf("audit details: not an object")
	}
	return d, nil
}

// appendCanonical writes v in canonical JSON (see Event.Canonical).
// Kinds a builder does not produce are written through their %v text,
// so that nothing is ever silently dropped from what a hash covers.
func appendCanonical(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return appendJSONInt(b, int64(v))
	case int64:
		return appendJSONInt(b, v)
	case json.Number:
		return append(b, v...)
	case time.Time:
		return appendJSONString(b, auditTime(v))
	case *time.Time:
		if v == nil {
			return append(b, "null"...)
		}
		return appendJSONString(b, auditTime(*v))
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	case Details:
		return appendObject(b, map[string]any(v))
	case map[string]any:
		return appendObject(b, v)
	case Meta:
		return appendStringMap(b, v)
	case map[string]string:
		return appendStringMap(b, v)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

// appendObject writes an object with its keys sorted. Keys are compared
// byte by byte: the same order as RFC 8785's UTF-16 code units for the
// ASCII names keyward uses.
func appendObject(b []byte, m map[string]any) []byte {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendCanonical(b, m[k])
	}
	return append(b, '}')
}

func appendStringMap(b []byte, m map[string]string) []byte {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

func appendJSONInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendJSONString escapes only what JSON requires; everything else,
// non-ASCII included, is written as its UTF-8 bytes.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
