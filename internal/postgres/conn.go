package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/keyward/keyward/internal/keys"
)

// connectTimeout applies unless the URL sets connect_timeout (or
// PGCONNECT_TIMEOUT does): a cron job must not hang on a dead host.
const connectTimeout = 10 * time.Second

// IsURL reports whether db names a PostgreSQL database.
func IsURL(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns url without its password: a password in the user's
// part shows as xxxxx (so that one can see it is there), and password
// parameters are dropped. It never returns the password, even for a URL
// that does not parse.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactUnparsed(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for name := range q {
		if strings.Contains(strings.ToLower(name), "password") {
			q.Del(name)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redactUnparsed cuts the password out of a URL by hand: everything
// between the user name and the last @ of the authority, and the query.
func redactUnparsed(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "(a database URL that cannot be parsed)"
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, path := rest[:end], rest[end:]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user, _, hasPassword := strings.Cut(authority[:at], ":")
		if hasPassword {
			user += ":xxxxx"
		}
		authority = user + authority[at:]
	}
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	return scheme + "://" + authority + path
}

// parseURL reads a postgres:// URL, with the PG* variables and
// ~/.pgpass filling in what it leaves out.
func parseURL(raw string) (*pgxpool.Config, string, error) {
	where := Redact(raw)
	pcfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		// The parser's own message may quote the URL, password and all.
		return nil, where, pgError(keys.EINVALID, "invalid_db", where, "url", "%s is not a valid PostgreSQL URL", where)
	}
	cfg := pcfg.ConnConfig
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	// A command runs each statement once: preparing it first would cost a
	// round trip for nothing.
	if !strings.Contains(raw, "default_query_exec_mode") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "keyward"
	}
	return pcfg, where, nil
}

// server names the host and port connected to, for messages.
func server(cfg *pgx.ConnConfig) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return fmt.Sprintf("socket %s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// pgError is an error of this engine: cmd's hints read engine, url and
// problem.
func pgError(code, reason, where, problem, format string, args ...any) *keys.Error {
	return keys.Errorf(code, reason, format, args...).With("engine", "postgres", "url", where, "problem", problem)
}

// connectError says which of the usual reasons stopped the connection:
// the server refused the password or the user, has no such database, or
// could not be reached at all.
func connectError(where string, cfg *pgx.ConnConfig, err error) error {
	at := server(cfg)
	e := func(reason, problem, format string, args ...any) error {
		return pgError(keys.EINTERNAL, reason, where, problem, format, args...).
			With("server", at, "user", cfg.User, "database", cfg.Database).Wrap(err)
	}
	if errors.Is(err, context.Canceled) {
		return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted while connecting to %s", at).Wrap(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return e("db_auth_failed", "password", "PostgreSQL at %s refused the password of user %q", at, cfg.User)
		case "28000":
			return e("db_auth_failed", "hba", "PostgreSQL at %s does not let user %q in to database %q", at, cfg.User, cfg.Database)
		case "3D000":
			return e("db_not_found", "no_database", "no database at %s: PostgreSQL at %s has no database %q", where, at, cfg.Database)
		case "42501":
			return e("db_permission", "connect", "user %q may not connect to database %q at %s", cfg.User, cfg.Database, at)
		case "53300", "57P03":
			return e("db_busy", "connect", "PostgreSQL at %s accepts no more connections now", at)
		}
		return e("db_unreachable", "refused", "PostgreSQL at %s refused the connection: %s", at, pe.Message)
	}
	reason := "no answer"
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		reason = "host " + dns.Name + " not found"
	case errors.Is(err, context.DeadlineExceeded):
		reason = fmt.Sprintf("no answer within %s", cfg.ConnectTimeout)
	case errors.As(err, &op):
		reason = op.Err.Error()
	}
	return e("db_unreachable", "network", "cannot reach PostgreSQL at %s: %s", at, reason)
}

// translate turns an error from the server into a keyward error: one
// line the operator can act on.
func (s *Store) translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var ke *keys.Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || sqlState(err) == codeQueryCanceled {
		return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted; nothing was changed").Wrap(err)
	}
	e := func(reason, problem, format string, args ...any) error {
		return pgError(keys.EINTERNAL, reason, s.where, problem, format, args...).Wrap(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeSerialization || pe.Code == codeDeadlock:
			return e("db_busy", "contention", "database %s stayed busy for %s", s.where, retryFor)
		case pe.Code == "42501":
			return e("db_permission", "privilege", "cannot %s database %s: %s", op, s.where, pe.Message)
		case pe.Code == "25006":
			return e("db_read_only", "standby", "cannot %s database %s: it is read-only (a standby?)", op, s.where)
		case pe.Code == "53100":
			return e("disk_full", "server", "cannot %s database %s: the server's disk is full; nothing was changed", op, s.where)
		}
		return e("db_error", "server", "cannot %s database %s: %s (SQLSTATE %s)", op, s.where, pe.Message, pe.Code)
	}
	if pgconn.Timeout(err) || isNetError(err) {
		return e("db_unreachable", "lost", "lost the connection to %s", s.where)
	}
	return e("db_error", "server", "cannot %s database %s", op, s.where)
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}
