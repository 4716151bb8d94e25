package picture_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
)

var (
	master = bytes.Repeat([]byte{7}, seal.KeySize)
	// now is the clock of the services under test; today its date.
	now   = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	today = date.Of(now)
)

// shared is the one draw.Engine of the test binary: starting Graphviz
// takes up to a second, and an Engine draws one picture at a time anyway.
var shared struct {
	once sync.Once
	e    *draw.Engine
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.e != nil {
		_ = shared.e.Close()
	}
	os.Exit(code)
}

func engine(tb testing.TB) *draw.Engine {
	tb.Helper()
	shared.once.Do(func() { shared.e, shared.err = draw.New(context.Background(), draw.Options{}) })
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.e
}

// renders is how many pictures the shared engine has drawn.
func renders(tb testing.TB) int64 { return engine(tb).Stats().Renders }

type env struct {
	tb testing.TB
	// dir is the server's store; conn opens a connection to it; srv is
	// the server when setup started it (nil for setupOn's own server).
	dir  string
	conn func() *nats.Conn
	srv  *jsservertest.Server
	js   jetstream.JetStream
	log  *eventlog.Log
	cmd  *command.Service
	nc   *nats.Conn
	pics *picture.Service
	// micro is pics's micro service, so that a test can have other
	// instances alone answer NATS requests.
	micro micro.Service
	http  http.Handler
	// dirs are the municipalities whose directory entries are registered.
	dirs map[string]bool
	// who, when set, is who get and request ask as (see asker).
	who *access.Principal
}

// setup starts a JetStream server, the command service and a picture
// service, each with its own keyring as in production.
func setup(tb testing.TB) *env {
	tb.Helper()
	srv := jsservertest.Start(tb)
	e := setupOn(tb, srv.Dir, srv.Conn)
	e.srv = srv
	return e
}

func setupOn(tb testing.TB, dir string, conn func() *nats.Conn) *env {
	tb.Helper()
	e := &env{tb: tb, dir: dir, conn: conn, dirs: map[string]bool{}}
	ctx := context.Background()
	var err error
	if e.js, err = jetstream.New(conn()); err != nil {
		tb.Fatal(err)
	}
	if e.log, err = eventlog.Open(ctx, e.js, eventlog.Config{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := audit.EnsureStream(ctx, e.js, 1, 0); err != nil {
		tb.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	tick := now.Add(-time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); tick = tick.Add(time.Second); return tick }
	if e.cmd, err = command.NewService(e.log, keys, command.Config{Clock: clock, Location: time.UTC, Audit: audit.NewWriter(e.js, "command", nil)}); err != nil {
		tb.Fatal(err)
	}
	if err := e.cmd.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.cmd.Stop)
	e.start()
	return e
}

// start starts a picture service on the env's server and waits until it
// has caught up with the log.
func (e *env) start() {
	e.tb.Helper()
	ctx := context.Background()
	e.nc = e.conn()
	js, err := jetstream.New(e.nc)
	if err != nil {
		e.tb.Fatal(err)
	}
	log, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		e.tb.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		e.tb.Fatal(err)
	}
	e.pics, err = picture.New(ctx, js, log, picture.Config{Engine: engine(e.tb), Keys: keys,
		Clock: func() time.Time { return now }, Location: time.UTC, Verifier: signer(e.tb).Verifier(), Audit: audit.NewWriter(js, "picture", nil)})
	if err != nil {
		e.tb.Fatal(err)
	}
	if err := e.pics.Start(ctx); err != nil {
		e.tb.Fatal(err)
	}
	e.tb.Cleanup(e.pics.Stop)
	m, err := e.pics.AddMicro(ctx, e.nc)
	if err != nil {
		e.tb.Fatal(err)
	}
	e.tb.Cleanup(func() { _ = m.Stop() })
	e.micro = m
	e.http = e.pics.Handler()
	select {
	case <-e.pics.CaughtUp():
	case <-time.After(20 * time.Second):
		e.tb.Fatal("the picture service did not catch up")
	}
}

// do executes a command, as the coordinator of the test's maps (or an
// administrator, for the directory), and waits until the picture service
// has seen it.
func (e *env) do(c command.Command) command.Result {
	e.tb.Helper()
	switch c.(type) {
	case *command.RegisterEntry, *command.UpdateEntry, *command.RetireEntry:
		return e.doAs(admin, c)
	}
	return e.doAs(opener, c)
}

// doAs executes a command as p and waits as do does.
func (e *env) doAs(p access.Principal, c command.Command) command.Result {
	e.tb.Helper()
	r, err := e.cmd.Execute(access.WithPrincipal(context.Background(), p), c)
	if err != nil {
		e.tb.Fatalf("%s: %v", c.CommandName(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.pics.WaitFor(ctx, r.Version); err != nil {
		e.tb.Fatal(err)
	}
	return r
}

// asker is who the env's requests ask as: e.who when set; otherwise the
// coordinator of the test's maps for a map's picture, and an analyst of
// the municipality for an area's.
func (e *env) asker(municipality string) access.Principal {
	switch {
	case e.who != nil:
		return *e.who
	case municipality != "":
		return access.Principal{Subject: "usr:analyst-" + municipality, Role: access.Analyst, Municipality: municipality}
	}
	return opener
}

// get requests path over HTTP, with the assertion of the asker as its
// bearer token, through access.HTTP.
func (e *env) get(path string) *httptest.ResponseRecorder {
	e.tb.Helper()
	municipality := ""
	if rest, ok := strings.CutPrefix(path, "/v1/areas/"); ok {
		municipality, _, _ = strings.Cut(rest, "/")
	}
	w := httptest.NewRecorder()
	accesstest.Bearer(e.tb, signer(e.tb), e.asker(municipality), e.http).ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

// picture requests path and fails unless it is a picture, with the cache
// header want ("" for either).
func (e *env) picture(path, want string) []byte {
	e.tb.Helper()
	w := e.get(path)
	if w.Code != http.StatusOK {
		e.tb.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	if got := w.Header().Get(picture.HeaderCache); want != "" && got != want {
		e.tb.Fatalf("GET %s: Samspill-Cache %q, want %q", path, got, want)
	}
	return w.Body.Bytes()
}

// objects lists the names of the cached pictures whose names start with
// prefix.
func (e *env) objects(prefix string) []string {
	e.tb.Helper()
	obj, err := e.js.ObjectStore(context.Background(), picture.Bucket)
	if err != nil {
		e.tb.Fatal(err)
	}
	infos, err := obj.List(context.Background())
	if err != nil && err != jetstream.ErrNoObjectsFound {
		e.tb.Fatal(err)
	}
	var out []string
	for _, i := range infos {
		if !i.Deleted && strings.HasPrefix(i.Name, prefix) {
			out = append(out, i.Name)
		}
	}
	return out
}

// eventually polls cond for up to 10 s.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// person is a citizen map of the tests: the person, a GP, a DPS and next
// of kin, with Nordic names.
type person struct {
	mapID, citizen, gp, dps, kin string
	names                        []string
}

func d(s string) date.Date { return date.MustParse(s) }

func (e *env) openPerson(municipality string) *person {
	e.tb.Helper()
	p := &person{names: []string{"Åse Ødegård", "Dr. Bjørnstad", "Poliklinikk Nordlys", "Jörgen Ærø"}}
	if !e.dirs[municipality] {
		e.dirs[municipality] = true
		e.do(&command.RegisterEntry{EntryID: "legekontor-" + municipality, Kind: stakeholder.EntryService, Name: "Bølgen legekontor",
			Sector: stakeholder.SectorPrimaryHealth, Municipality: municipality})
		e.do(&command.RegisterEntry{EntryID: "dps-" + municipality, Kind: stakeholder.EntryService, Name: "Søndre DPS",
			Sector: stakeholder.SectorSpecialistMH, Municipality: municipality})
	}
	r := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2026-05-01")}, Focus: stakeholder.FocusCitizen, Label: "Åse Ødegård",
		Municipality: municipality, CitizenName: "Åse Ødegård"})
	p.mapID, p.citizen = r.IDs["mapId"], r.IDs["citizenId"]
	add := func(kind stakeholder.Kind, sector stakeholder.Sector, name, dir string) string {
		return e.do(&command.AddActor{MapID: p.mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, Kind: kind, Level: stakeholder.LevelService,
			Sector: sector, Name: name, Directory: dir}).IDs["actorId"]
	}
	p.gp = add(stakeholder.KindPerson, stakeholder.SectorPrimaryHealth, "Dr. Bjørnstad", "legekontor-"+municipality)
	p.dps = add(stakeholder.KindService, stakeholder.SectorSpecialistMH, "Poliklinikk Nordlys", "dps-"+municipality)
	p.kin = e.do(&command.AddActor{MapID: p.mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, Kind: stakeholder.KindPerson,
		Level: stakeholder.LevelIndividual, Sector: stakeholder.SectorInformal, Name: "Jörgen Ærø"}).IDs["actorId"]
	for _, a := range []string{p.gp, p.dps, p.kin} {
		typ := stakeholder.RelServes
		if a == p.kin {
			typ = stakeholder.RelFamily
		}
		e.do(&command.AddRelation{MapID: p.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: a, To: p.citizen, Type: typ,
			Quality: stakeholder.QualityGood})
	}
	return p
}

// svgWords returns the words of an SVG's text elements; it fails the test
// unless the SVG is well-formed XML.
func svgWords(tb testing.TB, svg []byte) []string {
	tb.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	var b strings.Builder
	in := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return strings.Fields(b.String())
		}
		if err != nil {
			tb.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "text" {
				in++
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				in--
				b.WriteByte(' ')
			}
		case xml.CharData:
			if in > 0 {
				b.Write(tok)
			}
		}
	}
}

// shows reports whether every word of name is among words.
func shows(words []string, name string) bool {
	for _, w := range strings.Fields(name) {
		found := false
		for _, x := range words {
			if x == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func mapPath(id, format string, query ...string) string {
	p := fmt.Sprintf("/v1/maps/%s/picture.%s", id, format)
	if len(query) > 0 {
		p += "?" + strings.Join(query, "&")
	}
	return p
}
