package cmd

import (
	"context"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/store"
	"github.com/spf13/cobra"
)

// NewCmdConfig builds keyward config; runF replaces the run function in
// tests.
func NewCmdConfig(f *Factory, runF func(context.Context) error) *cobra.Command {
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
			if runF != nil {
				return runF(c.Context())
			}
			return runConfig(f)
		},
	}
}

func runConfig(f *Factory) error {
	cfg := f.Config
	if cfg.AdminRoleUnused {
		f.Warn("admin_role %q is not one of the roles: no key can be given an admin-only scope", cfg.Policy.AdminRole)
	}
	if f.JSON {
		return f.PrintJSON(configDoc(cfg))
	}
	t := output.NewTable("SETTING", "VALUE", "SOURCE").Shorten("VALUE", "SOURCE")
	for _, k := range config.Keys {
		v := cfg.Values[k]
		if k == "db" {
			v = store.Display(v)
		}
		t.Row(k, v, cfg.Sources[k])
	}
	t.Row("engine", store.Engine(cfg.DB), "")
	file := cfg.File
	if file == "" {
		file = "-"
	}
	t.Row("config_file", file, "")
	return f.PrintTable(t)
}

// configDoc is the effective configuration as keyward config's JSON.
func configDoc(cfg *config.Config) output.ConfigDoc {
	set := func(k string) output.Setting {
		return output.Setting{Value: cfg.Values[k], Source: cfg.Sources[k]}
	}
	d := output.ConfigDoc{
		DB: set("db"), KeyPrefix: set("key_prefix"), DefaultTTL: set("default_ttl"), MaxTTL: set("max_ttl"),
		TokenTTL: set("token_ttl"), MaxTokenTTL: set("max_token_ttl"), Roles: set("roles"),
		AdminRole: set("admin_role"), Output: set("output"), Engine: store.Engine(cfg.DB),
	}
	d.DB.Value = store.Display(cfg.DB)
	d.Roles.Value = cfg.Policy.Roles
	if cfg.Policy.Roles == nil {
		d.Roles.Value = []string{}
	}
	if cfg.File != "" {
		d.ConfigFile = &cfg.File
	}
	return d
}
