// Command serve measures keyward serve against a floor: a minimal stdlib
// server answering the same POST /v1/verify from an in-memory map (one
// SHA-256, one map look-up, a small JSON object). A closed-loop load
// generator (4 keep-alive connections, round-robin over 2,000 keys) runs
// against each in turn, alternating, in one run; then against keyward's
// server code with its cache bounded to one record (every request a
// miss); then a soak with a CLI write every 100 ms.
//
//	go run ./internal/benchmark/serve [-keys 2000] [-conns 4] [-d 5s] [-rounds 3] [-soak 60s]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var (
	nKeys  = flag.Int("keys", 2000, "keys in the database, requested round-robin")
	conns  = flag.Int("conns", 4, "keep-alive connections of the load generator")
	dur    = flag.Duration("d", 5*time.Second, "duration of each measured phase")
	rounds = flag.Int("rounds", 3, "alternating rounds of keyward and the floor (0: only the soak)")
	soak   = flag.Duration("soak", 60*time.Second, "duration of the soak (0: none)")
	mode   = flag.String("mode", "", "internal: floor or uncached, to run as that server")
	data   = flag.String("data", "", "internal: the keys file (floor) or the database (uncached)")
)

func main() {
	flag.Parse()
	var err error
	switch *mode {
	case "floor":
		err = runFloor(*data)
	case "uncached":
		err = runUncached(*data)
	case "":
		err = run()
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
}

// issued is one key as keyward import prints it.
type issued struct {
	Alias string `json:"alias"`
	ID    string `json:"id"`
	Key   string `json:"key"`
}

// bench is the working directory and the programs under test.
type bench struct {
	dir     string
	keyward string
	self    string
	db      string
	keys    []issued
	env     []string
}

func run() error {
	dir, err := os.MkdirTemp("", "servebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b := &bench{dir: dir, keyward: filepath.Join(dir, "keyward"), self: self, db: filepath.Join(dir, "keyward.db")}
	b.env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "KEYWARD_") })
	b.env = append(b.env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "KEYWARD_DB="+b.db, "NO_COLOR=1")
	step("building keyward")
	build := exec.Command("go", "build", "-o", b.keyward, "github.com/keyward/keyward")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	step(fmt.Sprintf("importing %d keys", *nKeys))
	if err := b.prepare(); err != nil {
		return err
	}
	keysFile := filepath.Join(dir, "keys.json")
	if err := writeKeys(keysFile, b.keys); err != nil {
		return err
	}
	bodies := make([][]byte, len(b.keys))
	for i, k := range b.keys {
		bodies[i], _ = json.Marshal(map[string]string{"key": k.Key})
	}

	if *rounds > 0 {
		if err := b.compare(bodies, keysFile); err != nil {
			return err
		}
	}
	if *soak > 0 {
		step(fmt.Sprintf("soak: %s against keyward serve with a CLI write every 100 ms", *soak))
		kw, err := b.start("keyward serve", b.keyward, "serve", "--listen", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer kw.stop()
		s, err := b.soak(kw, *soak)
		if err != nil {
			return err
		}
		fmt.Printf("\nsoak %s: %d verifications (%.0f/s), %d CLI writes, %d errors, %d stale answers, %d checked against a write; p99 %s\n",
			*soak, s.requests, float64(s.requests)/soak.Seconds(), s.writes, s.errors, s.stale, s.checked, us(s.p99))
		for _, st := range s.report {
			fmt.Println("  ", st)
		}
	}
	return nil
}

// compare measures keyward serve and the floor side by side, then the
// miss path.
func (b *bench) compare(bodies [][]byte, keysFile string) error {
	kw, err := b.start("keyward serve", b.keyward, "serve", "--listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer kw.stop()
	floor, err := b.start("floor", b.self, "-mode", "floor", "-data", keysFile)
	if err != nil {
		return err
	}
	defer floor.stop()

	step("warming up")
	load(kw, bodies, time.Second)
	load(floor, bodies, time.Second)
	var kwRuns, floorRuns []result
	for r := range *rounds {
		step(fmt.Sprintf("round %d of %d: keyward serve, then the floor, %s each", r+1, *rounds, *dur))
		kwRuns = append(kwRuns, load(kw, bodies, *dur))
		floorRuns = append(floorRuns, load(floor, bodies, *dur))
	}
	kwm, fm := median(kwRuns), median(floorRuns)
	hits, misses := kw.metric("keyward_cache_hits_total"), kw.metric("keyward_cache_misses_total")
	floor.stop()

	step("every request a cache miss: keyward's server code with a cache of one record")
	kw.stop()
	unc, err := b.start("uncached serve", b.self, "-mode", "uncached", "-data", b.db)
	if err != nil {
		return err
	}
	load(unc, bodies, time.Second)
	um := load(unc, bodies, *dur)
	uHits, uMisses := unc.metric("keyward_cache_hits_total"), unc.metric("keyward_cache_misses_total")
	unc.stop()

	fmt.Printf("\nkeyward serve vs the floor: %d keys round-robin, %d keep-alive connections, closed loop, %d × %s alternating (medians)\n\n",
		*nKeys, *conns, *rounds, *dur)
	fmt.Printf("| server | verifications/s | p50 | p99 | server CPU / verification | errors |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range []struct {
		name string
		m    result
	}{{"keyward serve (cache hits)", kwm}, {"floor (map, SHA-256, JSON)", fm}, {"keyward serve, every request a miss", um}} {
		fmt.Printf("| %s | %.0f | %s | %s | %s | %d |\n", r.name, r.m.rate(), us(r.m.p50), us(r.m.p99), us(r.m.cpuPer()), r.m.errors)
	}
	fmt.Printf("\nthroughput ratio keyward/floor %.2f (goal ≥ 0.8); p99 ratio %.2f (goal ≤ 1.5); CPU per hit %s (goal ≤ 50 µs); misses %.0f/s (goal ≥ 10,000)\n",
		kwm.rate()/fm.rate(), float64(kwm.p99)/float64(fm.p99), us(kwm.cpuPer()), um.rate())
	fmt.Printf("cache: %s hits, %s misses in the keyward phases; %s hits, %s misses in the miss phase\n", hits, misses, uHits, uMisses)
	for i := range kwRuns {
		fmt.Printf("round %d: keyward %.0f/s p99 %s, floor %.0f/s p99 %s\n", i+1, kwRuns[i].rate(), us(kwRuns[i].p99), floorRuns[i].rate(), us(floorRuns[i].p99))
	}

	return nil
}

// prepare imports the keys and keeps their strings.
func (b *bench) prepare() error {
	var in strings.Builder
	for i := range *nKeys {
		fmt.Fprintf(&in, `{"alias":"svc-%05d","roles":["agent"],"ttl":"30d"}`+"\n", i)
	}
	c := exec.Command(b.keyward, "import")
	c.Env, c.Stdin, c.Stderr = b.env, strings.NewReader(in.String()), os.Stderr
	out, err := c.Output()
	if err != nil {
		return fmt.Errorf("keyward import: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var k issued
		if err := json.Unmarshal(sc.Bytes(), &k); err != nil {
			return err
		}
		b.keys = append(b.keys, k)
	}
	if len(b.keys) != *nKeys {
		return fmt.Errorf("import gave %d keys, want %d", len(b.keys), *nKeys)
	}
	return nil
}

func writeKeys(path string, keys []issued) error {
	b, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func step(s string) { fmt.Fprintf(os.Stderr, "--- %s\n", s) }

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3) }
