package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LoadConfig says how to run the load rows.
type LoadConfig struct {
	Samspill    string        // the samspill binary
	DemoSeed    int           // the demo region loaded first, as background data
	MaxDuration time.Duration // the closed-loop run that finds the maximum
	Duration    time.Duration // the open-loop run at half of it
	Concurrency int
	// Sync is samspill up's --sync: "always" (its default, the rows with
	// targets) or "interval" (the same runs for comparison: what the
	// fsyncs before every acknowledgement cost on this disk).
	Sync string
	// Rate, when above 0, is the open-loop run's rate, and no maximum is
	// looked for: the comparison runs at the rate of the run it is
	// compared with.
	Rate float64
}

// loadReport is the part of `samspill load --output json` the table reads.
type loadReport struct {
	Groups []struct {
		Name       string  `json:"name"`
		Count      int64   `json:"count"`
		Errors     int64   `json:"errors"`
		Throughput float64 `json:"throughput"`
		LatencyMs  latency `json:"latencyMs"`
	} `json:"groups"`
	Total struct {
		Count      int64   `json:"count"`
		Errors     int64   `json:"errors"`
		Throughput float64 `json:"throughput"`
	} `json:"total"`
	GapLatency *struct {
		Count     int64   `json:"count"`
		Timeouts  int64   `json:"timeouts"`
		LatencyMs latency `json:"latencyMs"`
	} `json:"gapLatency"`
}

type latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// LoadResult holds the two runs: Max is nil when the rate was given.
type LoadResult struct {
	Max, Half *loadReport
	Rate      float64 // of the open-loop run
}

// RunLoad starts `samspill up` in a temporary folder on free loopback
// ports, finds the maximum rate with a closed-loop run, then runs at half
// of it with the gap probes, and stops the server.
func RunLoad(ctx context.Context, cfg LoadConfig, logger *slog.Logger) (LoadResult, error) {
	dir, err := os.MkdirTemp("", "benchtable-")
	if err != nil {
		return LoadResult{}, fmt.Errorf("load: %w", err)
	}
	defer os.RemoveAll(dir)
	httpPort, err := freePort()
	if err != nil {
		return LoadResult{}, err
	}
	natsPort, err := freePort()
	if err != nil {
		return LoadResult{}, err
	}
	args := []string{"up", "--data", filepath.Join(dir, "data"),
		"--http", "127.0.0.1:" + strconv.Itoa(httpPort), "--nats-port", strconv.Itoa(natsPort),
		"--demo-seed", strconv.Itoa(cfg.DemoSeed)}
	if cfg.Sync != "" {
		args = append(args, "--sync", cfg.Sync)
	}
	up := exec.CommandContext(ctx, cfg.Samspill, args...)
	up.Cancel = func() error { return up.Process.Signal(syscall.SIGINT) }
	up.WaitDelay = 30 * time.Second
	out, err := up.StdoutPipe()
	if err != nil {
		return LoadResult{}, fmt.Errorf("samspill up: %w", err)
	}
	var upErr bytes.Buffer
	up.Stderr = &upErr
	logger.Info("starting samspill up", "http", httpPort, "nats", natsPort, "demoSeed", cfg.DemoSeed, "sync", cfg.Sync)
	if err := up.Start(); err != nil {
		return LoadResult{}, fmt.Errorf("samspill up: %w", err)
	}
	defer func() {
		_ = up.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = up.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = up.Process.Kill()
			<-done
		}
	}()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		isUp := false
		for sc.Scan() {
			if !isUp && strings.HasPrefix(sc.Text(), "Samspill is up.") {
				isUp = true
				ready <- true
			}
		}
		if !isUp {
			ready <- false
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-ready:
		if !ok {
			return LoadResult{}, fmt.Errorf("samspill up ended before it was up: %s", tail(upErr.String()))
		}
	case <-time.After(5 * time.Minute):
		return LoadResult{}, errors.New("samspill up: not up after 5 minutes")
	}
	token, err := os.ReadFile(filepath.Join(dir, "data", "admin.token"))
	if err != nil {
		return LoadResult{}, fmt.Errorf("samspill up: admin token: %w", err)
	}
	common := []string{"load", "--server", "http://127.0.0.1:" + strconv.Itoa(httpPort),
		"--nats", "nats://127.0.0.1:" + strconv.Itoa(natsPort), "--output", "json"}
	env := append(os.Environ(), "SAMSPILL_ADMIN_TOKEN="+strings.TrimSpace(string(token)))

	var maxRun *loadReport
	rate := cfg.Rate
	if rate <= 0 {
		logger.Info("samspill load at the maximum rate", "duration", cfg.MaxDuration, "concurrency", cfg.Concurrency)
		maxRun, err = runLoad(ctx, cfg.Samspill, env, append(common, "--rate", "0",
			"--concurrency", strconv.Itoa(cfg.Concurrency), "--duration", cfg.MaxDuration.String()))
		if err != nil {
			return LoadResult{}, err
		}
		rate = maxRun.Total.Throughput / 2
		if rate < 1 {
			return LoadResult{Max: maxRun}, fmt.Errorf("samspill load: maximum rate %.1f requests/s", maxRun.Total.Throughput)
		}
	}
	logger.Info("samspill load, open loop", "rate", rate, "duration", cfg.Duration)
	halfRun, err := runLoad(ctx, cfg.Samspill, env, append(common, "--rate", strconv.FormatFloat(rate, 'f', 1, 64),
		"--duration", cfg.Duration.String(), "--gap-latency"))
	if err != nil {
		return LoadResult{Max: maxRun, Rate: rate}, err
	}
	return LoadResult{Max: maxRun, Half: halfRun, Rate: rate}, nil
}

func runLoad(ctx context.Context, bin string, env, args []string) (*loadReport, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("samspill %s: %w: %s", strings.Join(args, " "), err, tail(stderr.String()))
	}
	var rep loadReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("samspill load: report: %w", err)
	}
	return &rep, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// LoadRows are the rows of the load runs; err says why they are missing.
// sync is the runs' samspill up --sync: "always" (or "") gives the rows
// with issue 8's targets; any other setting gives the same rows for
// comparison, with no target (a weaker durability does not meet them).
func LoadRows(res LoadResult, err error, sync string) []Row {
	var (
		ackWhat = "command acknowledged (HTTP request to stored event), p99 at half the maximum rate"
		gapWhat = "command to gap_opened event (rule P1), p99 at half the maximum rate"
		src     = "samspill load against samspill up (tools/benchtable)"
	)
	ackTarget, gapTarget := "< 5 ms", "< 50 ms"
	comparison := sync != "" && sync != "always"
	if comparison {
		ackWhat = "command acknowledged, p99 at the same rate, samspill up --sync " + sync + " (for comparison)"
		gapWhat = "command to gap_opened event (rule P1), p99 at the same rate, samspill up --sync " + sync + " (for comparison)"
		src += " --sync " + sync
		ackTarget, gapTarget = "—", "—"
	}
	status := func(ok bool) string {
		if comparison {
			return NoTarget
		}
		return check(ok)
	}
	if err != nil || res.Half == nil {
		why := "samspill load did not run"
		if err != nil {
			why = "samspill load: " + err.Error()
		}
		return []Row{missing(ackWhat, ackTarget, src, why), missing(gapWhat, gapTarget, src, why)}
	}
	anchor := fmt.Sprintf("run at %.0f requests/s", res.Rate)
	if res.Max != nil {
		anchor += fmt.Sprintf(" (half of the maximum, %.0f requests/s)", res.Max.Total.Throughput)
	} else if comparison {
		anchor += " (the rate of the run with fsync always)"
	}
	var rows []Row
	found := false
	for _, g := range res.Half.Groups {
		if g.Name != "commands" {
			continue
		}
		found = true
		note := fmt.Sprintf("%d commands, %d errors, median %.2f ms.", g.Count, g.Errors, g.LatencyMs.P50)
		rows = append(rows, Row{What: ackWhat, Figure: fmt.Sprintf("%.2f ms", g.LatencyMs.P99), Value: ptr(g.LatencyMs.P99), Unit: "ms",
			Anchor: anchor, Target: ackTarget, Status: status(g.LatencyMs.P99 < 5 && g.Count > 0), Note: note, Source: src})
	}
	if !found {
		rows = append(rows, missing(ackWhat, ackTarget, src, "no commands group in the report"))
	}
	if gl := res.Half.GapLatency; gl != nil && gl.Count > 0 {
		note := fmt.Sprintf("%d probes, %d timeouts, median %.2f ms.", gl.Count, gl.Timeouts, gl.LatencyMs.P50)
		rows = append(rows, Row{What: gapWhat, Figure: fmt.Sprintf("%.2f ms", gl.LatencyMs.P99), Value: ptr(gl.LatencyMs.P99), Unit: "ms",
			Anchor: anchor, Target: gapTarget, Status: status(gl.LatencyMs.P99 < 50 && gl.Timeouts == 0), Note: note, Source: src})
	} else {
		rows = append(rows, missing(gapWhat, gapTarget, src, "no gap latency probes in the report"))
	}
	return rows
}
