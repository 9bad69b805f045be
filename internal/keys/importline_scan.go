package keys

import (
	"encoding/json"
	"unicode/utf8"
)

// An import line is a flat JSON object whose values are strings, arrays
// of strings or null. scanner reads exactly that, without reflection or
// a map per line: a 100,000-line import spends its time in SQLite, not
// here. It is strict where encoding/json is lenient: field names match
// exactly (not case-insensitively), a field given twice is an error, and
// a string must be valid UTF-8.
type scanner struct {
	b    []byte
	i    int
	seen []string
}

// scanObject calls field for each member of the object in line; field
// reads the value with stringField or listField.
func scanObject(line []byte, field func(name string, sc *scanner) error) error {
	sc := &scanner{b: line}
	sc.ws()
	if !sc.eat('{') {
		return lineError("not a JSON object")
	}
	sc.ws()
	if !sc.eat('}') {
		for {
			sc.ws()
			name, ok := sc.str()
			if !ok {
				return lineError("not a JSON object")
			}
			sc.ws()
			if !sc.eat(':') {
				return lineError("not a JSON object")
			}
			for _, s := range sc.seen {
				if s == name {
					return lineError("field %q is given twice", clip(name))
				}
			}
			sc.seen = append(sc.seen, name)
			sc.ws()
			if err := field(name, sc); err != nil {
				return err
			}
			sc.ws()
			if sc.eat('}') {
				break
			}
			if !sc.eat(',') {
				return lineError("not a JSON object")
			}
		}
	}
	sc.ws()
	if sc.i != len(sc.b) {
		return lineError("not a JSON object: text after the closing brace")
	}
	return nil
}

// stringField reads a string or null into *dst.
func (sc *scanner) stringField(name string, dst **string) error {
	if sc.null() {
		return nil
	}
	s, ok := sc.str()
	if !ok {
		return lineError("field %q must be a string", name)
	}
	*dst = &s
	return nil
}

// listField reads an array of strings or null into *dst.
func (sc *scanner) listField(name string, dst **[]string) error {
	if sc.null() {
		return nil
	}
	bad := lineError("field %q must be an array of strings", name)
	if !sc.eat('[') {
		return bad
	}
	list := []string{}
	sc.ws()
	if !sc.eat(']') {
		for {
			sc.ws()
			s, ok := sc.str()
			if !ok {
				return bad
			}
			list = append(list, s)
			sc.ws()
			if sc.eat(']') {
				break
			}
			if !sc.eat(',') {
				return bad
			}
		}
	}
	*dst = &list
	return nil
}

func (sc *scanner) ws() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

func (sc *scanner) eat(c byte) bool {
	if sc.i < len(sc.b) && sc.b[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

func (sc *scanner) null() bool {
	if len(sc.b)-sc.i >= 4 && string(sc.b[sc.i:sc.i+4]) == "null" {
		sc.i += 4
		return true
	}
	return false
}

// str reads a JSON string. One without escapes is sliced as it is; one
// with escapes is handed to encoding/json, which knows all of them.
func (sc *scanner) str() (string, bool) {
	if !sc.eat('"') {
		return "", false
	}
	start, escaped := sc.i, false
	for sc.i < len(sc.b) {
		c := sc.b[sc.i]
		switch {
		case c == '"':
			raw := sc.b[start:sc.i]
			sc.i++
			if !escaped {
				return string(raw), utf8.Valid(raw)
			}
			var s string
			if json.Unmarshal(sc.b[start-1:sc.i], &s) != nil || !utf8.Valid(raw) {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			sc.i += 2
		case c < 0x20:
			return "", false
		default:
			sc.i++
		}
	}
	return "", false
}
