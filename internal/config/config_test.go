package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/pflag"
)

// setup returns the global flags parsed from args and an environment
// with HOME and XDG_* inside a fresh directory, plus extra variables.
func setup(t *testing.T, args []string, vars map[string]string) (*pflag.FlagSet, Env, string) {
	t.Helper()
	dir := t.TempDir()
	fs := pflag.NewFlagSet("keyward", pflag.ContinueOnError)
	fs.String("db", "", "")
	fs.String("config", "", "")
	fs.StringP("output", "o", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HOME":            dir,
		"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
	}
	for k, v := range vars {
		env[k] = v
	}
	// The settings' variables come from the process environment, as
	// viper reads them; empty is unset.
	for _, k := range Keys {
		t.Setenv(EnvName(k), vars[EnvName(k)])
	}
	return fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, dir
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "cfg", "keyward", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaults(t *testing.T) {
	fs, env, dir := setup(t, nil, nil)
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Policy
	if c.DB != filepath.Join(dir, "data", "keyward", "keyward.db") || c.Output != "table" || c.File != "" {
		t.Errorf("db %q output %q file %q", c.DB, c.Output, c.File)
	}
	if p.Prefix != "kw" || p.DefaultTTL != 15*24*time.Hour || p.MaxTTL != 90*24*time.Hour ||
		p.TokenTTL != time.Hour || p.MaxTokenTTL != 24*time.Hour || p.AdminRole != "admin" ||
		!slices.Equal(p.Roles, []string{"admin", "creator", "user", "agent"}) {
		t.Errorf("policy %+v", p)
	}
	for _, k := range Keys {
		if c.Sources[k] != SourceDefault {
			t.Errorf("source of %s = %q", k, c.Sources[k])
		}
	}
}

func TestDefaultPathsWithoutXDG(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "HOME" {
			return "/home/op", true
		}
		if k == "XDG_DATA_HOME" {
			return "relative/ignored", true // the XDG spec says relative paths are ignored
		}
		return "", false
	}
	cfg, db := DefaultPaths(env)
	if cfg != "/home/op/.config/keyward/config.yaml" || db != "/home/op/.local/share/keyward/keyward.db" {
		t.Errorf("DefaultPaths = %q, %q", cfg, db)
	}
}

func TestPrecedence(t *testing.T) {
	fs, env, dir := setup(t, []string{"--db", "/flag.db"}, map[string]string{
		"KEYWARD_DB":          "/env.db",
		"KEYWARD_DEFAULT_TTL": "30d",
		"KEYWARD_OUTPUT":      "json",
	})
	file := writeConfig(t, dir, "db: /file.db\ndefault_ttl: 20d\nmax_ttl: 60d\nkey_prefix: acme\nroles: [reader, admin]\n")
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string][2]string{
		"db":          {"/flag.db", SourceFlag},
		"default_ttl": {"30d", SourceEnv},
		"output":      {"json", SourceEnv},
		"max_ttl":     {"60d", SourceFile},
		"key_prefix":  {"acme", SourceFile},
		"roles":       {"reader,admin", SourceFile},
		"token_ttl":   {"1h", SourceDefault},
	} {
		if c.Values[k] != want[0] || c.Sources[k] != want[1] {
			t.Errorf("%s = %q from %q, want %q from %q", k, c.Values[k], c.Sources[k], want[0], want[1])
		}
	}
	if c.DB != "/flag.db" || c.Policy.DefaultTTL != 30*24*time.Hour || c.Policy.MaxTTL != 60*24*time.Hour ||
		c.Policy.Prefix != "acme" || c.Output != "json" || c.File != file {
		t.Errorf("config %+v", c)
	}
}

func TestEmptyEnvironmentIsUnset(t *testing.T) {
	fs, env, _ := setup(t, nil, map[string]string{"KEYWARD_DB": "", "KEYWARD_OUTPUT": "", "KEYWARD_CONFIG": ""})
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources["db"] != SourceDefault || c.Output != "table" {
		t.Errorf("db from %q, output %q", c.Sources["db"], c.Output)
	}
}

func TestExplicitConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "other.yaml")
	os.WriteFile(path, []byte("token_ttl: 2h\n"), 0o600)

	fs, env, _ := setup(t, []string{"--config", path}, nil)
	c, err := Load(fs, env)
	if err != nil || c.Policy.TokenTTL != 2*time.Hour || c.File != path {
		t.Fatalf("--config: %v, %+v", err, c)
	}
	fs, env, _ = setup(t, nil, map[string]string{"KEYWARD_CONFIG": path})
	if c, err = Load(fs, env); err != nil || c.Policy.TokenTTL != 2*time.Hour {
		t.Fatalf("KEYWARD_CONFIG: %v", err)
	}
	fs, env, _ = setup(t, []string{"--config", filepath.Join(dir, "missing.yaml")}, nil)
	_, err = Load(fs, env)
	wantError(t, err, "missing.yaml does not exist")
}

func wantError(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", contains)
	}
	if keys.ErrorCode(err) != keys.EINVALID {
		t.Errorf("code %q, want invalid (exit 2)", keys.ErrorCode(err))
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("error %q does not contain %q", err, contains)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is more than one line", err)
	}
}

func TestBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not YAML", "default_ttl: [15d\n", "does not parse as YAML: yaml: line"},
		{"tab indentation", "roles:\n\t- admin\n", "does not parse as YAML"},
		{"unknown key", "default_tll: 15d\n", `unknown setting "default_tll"`},
		{"nested unknown key", "roles:\n  admin: true\n", `unknown setting "roles.admin"`},
		{"list for a duration", "default_ttl: [1, 2]\n", "default_ttl must be a single value"},
		{"map for a string", "key_prefix: {a: 1}\n", `unknown setting "key_prefix.a"`},
		{"unknown key on a later line", "db: /a.db\n# a comment\n\nDefault_TLL: 15d\n", `: line 4: unknown setting "default_tll"`},
		{"nested unknown key's line", "db: /a.db\nroles:\n  - admin\nkey_prefix:\n  a: 1\n", `: line 5: unknown setting "key_prefix.a"`},
		{"bad duration", "max_ttl: -3d\n", `max_ttl is not a positive duration ("-3d")`},
		{"zero duration", "token_ttl: 0s\n", "token_ttl is not a positive duration"},
		{"number for a duration", "default_ttl: 15\n", `default_ttl is not a positive duration ("15")`},
		{"bad prefix", "key_prefix: KW\n", `key_prefix "KW" must be`},
		{"numbers for roles", "roles: [1, 2]\n", "roles must be a list of names"},
		{"bad role name", "roles: [admin, Bad Role]\n", `invalid role name "Bad Role"`},
		{"bad admin role name", "admin_role: Root\n", `admin_role "Root" is not a valid role name`},
		{"duplicate key", "db: /a.db\ndb: /b.db\n", `line 2: mapping key "db" already defined at line 1`},
		{"bad output", "output: yaml\n", `output "yaml" is not table or json`},
		{"max below default", "max_ttl: 7d\n", "max_ttl 7d is below default_ttl 15d"},
		{"default above max", "default_ttl: 100d\n", "default_ttl 100d is above max_ttl 90d"},
		{"token max below default", "max_token_ttl: 30m\n", "max_token_ttl 30m is below token_ttl 1h"},
		{"empty db", "db: ''\n", "db is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, env, dir := setup(t, nil, nil)
			file := writeConfig(t, dir, tc.body)
			_, err := Load(fs, env)
			wantError(t, err, tc.want)
			if err != nil && !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file %s", err, file)
			}
		})
	}
}

func TestBadValueNamesItsSource(t *testing.T) {
	fs, env, _ := setup(t, []string{"-o", "xml"}, map[string]string{"KEYWARD_MAX_TTL": "lots"})
	_, err := Load(fs, env)
	wantError(t, err, "KEYWARD_MAX_TTL: max_ttl")

	fs, env, _ = setup(t, []string{"-o", "xml"}, nil)
	_, err = Load(fs, env)
	wantError(t, err, `--output: output "xml"`)
}

func TestEmptyFileAndRolesAsText(t *testing.T) {
	fs, env, dir := setup(t, nil, map[string]string{"KEYWARD_ROLES": "ops, dev ,admin"})
	writeConfig(t, dir, "")
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Policy.Roles, []string{"ops", "dev", "admin"}) || c.Sources["roles"] != SourceEnv {
		t.Errorf("roles %v from %s", c.Policy.Roles, c.Sources["roles"])
	}
}

func TestDBPathExpandsHome(t *testing.T) {
	fs, env, dir := setup(t, nil, nil)
	writeConfig(t, dir, "db: ~/keys/keyward.db\n")
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != filepath.Join(dir, "keys", "keyward.db") || c.Values["db"] != c.DB {
		t.Errorf("db %q, shown as %q", c.DB, c.Values["db"])
	}
	fs, env, dir = setup(t, nil, map[string]string{"KEYWARD_DB": "~/env.db"})
	if c, err = Load(fs, env); err != nil || c.DB != filepath.Join(dir, "env.db") {
		t.Errorf("env: %q, %v", c.DB, err)
	}
	fs, env, _ = setup(t, []string{"--db", "~user/x.db"}, nil)
	if c, err = Load(fs, env); err != nil || c.DB != "~user/x.db" {
		t.Errorf("~user is left alone: %q, %v", c.DB, err)
	}
}

// An admin_role that is not one of the roles is no error: no key can be
// given an admin-only scope, and the configuration says so.
func TestAdminRoleNotARole(t *testing.T) {
	fs, env, dir := setup(t, nil, nil)
	writeConfig(t, dir, "roles: [ops, dev]\n")
	c, err := Load(fs, env)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AdminRoleUnused || c.Policy.AdminRole != "admin" || !slices.Equal(c.Policy.Roles, []string{"ops", "dev"}) {
		t.Errorf("config %+v", c)
	}
	fs, env, _ = setup(t, nil, nil)
	if c, err = Load(fs, env); err != nil || c.AdminRoleUnused {
		t.Errorf("defaults: %v, admin role unused %v", err, c.AdminRoleUnused)
	}
}
