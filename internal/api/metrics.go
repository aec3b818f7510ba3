package api

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the API's Prometheus metrics, on a registry of their own.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// byAction holds every known action (and "unknown"); fixed after
	// NewMetrics. Its children are resolved on first use, so that only
	// actions that were called appear in /metrics, and later calls skip
	// the label lookups (two hashes and locks per request).
	byAction map[string]*actionMetrics
}

type actionMetrics struct {
	once    sync.Once
	ok      prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics creates the metrics; actions are the names that may appear as a
// label (anything else is counted as "unknown", keeping cardinality bounded).
func NewMetrics(actions []Action) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), byAction: map[string]*actionMetrics{"unknown": {}}}
	for _, a := range actions {
		m.byAction[a.Name] = &actionMetrics{}
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vpcvpn_api_requests_total",
		Help: "API requests by action and result code (empty code: success).",
	}, []string{"action", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vpcvpn_api_request_duration_seconds",
		Help:    "API request latency by action, from the first byte read to the answer written.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"action"})
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry lets other parts of the server register their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) observe(action, code string, lat time.Duration) {
	am := m.byAction[action]
	if am == nil {
		action = "unknown"
		am = m.byAction[action]
	}
	am.once.Do(func() {
		am.ok = m.requests.WithLabelValues(action, "")
		am.latency = m.latency.WithLabelValues(action)
	})
	if code == "" {
		am.ok.Inc()
	} else {
		m.requests.WithLabelValues(action, code).Inc()
	}
	am.latency.Observe(lat.Seconds())
}
