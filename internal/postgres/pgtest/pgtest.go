// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by KEYWARD_TEST_POSTGRES (a URL) or, failing that, by
// the usual PG* environment variables, and skips them, saying why, when
// there is none.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the server the PostgreSQL tests run against.
const EnvURL = "KEYWARD_TEST_POSTGRES"

// Server is a PostgreSQL server on which tests may create databases.
type Server struct {
	admin *pgx.ConnConfig
	mu    sync.Mutex
}

var (
	once      sync.Once
	server    *Server
	serverErr error // why there is no server: the reason tests skip with
	required  bool  // EnvURL was set: an unreachable server fails tests
)

// Find returns the test server, or nil and the reason there is none.
func Find() (*Server, error) {
	once.Do(func() { server, serverErr = find() })
	return server, serverErr
}

func find() (*Server, error) {
	conn := os.Getenv(EnvURL)
	required = conn != ""
	if conn == "" {
		if os.Getenv("PGHOST") == "" && os.Getenv("PGSERVICE") == "" {
			return nil, fmt.Errorf("no PostgreSQL to test against: set %s to a URL (postgres://user:password@host/postgres), or PGHOST and friends, or run the tests under pg_virtualenv", EnvURL)
		}
	}
	cfg, err := pgx.ParseConfig(conn) // "" takes the PG* variables
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvURL, err)
	}
	cfg.ConnectTimeout = 5 * time.Second
	s := &Server{admin: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s:%d is not reachable: %w", cfg.Host, cfg.Port, err)
	}
	c.Close(ctx)
	return s, nil
}

// Skip skips t, naming the reason, unless a test server is reachable; a
// server named by KEYWARD_TEST_POSTGRES that cannot be reached fails t
// instead, so that a run meant to cover PostgreSQL never skips it.
func Skip(t testing.TB) *Server {
	t.Helper()
	s, err := Find()
	if err == nil {
		return s
	}
	if required {
		t.Fatalf("%v", err)
	}
	t.Skipf("skipping the PostgreSQL half: %v", err)
	return nil
}

// URL creates a fresh, empty database for t, dropped when t ends, and
// returns a postgres:// URL for it that carries everything needed to
// connect (password included), so that child processes need no PG*
// variables. It skips t when there is no server.
func URL(t testing.TB) string {
	t.Helper()
	s := Skip(t)
	u, drop, err := s.CreateDatabase(context.Background())
	if err != nil {
		t.Fatalf("create a test database: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	return u
}

// CreateDatabase creates a database with a random name and returns its
// URL and a function that drops it.
func (s *Server) CreateDatabase(ctx context.Context) (string, func() error, error) {
	var b [6]byte
	rand.Read(b[:])
	name := "keyward_test_" + hex.EncodeToString(b[:])
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return s.URLFor(name), drop, nil
}

// URLFor is the URL of database name on the server.
func (s *Server) URLFor(name string) string {
	c := s.admin
	u := url.URL{Scheme: "postgres", Path: "/" + name}
	if c.Password != "" {
		u.User = url.UserPassword(c.User, c.Password)
	} else {
		u.User = url.User(c.User)
	}
	q := url.Values{}
	if strings.HasPrefix(c.Host, "/") {
		q.Set("host", c.Host) // a Unix socket directory
		q.Set("port", strconv.Itoa(int(c.Port)))
	} else {
		u.Host = c.Host + ":" + strconv.Itoa(int(c.Port))
	}
	if c.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Admin connects to the server's maintenance database as the test user.
func (s *Server) Admin(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, s.admin)
}

// exec runs one statement on the maintenance database. CREATE DATABASE
// and DROP DATABASE copy or remove the template on disk; run one at a
// time, they do not trip over each other's template locks.
func (s *Server) exec(ctx context.Context, sql string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := pgx.ConnectConfig(ctx, s.admin)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}
