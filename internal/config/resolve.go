package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

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
	if c.DB == "" && c.Sources["db"] == SourceDefault {
		// DefaultPaths found no absolute HOME or XDG_DATA_HOME.
		return keys.Errorf(keys.EINVALID, "no_default_db", "no database path: HOME and XDG_DATA_HOME are unset, so keyward has no default").
			WithHint("give --db or KEYWARD_DB an absolute path, or set HOME")
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
	grace, err := str("rotation_grace")
	if err != nil {
		return err
	}
	if c.RotationGrace, err = keys.ParseGrace(grace); err != nil {
		return bad("rotation_grace", fmt.Sprintf("is not a duration (%q); use 24h, 7d, or 0 for none", clip(grace)))
	}
	c.Values["rotation_grace"] = grace
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
	if !keys.IsRoleName(p.AdminRole) {
		return bad("admin_role", fmt.Sprintf("%q is not a valid role name (want ^[a-z][a-z0-9_-]{0,31}$)", clip(p.AdminRole)))
	}
	c.AdminRoleUnused = !slices.Contains(p.Roles, p.AdminRole)
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

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
