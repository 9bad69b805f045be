// Command floor is the cheapest verify this stack can do, the benchmark's
// floor for keyward verify: read a key from stdin, hash it, open the
// database with modernc.org/sqlite, look one row up by id and compare.
package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	key := strings.TrimSpace(line)
	parts := strings.Split(key, "_")
	if len(parts) != 3 {
		os.Exit(5)
	}
	sum := sha256.Sum256([]byte(key))
	want := hex.EncodeToString(sum[:])
	db, err := sql.Open("sqlite", "file:"+os.Args[1]+"?_pragma=busy_timeout(10000)")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	var hash, alias, roles, scopes string
	var expires int64
	var revoked sql.NullInt64
	err = db.QueryRow(`SELECT hash, alias, roles, scopes, expires_at, revoked_at FROM keys WHERE id = ?`, parts[1]).
		Scan(&hash, &alias, &roles, &scopes, &expires, &revoked)
	if err != nil || subtle.ConstantTimeCompare([]byte(hash), []byte(want)) != 1 {
		fmt.Println("NOT_FOUND")
		os.Exit(5)
	}
	fmt.Println("VALID", alias, roles, scopes, expires, revoked.Valid)
}
