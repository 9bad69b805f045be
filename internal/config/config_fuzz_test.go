package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/pflag"
)

// FuzzConfigFile feeds arbitrary bytes as the config file: Load either
// refuses it with a usage error (exit 2) naming the file, on one line, or
// returns settings every rule holds for.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("db: /srv/keyward/keyward.db\nkey_prefix: kw\nmax_ttl: 90d\n"))
	f.Add([]byte("roles: [admin, ops]\nadmin_role: ops\ntoken_ttl: 30m\nmax_token_ttl: 2h\n"))
	f.Add([]byte("default_ttl: 100d\n"))
	f.Add([]byte("db: ''\n"))
	f.Add([]byte("output: json\nrotation_grace: 1h\n"))
	f.Add([]byte("key_prefix: [1, 2]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		flags := pflag.NewFlagSet("keyward", pflag.ContinueOnError)
		flags.String("db", "", "")
		flags.String("config", "", "")
		flags.StringP("output", "o", "", "")
		if err := flags.Parse([]string{"--config", path}); err != nil {
			t.Fatal(err)
		}
		env := func(k string) (string, bool) {
			switch k {
			case "HOME":
				return dir, true
			}
			return "", false
		}
		c, err := Load(flags, env)
		if err != nil {
			if keys.ErrorCode(err) != keys.EINVALID {
				t.Fatalf("code %s: %v", keys.ErrorCode(err), err)
			}
			if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "db") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		p := c.Policy
		if keys.ValidatePrefix(p.Prefix) != nil {
			t.Fatalf("accepted prefix %q", p.Prefix)
		}
		if p.DefaultTTL <= 0 || p.MaxTTL <= 0 || p.TokenTTL <= 0 || p.MaxTokenTTL <= 0 {
			t.Fatalf("accepted durations %+v", p)
		}
		if c.DB == "" || (c.Output != "table" && c.Output != "json") {
			t.Fatalf("db %q output %q", c.DB, c.Output)
		}
	})
}
