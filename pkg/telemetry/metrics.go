package telemetry

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of Samspill's own.
const Namespace = "samspill"

// Outcomes of a command other than its error codes.
const (
	OutcomeOK        = "ok"
	OutcomeDuplicate = "duplicate"
)

// Gap transitions.
const (
	TransitionOpened = "opened"
	TransitionClosed = "closed"
)

// Metrics is one process's Prometheus registry and the metrics Samspill
// records on it. A nil *Metrics records nothing.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec
	eventsAppended  *prometheus.CounterVec

	projectionPosition *prometheus.GaugeVec
	projectionApplied  *prometheus.CounterVec
	lag                *lagCollector

	gapTransitions *prometheus.CounterVec

	pictures       *prometheus.CounterVec
	pictureSeconds *prometheus.HistogramVec
	pictureCache   *prometheus.CounterVec
}

// NewMetrics returns a new registry with the Go and process collectors and
// every Samspill metric on it.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status class (2xx, 4xx, …).",
		}, []string{"method", "route", "status_class"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status class.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status_class"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "commands_total",
			Help: "Commands executed, by command name and outcome (ok, duplicate, or the error code: malformed, invalid, national-id, not-found, conflict, gone, internal).",
		}, []string{"command", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "command_duration_seconds",
			Help:    "Time to decide a command and append its events, by command name.",
			Buckets: prometheus.DefBuckets,
		}, []string{"command"}),
		eventsAppended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "events_appended_total",
			Help: "Events appended to the event log by this process, by event type.",
		}, []string{"type"}),
		projectionPosition: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "projection_position",
			Help: "Sequence in SAMSPILL_EVENTS of the last event a projection applied.",
		}, []string{"projection"}),
		projectionApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "projection_events_applied_total",
			Help: "Events a projection applied since the process started.",
		}, []string{"projection"}),
		lag: &lagCollector{desc: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "projection", "lag_events"),
			"Events in SAMSPILL_EVENTS after a projection's position that it has not applied yet (as its consumer last saw them).",
			[]string{"projection"}, nil), watch: map[string]func() (uint64, bool){}},
		gapTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "gap_transitions_total",
			Help: "Gap transitions this process published to SAMSPILL_GAPS, by rule and transition (opened, closed).",
		}, []string{"rule", "transition"}),
		pictures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "pictures_rendered_total",
			Help: "Pictures drawn (not answered from the cache), by kind (person: a citizen's map, changes, area) and format.",
		}, []string{"kind", "format"}),
		pictureSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "picture_render_duration_seconds",
			Help:    "Time to draw a picture, by kind and format.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"kind", "format"}),
		pictureCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "picture_cache_requests_total",
			Help: "Picture requests by kind and cache result (hit: from SAMSPILL_PICTURES or a drawing just finished; miss: drawn).",
		}, []string{"kind", "result"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration,
		m.commands, m.commandDuration, m.eventsAppended,
		m.projectionPosition, m.projectionApplied, m.lag,
		m.gapTransitions,
		m.pictures, m.pictureSeconds, m.pictureCache,
	)
	return m
}

// Registry returns the process's registry, to register more collectors on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format, for
// GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Command records a command that ended with outcome (OutcomeOK,
// OutcomeDuplicate or its error code) after d.
func (m *Metrics) Command(command, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.commands.WithLabelValues(command, outcome).Inc()
	m.commandDuration.WithLabelValues(command).Observe(d.Seconds())
}

// EventsAppended records n events of type typ appended to the log.
func (m *Metrics) EventsAppended(typ string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.eventsAppended.WithLabelValues(typ).Add(float64(n))
}

// Applied records that projection applied the event at seq.
func (m *Metrics) Applied(projection string, seq uint64) {
	if m == nil {
		return
	}
	m.projectionPosition.WithLabelValues(projection).Set(float64(seq))
	m.projectionApplied.WithLabelValues(projection).Inc()
}

// WatchLag has samspill_projection_lag_events{projection} read from
// pending at each scrape: how many events are left after the projection's
// position, and whether that is known yet. A later call for the same
// projection replaces the earlier one.
func (m *Metrics) WatchLag(projection string, pending func() (uint64, bool)) {
	if m == nil {
		return
	}
	m.lag.mu.Lock()
	m.lag.watch[projection] = pending
	m.lag.mu.Unlock()
}

// GapTransition records a gap of rule that opened or closed
// (TransitionOpened, TransitionClosed).
func (m *Metrics) GapTransition(rule, transition string) {
	if m == nil {
		return
	}
	m.gapTransitions.WithLabelValues(rule, transition).Inc()
}

// PictureRendered records a picture of kind in format drawn in d.
func (m *Metrics) PictureRendered(kind, format string, d time.Duration) {
	if m == nil {
		return
	}
	m.pictures.WithLabelValues(kind, format).Inc()
	m.pictureSeconds.WithLabelValues(kind, format).Observe(d.Seconds())
}

// PictureCache records a picture request of kind answered from the cache
// (hit) or drawn (miss).
func (m *Metrics) PictureCache(kind string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.pictureCache.WithLabelValues(kind, result).Inc()
}

// lagCollector reads each projection's lag when scraped.
type lagCollector struct {
	desc  *prometheus.Desc
	mu    sync.Mutex
	watch map[string]func() (uint64, bool)
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	names := slices.Sorted(maps.Keys(c.watch))
	fs := maps.Clone(c.watch)
	c.mu.Unlock()
	for _, name := range names {
		if n, ok := fs[name](); ok {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), name)
		}
	}
}

// observeHTTP records one answered request.
func (m *Metrics) observeHTTP(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	class := statusClass(status)
	m.httpRequests.WithLabelValues(method, route, class).Inc()
	m.httpDuration.WithLabelValues(method, route, class).Observe(d.Seconds())
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return string(rune('0'+status/100)) + "xx"
}

// methodLabel bounds the method label: a method net/http does not name
// is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// routeLabel is a request's route: the pattern that matched, without its
// method ("/v1/maps/{mapId}"), or "unmatched". It never is the raw path,
// which holds ids.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimLeft(pattern[i+1:], " \t")
	}
	return pattern
}
