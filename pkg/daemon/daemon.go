// Package daemon runs a Samspill service: its command line (Main, Flags)
// and its HTTP side until it is told to stop, then shuts it down in order:
// intake first (the HTTP server stops accepting and drains), then the
// service itself (its consumers and micro endpoints), each within a bounded
// time.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// ShutdownTimeout bounds each step of the shutdown.
const ShutdownTimeout = 10 * time.Second

// Serve serves handler on addr (no HTTP when addr is empty) until ctx is
// done or the server fails, then shuts down the server and calls stop.
// It returns the server's failure, or stop's error.
func Serve(ctx context.Context, logger *slog.Logger, addr string, handler http.Handler, stop func(context.Context) error) error {
	var srv *http.Server
	errc := make(chan error, 1)
	if addr != "" {
		srv = &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		go func() { errc <- srv.ListenAndServe() }()
	}
	var failed error
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			failed = fmt.Errorf("http %s: %w", addr, err)
		}
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if srv != nil {
		if err := srv.Shutdown(shutdown); err != nil {
			logger.Warn("http shutdown", "err", err)
		}
	}
	if err := stop(shutdown); err != nil && failed == nil {
		failed = err
	}
	return failed
}
