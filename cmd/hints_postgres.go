package cmd

import (
	"fmt"

	"github.com/keyward/keyward/internal/keys"
)

// postgresHint says what to do about a PostgreSQL database that could
// not be used. The URL it quotes has no password.
func postgresHint(e *keys.Error) string {
	url, problem := e.Values["url"], e.Values["problem"]
	switch e.Reason {
	case "invalid_db":
		return "use postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…], and give the password in PGPASSWORD or ~/.pgpass"
	case "db_auth_failed":
		if problem == "hba" {
			return "ask the server's administrator for a pg_hba.conf entry, or check the user in " + url
		}
		return "check the password in PGPASSWORD, ~/.pgpass or the URL " + url
	case "db_not_found":
		if problem == "no_database" {
			return fmt.Sprintf("create the database first (createdb %s) or check its name; keyward creates its tables, not the database", e.Values["database"])
		}
		return "check --db or KEYWARD_DB; keyward creates its tables on the first create, import or scopes add"
	case "db_permission":
		if problem == "connect" {
			return fmt.Sprintf("grant it: GRANT CONNECT ON DATABASE %s TO %s", e.Values["database"], e.Values["user"])
		}
		return "grant the database user what the README's \"Running on PostgreSQL\" lists"
	case "db_busy":
		if problem == "connect" {
			return "try again shortly: the server is starting or has reached max_connections"
		}
		return "other processes keep writing the same keys; try again"
	case "db_unreachable":
		if problem == "lost" {
			return "check the server and the network, then run the command again"
		}
		return "check the host and port in " + url + " and that the server is running"
	case "db_read_only":
		return "point --db at the primary server"
	case "disk_full":
		return "free some space on the server and run the command again"
	case "db_error":
		return "run the command again; if it persists, check the server's log"
	case "foreign_db":
		return "give keyward a database of its own, or a schema of its own with ?search_path=… in the URL"
	case "newer_schema":
		return "upgrade keyward; the database was left untouched"
	}
	return ""
}
