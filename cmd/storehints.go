package cmd

import (
	"errors"

	"github.com/keyward/keyward/internal/keys"
)

// withHint adds the hint for errors of opening a database.
func withHint(err error) error {
	var ke *keys.Error
	if !errors.As(err, &ke) || ke.Hint != "" {
		return err
	}
	switch ke.Reason {
	case "db_not_found":
		ke.Hint = "check --db or KEYWARD_DB; create, import and scopes add create a new database"
	case "engine_unsupported":
		ke.Hint = "use a SQLite file path for --db"
	}
	return err
}
