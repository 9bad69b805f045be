// Package config resolves keyward's settings: flag > environment
// (KEYWARD_*) > config file > default, remembering where each came from.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Keys are the settings keyward knows, in the order `keyward config`
// shows them.
var Keys = []string{"db", "key_prefix", "default_ttl", "max_ttl", "token_ttl", "max_token_ttl", "roles", "admin_role", "output"}

// Sources of a setting.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// Config is the effective configuration.
type Config struct {
	DB      string
	Output  string
	Policy  keys.Policy
	File    string            // the config file read, or ""
	Values  map[string]string // each setting as text
	Sources map[string]string // each setting's source
}

// Env looks up an environment variable; tests pass their own.
type Env func(string) (string, bool)

// DefaultPaths returns the default config file and database paths, from
// XDG_CONFIG_HOME and XDG_DATA_HOME or their ~/.config and ~/.local/share
// fallbacks.
func DefaultPaths(env Env) (configFile, db string) {
	home, _ := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	cfg, ok := env("XDG_CONFIG_HOME")
	if !ok || !filepath.IsAbs(cfg) {
		cfg = filepath.Join(home, ".config")
	}
	data, ok := env("XDG_DATA_HOME")
	if !ok || !filepath.IsAbs(data) {
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(cfg, "keyward", "config.yaml"), filepath.Join(data, "keyward", "keyward.db")
}

// Load resolves the configuration. flags holds the global --db, --config
// and --output flags.
func Load(flags *pflag.FlagSet, env Env) (*Config, error) {
	defaultFile, defaultDB := DefaultPaths(env)
	defaults := map[string]any{
		"db":            defaultDB,
		"key_prefix":    "kw",
		"default_ttl":   "15d",
		"max_ttl":       "90d",
		"token_ttl":     "1h",
		"max_token_ttl": "24h",
		"roles":         []string{"admin", "creator", "user", "agent"},
		"admin_role":    "admin",
		"output":        "table",
	}

	file, explicit := defaultFile, false
	if f := flags.Lookup("config"); f != nil && f.Changed {
		file, explicit = f.Value.String(), true
	} else if v, ok := env("KEYWARD_CONFIG"); ok && v != "" {
		file, explicit = v, true
	}
	fileValues, err := readFile(file, explicit)
	if err != nil {
		return nil, err
	}

	c := &Config{Values: map[string]string{}, Sources: map[string]string{}}
	if fileValues != nil {
		c.File = file
	}
	raw := map[string]any{}
	for _, k := range Keys {
		envName := "KEYWARD_" + strings.ToUpper(k)
		if f := flags.Lookup(k); f != nil && f.Changed {
			raw[k], c.Sources[k] = f.Value.String(), SourceFlag
		} else if v, ok := env(envName); ok && v != "" {
			// An empty variable counts as unset, as KEYWARD_CONFIG does:
			// KEYWARD_OUTPUT= keyward list is a plain list.
			raw[k], c.Sources[k] = v, SourceEnv
		} else if v, ok := fileValues[k]; ok {
			raw[k], c.Sources[k] = v, SourceFile
		} else {
			raw[k], c.Sources[k] = defaults[k], SourceDefault
		}
	}
	if db, ok := raw["db"].(string); ok {
		raw["db"] = expandHome(db, env)
	}
	if err := c.resolve(raw); err != nil {
		return nil, err
	}
	return c, nil
}

// expandHome expands a leading ~ in a path: no shell expands it in a
// YAML file or a quoted variable, and a directory named "~" in the
// current directory is never what was meant.
func expandHome(path string, env Env) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, _ := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		return path
	}
	return filepath.Join(home, path[1:])
}

// readFile reads the YAML config file through viper and checks that it
// names only known settings. A missing default file is no error; a
// missing file that was asked for is.
func readFile(path string, explicit bool) (map[string]any, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if !explicit {
			return nil, nil
		}
		return nil, keys.Errorf(keys.EINVALID, "config_not_found", "config file %s does not exist", path).
			WithHint("check --config or KEYWARD_CONFIG")
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, keys.Errorf(keys.EINVALID, "invalid_config", "config file %s does not parse as YAML: %s", path, strings.TrimPrefix(firstLine(err.Error()), "While parsing config: ")).
			WithHint("fix the file, or point --config elsewhere").Wrap(err)
	}
	out := map[string]any{}
	for _, k := range v.AllKeys() {
		if !slices.Contains(Keys, k) {
			return nil, keys.Errorf(keys.EINVALID, "invalid_config", "config file %s: unknown setting %q", path, k).
				WithHint("known settings: %s", strings.Join(Keys, ", "))
		}
		out[k] = v.Get(k)
	}
	return out, nil
}

// resolve turns raw values into typed settings, naming the source of a
// bad one.
func (c *Config) resolve(raw map[string]any) error {
	bad := func(k, why string) error {
		where := map[string]string{
			SourceFlag:    "--" + k,
			SourceEnv:     "KEYWARD_" + strings.ToUpper(k),
			SourceFile:    "config file " + c.File,
			SourceDefault: "default",
		}[c.Sources[k]]
		// keyward config would fail the same way: say where to fix it.
		hint := map[string]string{
			SourceFlag:    "correct the --" + k + " flag",
			SourceEnv:     "correct or unset KEYWARD_" + strings.ToUpper(k),
			SourceFile:    "correct " + k + " in " + c.File,
			SourceDefault: "set " + k + " in the config file or as KEYWARD_" + strings.ToUpper(k),
		}[c.Sources[k]]
		return keys.Errorf(keys.EINVALID, "invalid_config", "%s: %s %s", where, k, why).WithHint("%s", hint)
	}
	str := func(k string) (string, error) {
		switch v := raw[k].(type) {
		case string:
			return v, nil
		case int, int64, float64, bool:
			return fmt.Sprint(v), nil
		}
		return "", bad(k, "must be a single value")
	}
	dur := func(k string) (time.Duration, error) {
		s, err := str(k)
		if err != nil {
			return 0, err
		}
		d, err := keys.ParseDuration(s)
		if err != nil {
			return 0, bad(k, fmt.Sprintf("is not a positive duration (%q); use 90m, 36h, 15d or 2w", clip(s)))
		}
		c.Values[k] = s
		return d, nil
	}
	var err error
	p := &c.Policy
	if c.DB, err = str("db"); err != nil {
		return err
	}
	if c.DB == "" {
		return bad("db", "is empty")
	}
	c.Values["db"] = c.DB
	if p.Prefix, err = str("key_prefix"); err != nil {
		return err
	}
	if keys.ValidatePrefix(p.Prefix) != nil {
		return bad("key_prefix", fmt.Sprintf("%q must be a lowercase letter then up to 15 lowercase letters or digits", clip(p.Prefix)))
	}
	c.Values["key_prefix"] = p.Prefix
	for _, d := range []struct {
		k   string
		dst *time.Duration
	}{{"default_ttl", &p.DefaultTTL}, {"max_ttl", &p.MaxTTL}, {"token_ttl", &p.TokenTTL}, {"max_token_ttl", &p.MaxTokenTTL}} {
		if *d.dst, err = dur(d.k); err != nil {
			return err
		}
	}
	// Blame the maximum when only it was set: "max_ttl: 7d" in a file
	// must name the file, not the built-in default_ttl.
	for _, pair := range []struct {
		def, max string
		d, m     time.Duration
	}{{"default_ttl", "max_ttl", p.DefaultTTL, p.MaxTTL}, {"token_ttl", "max_token_ttl", p.TokenTTL, p.MaxTokenTTL}} {
		if pair.d <= pair.m {
			continue
		}
		if c.Sources[pair.def] == SourceDefault {
			return bad(pair.max, fmt.Sprintf("%s is below %s %s", c.Values[pair.max], pair.def, c.Values[pair.def]))
		}
		return bad(pair.def, fmt.Sprintf("%s is above %s %s", c.Values[pair.def], pair.max, c.Values[pair.max]))
	}
	switch v := raw["roles"].(type) {
	case []string:
		p.Roles = v
	case []any:
		for _, r := range v {
			s, ok := r.(string)
			if !ok {
				return bad("roles", "must be a list of names")
			}
			p.Roles = append(p.Roles, s)
		}
	case string:
		for r := range strings.SplitSeq(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				p.Roles = append(p.Roles, r)
			}
		}
	default:
		return bad("roles", "must be a list of names")
	}
	for _, r := range p.Roles {
		if !keys.IsRoleName(r) {
			return bad("roles", fmt.Sprintf("has an invalid role name %q (want ^[a-z][a-z0-9_-]{0,31}$)", clip(r)))
		}
	}
	c.Values["roles"] = strings.Join(p.Roles, ",")
	if p.AdminRole, err = str("admin_role"); err != nil {
		return err
	}
	if !slices.Contains(p.Roles, p.AdminRole) {
		return bad("admin_role", fmt.Sprintf("%q is not one of the roles", clip(p.AdminRole)))
	}
	c.Values["admin_role"] = p.AdminRole
	if c.Output, err = str("output"); err != nil {
		return err
	}
	if c.Output != "table" && c.Output != "json" {
		return bad("output", fmt.Sprintf("%q is not table or json", clip(c.Output)))
	}
	c.Values["output"] = c.Output
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
