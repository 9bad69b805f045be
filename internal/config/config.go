// Package config resolves keyward's settings with viper: flag > environment
// (KEYWARD_*) > config file > default, remembering where each came from.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Keys are the settings keyward knows, in the order `keyward config`
// shows them.
var Keys = []string{"db", "key_prefix", "default_ttl", "max_ttl", "token_ttl", "max_token_ttl", "rotation_grace", "roles", "admin_role", "output"}

// Sources of a setting.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// Config is the effective configuration.
type Config struct {
	DB     string
	Output string
	Policy keys.Policy
	// RotationGrace is how long a rotated key's old string keeps working
	// unless rotate is given --grace.
	RotationGrace time.Duration
	File          string            // the config file read, or ""
	Values        map[string]string // each setting as text
	Sources       map[string]string // each setting's source
	// AdminRoleUnused is true when admin_role is not one of roles: then
	// no key can hold it, so no key can be given an admin-only scope.
	AdminRoleUnused bool
}

// Env looks up an environment variable: HOME, XDG_* and KEYWARD_CONFIG,
// which locate the files. The settings' own KEYWARD_* variables are read
// by viper from the process environment.
type Env func(string) (string, bool)

// EnvName is the environment variable of a setting.
func EnvName(key string) string { return "KEYWARD_" + strings.ToUpper(key) }

// DefaultPaths returns the default config file and database paths, from
// XDG_CONFIG_HOME and XDG_DATA_HOME or their ~/.config and ~/.local/share
// fallbacks.
func DefaultPaths(env Env) (configFile, db string) {
	home := homeDir(env)
	cfg, ok := env("XDG_CONFIG_HOME")
	if !ok || !filepath.IsAbs(cfg) {
		cfg = filepath.Join(home, ".config")
	}
	data, ok := env("XDG_DATA_HOME")
	if !ok || !filepath.IsAbs(data) {
		data = filepath.Join(home, ".local", "share")
	}
	// Without an absolute HOME (a cron job or a service with a bare
	// environment) there is no default: a relative path would be a
	// different database in every working directory.
	if !filepath.IsAbs(cfg) {
		configFile = ""
	} else {
		configFile = filepath.Join(cfg, "keyward", "config.yaml")
	}
	if filepath.IsAbs(data) {
		db = filepath.Join(data, "keyward", "keyward.db")
	}
	return configFile, db
}

func homeDir(env Env) string {
	home, _ := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return home
}

// Load resolves the configuration. flags holds the global --db, --config
// and --output flags.
func Load(flags *pflag.FlagSet, env Env) (*Config, error) {
	defaultFile, defaultDB := DefaultPaths(env)
	v := viper.New()
	v.SetDefault("db", defaultDB)
	v.SetDefault("key_prefix", "kw")
	v.SetDefault("default_ttl", "15d")
	v.SetDefault("max_ttl", "90d")
	v.SetDefault("token_ttl", "1h")
	v.SetDefault("max_token_ttl", "24h")
	v.SetDefault("rotation_grace", "24h")
	v.SetDefault("roles", []string{"admin", "creator", "user", "agent"})
	v.SetDefault("admin_role", "admin")
	v.SetDefault("output", "table")
	for _, k := range Keys {
		if fl := flags.Lookup(k); fl != nil {
			if err := v.BindPFlag(k, fl); err != nil {
				return nil, err
			}
		}
		// An empty variable counts as unset (viper's default), as
		// KEYWARD_CONFIG does: KEYWARD_OUTPUT= keyward list is a plain list.
		if err := v.BindEnv(k, EnvName(k)); err != nil {
			return nil, err
		}
	}

	file, explicit := defaultFile, false
	if fl := flags.Lookup("config"); fl != nil && fl.Changed {
		file, explicit = fl.Value.String(), true
	} else if p, ok := env("KEYWARD_CONFIG"); ok && p != "" {
		file, explicit = p, true
	}
	read, err := readFile(v, file, explicit)
	if err != nil {
		return nil, err
	}

	c := &Config{Values: map[string]string{}, Sources: map[string]string{}}
	if read {
		c.File = file
	}
	raw := map[string]any{}
	for _, k := range Keys {
		raw[k], c.Sources[k] = v.Get(k), source(v, flags, k)
	}
	if db, ok := raw["db"].(string); ok {
		raw["db"] = expandHome(db, env)
	}
	if err := c.resolve(raw); err != nil {
		return nil, err
	}
	return c, nil
}

// source names the layer viper took a setting from, in viper's order.
func source(v *viper.Viper, flags *pflag.FlagSet, k string) string {
	if fl := flags.Lookup(k); fl != nil && fl.Changed {
		return SourceFlag
	}
	if s, ok := os.LookupEnv(EnvName(k)); ok && s != "" {
		return SourceEnv
	}
	if v.InConfig(k) {
		return SourceFile
	}
	return SourceDefault
}

// expandHome expands a leading ~ in a path: no shell expands it in a
// YAML file or a quoted variable, and a directory named "~" in the
// current directory is never what was meant.
func expandHome(path string, env Env) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home := homeDir(env)
	if home == "" {
		return path
	}
	return filepath.Join(home, path[1:])
}

// maxConfigSize bounds what keyward reads of a config file. A settings
// file is a few hundred bytes; a device or a runaway file given as
// --config must not take the machine's memory.
const maxConfigSize = 1 << 20

// readFile reads the YAML config file into v and checks that it names
// only known settings, each once. A missing default file is no error; a
// missing file that was asked for is.
func readFile(v *viper.Viper, path string, explicit bool) (bool, error) {
	data, err := readBounded(path)
	if errors.Is(err, os.ErrNotExist) {
		if !explicit {
			return false, nil
		}
		return false, keys.Errorf(keys.EINVALID, "config_not_found", "config file %s does not exist", path).
			WithHint("check --config or KEYWARD_CONFIG")
	}
	if err != nil {
		return false, keys.Errorf(keys.EINVALID, "invalid_config", "config file %s: %s", path, err).
			WithHint("point --config or KEYWARD_CONFIG at a YAML file of settings").Wrap(err)
	}
	// The file is read on its own first, so that its keys are known
	// apart from the defaults and bound names that share them.
	fv := viper.New()
	fv.SetConfigType("yaml")
	if err := fv.ReadConfig(bytes.NewReader(data)); err != nil {
		// The YAML error names the line; a duplicate key is one too
		// ("mapping key ... already defined at line N").
		return false, keys.Errorf(keys.EINVALID, "invalid_config", "config file %s does not parse as YAML: %s", path, yamlError(err)).
			WithHint("fix the file, or point --config elsewhere").Wrap(err)
	}
	for _, k := range fv.AllKeys() {
		if !slices.Contains(Keys, k) {
			return false, keys.Errorf(keys.EINVALID, "invalid_config", "config file %s: %sunknown setting %q", path, lineOf(data, k), k).
				WithHint("known settings: %s", strings.Join(Keys, ", "))
		}
	}
	if err := v.MergeConfigMap(fv.AllSettings()); err != nil {
		return false, err
	}
	return true, nil
}

// readBounded reads at most maxConfigSize bytes of the file at path, and
// refuses a larger one.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the message already names the file
		}
		return nil, err
	}
	if len(data) > maxConfigSize {
		return nil, errors.New("larger than 1 MiB, too large for a settings file")
	}
	return data, nil
}

// lineOf is "line N: " for the setting key (viper's lowercase, dotted
// form) in the YAML document data, or "" when it cannot be found.
func lineOf(data []byte, key string) string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return ""
	}
	n, line := doc.Content[0], 0
	for _, part := range strings.Split(key, ".") {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if strings.EqualFold(n.Content[i].Value, part) {
				next, line = n.Content[i+1], n.Content[i].Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	if line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", line)
}

// yamlError puts a YAML parser error on one line.
func yamlError(err error) string {
	s := strings.TrimPrefix(err.Error(), "While parsing config: ")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "errors:\n", "errors:")), " ")
}
