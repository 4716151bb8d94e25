// Command healthcheck is the health probe of the Samspill container image
// (see the Dockerfile at the repository root): the image is distroless, with
// no shell, curl or wget, so a container's HEALTHCHECK runs this program
// instead.
//
//	healthcheck URL
//
// It sends GET URL and exits 0 if the answer is 200 OK within the timeout
// (-timeout, 3s by default), 1 otherwise, saying why on standard error.
// Samspill's services start listening for HTTP only once they have booted
// (connected to NATS, bound or created their streams), so a 200 from
// http://127.0.0.1:<port>/metrics, which needs no sign-in, says that the
// service is up. It follows no redirects and reads no more than 64 KiB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: healthcheck [-timeout D] URL")
	}
	return probe(context.Background(), fs.Arg(0), *timeout)
}

// probe gets url and wants 200 OK within timeout.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)); err != nil {
		return fmt.Errorf("GET %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
