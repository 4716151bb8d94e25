package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

var (
	master = bytes.Repeat([]byte{3}, seal.KeySize)
	today  = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
)

type env struct {
	t    *testing.T
	srv  *jsservertest.Server
	js   jetstream.JetStream
	log  *eventlog.Log
	keys *seal.Keyring
	cmd  *command.Service
}

func setup(t *testing.T) *env {
	t.Helper()
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	ctx := context.Background()
	l, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	k, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	// Each command is recorded a minute after the one before.
	tick := today.Add(-4 * time.Hour)
	clock := func() time.Time { tick = tick.Add(time.Minute); return tick }
	cmd, err := command.NewService(l, k, command.Config{Clock: clock, Location: time.UTC, Audit: audit.NewWriter(js, "command", nil)})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, js: js, log: l, keys: k, cmd: cmd}
}

// do executes a command as the opener of the test's maps, or as an
// administrator when it is about the directory.
func (e *env) do(c command.Command) command.Result {
	e.t.Helper()
	switch c.(type) {
	case *command.RegisterEntry, *command.UpdateEntry, *command.RetireEntry:
		return e.doAs(admin, c)
	}
	return e.doAs(opener, c)
}

func (e *env) graph() *graph.Service {
	e.t.Helper()
	s, err := graph.New(context.Background(), e.js, e.log, e.keys, e.config())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// config is the graph service's configuration in the tests: the test's
// clock, no snapshots but the last, assertions of the test's signer, and
// the audit trail on the test's server.
func (e *env) config() graph.Config {
	return graph.Config{Clock: func() time.Time { return today }, Location: time.UTC, SnapshotEvery: 1 << 30, SnapshotInterval: time.Hour,
		Verifier: signer(e.t).Verifier(), Audit: audit.NewWriter(e.js, "graph", nil)}
}

// running starts the graph service, waits for it to apply the log up to
// last, and registers its micro endpoints on the test's connection.
func (e *env) running(last uint64) (*graph.Service, *nats.Conn) {
	e.t.Helper()
	ctx := context.Background()
	g := e.graph()
	e.t.Cleanup(func() { _ = g.Stop(ctx) })
	if err := g.WaitFor(ctx, last); err != nil {
		e.t.Fatal(err)
	}
	nc := e.js.Conn()
	m, err := g.AddMicro(ctx, nc)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = m.Stop() })
	return g, nc
}

// fetch GETs url from h.
func fetch(t *testing.T, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

func d(s string) date.Date { return date.MustParse(s) }

// network writes Ola's map: a GP since 2024, a DPS stay from March that
// ended in June, a referral between them.
func (e *env) network() (mapID string, last uint64) {
	r := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3203"})
	mapID, citizen := r.IDs["mapId"], r.IDs["citizenId"]
	gp := e.do(&command.AddActor{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-01-10")}, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen", Ref: "gp"}).IDs["actorId"]
	dps := e.do(&command.AddActor{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-03-01")}, Kind: "service", Level: "service", Sector: "specialist-mh", Name: "DPS Nord", Ref: "dps"}).IDs["actorId"]
	e.do(&command.AddRelation{MapID: mapID, Meta: command.Meta{ValidTime: d("2024-02-01")}, From: gp, To: citizen, Type: "serves", Quality: "good", Ref: "r1"})
	stay := e.do(&command.AddRelation{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-03-01")}, From: dps, To: citizen, Type: "serves", Inpatient: true, Ref: "r2"}).IDs["relationId"]
	e.do(&command.AddRelation{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-03-02")}, From: gp, To: dps, Type: "refers", Ref: "r3"})
	last = e.do(&command.EndRelation{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-06-15")}, RelationID: stay}).Version
	return mapID, last
}

func TestProjectionEqualsReplayAndResumesFromSnapshot(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	mapID, last := e.network()
	g1 := e.graph()
	if err := g1.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	if err := g1.Stop(ctx); err != nil { // writes the snapshot
		t.Fatal(err)
	}
	// More happens while the service is down.
	more := e.do(&command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Kari", Ref: "mother"}).Version

	g2 := e.graph()
	defer g2.Stop(ctx)
	if got := g2.Store().Position(); got < last {
		t.Fatalf("restarted service began at %d; the snapshot held %d", got, last)
	}
	if err := g2.WaitFor(ctx, more); err != nil {
		t.Fatal(err)
	}
	// A replay from zero gives exactly the same state.
	replay := projection.NewStore()
	f, err := e.log.Follow(ctx, eventlog.FollowConfig{}, func(_ context.Context, r eventlog.Record) error { return replay.Apply(r) })
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for replay.Position() < more && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	f.Stop()
	a, _ := replay.MarshalSnapshot()
	b, _ := g2.Store().MarshalSnapshot()
	if !bytes.Equal(a, b) {
		t.Fatal("incremental projection after restart differs from a replay from zero")
	}
}

func get(t *testing.T, h http.Handler, url string, into any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if into != nil && rec.Code == 200 {
		if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return rec.Code
}

func TestQueriesOnBothTimeAxes(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	mapID, last := e.network()
	recordedEnd := today.Add(-4*time.Hour + 7*time.Minute) // the seventh command recorded the discharge
	g := e.graph()
	defer g.Stop(ctx)
	if err := g.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())
	activeDPS := func(ans graph.MapAnswer) bool {
		for _, r := range ans.Document.Relations {
			if r.ID == "r2" {
				return ans.Document.ActiveAt(r, ans.Document.AsOf)
			}
		}
		return false
	}
	var now, before, knownBefore graph.MapAnswer
	if get(t, h, "/v1/maps/"+mapID+"?at=2026-06-20", &now) != 200 || activeDPS(now) {
		t.Fatal("after the discharge the DPS stay must have ended")
	}
	if get(t, h, "/v1/maps/"+mapID+"?at=2026-06-10", &before) != 200 || !activeDPS(before) {
		t.Fatal("before the discharge the DPS stay must be active")
	}
	// As known before the end was recorded, the stay was still going on.
	known := recordedEnd.Add(-30 * time.Second).UTC().Format(time.RFC3339)
	if get(t, h, "/v1/maps/"+mapID+"?at=2026-06-20&knownAt="+known, &knownBefore) != 200 || !activeDPS(knownBefore) {
		t.Fatal("as known before the discharge was recorded, the stay must be active")
	}
	if now.Document.Actors[1].Name != "Dr. Hansen" || now.Document.Actors[1].ID != "gp" {
		t.Fatalf("names and document ids are revealed for the coordinator: %+v", now.Document.Actors[1])
	}
	var ch graph.ChangesAnswer
	if get(t, h, "/v1/maps/"+mapID+"/changes?from=2026-02-01&to=2026-07-01", &ch) != 200 {
		t.Fatal("changes")
	}
	kinds := map[string][]string{}
	for _, c := range ch.Changes {
		kinds[c.Kind] = append(kinds[c.Kind], c.Actor+c.Relation)
	}
	if len(kinds["actor-added"]) != 1 || kinds["actor-added"][0] != "dps" || len(kinds["relation-added"]) != 1 || kinds["relation-added"][0] != "r3" {
		t.Fatalf("changes Feb→Jul: %+v", kinds)
	}
	var nb graph.NeighbourhoodAnswer
	if get(t, h, "/v1/maps/"+mapID+"/actors/dps/neighbourhood?at=2026-07-01&depth=1", &nb) != 200 || len(nb.Neighbours) != 1 || nb.Neighbours[0].ID != "gp" {
		t.Fatalf("DPS neighbours in July (stay ended, referral active): %+v", nb)
	}
	for url, want := range map[string]int{
		"/v1/maps/" + mapID + "?at=2026-02-30":                   400,
		"/v1/maps/" + mapID + "?colour=red":                      400,
		"/v1/maps/" + mapID + "?at=2025-01-01":                   404,
		"/v1/maps/" + mapID + "/actors/nobody/neighbourhood":     404,
		"/v1/maps/" + mapID + "/actors/gp/neighbourhood?depth=9": 400,
		"/v1/maps/" + mapID + "/changes":                         400,
		// A map not assigned to the coordinator, whether it exists or
		// not, or whatever its id: refused before it is looked up.
		"/v1/maps/6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c": 403,
		"/v1/maps/not-a-map":                            403,
	} {
		if got := get(t, h, url, nil); got != want {
			t.Errorf("%s: %d, want %d", url, got, want)
		}
	}
	if got := get(t, accesstest.Bearer(t, signer(t), analyst, g.Handler()), "/v1/areas/Asker/system", nil); got != 403 {
		t.Errorf("an analyst of 3203 asking for the area Asker: %d, want 403", got)
	}
	if got := get(t, accesstest.Bearer(t, signer(t), access.Principal{Subject: "tok:all", Role: access.Integration, Grants: []string{"area.*.read"}}, g.Handler()), "/v1/areas/Asker/system", nil); got != 400 {
		t.Errorf("an integration granted every area asking for the area Asker: %d, want 400", got)
	}
}

// TestErasureWithItsOwnKeyring: the graph service holds its own keyring,
// as in `samspill up`, which has the map's key in memory from earlier
// queries when another instance erases the map. No answer may reveal a
// name afterwards — not today's view, and not a view as known before the
// erasure.
func TestErasureWithItsOwnKeyring(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	mapID, last := e.network()
	own, err := seal.OpenKeyring(ctx, e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(ctx, e.js, e.log, own, e.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer g.Stop(ctx)
	if err := g.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	ctx = access.WithPrincipal(ctx, opener)
	before, err := g.Map(ctx, graph.MapQuery{MapID: mapID})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(before); !bytes.Contains(b, []byte("Dr. Hansen")) {
		t.Fatalf("before erasure the map should show its names: %s", b)
	}
	knownBefore := time.Now()
	erased := e.do(&command.EraseMap{MapID: mapID, Basis: "citizen-request"}).Version
	if err := g.WaitFor(ctx, erased); err != nil {
		t.Fatal(err)
	}
	for _, q := range []graph.MapQuery{{MapID: mapID}, {MapID: mapID, KnownAt: knownBefore}} {
		ans, err := g.Map(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ans)
		for _, name := range []string{"Dr. Hansen", "DPS Nord", "Ola N."} {
			if bytes.Contains(b, []byte(name)) {
				t.Errorf("knownAt %v: the erased name %q is still shown: %s", q.KnownAt, name, b)
			}
		}
	}
}

// TestMapWithMachineIDs: a map whose actors and relations carry document
// ids of their own (as an imported map does) answers with those by default
// and with the machine ids commands take under ids=machine, so that a
// client editing the map sends ids the command service knows.
func TestMapWithMachineIDs(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	mapID, last := e.network()
	g := e.graph()
	defer g.Stop(ctx)
	if err := g.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())
	ids := func(ans graph.MapAnswer) (actors, relations []string) {
		for _, a := range ans.Document.Actors {
			actors = append(actors, a.ID)
		}
		for _, r := range ans.Document.Relations {
			relations = append(relations, r.ID)
		}
		return
	}
	var doc, machine graph.MapAnswer
	if code := get(t, h, "/v1/maps/"+mapID, &doc); code != 200 {
		t.Fatalf("map: %d", code)
	}
	if code := get(t, h, "/v1/maps/"+mapID+"?ids=machine", &machine); code != 200 {
		t.Fatalf("map with machine ids: %d", code)
	}
	da, dr := ids(doc)
	ma, mr := ids(machine)
	if !slices.Contains(da, "gp") || !slices.Contains(dr, "r2") {
		t.Errorf("document ids %v %v, want the refs gp and r2", da, dr)
	}
	if len(ma) != len(da) || len(mr) != len(dr) {
		t.Fatalf("machine ids %v %v for document ids %v %v", ma, mr, da, dr)
	}
	for _, id := range append(ma, mr...) {
		if !event.IsUUID(id) {
			t.Errorf("ids=machine gave %q, not a machine id", id)
		}
	}
	// The machine ids are the ones commands take.
	if _, err := e.cmd.Execute(access.WithPrincipal(ctx, opener), &command.AssessActor{MapID: mapID, ActorID: ma[len(ma)-1], Importance: "high"}); err != nil {
		t.Errorf("a command with a machine id from the answer: %v", err)
	}
	var p problem.Problem
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/maps/"+mapID+"?ids=uuid", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 400 || p.Field != "ids" {
		t.Errorf("ids=uuid: %d %s, want 400 naming ids", rec.Code, rec.Body)
	}
}
