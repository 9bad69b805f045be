package cmd

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the commands testdata/script/*.txtar may use beyond
// testscript's own: what a shell script would do with jq and a little
// arithmetic, without depending on either.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits":      cmdExits,
	"grab":       cmdGrab,
	"timediff":   cmdTimediff,
	"credential": cmdCredential,
}

// timediff FILE FROM TO prints TO - FROM in seconds, both RFC 3339 fields
// of the JSON object in FILE ("stdout" for the last command's output);
// timediff FILE FROM FILE2 TO reads TO from FILE2.
func cmdTimediff(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 && len(args) != 4 {
		ts.Fatalf("usage: timediff FILE FROM [FILE2] TO")
	}
	at := func(file, field string) time.Time {
		var obj map[string]any
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(file)), &obj))
		s, ok := obj[field].(string)
		if !ok {
			ts.Fatalf("timediff: %s is not a string in %s", field, file)
		}
		t, err := time.Parse(time.RFC3339, s)
		ts.Check(err)
		return t
	}
	from := at(args[0], args[1])
	toFile, toField := args[0], args[2]
	if len(args) == 4 {
		toFile, toField = args[2], args[3]
	}
	fmt.Fprintf(ts.Stdout(), "%d\n", int64(at(toFile, toField).Sub(from)/time.Second))
}

// credential MODE IN OUT writes to OUT a variant of the keyward key or
// token in IN (first line):
//   - typo: one secret character changed, checksum left as it was;
//   - resecret: same prefix and id, another secret with a valid checksum.
func cmdCredential(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: credential typo|resecret IN OUT")
	}
	s := strings.TrimSpace(strings.SplitN(ts.ReadFile(args[1]), "\n", 2)[0])
	last := strings.LastIndexByte(s, '_')
	if last < 0 || len(s)-last-1 != 38 {
		ts.Fatalf("credential: %s does not hold a keyward key", args[1])
	}
	swap := func(c byte) byte {
		if c == 'a' {
			return 'b'
		}
		return 'a'
	}
	b := []byte(s)
	switch args[0] {
	case "typo":
		b[last+1] = swap(b[last+1])
	case "resecret":
		for i := last + 1; i < len(b)-6; i++ {
			b[i] = swap(b[i])
		}
		body := string(b[:len(b)-6])
		copy(b[len(b)-6:], base62Checksum(body))
	default:
		ts.Fatalf("credential: unknown mode %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), append(b, '\n'), 0o600))
}

// base62Checksum is the SPEC's checksum, written independently of
// internal/keys: CRC32 (IEEE) in base62, most significant digit first,
// padded with '0' to six characters.
func base62Checksum(s string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	v := crc32.ChecksumIEEE([]byte(s))
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = alphabet[v%62]
		v /= 62
	}
	return string(out)
}
