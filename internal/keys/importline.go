package keys

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MaxImportLine bounds one line of an import file.
const MaxImportLine = 64 << 10

// maxReportedLines bounds how many bad lines one import error names.
const maxReportedLines = 20

// ParseImportLine decodes and validates one line of an import file with
// the rules of create, at now. A line without "key" gets a freshly
// minted key string; one with "key" carries that string's hash, and its
// own public id unless the string is keyward's shape, whose id is kept so
// that verify finds it by id like any keyward key. null counts as absent.
func ParseImportLine(line []byte, n int, p Policy, now time.Time) (ImportItem, error) {
	it := ImportItem{Line: n}
	var alias, key, ttl, expires *string
	var rec record
	req := &it.Request
	c := &req.Fields
	err := scanObject(line, func(name string, sc *scanner) error {
		switch name {
		case "alias":
			return sc.stringField(name, &alias)
		case "name":
			return sc.stringField(name, &c.Name)
		case "description":
			return sc.stringField(name, &c.Description)
		case "owner":
			return sc.stringField(name, &c.Owner)
		case "ttl":
			return sc.stringField(name, &ttl)
		case "expires_at":
			return sc.stringField(name, &expires)
		case "key":
			return sc.stringField(name, &key)
		case "roles":
			return sc.listField(name, &c.Roles)
		case "scopes":
			return sc.listField(name, &c.Scopes)
		case "meta":
			return sc.metaField(name, &c.Meta)
		}
		if ok, err := rec.field(name, sc); ok {
			return err
		}
		return lineError("unknown field %q", clip(name))
	})
	if err != nil {
		return it, err
	}
	if rec.scope != nil {
		others := alias != nil || key != nil || ttl != nil || expires != nil || c.Name != nil || c.Owner != nil || c.Roles != nil || c.Scopes != nil
		return rec.scopeItem(it, c.Description, others)
	}
	if alias == nil {
		return it, lineError("alias is required")
	}
	req.Alias = *alias
	if rec.any {
		return rec.restoreItem(it, key, ttl, expires, p, now)
	}
	if ttl != nil && expires != nil {
		return it, lineError("give either ttl or expires_at, not both")
	}
	if ttl != nil {
		d, err := ParseDuration(*ttl)
		if err != nil {
			return it, prefixed("ttl: ", err)
		}
		req.TTL = d
	}
	if err := req.Validate(p); err != nil {
		return it, err
	}
	if expires != nil {
		t, err := checkExpiresAt(*expires, p, now)
		if err != nil {
			return it, err
		}
		it.ExpiresAt = &t
	}
	if key == nil {
		req.Credential = NewCredential(p.Prefix, KindKey)
		return it, nil
	}
	cred, err := importedCredential(*key)
	if err != nil {
		return it, err
	}
	req.Credential = cred
	it.Imported = true
	return it, nil
}

// checkExpiresAt reads an RFC 3339 expiry: it must lie in the future and
// at most max_ttl from now, the bound a create puts on its ttl.
func checkExpiresAt(s string, p Policy, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, lineError("expires_at %q is not an RFC 3339 time such as 2027-01-31T00:00:00Z", clip(s))
	}
	t = t.UTC().Truncate(time.Second)
	if !t.After(now) {
		return t, lineError("expires_at %s is in the past", t.Format(time.RFC3339))
	}
	if t.Sub(now) > p.MaxTTL {
		return t, lineError("expires_at %s is more than max_ttl %s from now", t.Format(time.RFC3339), FormatDuration(p.MaxTTL))
	}
	return t, nil
}

// importedCredential checks a key string brought from another system.
func importedCredential(s string) (Credential, error) {
	if len(s) < MinCredentialLen || len(s) > MaxCredentialLen {
		return Credential{}, lineError("key is %d bytes long; an imported key must have %d to %d", len(s), MinCredentialLen, MaxCredentialLen)
	}
	p, shape := Parse(s)
	switch shape {
	case Malformed:
		if !printable(s) {
			return Credential{}, lineError("key contains a space or a character that is not printable ASCII")
		}
		return Credential{}, lineError("key has keyward's shape but a bad checksum")
	case Native:
		return Credential{ID: p.ID, Hash: Hash(s), Masked: Mask(s)}, nil
	}
	return Credential{ID: NewID(), Hash: Hash(s), Masked: Mask(s)}, nil
}

func lineError(format string, args ...any) *Error {
	return Errorf(EINVALID, "invalid_import", format, args...)
}

func prefixed(p string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Message = p + c.Message
		return &c
	}
	return err
}

// ImportReader validates an import file line by line and remembers what
// makes a later line a duplicate of an earlier one.
type ImportReader struct {
	Policy Policy
	Now    time.Time
	// Progress, if set, is called every ProgressEvery lines read.
	Progress      func(lines int)
	ProgressEvery int

	items   []ImportItem
	aliases map[string]int // alias → line
	hashes  map[string]int // key hash → line
	ids     map[string]int // kept id → line
	scopes  map[string]int // scope line's name → line
	bad     []string
	nbad    int
}

// ReadImport reads JSON Lines from r and validates every line. Blank
// lines are skipped but counted. It returns every item, or an error
// naming the bad lines (up to 20) with nothing to import.
func (ir *ImportReader) ReadImport(r io.Reader) ([]ImportItem, error) {
	ir.aliases = map[string]int{}
	ir.hashes = map[string]int{}
	ir.ids = map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxImportLine)
	n := 0
	for sc.Scan() {
		n++
		ir.add(sc.Bytes(), n)
		if ir.Progress != nil && ir.ProgressEvery > 0 && n%ir.ProgressEvery == 0 {
			ir.Progress(n)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		ir.fail(n+1, lineError("line is longer than %d bytes", MaxImportLine))
	} else if err != nil {
		return nil, Errorf(EINTERNAL, "io_error", "cannot read the import: %s", err)
	}
	if ir.nbad > 0 {
		return nil, ir.err()
	}
	return ir.items, nil
}

func (ir *ImportReader) add(line []byte, n int) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	it, err := ParseImportLine(line, n, ir.Policy, ir.Now)
	if err != nil {
		ir.fail(n, err)
		return
	}
	if it.Scope != nil {
		ir.addScope(it)
		return
	}
	if first, dup := ir.aliases[it.Request.Alias]; dup {
		ir.fail(n, lineError("alias %q is already on line %d", it.Request.Alias, first))
		return
	}
	if it.Imported || it.Restore != nil {
		if first, dup := ir.hashes[it.Request.Credential.Hash]; dup {
			ir.fail(n, lineError("the same key is already on line %d", first))
			return
		}
		if first, dup := ir.ids[it.Request.Credential.ID]; dup {
			ir.fail(n, lineError("a key with the same id is already on line %d", first))
			return
		}
		prev := it.PreviousHash()
		if first, dup := ir.hashes[prev]; dup && prev != "" {
			ir.fail(n, lineError("the key's previous string is already on line %d", first))
			return
		}
		ir.hashes[it.Request.Credential.Hash] = n
		if prev != "" {
			ir.hashes[prev] = n
		}
	}
	ir.aliases[it.Request.Alias] = n
	ir.ids[it.Request.Credential.ID] = n
	if ir.nbad == 0 {
		ir.items = append(ir.items, it)
	}
}

func (ir *ImportReader) fail(n int, err error) {
	ir.nbad++
	ir.items = nil // nothing will be imported: stop holding the lines
	if len(ir.bad) < maxReportedLines {
		msg := err.Error()
		var e *Error
		if errors.As(err, &e) {
			msg = e.Message
		}
		ir.bad = append(ir.bad, fmt.Sprintf("line %d: %s", n, msg))
	}
}

func (ir *ImportReader) err() error {
	msg := strings.Join(ir.bad, "; ")
	if ir.nbad > len(ir.bad) {
		msg += fmt.Sprintf("; and %d more", ir.nbad-len(ir.bad))
	}
	return Errorf(EINVALID, "invalid_import", "%d invalid line(s), nothing was imported: %s", ir.nbad, msg).
		With("problem", "lines")
}
