package keys

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Meta is an operator's labels on a key: {"env": "prod", "team": "billing"}.
// A nil Meta and an empty one are the same: no labels.
type Meta map[string]string

// Limits of a key's labels.
const (
	MaxMetaEntries  = 16
	MaxMetaValueLen = 256
)

// IsMetaName: ^[a-z][a-z0-9_.-]{0,63}$
func IsMetaName(s string) bool {
	return isName(s, 64, isLower, func(c byte) bool { return isLowNum(c) || c == '_' || c == '.' || c == '-' })
}

// ValidateMetaName checks a label name.
func ValidateMetaName(name string) error {
	if IsMetaName(name) {
		return nil
	}
	return Errorf(EINVALID, "invalid_meta", "invalid label name %q: want a lowercase letter then up to 63 of a-z 0-9 _ . -", clip(name))
}

// ValidateMetaValue checks a label value: at most 256 characters of valid
// UTF-8, no control characters, and nothing shaped like a key.
func ValidateMetaValue(name, value string) error {
	if !utf8.ValidString(value) {
		return Errorf(EINVALID, "invalid_meta", "label %q is not valid UTF-8", name)
	}
	if n := utf8.RuneCountInString(value); n > MaxMetaValueLen {
		return Errorf(EINVALID, "invalid_meta", "label %q is %d characters long; at most %d are allowed", name, n, MaxMetaValueLen)
	}
	for _, r := range value {
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "invalid_meta", "label %q contains a control character (%U)", name, r)
		}
	}
	if ContainsCredential(value) {
		return Errorf(EINVALID, "invalid_meta", "label %q holds what looks like a key or token", name)
	}
	return nil
}

// Validate checks every label and how many there are.
func (m Meta) Validate() error {
	if len(m) > MaxMetaEntries {
		return Errorf(EINVALID, "invalid_meta", "%d labels given; at most %d are allowed", len(m), MaxMetaEntries)
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if err := ValidateMetaName(name); err != nil {
			return err
		}
		if err := ValidateMetaValue(name, m[name]); err != nil {
			return err
		}
	}
	return nil
}

// Equal reports whether m and o hold the same labels.
func (m Meta) Equal(o Meta) bool { return maps.Equal(m, o) }

// Clone copies m; the copy of no labels is an empty, non-nil Meta.
func (m Meta) Clone() Meta {
	out := make(Meta, len(m))
	maps.Copy(out, m)
	return out
}

// ParseMetaPair reads one NAME=VALUE; the value may be empty and may
// contain "=".
func ParseMetaPair(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		if LooksLikeCredential(s) || ContainsCredential(s) {
			return "", "", ErrSecretArgument()
		}
		return "", "", Errorf(EINVALID, "invalid_meta", "invalid label %q: want NAME=VALUE", clip(s))
	}
	if err := ValidateMetaName(name); err != nil {
		return "", "", err
	}
	if err := ValidateMetaValue(name, value); err != nil {
		return "", "", err
	}
	return name, value, nil
}

// ParseMeta reads repeated NAME=VALUE pairs into the set they describe.
// A name given twice is refused rather than resolved silently.
func ParseMeta(pairs []string) (Meta, error) {
	m := make(Meta, len(pairs))
	for _, p := range pairs {
		name, value, err := ParseMetaPair(p)
		if err != nil {
			return nil, err
		}
		if _, dup := m[name]; dup {
			return nil, Errorf(EINVALID, "invalid_meta", "label %q is given twice", name)
		}
		m[name] = value
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// MetaChange is what create or update asks of a key's labels. Labels are
// replaced as a whole set, never merged: what the operator gives is what
// the key carries.
type MetaChange struct {
	Set   bool // Meta replaces the key's labels
	Meta  Meta
	Clear bool // the key's labels are emptied
}

// NewMetaChange reads --meta pairs and --clear-meta; giving both is a
// usage error, since one says "these" and the other "none".
func NewMetaChange(pairs []string, clear bool) (MetaChange, error) {
	if clear && len(pairs) > 0 {
		return MetaChange{}, Errorf(EINVALID, "invalid_flags", "labels cannot be both set and cleared")
	}
	if clear {
		return MetaChange{Clear: true}, nil
	}
	if len(pairs) == 0 {
		return MetaChange{}, nil
	}
	m, err := ParseMeta(pairs)
	if err != nil {
		return MetaChange{}, err
	}
	return MetaChange{Set: true, Meta: m}, nil
}

// Validate checks c as a store receives it, whoever built it.
func (c MetaChange) Validate() error {
	if c.Set && c.Clear {
		return Errorf(EINVALID, "invalid_flags", "labels cannot be both set and cleared")
	}
	if c.Set {
		return c.Meta.Validate()
	}
	return nil
}

// Empty reports whether c leaves the labels as they are.
func (c MetaChange) Empty() bool { return !c.Set && !c.Clear }

// Apply returns the labels after c, given those before.
func (c MetaChange) Apply(before Meta) Meta {
	switch {
	case c.Clear:
		return Meta{}
	case c.Set:
		return c.Meta.Clone()
	}
	return before.Clone()
}

// EncodeMeta is the stored form of labels: a JSON object, keys sorted.
func EncodeMeta(m Meta) string { return string(appendStringMap(nil, m)) }

// DecodeMeta reads what EncodeMeta wrote (or an export's "meta").
func DecodeMeta(s string) (Meta, error) {
	if s == "" || s == "{}" {
		return Meta{}, nil
	}
	m := Meta{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, Errorf(EINVALID, "invalid_meta", "labels are not a JSON object of strings").Wrap(err)
	}
	if m == nil {
		m = Meta{}
	}
	return m, nil
}
