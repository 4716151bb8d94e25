package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestLoad runs `samspill load` against a real samspill up, over HTTP and
// over NATS, at a set rate and as fast as possible: every request sent is
// counted once, every kind of the mix is sent, nothing fails, and the
// percentiles are ordered. It asserts no timing.
func TestLoad(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("up: %v", err)
		}
	}()
	admin := mustAdminToken(t, cfg.data)
	load := func(t *testing.T, args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"load", "--server", base, "--nats", natsURL, "--admin-token", admin, "--coordinators", "3", "--seed", "7"}, args...)
		code := run(context.Background(), args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	for _, tc := range []struct {
		name string
		args []string
		gaps bool
	}{
		{"http at a rate", []string{"--transport", "http", "--rate", "150"}, false},
		{"http as fast as possible", []string{"--transport", "http", "--rate", "0", "--concurrency", "6"}, false},
		{"nats at a rate", []string{"--transport", "nats", "--rate", "150", "--gap-latency", "--gap-interval", "50ms"}, true},
		{"nats as fast as possible", []string{"--transport", "nats", "--rate", "0", "--concurrency", "6"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const requests = 300
			code, out, errOut := load(t, append(tc.args, "--requests", "300", "--output", "json")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep loadReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("the JSON report does not parse: %v\n%s", err, out)
			}
			if rep.Sent != requests || rep.Total.Count != requests || rep.Cancelled != 0 || rep.Interrupted {
				t.Errorf("sent %d, counted %d, cancelled %d, interrupted %v; want %d sent and counted", rep.Sent, rep.Total.Count, rep.Cancelled, rep.Interrupted, requests)
			}
			var sum int64
			seen := map[string]int64{}
			for _, o := range rep.Operations {
				sum += o.Count
				seen[o.Name] = o.Count
			}
			if sum != requests {
				t.Errorf("the operations count %d requests, want %d", sum, requests)
			}
			if g := rep.Groups; len(g) != 2 || g[0].Name != "commands" || g[1].Name != "reads" || g[0].Count+g[1].Count != requests {
				t.Errorf("groups %+v", g)
			}
			// Every kind of the default mix, and the steps of a map's
			// script that the first commands of any map reach.
			for _, op := range []string{"open_map", "add_actor", "add_relation", "map", "gaps", "picture"} {
				if seen[op] == 0 {
					t.Errorf("no %s in the report: %v", op, seen)
				}
			}
			rows := append(append(rep.Operations, rep.Groups...), rep.Total)
			for _, o := range rows {
				if o.Errors != 0 || len(o.ErrorsByStatus) != 0 {
					t.Errorf("%s: %d errors %v", o.Name, o.Errors, o.ErrorsByStatus)
				}
				checkLatency(t, o.Name, o.OK, o.LatencyMs)
				if o.Count > 0 && o.Throughput <= 0 {
					t.Errorf("%s: throughput %v", o.Name, o.Throughput)
				}
			}
			if tc.gaps {
				g := rep.GapLatency
				if g == nil || g.Count == 0 || g.Timeouts != 0 || len(g.ErrorsByStatus) != 0 {
					t.Fatalf("gap latency %+v: want probes, none timed out or failed", g)
				}
				checkLatency(t, "gap opened", g.Count, g.LatencyMs)
			} else if rep.GapLatency != nil {
				t.Errorf("gap latency without --gap-latency: %+v", rep.GapLatency)
			}
			// The JSON names make bench reads.
			var raw map[string]any
			_ = json.Unmarshal([]byte(out), &raw)
			lat, _ := raw["total"].(map[string]any)["latencyMs"].(map[string]any)
			for _, k := range []string{"p50", "p99", "p999", "max"} {
				if _, ok := lat[k]; !ok {
					t.Errorf("total.latencyMs has no %s: %v", k, lat)
				}
			}
		})
	}

	t.Run("text", func(t *testing.T) {
		code, out, errOut := load(t, "--requests", "40", "--rate", "200")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"samspill load: 40 requests over http at 200/s (open loop), 3 coordinators", "P99.9 MS", "open_map", "(commands)", "(reads)", "\nall "} {
			if !strings.Contains(out, want) {
				t.Errorf("the report has no %q:\n%s", want, out)
			}
		}
	})

	t.Run("wrong token", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"load", "--server", base, "--admin-token", "ssp_wrong_token", "--requests", "10"}, &stdout, &stderr)
		if code != exitDenied || !strings.Contains(stderr.String(), "refused --admin-token") {
			t.Errorf("exit %d, %q; want %d and the refusal of --admin-token", code, stderr.String(), exitDenied)
		}
		if stdout.Len() != 0 {
			t.Errorf("a report without a run: %s", stdout.String())
		}
	})

	t.Run("coordinator token", func(t *testing.T) {
		// A token that is not an administrator's cannot make tokens.
		coordinator, _ := mustToken(t, base, admin, tokenSpec{Name: "Not an administrator", Role: "coordinator", Municipality: "3203"})
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"load", "--server", base, "--admin-token", coordinator, "--requests", "10"}, &stdout, &stderr)
		if code != exitDenied || !strings.Contains(stderr.String(), "refused --admin-token (403") {
			t.Errorf("exit %d, %q; want %d and 403", code, stderr.String(), exitDenied)
		}
	})

	for _, mix := range []string{"commands=70,fetch=30", "commands=0,map=0", "commands", "map=-1,commands=5", "map=1,map=2"} {
		t.Run("mix "+mix, func(t *testing.T) {
			code, out, errOut := load(t, "--mix", mix, "--requests", "10")
			if code != exitUsage || !strings.Contains(errOut, `"--mix"`) || out != "" {
				t.Errorf("exit %d, %q; want %d naming --mix", code, errOut, exitUsage)
			}
		})
	}
}

// checkLatency checks that the percentiles of n samples are ordered and
// positive.
func checkLatency(t *testing.T, name string, n int64, l loadLatency) {
	t.Helper()
	if n == 0 {
		if l != (loadLatency{}) {
			t.Errorf("%s: latencies %+v without a sample", name, l)
		}
		return
	}
	if !(0 < l.P50 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
		t.Errorf("%s: p50 %v, p99 %v, p99.9 %v, max %v: not ordered", name, l.P50, l.P99, l.P999, l.Max)
	}
}
