package agent

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Metrics are the agent's Prometheus metrics (served on /metrics by
// vpcvpn gateway-agent --metrics-listen). A nil *Metrics records nothing.
type Metrics struct {
	reg            *prometheus.Registry
	desiredTunnels prometheus.Gauge
	upTunnels      prometheus.Gauge
	byStatus       *prometheus.GaugeVec
	generation     prometheus.Gauge
	reconciles     prometheus.Counter
	reconcileErrs  prometheus.Counter
	lastSync       prometheus.Gauge
	lastReport     prometheus.Gauge
	apiErrors      *prometheus.CounterVec
	charonUp       *prometheus.GaugeVec
	droppedLines   prometheus.Counter
}

// NewMetrics creates the metrics on a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.desiredTunnels = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpcvpn_agent_tunnels_desired", Help: "Tunnels in the desired state."})
	m.upTunnels = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpcvpn_agent_tunnels_up", Help: "Tunnels with an IPsec SA established (at the last report)."})
	m.byStatus = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpcvpn_agent_tunnels", Help: "Tunnels by status (at the last report)."}, []string{"status"})
	m.generation = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpcvpn_agent_desired_generation", Help: "Generation of the desired state applied."})
	m.reconciles = prometheus.NewCounter(prometheus.CounterOpts{Name: "vpcvpn_agent_reconciles_total", Help: "Reconciles of charon against the desired state."})
	m.reconcileErrs = prometheus.NewCounter(prometheus.CounterOpts{Name: "vpcvpn_agent_reconcile_errors_total", Help: "Steps of a reconcile that charon refused or that failed."})
	m.lastSync = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpcvpn_agent_last_sync_timestamp_seconds", Help: "When the desired state was last fetched (or confirmed unchanged)."})
	m.lastReport = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpcvpn_agent_last_report_timestamp_seconds", Help: "When a status report was last accepted."})
	m.apiErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vpcvpn_agent_api_errors_total", Help: "Failed API calls by action."}, []string{"action"})
	m.charonUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpcvpn_agent_charon_connected", Help: "Whether the agent is connected to the charon at the VICI socket."}, []string{"vici"})
	m.droppedLines = prometheus.NewCounter(prometheus.CounterOpts{Name: "vpcvpn_agent_log_lines_dropped_total", Help: "Log lines dropped because the API could not take them in time."})
	m.reg.MustRegister(m.desiredTunnels, m.upTunnels, m.byStatus, m.generation, m.reconciles, m.reconcileErrs, m.lastSync,
		m.lastReport, m.apiErrors, m.charonUp, m.droppedLines, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *Metrics) desired(gen int64, tunnels int) {
	if m == nil {
		return
	}
	m.generation.Set(float64(gen))
	m.desiredTunnels.Set(float64(tunnels))
}

func (m *Metrics) synced(at time.Time) {
	if m != nil {
		m.lastSync.Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *Metrics) reported(at time.Time, up int) {
	if m != nil {
		m.lastReport.Set(float64(at.UnixNano()) / 1e9)
		m.upTunnels.Set(float64(up))
	}
}

func (m *Metrics) tunnels(ts []vpn.AgentTunnelReport) {
	if m == nil {
		return
	}
	counts := map[string]int{vpn.StatusIkeNotEstablished: 0, vpn.StatusIkeEstablished: 0, vpn.StatusIpsecNotEstablished: 0, vpn.StatusIpsecEstablished: 0}
	for _, t := range ts {
		counts[t.Status]++
	}
	for s, n := range counts {
		m.byStatus.WithLabelValues(s).Set(float64(n))
	}
}

func (m *Metrics) reconciled() {
	if m != nil {
		m.reconciles.Inc()
	}
}

func (m *Metrics) reconcileError() {
	if m != nil {
		m.reconcileErrs.Inc()
	}
}

func (m *Metrics) apiError(action string) {
	if m != nil {
		m.apiErrors.WithLabelValues(action).Inc()
	}
}

func (m *Metrics) charon(path string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.charonUp.WithLabelValues(path).Set(v)
}

func (m *Metrics) droppedLine() {
	if m != nil {
		m.droppedLines.Inc()
	}
}
