package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/devidp"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/auth/auth"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/picture/picture"
	"github.com/samspill/samspill/services/samspill/demo"
	"github.com/samspill/samspill/services/web/web"
)

type upConfig struct {
	data     string
	httpAddr string
	natsPort int
	// natsURL, when set, is an external NATS server or cluster to use
	// instead of the embedded one; natsTLS is the folder with ca.pem and
	// each service's client certificate <user>.pem and <user>-key.pem
	// (as `make dev-certs` writes deploy/nats/tls).
	natsURL, natsTLS string
	// replicas of every stream and bucket: 1 on one node, 3 on a
	// three-node cluster.
	replicas int
	demoSeed int64
	sync     string
	logJSON  bool
	// logFormat is telemetry.LogText or telemetry.LogJSON; logJSON
	// (--log-json) means json.
	logFormat string
	// drawWorker is the executable to run as Graphviz's worker process
	// (with the argument draw-worker); empty draws in this process.
	drawWorker string
}

func cmdUp(stdout, stderr io.Writer) *cobra.Command {
	var cfg upConfig
	var inProcess bool
	cmd := &cobra.Command{
		Use:   "up [flags]",
		Short: "run every service on an embedded JetStream server",
		Long: "Runs the whole of Samspill in one process: an embedded NATS JetStream server,\n" +
			"the command, graph, gap and render services, and their HTTP API. Graphviz draws\n" +
			"in a worker process (this binary, started as `samspill draw-worker`). Stop with\n" +
			"Ctrl-C.",
		Example: "  samspill up\n  samspill up --demo-seed 1 --http 127.0.0.1:9090 --data /var/lib/samspill",
		Args:    noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if !inProcess {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("up: the Graphviz worker: %w", err)
				}
				cfg.drawWorker = exe
			}
			if cfg.logJSON {
				cfg.logFormat = telemetry.LogJSON
			}
			logger, err := telemetry.NewLogger(stderr, cfg.logFormat, nil)
			if err != nil {
				return err
			}
			return up(cmd.Context(), cfg, stdout, logger)
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.data, "data", ".samspill", "data `folder` (event store, keys)")
	_ = cmd.MarkFlagDirname("data")
	fs.StringVar(&cfg.httpAddr, "http", "127.0.0.1:8080", "HTTP listen address (loopback)")
	fs.IntVar(&cfg.natsPort, "nats-port", 4222, "port of the embedded NATS server on 127.0.0.1 (0: any free port)")
	fs.StringVar(&cfg.natsURL, "nats", "", "use this external NATS server or cluster (comma-separated URLs, e.g. tls://127.0.0.1:4222,tls://127.0.0.1:4223) instead of the embedded one")
	fs.StringVar(&cfg.natsTLS, "nats-tls", "", "with --nats: `folder` with ca.pem and each service's client certificate <user>.pem, <user>-key.pem (make dev-certs: deploy/nats/tls)")
	fs.IntVar(&cfg.replicas, "replicas", 1, "replicas of every stream and bucket: 1 on one node, 3 on a three-node cluster (with --nats)")
	fs.Int64Var(&cfg.demoSeed, "demo-seed", 0, "load the demo region with this seed on first start (0: none)")
	choiceFlag(cmd, fs, &cfg.sync, "sync", "always", []string{"always", "interval"}, "store durability: always (fsync before every acknowledgement) or interval (every 2 minutes)")
	choiceFlag(cmd, fs, &cfg.logFormat, "log-format", telemetry.LogText, []string{telemetry.LogText, telemetry.LogJSON}, "log lines as text or json (with trace_id and span_id while tracing)")
	fs.BoolVar(&cfg.logJSON, "log-json", false, "log JSON lines instead of text (same as --log-format json)")
	fs.BoolVar(&inProcess, "draw-in-process", false, "run Graphviz in this process instead of a worker process (it leaks memory: for short runs only)")
	return cmd
}

func up(ctx context.Context, cfg upConfig, stdout io.Writer, logger *slog.Logger) error {
	if cfg.replicas < 1 {
		cfg.replicas = 1
	}
	if err := os.MkdirAll(cfg.data, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// One metrics registry for the process, at GET /metrics; traces go
	// where the OTEL_* environment says (nowhere by default).
	metrics := telemetry.NewMetrics()
	tracing, err := telemetry.NewTracing(ctx, telemetry.TracingConfig{Service: "samspill", Version: version})
	if err != nil {
		return err
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tracing.Shutdown(flush); err != nil {
			logger.Warn("tracing shutdown", "err", err)
		}
	}()
	ctx = telemetry.WithTracerProvider(ctx, tracing.Provider)
	key, err := seal.LoadOrCreateMasterKey(filepath.Join(cfg.data, "keys", "master.key"))
	if err != nil {
		return err
	}
	// The access service's signing key: its assertions say who asks, and
	// every service verifies them with the public half.
	accessKey, err := access.LoadOrCreateKey(filepath.Join(cfg.data, "keys", "access.key"))
	if err != nil {
		return err
	}
	signer, err := access.NewSigner(accessKey, nil)
	if err != nil {
		return err
	}
	verifier := signer.Verifier()
	dial, natsURL, stopNATS, err := startNATS(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stopNATS()
	// The HTTP listener comes first: the development identity provider's
	// issuer URL is its address.
	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return fmt.Errorf("http listen: %w", err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	idp, err := devidp.New(devidp.Config{
		Issuer:  base + "/idp",
		Clients: []devidp.Client{{ID: webClientID, RedirectURIs: []string{base + "/app/callback"}}},
		Users:   devIdPUsers(),
	})
	if err != nil {
		return err
	}
	conns := map[string]*nats.Conn{}
	connect := func(user string) (*nats.Conn, error) {
		nc, err := dial(user)
		if err != nil {
			return nil, err
		}
		conns[user] = nc
		return nc, nil
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	// Each service writes its own audit records, as its own NATS user.
	recorder := func(nc *nats.Conn, service string) (access.Recorder, error) {
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, fmt.Errorf("%s: jetstream: %w", service, err)
		}
		return audit.NewWriter(js, service, nil), nil
	}

	anc, err := connect(natsperm.Auth)
	if err != nil {
		return err
	}
	if cfg.natsURL != "" {
		if err := waitJetStream(ctx, anc, logger); err != nil {
			return err
		}
	}
	auths, err := auth.Boot(ctx, anc, auth.Options{Signer: signer, Replicas: cfg.replicas, Logger: logger.With("service", "auth"), Metrics: metrics,
		OIDC: &auth.OIDCConfig{Issuer: idp.Issuer(), JWKSURL: idp.JWKSURL(), Audiences: []string{webClientID}}})
	if err != nil {
		return err
	}
	defer auths.Stop()
	adminTokenFile, err := bootstrapAdmin(ctx, auths.Service, cfg.data)
	if err != nil {
		return err
	}

	nc, err := connect(natsperm.Command)
	if err != nil {
		return err
	}
	crec, err := recorder(nc, "command")
	if err != nil {
		return err
	}
	cmds, err := command.Boot(ctx, nc, command.Options{MasterKey: key, Replicas: cfg.replicas, Logger: logger.With("service", "command"), Metrics: metrics,
		Verifier: verifier, Audit: crec})
	if err != nil {
		return err
	}
	defer cmds.Stop()
	gnc, err := connect(natsperm.Graph)
	if err != nil {
		return err
	}
	grec, err := recorder(gnc, "graph")
	if err != nil {
		return err
	}
	graphs, err := graph.Boot(ctx, gnc, graph.Options{MasterKey: key, Replicas: cfg.replicas, Logger: logger.With("service", "graph"), Metrics: metrics,
		Verifier: verifier, Audit: grec})
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := graphs.Stop(stopCtx); err != nil {
			logger.Warn("graph service stop", "err", err)
		}
	}()

	if cfg.demoSeed != 0 {
		if err := loadDemoOnce(ctx, cmds, cfg.demoSeed, stdout, logger); err != nil {
			return err
		}
	}
	// The gap service starts after the demo is loaded, so that it
	// evaluates each demo map once, as it stands, rather than after every
	// command of the load.
	pnc, err := connect(natsperm.Gap)
	if err != nil {
		return err
	}
	prec, err := recorder(pnc, "gap")
	if err != nil {
		return err
	}
	gapSvc, err := gap.Boot(ctx, pnc, gap.Config{Replicas: cfg.replicas, Logger: logger.With("service", "gap"), Metrics: metrics,
		Verifier: verifier, Audit: prec})
	if err != nil {
		return err
	}
	defer gapSvc.Stop()
	// The render service, like the gap service, reads the log after the
	// demo is loaded. Graphviz runs in a worker process (this binary with
	// the argument draw-worker), replaced every 100 pictures to return the
	// memory Graphviz leaks.
	rnc, err := connect(natsperm.Picture)
	if err != nil {
		return err
	}
	rrec, err := recorder(rnc, "picture")
	if err != nil {
		return err
	}
	pictures, err := picture.Boot(ctx, rnc, picture.Options{MasterKey: key, Replicas: cfg.replicas, Logger: logger.With("service", "picture"), Metrics: metrics,
		Draw: draw.Options{Logger: logger.With("service", "picture"), Command: workerCommand(cfg.drawWorker)}, Verifier: verifier, Audit: rrec})
	if err != nil {
		return err
	}
	defer pictures.Stop()

	mux := apiRoutes(apiServices{commands: cmds.Service, graph: graphs.Service, gaps: gapSvc.Service, pictures: pictures.Service,
		auth: auths.Service, healthy: nc.IsConnected, natsURL: natsURL})
	// The development identity provider, at /idp/.
	mux.Mount(idp.Routes())
	// The web application, under /app/, reaches the services over NATS
	// like any other client, with each user's assertion.
	wnc, err := connect(natsperm.Web)
	if err != nil {
		return err
	}
	webServer, err := web.New(ctx, wnc, web.Options{Logger: logger.With("service", "web"),
		OIDC: web.OIDC{Issuer: idp.Issuer(), ClientID: webClientID, RedirectURL: base + "/app/callback", JWKSURL: idp.JWKSURL()}})
	if err != nil {
		return err
	}
	mux.Mount(webServer.Routes())
	mux.Handle("GET /metrics", metrics.Handler())
	// Every request with a bearer token is authenticated here, once, for
	// all services (API tokens, the identity provider's access tokens,
	// assertions); the services decide what its principal may do.
	hs := &http.Server{Handler: telemetry.HTTP(web.BrowserHome(access.HTTP(auths.Service, mux)), metrics, tracing.Provider), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	fmt.Fprintf(stdout, `Samspill is up.
  Web app:   http://%s/app/  (development sign-in: choose a coordinator, an analyst or the administrator)
  Admin token: %s  (send as Authorization: Bearer; make others with samspill token create)
  HTTP API:  http://%s/  (commands: POST http://%s/v1/commands/<name>, list: GET /v1/commands)
  Maps:      http://%s/v1/maps  (a map: /v1/maps/<id>?at=YYYY-MM-DD; an area: /v1/areas/3203/system)
  Gaps:      http://%s/v1/maps/<id>/gaps  (an area: /v1/areas/3203/gaps; ?lang=nb in Norwegian)
  Pictures:  http://%s/v1/maps/<id>/picture.svg  (also .png .pdf .dot; ?at=YYYY-MM-DD&lang=nb)
             changes: /v1/maps/<id>/changes/picture.svg?from=YYYY-MM-DD; an area: /v1/areas/3203/picture.svg
             over NATS: samspill.render.map, samspill.render.changes, samspill.render.area (service samspill-picture)
  NATS:      %s  (events: stream SAMSPILL_EVENTS, subjects samspill.map.> and samspill.directory.>)
  Gap events: stream SAMSPILL_GAPS; follow them with  nats sub --server %s 'samspill.gap.>'
             (one map: 'samspill.gap.*.<mapId>.>', one municipality: 'samspill.gap.3203.>', openings only: 'samspill.gap.*.*.*.*.opened')
  Data:      %s
Stop with Ctrl-C.
`, ln.Addr(), adminTokenFile, ln.Addr(), ln.Addr(), ln.Addr(), ln.Addr(), ln.Addr(), natsURL, natsURL, cfg.data)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	gapSvc.Stop()
	pictures.Stop()
	cmds.Stop()
	if err := graphs.Stop(shutdown); err != nil {
		logger.Warn("graph service stop", "err", err)
	}
	auths.Stop()
	for user, c := range conns {
		if err := c.Drain(); err != nil {
			logger.Warn("nats drain", "user", user, "err", err)
		}
	}
	return nil
}

// startNATS starts the embedded JetStream server, or (with cfg.natsURL)
// prepares to connect to an external one. It returns how each service
// connects as its own NATS user, the URL clients use, and a stop
// function.
func startNATS(ctx context.Context, cfg upConfig, logger *slog.Logger) (func(user string) (*nats.Conn, error), string, func(), error) {
	if cfg.natsURL == "" {
		if cfg.replicas > 1 {
			return nil, "", nil, usageError{"--replicas above 1 needs a cluster: --nats"}
		}
		srv, err := jsserver.Start(ctx, jsserver.Config{
			StoreDir:   filepath.Join(cfg.data, "jetstream"),
			Port:       cfg.natsPort,
			SyncAlways: cfg.sync == "always",
			Logger:     logger.With("service", "nats"),
		})
		if err != nil {
			return nil, "", nil, err
		}
		return func(user string) (*nats.Conn, error) { return srv.Connect(user) }, srv.ClientURL(), srv.Shutdown, nil
	}
	// An external server knows each service by its client certificate
	// (deploy/nats: verify_and_map); the daemon package dials as the
	// standalone services do, with the user's inbox prefix and endless
	// reconnects, so a node lost in a cluster is ridden out.
	dial := func(user string) (*nats.Conn, error) {
		f := daemon.Flags{NATS: cfg.natsURL}
		if cfg.natsTLS != "" {
			f.TLSCert = filepath.Join(cfg.natsTLS, user+".pem")
			f.TLSKey = filepath.Join(cfg.natsTLS, user+"-key.pem")
			f.TLSCA = filepath.Join(cfg.natsTLS, "ca.pem")
		}
		// The servers may still be starting: try for a minute.
		deadline := time.Now().Add(time.Minute)
		for {
			nc, err := f.Dial(user)
			if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				return nc, err
			}
			logger.Info("waiting for NATS", "url", cfg.natsURL, "user", user, "err", err)
			time.Sleep(time.Second)
		}
	}
	return dial, cfg.natsURL, func() {}, nil
}

// waitJetStream waits until JetStream answers (a cluster elects its meta
// leader a few seconds after its nodes start), for a minute at most.
func waitJetStream(ctx context.Context, nc *nats.Conn, logger *slog.Logger) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.AccountInfo(attempt)
		cancelAttempt()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("JetStream at %s does not answer: %w", nc.ConnectedUrl(), err)
		}
		logger.Info("waiting for JetStream", "err", err)
		time.Sleep(500 * time.Millisecond)
	}
}

// webClientID is the web application's client id at the development
// identity provider, the audience of its tokens.
const webClientID = "samspill-web"

// devIdPUsers are the development sign-in's people (demo.Users).
func devIdPUsers() []devidp.User {
	var out []devidp.User
	for _, u := range demo.Users() {
		out = append(out, devidp.User{Subject: u.Subject, Name: u.Name, Role: u.Role, Municipality: u.Municipality})
	}
	return out
}

// bootstrapAdmin makes an administrator's API token when there is none that
// works — on a first start, or when the one in <data>/admin.token has
// expired or was revoked — and writes it, readable by the owner only, to
// <data>/admin.token; it returns that file's path. Whoever may read the
// data folder runs the system, so a working admin token there gives away
// nothing more.
func bootstrapAdmin(ctx context.Context, a *auth.Service, data string) (string, error) {
	path := filepath.Join(data, "admin.token")
	if b, err := os.ReadFile(path); err == nil {
		if p, err := a.Authenticate(ctx, strings.TrimSpace(string(b))); err == nil && p.Role == access.Admin {
			return path, nil
		}
	}
	tok, err := a.Bootstrap(ctx, auth.TokenSpec{Name: "samspill up: administrator", Role: access.Admin, ExpiresAt: time.Now().AddDate(1, 0, -1)})
	if err != nil {
		return "", fmt.Errorf("bootstrap admin token: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("bootstrap admin token: %w", err)
	}
	return path, nil
}

// loadDemoOnce loads the demo region into an empty log.
func loadDemoOnce(ctx context.Context, r *command.Running, seed int64, stdout io.Writer, logger *slog.Logger) error {
	head, err := r.Log.Head(ctx)
	if err != nil {
		return err
	}
	if head > 0 {
		logger.Info("log is not empty; demo not loaded again", "head", head)
		return nil
	}
	ds, err := demo.Generate(demo.Options{Seed: seed, Today: date.Of(time.Now().In(date.HomeLocation()))})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return execute(ctx, r.Service, ds, stdout)
}

// execute runs commands through the service, reporting progress: the
// directory first, in order, then each map's commands in order, with up to
// `workers` maps at a time (their appends share the store's syncs).
//
// Each command is given as the demo's principal for it: the
// administrator for the directory, the municipality's coordinator for a
// map (demo.Dataset.Principal), so that the development sign-in's
// coordinators find their caseload assigned to them.
func execute(ctx context.Context, svc *command.Service, ds *demo.Dataset, stdout io.Writer) error {
	cmds := ds.Commands
	const workers = 8
	start := time.Now()
	var groups [][]command.Command
	var directory []command.Command
	index := map[event.Aggregate]int{}
	for _, c := range cmds {
		agg, err := command.Target(c)
		if err != nil {
			return fmt.Errorf("demo command %s: %w", c.CommandName(), err)
		}
		if agg.Kind == event.AreaDirectory {
			directory = append(directory, c)
			continue
		}
		i, ok := index[agg]
		if !ok {
			i = len(groups)
			index[agg] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	p := newProgress(stdout, "loading demo", len(cmds))
	var done atomic.Int64
	run := func(c command.Command) error {
		who, err := ds.Principal(c)
		if err != nil {
			return fmt.Errorf("demo command %s: %w", c.CommandName(), err)
		}
		if _, err := svc.Execute(access.WithPrincipal(ctx, who), c); err != nil {
			return fmt.Errorf("demo command %s: %w", c.CommandName(), err)
		}
		p.set(int(done.Add(1)))
		return nil
	}
	for _, c := range directory {
		if err := run(c); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, group := range groups {
		g.Go(func() error {
			for _, c := range group {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				if err := run(c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	p.done()
	fmt.Fprintf(stdout, "Loaded %d demo commands (%d maps) in %s.\n", len(cmds), len(groups), time.Since(start).Round(time.Millisecond))
	return nil
}

// drawWorkerArg makes the samspill binary a Graphviz worker process.
const drawWorkerArg = "draw-worker"

// workerCommand starts exe as a Graphviz worker, or returns nil (draw in
// process) when exe is empty.
func workerCommand(exe string) func() *exec.Cmd {
	if exe == "" {
		return nil
	}
	return func() *exec.Cmd {
		cmd := exec.Command(exe, drawWorkerArg)
		cmd.Stderr = os.Stderr
		return cmd
	}
}
