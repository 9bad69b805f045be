//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// dataset is a database prepared through keyward import.
type dataset struct {
	db, jsonl string
	key       issued // one generated key from the middle of the table
}

type issued struct {
	Alias string `json:"alias"`
	ID    string `json:"id"`
	Key   string `json:"key"`
}

// prepare writes n JSON Lines of keys about as wide as real ones and
// imports them into a new database.
func (b *bench) prepare(n int) (*dataset, error) {
	d := &dataset{db: filepath.Join(b.dir, fmt.Sprintf("keys-%d.db", n)), jsonl: filepath.Join(b.dir, fmt.Sprintf("keys-%d.jsonl", n))}
	f, err := os.Create(d.jsonl)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	roles := []string{`["agent"]`, `["user"]`, `["creator","user"]`, `[]`}
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `{"alias":"svc-%07d","name":"Service %d","owner":"team-%d@example.com","description":"benchmark key %d for the payments pipeline","roles":%s,"ttl":"%dd"}`+"\n",
			i, i, i%97, i, roles[i%len(roles)], 1+i%90)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	f.Close()
	c := b.cmd(d.jsonl, b.keyward, "--db", d.db, "import")
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bufio.NewReader(out))
	count := 0
	for {
		var k issued
		if err := dec.Decode(&k); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if count == n/2 {
			d.key = k
		}
		count++
	}
	if err := c.Wait(); err != nil {
		return nil, fmt.Errorf("keyward import: %w", err)
	}
	if count != n {
		return nil, fmt.Errorf("keyward import printed %d keys, want %d", count, n)
	}
	// Checkpoint the WAL so that copies of the file are whole.
	if err := b.cmd("", *sqlite3Bin, d.db, "PRAGMA wal_checkpoint(TRUNCATE)").Run(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return d, nil
}

// dumpInserts writes the rows of db as INSERT statements in one
// transaction: the sqlite3 floor for import.
func (b *bench) dumpInserts(db, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("BEGIN IMMEDIATE;\n")
	c := b.cmd("", *sqlite3Bin, "-cmd", ".mode insert keys", db, "SELECT * FROM keys")
	c.Stdout = w
	if err := c.Run(); err != nil {
		return fmt.Errorf("dump rows: %w", err)
	}
	w.WriteString("COMMIT;\n")
	return w.Flush()
}

func (b *bench) copyDB(src, name string) string {
	// Streamed, never read whole: a child's peak RSS as the kernel
	// reports it starts at this process's own (see timeRun).
	dst := filepath.Join(b.dir, name)
	os.Remove(dst + "-wal")
	os.Remove(dst + "-shm")
	in, err := os.Open(src)
	if err != nil {
		panic(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
	return dst
}

func (b *bench) removeGlob(pattern string) {
	m, _ := filepath.Glob(filepath.Join(b.dir, pattern))
	for _, p := range m {
		os.Remove(p)
	}
}

// cmd is one process with stdin from a file ("" for none) and stdout
// discarded.
func (b *bench) cmd(stdin, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = b.env
	c.Stderr = os.Stderr
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			panic(err)
		}
		c.Stdin = f
	}
	return c
}

// proc makes a process factory that always runs the same command.
func (b *bench) proc(stdin, name string, args ...string) func() *exec.Cmd {
	return func() *exec.Cmd { return b.cmd(stdin, name, args...) }
}

func (b *bench) sqliteVersion() string {
	out, err := exec.Command(*sqlite3Bin, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.Fields(string(out))[0]
}
