package cmd

import (
	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/store"
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
			engine := store.Engine(cfg.DB)
			value := func(k string) string {
				if k == "db" && engine == store.Postgres {
					return postgres.Redact(cfg.Values[k]) // never the password
				}
				return cfg.Values[k]
			}
			if cfg.AdminRoleUnused {
				f.Warn("admin_role %q is not one of the roles: no key can be given an admin-only scope", cfg.Policy.AdminRole)
			}
			if f.JSON {
				j := output.NewObject(nil)
				for _, k := range config.Keys {
					j.Object(k, func(o *output.JSON) {
						if k == "roles" {
							o.Strings("value", cfg.Policy.Roles)
						} else {
							o.String("value", value(k))
						}
						o.String("source", cfg.Sources[k])
					})
				}
				j.String("engine", engine)
				j.NullString("config_file", file)
				return f.WriteJSON(j.Bytes())
			}
			t := output.NewTable("SETTING", "VALUE", "SOURCE")
			for _, k := range config.Keys {
				t.Row(k, value(k), cfg.Sources[k])
			}
			t.Row("engine", engine, "")
			if file == "" {
				file = "-"
			}
			t.Row("config_file", file, "")
			return t.Render(f.IO.Out)
		},
	}
}
