package api

import (
	"net/http"
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
	known    map[string]bool
}

// NewMetrics creates the metrics; actions are the names that may appear as a
// label (anything else is counted as "unknown", keeping cardinality bounded).
func NewMetrics(actions []Action) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), known: map[string]bool{}}
	for _, a := range actions {
		m.known[a.Name] = true
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
	if !m.known[action] {
		action = "unknown"
	}
	m.requests.WithLabelValues(action, code).Inc()
	m.latency.WithLabelValues(action).Observe(lat.Seconds())
}
