package cmd

import (
	"os/user"

	"github.com/keyward/keyward/internal/keys"
)

// actor is who the audit log records: KEYWARD_ACTOR when set, else the
// operating-system user name.
func (f *Factory) actor() (string, error) {
	setting, _ := f.IO.Env("KEYWARD_ACTOR")
	name := ""
	if setting == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	return keys.Actor(setting, name)
}
