package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Flags are the settings every service takes on its command line.
type Flags struct {
	NATS          string
	HTTP          string
	MasterKeyFile string
	Creds         string
	// TLSCert and TLSKey are the service's client certificate (its
	// subject names the NATS user, see deploy/); TLSCA the CA that signed
	// the servers' certificates.
	TLSCert, TLSKey, TLSCA string
	Replicas               int
	// LogFormat is telemetry.LogJSON (default) or telemetry.LogText.
	LogFormat string
	// AccessKey is the access service's public key (PEM), with which the
	// service verifies the assertion of every request.
	AccessKey string
	// Instance names this instance of a read-side service that runs as
	// several (graph, gap, picture): they share the maps among
	// themselves (package partition). Empty: the only instance.
	Instance string
	// Advertise is the base URL other instances forward HTTP requests to
	// (default http://<--http>).
	Advertise string
}

// Partition returns the partition group of a read-side service, or nil
// when --instance is empty.
func (f Flags) Partition() *partition.GroupConfig {
	if f.Instance == "" {
		return nil
	}
	adv := f.Advertise
	if adv == "" && f.HTTP != "" {
		adv = "http://" + f.HTTP
	}
	return &partition.GroupConfig{Instance: f.Instance, HTTP: adv, Replicas: f.Replicas}
}

// Register defines the flags on fs, with the service's default HTTP address.
func (f *Flags) Register(fs *flag.FlagSet, defaultHTTP string) {
	fs.StringVar(&f.NATS, "nats", nats.DefaultURL, "NATS server URL")
	fs.StringVar(&f.HTTP, "http", defaultHTTP, "HTTP listen address (empty: no HTTP)")
	fs.StringVar(&f.MasterKeyFile, "master-key", "", "file with the 64-hex-digit master key (required)")
	fs.StringVar(&f.Creds, "creds", "", "NATS credentials file")
	fs.StringVar(&f.TLSCert, "tls-cert", "", "client certificate (PEM) for NATS over TLS; its subject names the NATS user")
	fs.StringVar(&f.TLSKey, "tls-key", "", "the client certificate's private key (PEM)")
	fs.StringVar(&f.TLSCA, "tls-ca", "", "CA certificate (PEM) that signed the NATS servers' certificates")
	fs.StringVar(&f.AccessKey, "access-key", "", "the access service's public key (PEM) that verifies requests' assertions (required)")
	fs.IntVar(&f.Replicas, "replicas", 1, "stream replicas: 1 single node, 3 cluster")
	fs.StringVar(&f.Instance, "instance", os.Getenv("SAMSPILL_INSTANCE"),
		"name of this instance when the service runs as several sharing the maps (graph, gap, picture; letters, digits, '-'; default $SAMSPILL_INSTANCE; empty: the only one)")
	fs.StringVar(&f.Advertise, "advertise", "", "base URL other instances forward HTTP requests to (default http://<--http>)")
	fs.StringVar(&f.LogFormat, "log-format", telemetry.LogJSON, "log lines as json or text")
	fs.BoolFunc("log-json", "log JSON lines (the default; same as --log-format json)", func(v string) error {
		if v == "true" {
			f.LogFormat = telemetry.LogJSON
		} else {
			f.LogFormat = telemetry.LogText
		}
		return nil
	})
}

// Connect loads the master key and connects to NATS as name.
func (f Flags) Connect(name string) (*nats.Conn, []byte, error) {
	if f.MasterKeyFile == "" {
		return nil, nil, errors.New("--master-key is required")
	}
	key, err := seal.LoadMasterKey(f.MasterKeyFile)
	if err != nil {
		return nil, nil, err
	}
	nc, err := f.Dial(name)
	if err != nil {
		return nil, nil, err
	}
	return nc, key, nil
}

// Verifier reads --access-key: the verifier of requests' assertions.
func (f Flags) Verifier() (*access.Verifier, error) {
	if f.AccessKey == "" {
		return nil, errors.New("--access-key is required: the access service's public key (samspill-auth writes it; see docs/security.md)")
	}
	b, err := os.ReadFile(f.AccessKey)
	if err != nil {
		return nil, fmt.Errorf("--access-key: %w", err)
	}
	key, err := access.ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("--access-key %s: %w", f.AccessKey, err)
	}
	return access.NewVerifier(key, nil)
}

// Dial connects to NATS as name, without the master key: for a service
// that never reads map keys (the gap service).
func (f Flags) Dial(name string) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1)}
	if u, ok := natsperm.Lookup(name); ok && u.Inbox != "" {
		// Replies come to the service's own inbox prefix, the only one
		// its NATS permissions let it subscribe to.
		opts = append(opts, nats.CustomInboxPrefix(u.Inbox))
	}
	if f.Creds != "" {
		opts = append(opts, nats.UserCredentials(f.Creds))
	}
	if (f.TLSCert == "") != (f.TLSKey == "") {
		return nil, fmt.Errorf("connect %s: --tls-cert and --tls-key go together", f.NATS)
	}
	if f.TLSCert != "" {
		opts = append(opts, nats.ClientCert(f.TLSCert, f.TLSKey))
	}
	if f.TLSCA != "" {
		opts = append(opts, nats.RootCAs(f.TLSCA))
	}
	nc, err := nats.Connect(f.NATS, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", f.NATS, err)
	}
	return nc, nil
}

// Main is a service's main: it parses the flags, builds the logger (JSON
// unless --log-format text; records logged with a span's context carry
// its trace_id and span_id) with the service's name, and the tracer
// provider the OTEL_* environment asks for (telemetry.NewTracing), runs
// run with a context that carries the provider
// (telemetry.TracerProviderFrom) and ends on SIGINT or SIGTERM, flushes
// the spans, and exits 1 if run fails.
func Main(service, defaultHTTP string, run func(ctx context.Context, logger *slog.Logger, f Flags) error) {
	var f Flags
	f.Register(flag.CommandLine, defaultHTTP)
	flag.Parse()
	logger, err := telemetry.NewLogger(os.Stderr, f.LogFormat, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "--log-format:", err)
		os.Exit(2)
	}
	logger = logger.With("service", service)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	tracing, err := telemetry.NewTracing(ctx, telemetry.TracingConfig{Service: "samspill-" + service})
	if err != nil {
		logger.Error("tracing", "err", err)
		os.Exit(1)
	}
	if tracing.On() {
		logger.Info("tracing on", "exporter", tracing.Exporter)
	}
	err = run(telemetry.WithTracerProvider(ctx, tracing.Provider), logger, f)
	stop()
	flush, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	if ferr := tracing.Shutdown(flush); ferr != nil {
		logger.Warn("tracing shutdown", "err", ferr)
	}
	cancel()
	if err != nil {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}
