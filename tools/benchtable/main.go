package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run() error {
	in := flag.String("in", "artifacts/bench.txt", "`file` of go test -bench output to read")
	md := flag.String("md", "artifacts/bench.md", "Markdown table to write")
	js := flag.String("json", "artifacts/bench.json", "JSON rows to write")
	samspill := flag.String("samspill", "bin/samspill", "samspill `binary` for the load rows (empty: skip them)")
	demoSeed := flag.Int("demo-seed", 1, "demo region samspill up loads before the load runs (0: none)")
	maxDur := flag.Duration("max-duration", 15*time.Second, "closed-loop run that finds the maximum rate")
	halfDur := flag.Duration("duration", 30*time.Second, "open-loop run at half the maximum rate")
	conc := flag.Int("concurrency", 16, "workers of the closed-loop run")
	syncs := flag.String("sync", "always,interval", "samspill up --sync settings of the load runs, in turn: the first finds the maximum rate and runs at half of it (always: the targets), the others run at that rate for comparison")
	python := flag.String("python", "python3", "python for the networkx anchor (skipped when it cannot import networkx)")
	machine := flag.String("machine", "", "machine note (default: cores and OS, shared and noisy)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	f, err := os.Open(*in)
	if err != nil {
		return fmt.Errorf("benchmarks: %w", err)
	}
	results, err := ParseBench(f)
	f.Close()
	if err != nil {
		return err
	}
	rows := BenchRows(results)
	// The first setting finds the maximum and runs at half of it; the
	// others run at that same rate, so that only the setting differs.
	rate := 0.0
	for _, sync := range strings.Split(*syncs, ",") {
		if *samspill == "" {
			rows = append(rows, LoadRows(LoadResult{}, nil, sync)...)
			continue
		}
		res, err := RunLoad(ctx, LoadConfig{Samspill: *samspill, DemoSeed: *demoSeed, MaxDuration: *maxDur, Duration: *halfDur, Concurrency: *conc, Sync: sync, Rate: rate}, logger)
		if err != nil {
			logger.Warn("load rows not measured", "sync", sync, "err", err)
		}
		if rate == 0 {
			rate = res.Rate
		}
		rows = append(rows, LoadRows(res, err, sync)...)
	}
	rows = append(rows, NetworkxRows(ctx, *python)...)

	note := *machine
	if note == "" {
		note = fmt.Sprintf("%d cores, %s/%s, shared with other jobs (noisy: compare ratios, not absolute figures across runs)", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	}
	t := Table{Date: time.Now().Format("2006-01-02"), Machine: note, Rows: rows}
	if err := write(*md, t.WriteMarkdown); err != nil {
		return err
	}
	if err := write(*js, t.WriteJSON); err != nil {
		return err
	}
	var b strings.Builder
	if err := t.WriteMarkdown(&b); err != nil {
		return err
	}
	fmt.Print(b.String())
	return nil
}

func write(path string, f func(w io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f(out); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
