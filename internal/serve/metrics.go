package serve

import (
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Codes serve answers with beyond the verification codes: no credential
// at all, and a request it could not take.
const (
	codeMissing = "MISSING"
	codeInvalid = "INVALID_REQUEST"
	codeError   = "ERROR"
)

var allCodes = []string{
	string(keys.CodeMalformed), string(keys.CodeNotFound), string(keys.CodeRevoked), string(keys.CodeExpired),
	string(keys.CodeInsufficientRole), string(keys.CodeInsufficientScope), string(keys.CodeValid),
	codeMissing, codeInvalid, codeError,
}

// metrics are serve's Prometheus series, in a registry of its own.
type metrics struct {
	reg           *prometheus.Registry
	verifications map[string]prometheus.Counter // by code, resolved once
	latency       prometheus.Histogram
	cacheHits     prometheus.Counter
	cacheMisses   prometheus.Counter
	cacheFlushes  prometheus.Counter
	checkFailures prometheus.Counter
	touches       prometheus.Counter
	touchFailures prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), verifications: make(map[string]prometheus.Counter)}
	byCode := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keyward_verifications_total",
		Help: "Verifications answered, by code (VALID, REVOKED, …; MISSING: no credential given).",
	}, []string{"code"})
	for _, c := range allCodes {
		m.verifications[c] = byCode.WithLabelValues(c)
	}
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "keyward_verification_duration_seconds",
		Help:    "Time from a verification request's arrival to its answer.",
		Buckets: prometheus.ExponentialBuckets(10e-6, 2.5, 10), // 10µs … 38ms
	})
	m.cacheHits = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_cache_hits_total", Help: "Look-ups answered from serve's cache of records.",
	})
	m.cacheMisses = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_cache_misses_total", Help: "Look-ups that went to the database.",
	})
	m.cacheFlushes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_cache_flushes_total", Help: "Times the cache was emptied because the database changed.",
	})
	m.checkFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_change_check_failures_total", Help: "Times the database could not say whether it changed (the cache was emptied).",
	})
	m.touches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_last_used_writes_total", Help: "Keys whose last_used_at serve wrote.",
	})
	m.touchFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "keyward_last_used_write_failures_total", Help: "Batches of last_used_at writes that failed (retried later).",
	})
	m.reg.MustRegister(byCode, m.latency, m.cacheHits, m.cacheMisses, m.cacheFlushes, m.checkFailures, m.touches, m.touchFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(code string, since time.Time) {
	m.verifications[code].Inc()
	m.latency.Observe(time.Since(since).Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
