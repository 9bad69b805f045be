package serve

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// logRecord is what the access log says of one request. It never holds
// the credential: only what verify prints of it (its public id).
type logRecord struct {
	status int
	code   string
	kind   keys.Kind
	id     string
	alias  string
	err    error
}

func (rec *logRecord) note(v keys.Verification) {
	rec.code, rec.kind, rec.id, rec.alias = string(v.Code), v.Kind, v.ID, v.Alias
}

// access writes the request's one access-log line. The query string is
// left out: a misconfigured client might put a key there.
func (s *Server) access(r *http.Request, rec *logRecord, start time.Time) {
	if s.log == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Int64("duration_us", time.Since(start).Microseconds()),
		slog.String("remote", r.RemoteAddr),
	)
	if rec.code != "" {
		attrs = append(attrs, slog.String("code", rec.code))
	}
	if rec.kind != "" {
		attrs = append(attrs, slog.String("kind", string(rec.kind)), slog.String("id", rec.id), slog.String("alias", rec.alias))
	}
	if rec.err != nil {
		attrs = append(attrs, slog.String("error", rec.err.Error()))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// logEvent logs a server event (start, stop).
func (s *Server) logEvent(msg string, attrs ...slog.Attr) {
	if s.log != nil {
		s.log.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
	}
}

// slogErrorLog sends net/http's own complaints (TLS handshakes, panics,
// malformed requests) to the JSON log rather than plain stderr.
func slogErrorLog(l *slog.Logger) *log.Logger {
	if l == nil {
		return log.New(discard{}, "", 0)
	}
	return slog.NewLogLogger(l.Handler(), slog.LevelWarn)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
