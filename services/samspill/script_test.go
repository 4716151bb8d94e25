package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary run as the samspill command inside
// testscript scripts (testscript.Main, the successor of RunMain): `exec
// samspill …` runs this package's main, draw-worker included.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"samspill": main})
}

// TestScripts runs testdata/script/*.txtar. A script whose name starts
// with server_ gets its own running Samspill (`up` in this process, on an
// embedded JetStream server with free ports, drawing through `samspill
// draw-worker`), $SAMSPILL_SERVER and $SAMSPILL_NATS pointing at it, and
// API tokens: $SAMSPILL_TOKEN a coordinator of 3203 (the commands' default
// sign-in), $OTHER_TOKEN another coordinator of 3203 ($OTHER_SUBJECT its
// principal), $ANALYST_TOKEN an analyst of 3203, $INTEGRATION_TOKEN an
// integration granted bundle.3203.read and $ADMIN_TOKEN the first
// administrator.
//
// Every script has $TESTDATA (pkg/mapdoc/testdata: example-map.json,
// example-bundle.json) and $IMPORTDATA (pkg/mapimport/testdata). Beside
// testscript's own commands a script has
//
//	exits N COMMAND ARGS…
//
// which runs the command and wants exit status N (testscript's `! exec`
// only knows zero from non-zero), and
//
//	eventually REGEXP COMMAND ARGS…
//
// which runs the command until it succeeds with standard output matching
// REGEXP, multi-line as stdout's (the read services follow the event log a moment behind the
// command service). Both leave the output for stdout and stderr to check.
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs("../../pkg/mapdoc/testdata")
	if err != nil {
		t.Fatal(err)
	}
	importdata, err := filepath.Abs("../../pkg/mapimport/testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			env.Setenv("IMPORTDATA", importdata)
			if !strings.HasPrefix(filepath.Base(env.WorkDir), "script-server_") {
				return nil
			}
			return startScriptServer(env)
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"eventually": eventually,
			"exits":      exits,
		},
	})
}

// startScriptServer starts `samspill up` for a script.
func startScriptServer(env *testscript.Env) error {
	data, err := os.MkdirTemp("", "samspill-script-")
	if err != nil {
		return err
	}
	worker, err := exec.LookPath("samspill")
	if err != nil {
		return fmt.Errorf("the samspill command for draw-worker: %w", err)
	}
	cfg := upConfig{data: data, httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval", drawWorker: worker}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- up(ctx, cfg, pw, slog.New(slog.DiscardHandler))
		pw.Close()
	}()
	type urls struct{ http, nats string }
	ready := make(chan urls, 1)
	go func() {
		re := regexp.MustCompile(`HTTP API:\s+http://(\S+)/`)
		rn := regexp.MustCompile(`NATS:\s+(nats://\S+)`)
		var u urls
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				u.http = "http://" + m[1]
			}
			if m := rn.FindStringSubmatch(sc.Text()); m != nil {
				u.nats = m[1]
				ready <- u
			}
		}
	}()
	stop := func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
		os.RemoveAll(data)
	}
	select {
	case u := <-ready:
		env.Defer(stop)
		env.Setenv("SAMSPILL_SERVER", u.http)
		env.Setenv("SAMSPILL_NATS", u.nats)
		return scriptTokens(env, u.http, data)
	case err := <-done:
		stop()
		return fmt.Errorf("samspill up ended before it was ready: %v", err)
	case <-time.After(2 * time.Minute):
		stop()
		return fmt.Errorf("samspill up did not print its addresses within 2 minutes")
	}
}

// scriptTokens signs a server script in: the administrator's token `up`
// wrote, and the tokens it makes for two coordinators and an analyst of
// municipality 3203 and an integration that reads 3203's bundle.
// $SAMSPILL_TOKEN is the first coordinator's, so that the script's
// commands are theirs unless it says otherwise.
func scriptTokens(env *testscript.Env, base, data string) error {
	admin, err := adminToken(data)
	if err != nil {
		return err
	}
	env.Setenv("ADMIN_TOKEN", admin)
	for _, t := range []struct {
		token, subject string
		spec           tokenSpec
	}{
		{"SAMSPILL_TOKEN", "SAMSPILL_SUBJECT", tokenSpec{Name: "Kari Nordmann", Role: "coordinator", Municipality: "3203"}},
		{"OTHER_TOKEN", "OTHER_SUBJECT", tokenSpec{Name: "Per Hansen", Role: "coordinator", Municipality: "3203"}},
		{"ANALYST_TOKEN", "ANALYST_SUBJECT", tokenSpec{Name: "Analyst 3203", Role: "analyst", Municipality: "3203"}},
		{"INTEGRATION_TOKEN", "INTEGRATION_SUBJECT", tokenSpec{Name: "Research export 3203", Role: "integration", Grants: []string{"bundle.3203.read"}}},
	} {
		credential, subject, err := createToken(base, admin, t.spec)
		if err != nil {
			return err
		}
		env.Setenv(t.token, credential)
		env.Setenv(t.subject, subject)
	}
	return nil
}

// eventually runs a command until it succeeds with matching output.
func eventually(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: eventually REGEXP COMMAND ARGS…")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	ts.Check(err)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ts.Exec(args[1], args[2:]...)
		out := ts.ReadFile("stdout")
		if err == nil && re.MatchString(out) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("after 30 s, %s %s: %v; stdout %q does not match %q; stderr %q",
				args[1], strings.Join(args[2:], " "), err, out, args[0], ts.ReadFile("stderr"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exits runs a command and wants its exit status.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N COMMAND ARGS…")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s %s: exit status %d, want %d", args[1], strings.Join(args[2:], " "), got, want)
	}
}
