package cmd

import (
	"context"
	neturl "net/url"
	"testing"

	"github.com/keyward/keyward/internal/postgres/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsPostgres runs every story again with KEYWARD_DB pointing at
// a fresh PostgreSQL database of its own. Stories about SQLite files
// themselves say [!postgres] skip.
func TestScriptsPostgres(t *testing.T) {
	server := pgtest.Skip(t)
	p := scriptParams()
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		url, drop, err := server.CreateDatabase(context.Background())
		if err != nil {
			return err
		}
		env.Defer(func() {
			if err := drop(); err != nil {
				env.T().Fatal(err)
			}
		})
		// The password goes in PGPASSWORD, as a deployment would keep
		// it: the URL is then what keyward prints in its messages.
		u, err := neturl.Parse(url)
		if err != nil {
			return err
		}
		if pw, ok := u.User.Password(); ok {
			env.Setenv("PGPASSWORD", pw)
			u.User = neturl.User(u.User.Username())
		}
		env.Setenv("KEYWARD_DB", u.String())
		return nil
	}
	cond := p.Condition
	p.Condition = func(c string) (bool, error) {
		if c == "postgres" {
			return true, nil
		}
		return cond(c)
	}
	testscript.Run(t, p)
}
