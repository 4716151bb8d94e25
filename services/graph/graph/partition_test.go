package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/partition/partitiontest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// instance is one graph instance of a partitioned test deployment, on its
// own connection as the graph service's NATS user, with its HTTP routes
// on a server of its own.
type instance struct {
	name string
	svc  *graph.Service
	nc   *nats.Conn
	http *httptest.Server
	stop func()
}

const testHeartbeat = 200 * time.Millisecond

func (e *env) instance(name string) *instance {
	e.t.Helper()
	ctx := context.Background()
	nc := e.srv.ConnAs("samspill-graph")
	js, err := jetstream.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := seal.BindKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		e.t.Fatal(err)
	}
	// The HTTP server exists before the service, so that the instance
	// can announce its address; the routes come once it is made.
	var h http.Handler = http.NotFoundHandler()
	var mu sync.Mutex
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		hh.ServeHTTP(w, r)
	}))
	l, err := eventlog.Bind(ctx, js, eventlog.Config{})
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := e.config()
	cfg.Audit = audit.NewWriter(js, "graph", nil)
	cfg.Partition = &partition.GroupConfig{Service: "graph", Instance: name, HTTP: web.URL, Heartbeat: testHeartbeat}
	cfg.Conn = nc
	g, err := graph.New(ctx, js, l, keys, cfg)
	if err != nil {
		e.t.Fatalf("instance %s: %v", name, err)
	}
	if err := g.Start(ctx); err != nil {
		e.t.Fatalf("instance %s: %v", name, err)
	}
	m, err := g.AddMicro(ctx, nc)
	if err != nil {
		e.t.Fatalf("instance %s: %v", name, err)
	}
	mu.Lock()
	h = access.HTTP(cfg.Verifier, g.Handler())
	mu.Unlock()
	in := &instance{name: name, svc: g, nc: nc, http: web}
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			_ = m.Stop()
			_ = g.Stop(ctx)
			web.Close()
		})
	}
	e.t.Cleanup(in.stop)
	return in
}

// crash ends the instance as a crash would: its connection closes with no
// goodbye, so its membership expires.
func (in *instance) crash() {
	in.nc.Close()
	in.http.Close()
}

// partitionWorld opens three citizen maps, each with an actor, in each of
// six municipalities, all by kari, and returns the maps by municipality.
func (e *env) partitionWorld(kari access.Principal) (maps map[string][]string, last uint64) {
	e.t.Helper()
	maps = map[string][]string{}
	for _, m := range worldMunicipalities {
		for i := range 3 {
			id := e.doAs(kari, &command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen,
				Label: fmt.Sprintf("Person %s-%d", m, i), Municipality: m}).IDs["mapId"]
			last = e.doAs(kari, &command.AddActor{MapID: id, Kind: "organisation", Level: "service", Sector: "primary-health",
				Name: "Legekontor " + m}).Version
			maps[m] = append(maps[m], id)
		}
	}
	return maps, last
}

var worldMunicipalities = []string{"0301", "1103", "3201", "3203", "3301", "4601"}

// settled waits until the instances have shared the maps as their
// members say.
func settled(t *testing.T, maps map[string][]string, ins ...*instance) {
	t.Helper()
	var hs []partitiontest.Instance
	for _, in := range ins {
		hs = append(hs, partitiontest.Instance{Name: in.name, Maps: in.svc.Store().Maps, Serving: in.svc.Serving})
	}
	partitiontest.Settled(t, maps, hs...)
}

// TestPartitionedInstancesShareTheMaps runs the graph service as several
// instances on one JetStream server, each as the graph's NATS user: they
// share the maps by municipality with nothing configured but their names,
// every question is answered as one instance holding everything answers it
// whichever instance it reaches (over NATS and over HTTP), an instance that
// joins takes partitions over, and the partitions of one that leaves, or
// crashes, are taken over by the others.
func TestPartitionedInstancesShareTheMaps(t *testing.T) {
	e := setup(t)
	kari := access.Principal{Subject: "user:kari.nordmann", Role: access.Coordinator}
	maps, last := e.partitionWorld(kari)

	// What one instance holding every map answers.
	want := e.singleAnswers(kari, maps, last)
	var list []graph.MapSummary
	if err := json.Unmarshal([]byte(want["maps"]), &list); err != nil || len(list) != 18 {
		t.Fatalf("kari's list has %d maps, want 18 (%v)", len(list), err)
	}

	client := e.srv.Conn()
	check := func(stage string, ins ...*instance) {
		t.Helper()
		for m, ids := range maps {
			for _, id := range ids {
				got := accesstest.Request(t, client, accesstest.Token(t, signer(t), kari), "", "samspill.query.map", `{"mapId":"`+id+`"}`)
				if g := strings.TrimSpace(string(got.Data)); g != want["map "+id] {
					t.Errorf("%s: NATS map %s:\n got %s\nwant %s", stage, id, g, want["map "+id])
				}
				// Over HTTP, asked of each instance in turn: those that do
				// not hold the map forward the request.
				for _, in := range ins {
					body := httpGet(t, in.http.URL+"/v1/maps/"+id, accesstest.Token(t, signer(t), kari), func() {
						for _, x := range ins {
							h, ok := x.svc.Store().History(id)
							n := -1
							if ok {
								n = len(h.Facts)
							}
							var types []string
							if ok {
								for _, f := range h.Facts {
									types = append(types, fmt.Sprintf("%d:%T", f.Seq, f.Data))
								}
							}
							t.Logf("%s: asked %s (%s); %s serving %s=%v holds %v facts %d %v", stage, in.name, in.http.URL, x.name, m, x.svc.Serving(m), ok, n, types)
						}
					})
					if body != want["map "+id] {
						t.Errorf("%s: HTTP map %s of %s:\n got %s\nwant %s", stage, id, in.name, body, want["map "+id])
					}
				}
			}
			analyst := access.Principal{Subject: "user:analyst-" + m, Role: access.Analyst, Municipality: m}
			got := accesstest.Request(t, client, accesstest.Token(t, signer(t), analyst), "", "samspill.query.system", `{"municipality":"`+m+`"}`)
			if g := strings.TrimSpace(string(got.Data)); g != want["system "+m] {
				t.Errorf("%s: system of %s:\n got %s\nwant %s", stage, m, g, want["system "+m])
			}
		}
		got := accesstest.Request(t, client, accesstest.Token(t, signer(t), kari), "", "samspill.query.maps", `{}`)
		if g := strings.TrimSpace(string(got.Data)); g != want["maps"] {
			t.Errorf("%s: kari's list of maps, gathered: %s", stage, listDiff(g, want["maps"]))
		}
		for _, in := range ins {
			if body := httpGet(t, in.http.URL+"/v1/maps", accesstest.Token(t, signer(t), kari), nil); body != want["maps"] {
				t.Errorf("%s: kari's list of maps over HTTP from %s: %s", stage, in.name, listDiff(body, want["maps"]))
			}
		}
	}

	a, b := e.instance("a"), e.instance("b")
	settled(t, maps, a, b)
	for _, in := range []*instance{a, b} {
		if n := len(in.svc.Store().Maps()); n == 0 || n == 18 {
			t.Errorf("instance %s holds %d of 18 maps: the maps are not shared", in.name, n)
		}
	}
	check("two instances", a, b)

	c := e.instance("c")
	settled(t, maps, a, b, c)
	if len(c.svc.Store().Maps()) == 0 {
		t.Error("instance c joined and holds no map")
	}
	check("a third joined", a, b, c)

	// A change after the hand-over reaches whoever holds the map now.
	moved := maps[worldMunicipalities[0]][0]
	last = e.doAs(kari, &command.AddActor{MapID: moved, Kind: "organisation", Level: "service", Sector: "welfare-work", Name: "NAV Ny"}).Version
	ans := waitForVersion(t, client, kari, moved, last)
	if !strings.Contains(ans, "NAV Ny") {
		t.Errorf("the map after a change does not show it: %s", ans)
	}
	want = e.singleAnswers(kari, maps, last)
	if want["map "+moved] != ans {
		t.Errorf("after the change, the instances answer\n%s\nand one holding every map\n%s", ans, want["map "+moved])
	}
	check("after a change", a, b, c)

	b.stop()
	settled(t, maps, a, c)
	check("b left", a, c)

	c.crash()
	settled(t, maps, a)
	if n := len(a.svc.Store().Maps()); n != 18 {
		t.Errorf("the last instance holds %d maps, want 18", n)
	}
	check("c crashed", a)
}

// singleAnswers returns what one graph instance holding every map answers
// once it has applied the log up to last: each map and its municipality's
// system map, and kari's list of maps, as JSON.
func (e *env) singleAnswers(kari access.Principal, maps map[string][]string, last uint64) map[string]string {
	e.t.Helper()
	single := e.graph()
	defer func() { _ = single.Stop(context.Background()) }()
	if err := single.WaitFor(context.Background(), last); err != nil {
		e.t.Fatal(err)
	}
	want := map[string]string{}
	keep := func(name string, ans any, err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatalf("reference %s: %v", name, err)
		}
		b, _ := json.Marshal(ans)
		want[name] = string(b)
	}
	asKari := access.WithPrincipal(context.Background(), kari)
	for m, ids := range maps {
		for _, id := range ids {
			ans, err := single.Map(asKari, graph.MapQuery{MapID: id})
			keep("map "+id, ans, err)
		}
		analyst := access.Principal{Subject: "user:analyst-" + m, Role: access.Analyst, Municipality: m}
		ans, err := single.System(access.WithPrincipal(context.Background(), analyst), graph.SystemQuery{Municipality: m})
		keep("system "+m, ans, err)
	}
	list, err := single.Maps(asKari, graph.MapsQuery{})
	keep("maps", list, err)
	return want
}

// listDiff says how two lists of maps differ.
func listDiff(got, want string) string {
	var g, w []graph.MapSummary
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return "not a list: " + got
	}
	_ = json.Unmarshal([]byte(want), &w)
	byID := map[string]graph.MapSummary{}
	for _, m := range g {
		byID[m.MapID] = m
	}
	var out []string
	for _, m := range w {
		x, ok := byID[m.MapID]
		switch {
		case !ok:
			out = append(out, "missing "+m.MapID+" of "+m.Municipality)
		case x.Version != m.Version:
			out = append(out, fmt.Sprintf("%s at version %d, want %d", m.MapID, x.Version, m.Version))
		}
		delete(byID, m.MapID)
	}
	for id := range byID {
		out = append(out, "extra "+id)
	}
	return fmt.Sprintf("%d maps, want %d: %s", len(g), len(w), strings.Join(out, "; "))
}

// waitForVersion asks for a map over NATS until its version is v.
func waitForVersion(t *testing.T, nc *nats.Conn, p access.Principal, mapID string, v uint64) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := accesstest.Request(t, nc, accesstest.Token(t, signer(t), p), "", "samspill.query.map", `{"mapId":"`+mapID+`"}`)
		var m struct {
			Version uint64 `json:"version"`
		}
		_ = json.Unmarshal(got.Data, &m)
		if m.Version == v {
			return strings.TrimSpace(string(got.Data))
		}
		if time.Now().After(deadline) {
			t.Fatalf("map %s stays at version %d, want %d: %s", mapID, m.Version, v, got.Data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// httpGet GETs url with an assertion as bearer and returns the body,
// failing the test on another status than 200.
func httpGet(t *testing.T, url, token string, debug ...func()) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, res.Body)
	if res.StatusCode != http.StatusOK {
		for _, f := range debug {
			if f != nil {
				f()
			}
		}
		t.Fatalf("GET %s: %d from %s: %s", url, res.StatusCode, res.Header.Get("Samspill-Instance"), sb.String())
	}
	return strings.TrimSpace(sb.String())
}
