package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// startUp runs `samspill up` in the background and returns its HTTP base
// URL and a function that stops it and returns up's error.
func startUp(t *testing.T, cfg upConfig) (string, func() error) {
	base, _, stop := startUpNATS(t, cfg)
	return base, stop
}

// startUpNATS is startUp that also returns the NATS URL.
func startUpNATS(t *testing.T, cfg upConfig) (string, string, func() error) {
	t.Helper()
	return startUpLogging(t, cfg, slog.New(slog.DiscardHandler))
}

// startUpLogging is startUpNATS with up's logger.
func startUpLogging(t *testing.T, cfg upConfig, logger *slog.Logger) (string, string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- up(ctx, cfg, pw, logger)
		pw.Close()
	}()
	addr := make(chan string, 1)
	natsURL := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`HTTP API:\s+http://(\S+)/`)
		rn := regexp.MustCompile(`NATS:\s+(nats://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			if m := rn.FindStringSubmatch(sc.Text()); m != nil {
				natsURL <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a, <-natsURL, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(30 * time.Second):
				return fmt.Errorf("up did not stop within 30 s")
			}
		}
	case err := <-done:
		cancel()
		t.Fatalf("up ended before it was ready: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("up did not print its address within 2 minutes")
	}
	return "", "", nil
}

// post posts a command without a credential (public routes only, or to
// see it refused); postAs signs in.

// TestUpContinuesFromTheStoredLogAfterRestart stops and starts samspill up
// on the same data: the map, the API tokens and the first administrator's
// token all hold.
func TestUpContinuesFromTheStoredLogAfterRestart(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "always"}
	base, stop := startUp(t, cfg)
	admin := mustAdminToken(t, cfg.data)
	coordinator, _ := mustToken(t, base, admin, tokenSpec{Name: "Coordinator", Role: "coordinator", Municipality: "3203"})
	status, res := postAs(t, base, coordinator, "open_map", `{"focus":"citizen","label":"Ola N.","municipality":"3203"}`)
	if status != http.StatusCreated {
		t.Fatalf("open_map: %d %v", status, res)
	}
	mapID := res["ids"].(map[string]any)["mapId"].(string)
	version := res["version"].(float64)
	if err := stop(); err != nil {
		t.Fatalf("clean shutdown: %v", err)
	}

	base, stop = startUp(t, cfg)
	if again := mustAdminToken(t, cfg.data); again != admin {
		t.Error("a restart wrote a new administrator's token")
	}
	status, res = postAs(t, base, coordinator, "add_actor", fmt.Sprintf(`{"mapId":%q,"expectedVersion":%d,"kind":"person","level":"service","sector":"primary-health","name":"Dr. Hansen"}`, mapID, int(version)))
	if status != http.StatusCreated {
		t.Fatalf("after restart the map is unknown or moved: %d %v", status, res)
	}
	// The graph service answers with both actors once it has caught up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b := getAs(t, base, coordinator, "/v1/maps/"+mapID)
		var ans struct {
			Document struct {
				Actors []struct{ Name string } `json:"actors"`
			} `json:"document"`
		}
		_ = json.Unmarshal(b, &ans)
		if len(ans.Document.Actors) == 2 && ans.Document.Actors[1].Name == "Dr. Hansen" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("map query after restart: %+v", ans)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	// An administrator's token that no longer works (revoked here) is
	// replaced at the next start, so the owner of the data folder is never
	// locked out; the revoked one stays refused.
	id := strings.Split(strings.TrimPrefix(admin, "ssp_"), "_")[0]
	req, _ := http.NewRequest(http.MethodDelete, base+"/v1/tokens/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke the admin token: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatalf("clean shutdown: %v", err)
	}
	base, stop = startUp(t, cfg)
	defer stop()
	fresh := mustAdminToken(t, cfg.data)
	if fresh == admin {
		t.Fatal("a revoked administrator's token was kept in admin.token")
	}
	if st, _ := getAs(t, base, fresh, "/v1/tokens"); st != http.StatusOK {
		t.Errorf("the new administrator's token: %d", st)
	}
	if st, _ := getAs(t, base, admin, "/v1/tokens"); st != http.StatusUnauthorized {
		t.Errorf("the revoked administrator's token: %d", st)
	}
}

// TestUpPublishesGaps checks that samspill up runs the gap service: a map
// whose GP and DPS do not work together gets a P1 gap, published on
// samspill.gap.> and answered at /v1/maps/{id}/gaps, and up says where to
// subscribe.
func TestUpPublishesGaps(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer stop()
	coordinator, _ := mustToken(t, base, mustAdminToken(t, cfg.data), tokenSpec{Name: "Coordinator", Role: "coordinator", Municipality: "3203"})
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("samspill.gap.*.*.P1.>")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(res map[string]any) map[string]any { return res["ids"].(map[string]any) }
	_, res := postAs(t, base, coordinator, "open_map", `{"focus":"citizen","label":"Ola N.","municipality":"3203","validTime":"2024-01-01"}`)
	mapID, citizen := ids(res)["mapId"].(string), ids(res)["citizenId"].(string)
	actor := func(sector string) string {
		status, res := postAs(t, base, coordinator, "add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":%q,"name":"X","validTime":"2024-01-01"}`, mapID, sector))
		if status != http.StatusCreated {
			t.Fatalf("add_actor: %d %v", status, res)
		}
		return ids(res)["actorId"].(string)
	}
	gp, dps := actor("primary-health"), actor("specialist-mh")
	for _, a := range []string{gp, dps} {
		if status, res := postAs(t, base, coordinator, "add_relation", fmt.Sprintf(`{"mapId":%q,"from":%q,"to":%q,"type":"serves","quality":"good","validTime":"2024-01-01"}`, mapID, a, citizen)); status != http.StatusCreated {
			t.Fatalf("add_relation: %d %v", status, res)
		}
	}
	msg, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("no P1 gap published: %v", err)
	}
	if !strings.HasPrefix(msg.Subject, "samspill.gap.3203."+mapID+".P1.") || !strings.HasSuffix(msg.Subject, ".opened") {
		t.Fatalf("subject %s", msg.Subject)
	}
	// The query answers from what the service has published; the message
	// can reach a subscriber a moment before the publisher has its ack.
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, b := getAs(t, base, coordinator, "/v1/maps/"+mapID+"/gaps?lang=nb")
		var ans struct {
			Gaps []struct{ Rule, Explanation string } `json:"gaps"`
		}
		err = json.Unmarshal(b, &ans)
		if err == nil && status == http.StatusOK && len(ans.Gaps) > 0 && ans.Gaps[0].Rule == "P1" && strings.Contains(ans.Gaps[0].Explanation, "fastlegen") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/v1/maps/%s/gaps: %d %+v %v", mapID, status, ans, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUpLoadsTheDemoOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo region")
	}
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval", demoSeed: 1}
	base, stop := startUp(t, cfg)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_ = base
	base, stop = startUp(t, cfg)
	defer stop()
	// The directory entries of the demo exist: registering one again conflicts.
	status, res := postAs(t, base, mustAdminToken(t, cfg.data), "register_entry", `{"entryId":"nav-asker","kind":"service","name":"NAV Asker","sector":"welfare-work","municipality":"3203"}`)
	if status != http.StatusConflict {
		t.Fatalf("demo directory not loaded (or loaded twice): %d %v", status, res)
	}
}

func TestUsageAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{nil, exitUsage, "Usage"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"version"}, exitOK, "samspill"},
		{[]string{"help"}, exitOK, "samspill up"},
		{[]string{"up", "--sync", "sometimes"}, exitUsage, "--sync"},
		{[]string{"up", "extra"}, exitUsage, "unexpected argument"},
		{[]string{"demo", "--today", "2026-02-30"}, exitUsage, "--today"},
		{[]string{"demo", "--citizens", "3"}, exitUsage, ""},
		{[]string{"up", "-h"}, exitOK, ""},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.out) {
			t.Errorf("samspill %v: exit %d, output %q; want exit %d with %q", tc.args, code, out.String()+errOut.String(), tc.code, tc.out)
		}
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--seed", "7", "--today", "2026-11-01"}, &a, io.Discard); code != exitOK {
		t.Fatalf("demo exit %d", code)
	}
	run(context.Background(), []string{"demo", "--seed", "7", "--today", "2026-11-01"}, &b, io.Discard)
	if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed gave different output")
	}
}

// TestUpServesPictures checks that samspill up runs the render service:
// a map's picture is drawn, then answered from the cache, and the routes
// beside the picture files still reach the graph and gap services.
func TestUpServesPictures(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer stop()
	admin := mustAdminToken(t, cfg.data)
	coordinator, _ := mustToken(t, base, admin, tokenSpec{Name: "Coordinator", Role: "coordinator", Municipality: "3203"})
	analyst, _ := mustToken(t, base, admin, tokenSpec{Name: "Analyst", Role: "analyst", Municipality: "3203"})
	status, res := postAs(t, base, coordinator, "open_map", `{"focus":"citizen","label":"Åse Ø.","municipality":"3203","citizenName":"Åse Ødegård"}`)
	if status != http.StatusCreated {
		t.Fatalf("open_map: %d %v", status, res)
	}
	mapID := res["ids"].(map[string]any)["mapId"].(string)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		token := coordinator
		if strings.HasPrefix(path, "/v1/areas/") {
			token = analyst
		}
		r, err := authClient(token, "").Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		return r, b
	}
	var first []byte
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, b := get("/v1/maps/" + mapID + "/picture.svg")
		if r.StatusCode == http.StatusOK {
			if r.Header.Get("Samspill-Cache") != "miss" || r.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(b, []byte("Ødegård")) {
				t.Fatalf("first picture: %v %.300s", r.Header, b)
			}
			first = b
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no picture: %d %s", r.StatusCode, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, b := get("/v1/maps/" + mapID + "/picture.svg")
	if r.Header.Get("Samspill-Cache") != "hit" || !bytes.Equal(b, first) {
		t.Fatalf("second request: %v", r.Header)
	}
	for path, want := range map[string]string{
		"/v1/maps/" + mapID + "/changes?from=2020-01-01": "application/json",
		"/v1/maps/" + mapID + "/gaps":                    "application/json",
		"/v1/areas/3203/system":                          "application/json",
		"/v1/maps/" + mapID + "/picture.gif":             "application/problem+json",
	} {
		if r, b := get(path); r.Header.Get("Content-Type") != want {
			t.Errorf("%s: %d %s %.200s", path, r.StatusCode, r.Header.Get("Content-Type"), b)
		}
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	assertion := mustExchange(t, nc, coordinator)
	st, data, err := natsAsk(nc, assertion, "", "samspill.render.map", []byte(`{"mapId":"`+mapID+`","format":"svg"}`))
	if err != nil || st != 0 || !bytes.Equal(data, first) {
		t.Fatalf("samspill.render.map: %d %v %.200s", st, err, data)
	}
}
