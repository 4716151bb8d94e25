package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/auth/auth"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/picture/picture"
)

const loadLong = `Drives a running Samspill with the work of coordinators and reports
throughput and latency percentiles (p50, p99, p99.9, max) per operation.

The tool makes --coordinators API tokens (role coordinator) with an
administrator's token (--admin-token, else $SAMSPILL_ADMIN_TOKEN; samspill up
writes the first one to <data>/admin.token) and revokes them at the end. Each
coordinator opens citizen maps of their own and works on them as a
coordinator does: open the map, add the services around the person, the
serves relations between them and the person, a collaboration, assessments
and contacts; and reads their maps, the maps' gaps and pictures. Before the
clock starts each coordinator builds --warmup maps and waits until every
service answers for them, so that reads have something to read; a map
opened during the run is read from --settle after it was opened.

--mix weighs the four kinds of request: commands (the next step of one of
the coordinator's maps, or a new map), map (GET /v1/maps/{id}), gaps
(GET /v1/maps/{id}/gaps) and picture (GET /v1/maps/{id}/picture.svg).

--rate N sends N requests a second on a fixed schedule whether or not the
earlier ones have been answered (open loop), and measures each request from
the moment the schedule said to send it, so a server that stalls shows as
latency rather than as fewer requests (no coordinated omission). --rate 0
sends as fast as --concurrency workers can, each waiting for its answer
(closed loop). The run ends after --duration or --requests, whichever comes
first, and waits for the requests in flight. Ctrl-C stops it early and prints
what it has measured.

A refused or failed request (an HTTP status of 400 or above, a NATS service
error, a timeout) is counted as an error of its status and is not a latency
sample. The percentiles come from an HDR histogram (3 significant digits).

--gap-latency also measures, on maps of a coordinator of its own, the time
from a command that opens a P1 gap (a second service of another sector
serving the person with no working tie between them, docs/gaps.md) to the
gap_opened event on samspill.gap.> over NATS (--nats).

Exit status: 0 when the run finished (errors are in the report), 1 when no
request succeeded or the server cannot be reached, 2 wrong usage, 5 when the
administrator's token is refused.`

const loadExample = `  samspill load --admin-token "$(cat .samspill/admin.token)" --rate 200 --duration 30s
  samspill load --rate 0 --concurrency 16 --requests 20000 --output json
  samspill load --transport nats --mix commands=100 --rate 500 --gap-latency`

// The kinds of request of --mix.
const (
	mixCommands = iota
	mixMap
	mixGaps
	mixPicture
	mixKinds
)

var mixNames = [mixKinds]string{"commands", "map", "gaps", "picture"}

// loadMix is the --mix flag: a weight for each kind of request.
type loadMix [mixKinds]int

func defaultMix() loadMix { return loadMix{70, 15, 10, 5} }

func (m *loadMix) String() string {
	var parts []string
	for i, w := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", mixNames[i], w))
	}
	return strings.Join(parts, ",")
}

func (m *loadMix) Type() string { return "KIND=WEIGHT,..." }

func (m *loadMix) Set(s string) error {
	var out loadMix
	seen := map[string]bool{}
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		i := slices.Index(mixNames[:], strings.TrimSpace(name))
		switch {
		case !ok:
			return fmt.Errorf("%q: want KIND=WEIGHT, kinds %s", part, orList(mixNames[:]))
		case i < 0:
			return fmt.Errorf("unknown kind %q: want %s", name, orList(mixNames[:]))
		case seen[mixNames[i]]:
			return fmt.Errorf("%s given twice", mixNames[i])
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n > 1000 {
			return fmt.Errorf("%s=%s: want a weight from 0 to 1000", mixNames[i], w)
		}
		seen[mixNames[i]] = true
		out[i] = n
		total += n
	}
	if total == 0 {
		return errors.New("every weight is 0")
	}
	*m = out
	return nil
}

// pick draws a kind of request by weight.
func (m *loadMix) pick(r *rand.Rand) int {
	total := 0
	for _, w := range m {
		total += w
	}
	n := r.IntN(total)
	for i, w := range m {
		if n < w {
			return i
		}
		n -= w
	}
	return mixCommands
}

// loadConfig is what `samspill load` is told.
type loadConfig struct {
	server     string
	adminToken string
	purpose    string
	output     string
	transport  string
	natsURL    string
	natsTLS    string

	rate           float64 // requests a second; 0: closed loop
	concurrency    int
	duration       time.Duration
	requests       int
	coordinators   int
	municipalities []string
	mix            loadMix
	seed           int64
	warmup         int
	settle         time.Duration
	timeout        time.Duration

	gapLatency  bool
	gapInterval time.Duration
	gapTimeout  time.Duration
}

func cmdLoad(stdout, stderr io.Writer) *cobra.Command {
	cfg := loadConfig{mix: defaultMix()}
	var municipalities string
	cmd := &cobra.Command{
		Use:     "load [--rate N | --rate 0 --concurrency C] [--duration D | --requests N] [flags]",
		Short:   "drive a running Samspill with coordinators' work and report latency percentiles",
		Long:    loadLong,
		Example: loadExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.check(cmd, municipalities); err != nil {
				return err
			}
			return runE(func(cmd *cobra.Command, _ []string) error {
				return runLoad(cmd.Context(), cfg, stdout, stderr)
			})(cmd, nil)
		},
	}
	fs := cmd.Flags()
	server := os.Getenv("SAMSPILL_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&cfg.server, "server", server, "base `URL` of a running Samspill ($SAMSPILL_SERVER, else "+defaultServer+"); tokens are made there whatever the transport")
	fs.StringVar(&cfg.adminToken, "admin-token", "", "an administrator's API `TOKEN`, to make the coordinators' tokens (default $SAMSPILL_ADMIN_TOKEN)")
	choiceFlag(cmd, fs, &cfg.purpose, "purpose", os.Getenv("SAMSPILL_PURPOSE"), purposeNames(),
		"purpose of use sent with each request (default $SAMSPILL_PURPOSE, else the coordinator's)")
	choiceFlag(cmd, fs, &cfg.output, "output", "text", []string{"text", "json"}, "the report: text for people, json for programs (make bench)")
	choiceFlag(cmd, fs, &cfg.transport, "transport", "http", []string{"http", "nats"}, "send the requests over the HTTP API or as NATS requests")
	natsURL := os.Getenv("SAMSPILL_NATS")
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	fs.StringVar(&cfg.natsURL, "nats", natsURL, "NATS `URL` for --transport nats and --gap-latency ($SAMSPILL_NATS, else samspill up's)")
	fs.StringVar(&cfg.natsTLS, "nats-tls", "", "`folder` with ca.pem and the CLI's client certificate samspill-cli.pem, samspill-cli-key.pem (a TLS cluster: make dev-certs)")
	fs.Float64Var(&cfg.rate, "rate", 100, "requests a second on a fixed schedule (open loop); 0: as fast as --concurrency workers go")
	cfg.concurrency, cfg.coordinators, cfg.warmup = 8, 4, 1
	fs.Var(rangeInt{p: &cfg.concurrency, lo: 1, hi: 4096}, "concurrency", "with --rate 0: workers, each sending its next request when the last is answered")
	fs.DurationVar(&cfg.duration, "duration", 0, "how long to send (default 10s unless --requests is given)")
	fs.Var(rangeInt{p: &cfg.requests, lo: 0, hi: 1_000_000_000}, "requests", "how many requests to send (0: no limit; --duration ends the run)")
	fs.Var(rangeInt{p: &cfg.coordinators, lo: 1, hi: 1000}, "coordinators", "coordinators, each with a token of their own and maps of their own")
	fs.StringVar(&municipalities, "municipalities", "3201,3203,3301", "comma-separated `LIST` of municipality numbers the coordinators are spread over (the demo region's)")
	fs.Var(&cfg.mix, "mix", "weights of the kinds of request, commands, map, gaps and picture")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed of the choices (which request, which map, which services); the timing is the server's")
	fs.Var(rangeInt{p: &cfg.warmup, lo: 1, hi: 100}, "warmup", "maps each coordinator builds, unmeasured, before the clock starts")
	fs.DurationVar(&cfg.settle, "settle", 2*time.Second, "a map opened during the run is read from this long after it was opened")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "a request unanswered after this long is an error (timeout)")
	fs.BoolVar(&cfg.gapLatency, "gap-latency", false, "also measure command to gap_opened event latency (needs NATS: --nats)")
	fs.DurationVar(&cfg.gapInterval, "gap-interval", 200*time.Millisecond, "with --gap-latency: pause between two probes")
	fs.DurationVar(&cfg.gapTimeout, "gap-timeout", 10*time.Second, "with --gap-latency: a gap not opened after this long is a timeout")
	for _, name := range []string{"server", "admin-token", "nats", "mix", "municipalities"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	_ = cmd.MarkFlagDirname("nats-tls")
	return cmd
}

// check validates the flags; every mistake is wrong usage naming its flag.
func (c *loadConfig) check(cmd *cobra.Command, municipalities string) error {
	if c.adminToken == "" {
		c.adminToken = os.Getenv("SAMSPILL_ADMIN_TOKEN")
	}
	c.adminToken = strings.TrimSpace(c.adminToken)
	switch {
	case c.adminToken == "":
		return usageError{"--admin-token (or $SAMSPILL_ADMIN_TOKEN) is needed: an administrator's token makes the coordinators' tokens"}
	case strings.ContainsAny(c.adminToken, " \t\r\n") || len(c.adminToken) > 8<<10:
		return usageError{"--admin-token: a token is one word of at most 8 KiB"}
	case c.rate < 0 || c.rate > 1e6:
		return usageError{"--rate: want requests a second from 0 (as fast as possible) to 1000000"}
	case c.rate > 0 && cmd.Flags().Changed("concurrency"):
		return usageError{"--concurrency goes with --rate 0; at a set rate requests are sent on schedule, however many are in flight"}
	case c.duration < 0:
		return usageError{"--duration: want a positive duration such as 30s"}
	case c.settle < 0 || c.timeout <= 0 || c.gapInterval < 0 || c.gapTimeout <= 0:
		return usageError{"--settle, --timeout, --gap-interval and --gap-timeout want positive durations"}
	}
	if c.duration == 0 && c.requests == 0 {
		c.duration = 10 * time.Second
	}
	for m := range strings.SplitSeq(municipalities, ",") {
		m = strings.TrimSpace(m)
		if len(m) != 4 || strings.Trim(m, "0123456789") != "" {
			return usageError{fmt.Sprintf("--municipalities: %q is not a municipality number (4 digits)", m)}
		}
		c.municipalities = append(c.municipalities, m)
	}
	u, err := url.Parse(strings.TrimRight(c.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("--server %q: want an http:// or https:// URL", c.server)}
	}
	return nil
}

// ---- the run ----

// loader is one run of `samspill load`.
type loader struct {
	cfg       loadConfig
	transport loadTransport
	coords    []*loadCoordinator
	rec       *loadRecorder
	sent      atomic.Int64
	// reqCtx is the context of the measured requests: not the command's,
	// so that Ctrl-C lets the requests in flight finish for a moment.
	reqCtx context.Context
}

func runLoad(ctx context.Context, cfg loadConfig, stdout, stderr io.Writer) error {
	admin := &client{token: cfg.adminToken, purpose: cfg.purpose, hc: &http.Client{Timeout: time.Minute}}
	admin.base, _ = url.Parse(strings.TrimRight(cfg.server, "/"))

	var nc *nats.Conn
	if cfg.transport == "nats" || cfg.gapLatency {
		f := daemon.Flags{NATS: cfg.natsURL}
		if cfg.natsTLS != "" {
			f.TLSCert = filepath.Join(cfg.natsTLS, natsperm.CLI+".pem")
			f.TLSKey = filepath.Join(cfg.natsTLS, natsperm.CLI+"-key.pem")
			f.TLSCA = filepath.Join(cfg.natsTLS, "ca.pem")
		}
		var err error
		if nc, err = f.Dial(natsperm.CLI); err != nil {
			return fmt.Errorf("%w (is `samspill up` running? set --nats)", err)
		}
		defer nc.Close()
	}
	var tr loadTransport
	if cfg.transport == "nats" {
		tr = &natsLoad{nc: nc, purpose: cfg.purpose}
	} else {
		tr = &httpLoad{base: admin.base, purpose: cfg.purpose, hc: &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: 90 * time.Second,
		}}}
	}

	// The coordinators' tokens, revoked at the end whatever happens.
	n := cfg.coordinators
	if cfg.gapLatency {
		n++ // the probe's own coordinator
	}
	run := strconv.FormatInt(time.Now().Unix(), 36)
	var coords []*loadCoordinator
	defer func() {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, c := range coords {
			if _, _, err := admin.do(cleanup, http.MethodDelete, "/v1/tokens/"+url.PathEscape(c.tokenID), nil, nil); err != nil {
				fmt.Fprintf(stderr, "samspill load: revoke token %s: %v\n", c.tokenID, err)
			}
		}
	}()
	for i := range n {
		m := cfg.municipalities[i%len(cfg.municipalities)]
		spec := auth.TokenSpec{Name: fmt.Sprintf("samspill load %s coordinator %d", run, i+1), Role: access.Coordinator,
			Municipality: m, ExpiresAt: time.Now().Add(24 * time.Hour)}
		body, _ := json.Marshal(spec)
		b, _, err := admin.do(ctx, http.MethodPost, "/v1/tokens", nil, body)
		if err != nil {
			return adminRefusal(err)
		}
		var t auth.CreatedToken
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("POST /v1/tokens: the answer is not what samspill expects: %w", err)
		}
		c := &loadCoordinator{index: i, token: t.Credential, tokenID: t.ID, municipality: m,
			rng: rand.New(rand.NewPCG(uint64(cfg.seed), uint64(i)))}
		if nc != nil {
			c.as = &asserter{nc: nc, token: c.token}
		}
		coords = append(coords, c)
	}
	l := &loader{cfg: cfg, transport: tr, coords: coords[:cfg.coordinators], rec: newLoadRecorder()}

	// Warm up: every coordinator builds maps to read, unmeasured, and
	// waits until every service answers for them.
	warm, cancelWarm := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelWarm()
	errc := make(chan error, len(l.coords))
	for _, c := range l.coords {
		go func() { errc <- l.warmUp(warm, c) }()
	}
	for range l.coords {
		if err := <-errc; err != nil && ctx.Err() == nil {
			cancelWarm()
			return err
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted during the warm-up, before anything was measured")
	}

	var probe *gapProbe
	if cfg.gapLatency {
		var err error
		if probe, err = newGapProbe(nc, l, coords[cfg.coordinators]); err != nil {
			return err
		}
		defer probe.close()
	}

	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	l.reqCtx = reqCtx
	var wg sync.WaitGroup
	stopProbe := make(chan struct{})
	probeDone := make(chan struct{})
	if probe != nil {
		go func() {
			defer close(probeDone)
			probe.run(reqCtx, stopProbe)
		}()
	} else {
		close(probeDone)
	}
	start := time.Now()
	if cfg.rate > 0 {
		l.openLoop(ctx, start, &wg)
	} else {
		l.closedLoop(ctx, start, &wg)
	}
	close(stopProbe)
	interrupted := ctx.Err() != nil
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		<-probeDone
		close(finished)
	}()
	if interrupted {
		// Ctrl-C: the requests in flight have a moment to finish.
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			cancelReqs()
			<-finished
		}
	} else {
		<-finished
	}
	elapsed := time.Since(start)

	rep := l.report(start, elapsed, interrupted, probe)
	if cfg.output == "json" {
		if err := printJSON(stdout, nil, rep); err != nil {
			return err
		}
	} else if err := rep.writeText(stdout); err != nil {
		return err
	}
	if rep.Total.OK == 0 && rep.Total.Count > 0 {
		return fmt.Errorf("no request succeeded (%d errors)", rep.Total.Errors)
	}
	return nil
}

// adminRefusal explains a refusal of the administrator's token.
func adminRefusal(err error) error {
	var pe *problemError
	if errors.As(err, &pe) && (pe.Status == http.StatusUnauthorized || pe.Status == http.StatusForbidden) {
		return loadDenied{pe}
	}
	return fmt.Errorf("make the coordinators' tokens: %w", err)
}

// loadDenied is the server refusing --admin-token (exit status 5).
type loadDenied struct{ pe *problemError }

func (e loadDenied) Error() string {
	return fmt.Sprintf("the server refused --admin-token (%d %s: %s): it takes an administrator's API token, such as the one samspill up writes to <data>/admin.token",
		e.pe.Status, http.StatusText(e.pe.Status), e.pe.Detail)
}
func (e loadDenied) Unwrap() error { return e.pe }

// openLoop sends requests on a fixed schedule, each in its own goroutine,
// and measures each from the moment it was due.
func (l *loader) openLoop(ctx context.Context, start time.Time, wg *sync.WaitGroup) {
	rng := rand.New(rand.NewPCG(uint64(l.cfg.seed), 1<<32))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i := int64(0); ; i++ {
		if l.cfg.requests > 0 && i >= int64(l.cfg.requests) {
			return
		}
		due := start.Add(time.Duration(float64(i) * float64(time.Second) / l.cfg.rate))
		if l.cfg.duration > 0 && due.Sub(start) >= l.cfg.duration {
			return
		}
		if d := time.Until(due); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		} else if ctx.Err() != nil {
			return
		}
		kind := l.cfg.mix.pick(rng)
		c := l.coords[i%int64(len(l.coords))]
		l.sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.one(c, kind, due)
		}()
	}
}

// closedLoop runs --concurrency workers, each sending its next request
// when the last is answered.
func (l *loader) closedLoop(ctx context.Context, start time.Time, wg *sync.WaitGroup) {
	var next atomic.Int64
	for w := range l.cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(l.cfg.seed), 1<<32+uint64(w)))
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if l.cfg.requests > 0 && i >= int64(l.cfg.requests) {
					return
				}
				if l.cfg.duration > 0 && time.Since(start) >= l.cfg.duration {
					return
				}
				l.sent.Add(1)
				l.one(l.coords[i%int64(len(l.coords))], l.cfg.mix.pick(rng), time.Now())
			}
		}()
	}
	// The workers end themselves; the caller waits for them.
}

// one sends one request of a kind as coordinator c and records it; from
// is when it was due.
func (l *loader) one(c *loadCoordinator, kind int, from time.Time) {
	ctx, cancel := context.WithTimeout(l.reqCtx, l.cfg.timeout)
	defer cancel()
	if kind != mixCommands {
		if id, ok := c.pickReadable(time.Now(), l.cfg.settle); ok {
			op := mixNames[kind]
			err := l.transport.read(ctx, c, op, id)
			l.rec.record(op, time.Since(from), err, l.reqCtx.Err() != nil)
			return
		}
		// No map to read yet (only with --warmup maps unreadable): the
		// coordinator works instead.
	}
	m, cmd := c.next()
	body, err := json.Marshal(cmd)
	if err != nil {
		panic(err) // the commands are built here
	}
	res, err := l.transport.command(ctx, c, cmd.CommandName(), body)
	l.rec.record(string(cmd.CommandName()), time.Since(from), err, l.reqCtx.Err() != nil)
	c.done(m, res, err)
}

// warmUp builds cfg.warmup maps of c's, unmeasured, and waits until the
// graph, gap and picture services answer for each.
func (l *loader) warmUp(ctx context.Context, c *loadCoordinator) error {
	var built []*loadMap
	for range l.cfg.warmup {
		var m *loadMap
		for {
			mm, cmd := c.nextOf(m)
			if mm == nil {
				break
			}
			m = mm
			body, err := json.Marshal(cmd)
			if err != nil {
				return err
			}
			res, err := l.transport.command(ctx, c, cmd.CommandName(), body)
			c.done(m, res, err)
			if err != nil {
				return fmt.Errorf("warm-up, coordinator %d, %s: %w", c.index+1, cmd.CommandName(), err)
			}
		}
		built = append(built, m)
	}
	for _, m := range built {
		for _, op := range []string{"map", "gaps", "picture"} {
			for {
				err := l.transport.read(ctx, c, op, m.id)
				if err == nil {
					break
				}
				var pe *problemError
				if !errors.As(err, &pe) || (pe.Status != http.StatusNotFound && pe.Status != http.StatusForbidden) {
					return fmt.Errorf("warm-up, coordinator %d, read %s: %w", c.index+1, op, err)
				}
				if ctx.Err() != nil {
					return fmt.Errorf("warm-up: the %s of a map opened by coordinator %d is not answered after 2 minutes: %w", op, c.index+1, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	// Warm-up maps are readable at once.
	c.mu.Lock()
	for _, m := range built {
		m.openedAt = time.Time{}
	}
	c.mu.Unlock()
	return nil
}

// ---- coordinators and their maps ----

// loadCoordinator is one coordinator: a token and the maps they work on.
type loadCoordinator struct {
	index        int
	token        string
	tokenID      string
	municipality string
	as           *asserter
	asMu         sync.Mutex

	mu     sync.Mutex
	rng    *rand.Rand
	opened int
	// active are the maps with steps left; readable every map opened, in
	// the order of their opening's answer.
	active   []*loadMap
	readable []*loadMap
}

// assertion is c's assertion for NATS, exchanged anew when it runs out.
func (c *loadCoordinator) assertion(ctx context.Context) (string, error) {
	c.asMu.Lock()
	defer c.asMu.Unlock()
	return c.as.get(ctx)
}

// loadMap is one of a coordinator's citizen maps and the script of the
// coordinator's work on it.
type loadMap struct {
	id, citizen string
	openedAt    time.Time
	actors      []string
	relations   []string
	script      []loadStep
	step        int
	inflight    bool
	broken      bool
}

type stepKind int

const (
	stepOpen stepKind = iota
	stepActor
	stepServes
	stepCollaborates
	stepAssess
	stepContact
)

// loadStep is one command of a map's script; a and b index the map's
// actors or relations.
type loadStep struct {
	kind   stepKind
	a, b   int
	sector stakeholder.Sector
}

// loadSectors are the services a coordinator places around a person.
var loadSectors = []struct {
	sector stakeholder.Sector
	name   string
}{
	{stakeholder.SectorPrimaryHealth, "GP"},
	{stakeholder.SectorSpecialistMH, "DPS outpatient clinic"},
	{stakeholder.SectorMunicipalMHSU, "municipal MH/SU team"},
	{stakeholder.SectorWelfareWork, "NAV"},
	{stakeholder.SectorMunicipalCare, "home care"},
	{stakeholder.SectorHousing, "housing office"},
	{stakeholder.SectorSpecialistSU, "TSB clinic"},
}

// script is a coordinator's session on a new citizen map: open it, add
// three to five services, each serving the person, one collaboration
// between two of them, two assessments and three contacts: 3n+7
// commands.
func script(r *rand.Rand) []loadStep {
	n := 3 + r.IntN(3)
	order := r.Perm(len(loadSectors))[:n]
	steps := []loadStep{{kind: stepOpen}}
	for _, i := range order {
		steps = append(steps, loadStep{kind: stepActor, sector: loadSectors[i].sector})
	}
	for i := range n {
		steps = append(steps, loadStep{kind: stepServes, a: i})
	}
	steps = append(steps, loadStep{kind: stepCollaborates, a: 0, b: 1 + r.IntN(n-1)})
	for _, i := range r.Perm(n)[:2] {
		steps = append(steps, loadStep{kind: stepAssess, a: i})
	}
	for range 3 {
		steps = append(steps, loadStep{kind: stepContact, a: r.IntN(n + 1)})
	}
	return steps
}

// next picks the next command of one of c's maps that waits for none,
// or opens a new map, and marks the map busy until done.
func (c *loadCoordinator) next() (*loadMap, command.Command) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ready []*loadMap
	for _, m := range c.active {
		if !m.inflight {
			ready = append(ready, m)
		}
	}
	if len(ready) == 0 {
		m := &loadMap{script: script(c.rng)}
		c.active = append(c.active, m)
		return m, c.commandLocked(m)
	}
	m := ready[c.rng.IntN(len(ready))]
	return m, c.commandLocked(m)
}

// nextOf is next for one map (a new one when m is nil); it returns nil
// when the map's script is done.
func (c *loadCoordinator) nextOf(m *loadMap) (*loadMap, command.Command) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m == nil {
		m = &loadMap{script: script(c.rng)}
		c.active = append(c.active, m)
	}
	if m.step >= len(m.script) || m.broken {
		return nil, nil
	}
	return m, c.commandLocked(m)
}

// commandLocked builds m's next command and marks m busy.
func (c *loadCoordinator) commandLocked(m *loadMap) command.Command {
	m.inflight = true
	s := m.script[m.step]
	switch s.kind {
	case stepOpen:
		c.opened++
		return &command.OpenMap{Focus: stakeholder.FocusCitizen, Label: fmt.Sprintf("Load test %d-%d", c.index+1, c.opened),
			Municipality: c.municipality, CitizenName: fmt.Sprintf("Load %c.", 'A'+rune(c.opened%26))}
	case stepActor:
		name := string(s.sector)
		for _, ls := range loadSectors {
			if ls.sector == s.sector {
				name = ls.name
			}
		}
		return &command.AddActor{MapID: m.id, Kind: stakeholder.KindService, Level: stakeholder.LevelService, Sector: s.sector, Name: name}
	case stepServes:
		return &command.AddRelation{MapID: m.id, From: m.actors[s.a], To: m.citizen, Type: stakeholder.RelServes, Quality: stakeholder.QualityGood}
	case stepCollaborates:
		return &command.AddRelation{MapID: m.id, From: m.actors[s.a], To: m.actors[s.b], Type: stakeholder.RelCollaborates}
	case stepAssess:
		scales := []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low}
		return &command.AssessActor{MapID: m.id, ActorID: m.actors[s.a], Importance: scales[c.rng.IntN(3)], Influence: scales[c.rng.IntN(3)],
			Attitude: stakeholder.AttitudeSupportive}
	default: // stepContact
		modes := []string{"meeting", "phone", "digital"}
		return &command.RecordContact{MapID: m.id, RelationID: m.relations[s.a%len(m.relations)], Mode: modes[c.rng.IntN(len(modes))]}
	}
}

// done takes in the answer to m's command: the ids it made, the next
// step. A refused or failed command leaves the map (its script cannot go
// on without the ids).
func (c *loadCoordinator) done(m *loadMap, res command.Result, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m.inflight = false
	if err != nil {
		m.broken = true
	} else {
		switch m.script[m.step].kind {
		case stepOpen:
			m.id, m.citizen = res.IDs["mapId"], res.IDs["citizenId"]
			if m.id == "" || m.citizen == "" {
				m.broken = true
			} else {
				m.openedAt = time.Now()
				c.readable = append(c.readable, m)
			}
		case stepActor:
			m.actors = append(m.actors, res.IDs["actorId"])
		case stepServes, stepCollaborates:
			m.relations = append(m.relations, res.IDs["relationId"])
		}
		m.step++
	}
	if m.broken || m.step >= len(m.script) {
		c.active = slices.DeleteFunc(c.active, func(x *loadMap) bool { return x == m })
	}
}

// pickReadable picks one of c's maps opened at least settle before now.
func (c *loadCoordinator) pickReadable(now time.Time, settle time.Duration) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Maps are appended in the order their opening was answered.
	n := sort.Search(len(c.readable), func(i int) bool { return now.Sub(c.readable[i].openedAt) < settle })
	if n == 0 {
		return "", false
	}
	return c.readable[c.rng.IntN(n)].id, true
}

// ---- transports ----

// loadTransport sends a coordinator's commands and reads.
type loadTransport interface {
	command(ctx context.Context, c *loadCoordinator, name command.Name, body []byte) (command.Result, error)
	// read is op (map, gaps or picture) of a map.
	read(ctx context.Context, c *loadCoordinator, op, mapID string) error
}

// httpLoad sends over the HTTP API, on one pool of connections.
type httpLoad struct {
	base    *url.URL
	purpose string
	hc      *http.Client
}

func (h *httpLoad) client(c *loadCoordinator) *client {
	return &client{base: h.base, token: c.token, purpose: h.purpose, hc: h.hc}
}

func (h *httpLoad) command(ctx context.Context, c *loadCoordinator, name command.Name, body []byte) (command.Result, error) {
	res, _, err := h.client(c).command(ctx, string(name), body)
	return res, err
}

func (h *httpLoad) read(ctx context.Context, c *loadCoordinator, op, mapID string) error {
	path := "/v1/maps/" + url.PathEscape(mapID)
	switch op {
	case "gaps":
		path += "/gaps"
	case "picture":
		path += "/picture.svg"
	}
	_, err := h.client(c).get(ctx, path, nil)
	return err
}

// natsLoad sends NATS requests, with each coordinator's assertion.
type natsLoad struct {
	nc      *nats.Conn
	purpose string
}

func (n *natsLoad) request(ctx context.Context, c *loadCoordinator, subject string, body []byte, into any) error {
	assertion, err := c.assertion(ctx)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(access.HeaderAssertion, assertion)
	if n.purpose != "" {
		msg.Header.Set(access.HeaderPurpose, n.purpose)
	}
	return natsRequest(ctx, n.nc, msg, body, into)
}

func (n *natsLoad) command(ctx context.Context, c *loadCoordinator, name command.Name, body []byte) (command.Result, error) {
	var res command.Result
	err := n.request(ctx, c, command.SubjectPrefix+"."+string(name), body, &res)
	return res, err
}

func (n *natsLoad) read(ctx context.Context, c *loadCoordinator, op, mapID string) error {
	var subject string
	var q any
	switch op {
	case "map":
		subject, q = graph.SubjectPrefix+".map", graph.MapQuery{MapID: mapID}
	case "gaps":
		subject, q = gap.QuerySubject, gap.Query{MapID: mapID}
	default:
		subject, q = picture.SubjectPrefix+".map", picture.MapQuery{MapID: mapID, Format: "svg"}
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	var raw []byte
	return n.request(ctx, c, subject, body, &raw)
}

// ---- measuring ----

// Latencies are recorded in microseconds, from 1 µs to 10 minutes, to 3
// significant digits.
const (
	histMin    = 1
	histMax    = int64(10 * time.Minute / time.Microsecond)
	histDigits = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// recordHist records d, clamped to the histogram's range.
func recordHist(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(int64(d/time.Microsecond), histMin)
	_ = h.RecordValue(min(us, histMax))
}

// loadRecorder keeps, per operation, a histogram of the successes'
// latencies and the errors by status.
type loadRecorder struct {
	mu        sync.Mutex
	ops       map[string]*opRecord
	cancelled int64
}

type opRecord struct {
	hist   *hdrhistogram.Histogram
	errors map[string]int64
}

func newLoadRecorder() *loadRecorder { return &loadRecorder{ops: map[string]*opRecord{}} }

// record records one request; one ended by Ctrl-C is only counted as
// cancelled.
func (r *loadRecorder) record(op string, d time.Duration, err error, cancelled bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && cancelled {
		r.cancelled++
		return
	}
	o := r.ops[op]
	if o == nil {
		o = &opRecord{hist: newHist(), errors: map[string]int64{}}
		r.ops[op] = o
	}
	if err != nil {
		o.errors[errorStatus(err)]++
		return
	}
	recordHist(o.hist, d)
}

// errorStatus names an error in the report: the HTTP status (or the NATS
// service error's code), timeout, no-responders or transport.
func errorStatus(err error) string {
	var pe *problemError
	switch {
	case errors.As(err, &pe):
		return strconv.Itoa(pe.Status)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return "timeout"
	case errors.Is(err, nats.ErrNoResponders):
		return "no-responders"
	default:
		return "transport"
	}
}

// ---- command to gap opened ----

// gapProbe measures the time from a command that opens a P1 gap to the
// gap_opened event, on maps of a coordinator of its own, one probe at a
// time.
type gapProbe struct {
	l   *loader
	c   *loadCoordinator
	sub *nats.Subscription

	mu       sync.Mutex
	waiting  map[string]chan time.Time
	hist     *hdrhistogram.Histogram
	timeouts int64
	errors   map[string]int64
}

// gapOpenedP1 are the openings of P1 gaps:
// samspill.gap.<municipality>.<mapId>.<rule>.<gapId>.opened.
const gapOpenedP1 = gap.SubjectPrefix + ".*.*.P1.*.opened"

func newGapProbe(nc *nats.Conn, l *loader, c *loadCoordinator) (*gapProbe, error) {
	p := &gapProbe{l: l, c: c, waiting: map[string]chan time.Time{}, hist: newHist(), errors: map[string]int64{}}
	sub, err := nc.Subscribe(gapOpenedP1, func(msg *nats.Msg) {
		at := time.Now()
		tokens := strings.Split(msg.Subject, ".")
		if len(tokens) != 7 {
			return
		}
		p.mu.Lock()
		ch := p.waiting[tokens[3]]
		p.mu.Unlock()
		if ch != nil {
			select {
			case ch <- at:
			default:
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("--gap-latency: subscribe %s: %w", gapOpenedP1, err)
	}
	if err := nc.Flush(); err != nil {
		return nil, fmt.Errorf("--gap-latency: subscribe %s: %w", gapOpenedP1, err)
	}
	if err := nc.LastError(); err != nil {
		return nil, fmt.Errorf("--gap-latency: subscribe %s: %w", gapOpenedP1, err)
	}
	p.sub = sub
	return p, nil
}

func (p *gapProbe) close() { _ = p.sub.Unsubscribe() }

// run probes until stop is closed.
func (p *gapProbe) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		p.once(ctx)
		select {
		case <-stop:
			return
		case <-time.After(p.l.cfg.gapInterval):
		}
	}
}

// once opens a map with a GP and a DPS, the GP serving the person, and
// times the DPS's serves relation (P1: two services of different sectors
// with no working tie) to the gap's opening.
func (p *gapProbe) once(ctx context.Context) {
	send := func(cmd command.Command) (command.Result, error) {
		body, err := json.Marshal(cmd)
		if err != nil {
			return command.Result{}, err
		}
		cctx, cancel := context.WithTimeout(ctx, p.l.cfg.timeout)
		defer cancel()
		return p.l.transport.command(cctx, p.c, cmd.CommandName(), body)
	}
	fail := func(err error) {
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		p.errors[errorStatus(err)]++
		p.mu.Unlock()
	}
	res, err := send(&command.OpenMap{Focus: stakeholder.FocusCitizen, Label: "Load test gap probe", Municipality: p.c.municipality, CitizenName: "Probe P."})
	if err != nil {
		fail(err)
		return
	}
	mapID, citizen := res.IDs["mapId"], res.IDs["citizenId"]
	var actors []string
	for _, s := range []stakeholder.Sector{stakeholder.SectorPrimaryHealth, stakeholder.SectorSpecialistMH} {
		res, err := send(&command.AddActor{MapID: mapID, Kind: stakeholder.KindService, Level: stakeholder.LevelService, Sector: s, Name: string(s)})
		if err != nil {
			fail(err)
			return
		}
		actors = append(actors, res.IDs["actorId"])
	}
	if _, err := send(&command.AddRelation{MapID: mapID, From: actors[0], To: citizen, Type: stakeholder.RelServes}); err != nil {
		fail(err)
		return
	}
	ch := make(chan time.Time, 1)
	p.mu.Lock()
	p.waiting[mapID] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.waiting, mapID)
		p.mu.Unlock()
	}()
	start := time.Now()
	if _, err := send(&command.AddRelation{MapID: mapID, From: actors[1], To: citizen, Type: stakeholder.RelServes}); err != nil {
		fail(err)
		return
	}
	timer := time.NewTimer(p.l.cfg.gapTimeout)
	defer timer.Stop()
	select {
	case at := <-ch:
		p.mu.Lock()
		recordHist(p.hist, at.Sub(start))
		p.mu.Unlock()
	case <-timer.C:
		p.mu.Lock()
		p.timeouts++
		p.mu.Unlock()
	case <-ctx.Done():
	}
}

// ---- the report ----

// loadReport is what `samspill load` prints (--output json: this as JSON).
type loadReport struct {
	Transport    string         `json:"transport"`
	Mode         string         `json:"mode"` // "rate" (open loop) or "max" (closed loop)
	Rate         float64        `json:"rate,omitempty"`
	Concurrency  int            `json:"concurrency,omitempty"`
	Coordinators int            `json:"coordinators"`
	Mix          map[string]int `json:"mix"`
	Seed         int64          `json:"seed"`
	Started      time.Time      `json:"started"`
	Seconds      float64        `json:"seconds"`
	Sent         int64          `json:"sent"`
	// Cancelled are requests cut short by Ctrl-C: neither successes nor
	// errors.
	Cancelled   int64 `json:"cancelled,omitempty"`
	Interrupted bool  `json:"interrupted,omitempty"`
	// Operations are the commands by name, then map, gaps and picture;
	// Groups are all commands and all reads.
	Operations []loadOpReport `json:"operations"`
	Groups     []loadOpReport `json:"groups"`
	Total      loadOpReport   `json:"total"`
	GapLatency *loadGapReport `json:"gapLatency,omitempty"`
}

// loadOpReport is one operation's figures.
type loadOpReport struct {
	Name string `json:"name"`
	// Count is OK plus Errors.
	Count          int64            `json:"count"`
	OK             int64            `json:"ok"`
	Errors         int64            `json:"errors"`
	ErrorsByStatus map[string]int64 `json:"errorsByStatus,omitempty"`
	// Throughput is Count a second over the run.
	Throughput float64 `json:"throughput"`
	// LatencyMs are the successes' latencies, in milliseconds.
	LatencyMs loadLatency `json:"latencyMs"`
}

type loadLatency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// loadGapReport is command to gap_opened latency.
type loadGapReport struct {
	Count          int64            `json:"count"`
	Timeouts       int64            `json:"timeouts"`
	ErrorsByStatus map[string]int64 `json:"errorsByStatus,omitempty"`
	LatencyMs      loadLatency      `json:"latencyMs"`
}

func latencyOf(h *hdrhistogram.Histogram) loadLatency {
	if h.TotalCount() == 0 {
		return loadLatency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return loadLatency{P50: ms(h.ValueAtQuantile(50)), P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)),
		Max: ms(h.Max()), Mean: h.Mean() / 1000}
}

// opReport sums records into one row.
func opReport(name string, seconds float64, recs ...*opRecord) loadOpReport {
	h := newHist()
	r := loadOpReport{Name: name}
	for _, o := range recs {
		h.Merge(o.hist)
		for st, n := range o.errors {
			if r.ErrorsByStatus == nil {
				r.ErrorsByStatus = map[string]int64{}
			}
			r.ErrorsByStatus[st] += n
			r.Errors += n
		}
	}
	r.OK = h.TotalCount()
	r.Count = r.OK + r.Errors
	if seconds > 0 {
		r.Throughput = float64(r.Count) / seconds
	}
	r.LatencyMs = latencyOf(h)
	return r
}

func (l *loader) report(start time.Time, elapsed time.Duration, interrupted bool, probe *gapProbe) *loadReport {
	l.rec.mu.Lock()
	defer l.rec.mu.Unlock()
	secs := elapsed.Seconds()
	rep := &loadReport{Transport: l.cfg.transport, Mode: "rate", Rate: l.cfg.rate, Coordinators: l.cfg.coordinators, Mix: map[string]int{},
		Seed: l.cfg.seed, Started: start.UTC().Round(time.Millisecond), Seconds: secs, Sent: l.sent.Load(), Cancelled: l.rec.cancelled, Interrupted: interrupted}
	if l.cfg.rate == 0 {
		rep.Mode, rep.Concurrency = "max", l.cfg.concurrency
	}
	for i, w := range l.cfg.mix {
		rep.Mix[mixNames[i]] = w
	}
	var names []string
	for name := range l.rec.ops {
		names = append(names, name)
	}
	isRead := func(name string) bool { return slices.Contains(mixNames[1:], name) }
	// Commands in the order of a map's script, then the reads.
	order := []string{string(command.CmdOpenMap), string(command.CmdAddActor), string(command.CmdAddRelation),
		string(command.CmdAssessActor), string(command.CmdRecordContact), "map", "gaps", "picture"}
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	var cmds, reads, all []*opRecord
	for _, name := range names {
		o := l.rec.ops[name]
		rep.Operations = append(rep.Operations, opReport(name, secs, o))
		all = append(all, o)
		if isRead(name) {
			reads = append(reads, o)
		} else {
			cmds = append(cmds, o)
		}
	}
	rep.Groups = []loadOpReport{opReport("commands", secs, cmds...), opReport("reads", secs, reads...)}
	rep.Total = opReport("all", secs, all...)
	if probe != nil {
		probe.mu.Lock()
		g := &loadGapReport{Count: probe.hist.TotalCount(), Timeouts: probe.timeouts, LatencyMs: latencyOf(probe.hist)}
		if len(probe.errors) > 0 {
			g.ErrorsByStatus = maps.Clone(probe.errors)
		}
		probe.mu.Unlock()
		rep.GapLatency = g
	}
	return rep
}

// writeText writes the report as a table.
func (r *loadReport) writeText(w io.Writer) error {
	how := fmt.Sprintf("at %g/s (open loop)", r.Rate)
	if r.Mode == "max" {
		how = fmt.Sprintf("as fast as possible (%d workers)", r.Concurrency)
	}
	fmt.Fprintf(w, "samspill load: %d requests over %s %s, %d coordinators, mix %s, seed %d\n",
		r.Sent, r.Transport, how, r.Coordinators, mixText(r.Mix), r.Seed)
	fmt.Fprintf(w, "%d answered in %.2f s: %.1f requests/s", r.Total.Count, r.Seconds, r.Total.Throughput)
	if r.Interrupted {
		fmt.Fprintf(w, " (interrupted; %d cut short)", r.Cancelled)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	rows := slices.Clone(r.Operations)
	for _, o := range r.Groups {
		o.Name = "(" + o.Name + ")"
		rows = append(rows, o)
	}
	rows = append(rows, r.Total)
	width := len("OPERATION")
	for _, o := range rows {
		width = max(width, len(o.Name))
	}
	fmt.Fprintf(w, "%-*s %8s %7s %9s %9s %9s %9s %9s\n", width, "OPERATION", "COUNT", "ERRORS", "REQ/S", "P50 MS", "P99 MS", "P99.9 MS", "MAX MS")
	for _, o := range rows {
		fmt.Fprintf(w, "%-*s %8d %7d %9.1f %9.2f %9.2f %9.2f %9.2f\n", width, o.Name, o.Count, o.Errors, o.Throughput,
			o.LatencyMs.P50, o.LatencyMs.P99, o.LatencyMs.P999, o.LatencyMs.Max)
	}
	var errs []string
	for _, o := range r.Operations {
		for _, st := range slices.Sorted(maps.Keys(o.ErrorsByStatus)) {
			errs = append(errs, fmt.Sprintf("%s %s ×%d", o.Name, st, o.ErrorsByStatus[st]))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nErrors (not in the latencies): %s\n", strings.Join(errs, ", "))
	}
	if g := r.GapLatency; g != nil {
		fmt.Fprintf(w, "\nCommand to gap opened (P1): %d probes, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; %d timed out",
			g.Count, g.LatencyMs.P50, g.LatencyMs.P99, g.LatencyMs.P999, g.LatencyMs.Max, g.Timeouts)
		var n int64
		for _, c := range g.ErrorsByStatus {
			n += c
		}
		if n > 0 {
			fmt.Fprintf(w, ", %d failed", n)
		}
		fmt.Fprintln(w, ".")
	}
	return nil
}

func mixText(m map[string]int) string {
	var parts []string
	for _, name := range mixNames {
		parts = append(parts, fmt.Sprintf("%s=%d", name, m[name]))
	}
	return strings.Join(parts, ",")
}
