package cmd

import (
	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdConfig builds keyward config.
func NewCmdConfig(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Show the effective settings and where each comes from",
		Long: `Show every setting keyward uses, its value, and its source: flag,
env (KEYWARD_*), file (the YAML config file) or default. Use it to find out
which database a cron job really opens.`,
		Example: `  keyward config
  KEYWARD_DB=/srv/keys.db keyward config -o json | jq -r .db.value`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			cfg := f.Config
			file := cfg.File
			if cfg.AdminRoleUnused {
				f.Warn("admin_role %q is not one of the roles: no key can be given an admin-only scope", cfg.Policy.AdminRole)
			}
			if f.JSON {
				return f.PrintJSON(configDoc(cfg))
			}
			t := output.NewTable("SETTING", "VALUE", "SOURCE")
			for _, k := range config.Keys {
				t.Row(k, cfg.Values[k], cfg.Sources[k])
			}
			if file == "" {
				file = "-"
			}
			t.Row("config_file", file, "")
			return t.Render(f.IO.Out)
		},
	}
}

// configDoc is the effective configuration as keyward config's JSON.
func configDoc(cfg *config.Config) output.ConfigDoc {
	set := func(k string) output.Setting {
		return output.Setting{Value: cfg.Values[k], Source: cfg.Sources[k]}
	}
	d := output.ConfigDoc{
		DB: set("db"), KeyPrefix: set("key_prefix"), DefaultTTL: set("default_ttl"), MaxTTL: set("max_ttl"),
		TokenTTL: set("token_ttl"), MaxTokenTTL: set("max_token_ttl"), Roles: set("roles"),
		AdminRole: set("admin_role"), Output: set("output"),
	}
	d.Roles.Value = cfg.Policy.Roles
	if cfg.Policy.Roles == nil {
		d.Roles.Value = []string{}
	}
	if cfg.File != "" {
		d.ConfigFile = &cfg.File
	}
	return d
}
