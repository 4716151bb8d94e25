package picture_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/partition/partitiontest"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/pkg/stores"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
)

// instance is one picture instance of a partitioned test deployment, on
// its own connection as the picture service's NATS user, with its HTTP
// routes (behind access.HTTP) on a server of its own.
type instance struct {
	name string
	svc  *picture.Service
	nc   *nats.Conn
	http *httptest.Server
	stop func()
}

const partitionHeartbeat = 200 * time.Millisecond

// instance starts a partitioned picture instance called name, as Boot
// would but with the tests' engine and clock, and waits until it has read
// the log.
func (e *env) instance(name string) *instance {
	e.tb.Helper()
	ctx := context.Background()
	nc := e.srv.ConnAs("samspill-picture")
	st, err := stores.Bind(ctx, nc, stores.Config{MasterKey: master})
	if err != nil {
		e.tb.Fatalf("instance %s: %v", name, err)
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
	verifier := signer(e.tb).Verifier()
	svc, err := picture.New(ctx, st.JetStream, st.Log, picture.Config{Engine: engine(e.tb), Keys: st.Keys,
		Clock: func() time.Time { return now }, Location: time.UTC, Verifier: verifier, Audit: audit.NewWriter(st.JetStream, "picture", nil),
		Partition: &partition.GroupConfig{Service: "picture", Instance: name, HTTP: web.URL, Heartbeat: partitionHeartbeat}, Conn: nc})
	if err != nil {
		e.tb.Fatalf("instance %s: %v", name, err)
	}
	if err := svc.Start(ctx); err != nil {
		e.tb.Fatalf("instance %s: %v", name, err)
	}
	m, err := svc.AddMicro(ctx, nc)
	if err != nil {
		e.tb.Fatalf("instance %s: %v", name, err)
	}
	mu.Lock()
	h = access.HTTP(verifier, svc.Handler())
	mu.Unlock()
	in := &instance{name: name, svc: svc, nc: nc, http: web}
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			_ = m.Stop()
			svc.Stop()
			web.Close()
		})
	}
	e.tb.Cleanup(in.stop)
	select {
	case <-svc.CaughtUp():
	case <-time.After(20 * time.Second):
		e.tb.Fatalf("instance %s did not catch up", name)
	}
	return in
}

// crash ends the instance as a crash would: its connection closes with no
// goodbye, so its membership expires, and its HTTP server is gone.
func (in *instance) crash() {
	in.nc.Close()
	in.http.Close()
}

// answered is how many pictures the instance has answered itself.
func (in *instance) answered() int64 {
	st := in.svc.Stats()
	return st.Hits + st.Misses
}

var partitionMunicipalities = []string{"0301", "1103", "3201", "3203", "3301", "4601"}

// partitionWorld opens three citizen maps in each of six municipalities,
// each with actors of its own names (the first with one more), so that no
// two pictures are alike, and returns the maps by municipality.
func (e *env) partitionWorld() map[string][]string {
	e.tb.Helper()
	maps := map[string][]string{}
	for _, m := range partitionMunicipalities {
		e.do(&command.RegisterEntry{EntryID: "legekontor-" + m, Kind: stakeholder.EntryService, Name: "Legekontor " + m,
			Sector: stakeholder.SectorPrimaryHealth, Municipality: m})
		for i := range 3 {
			who := fmt.Sprintf("%s-%d", m, i)
			r := e.do(&command.OpenMap{Meta: cmdMeta("2026-05-01"), Focus: stakeholder.FocusCitizen, Label: "Person " + who,
				Municipality: m, CitizenName: "Person " + who})
			id := r.IDs["mapId"]
			gp := e.do(&command.AddActor{MapID: id, Meta: cmdMeta("2026-05-01"), Kind: stakeholder.KindPerson, Level: stakeholder.LevelService,
				Sector: stakeholder.SectorPrimaryHealth, Name: "Fastlege " + who, Directory: "legekontor-" + m}).IDs["actorId"]
			e.do(&command.AddRelation{MapID: id, Meta: cmdMeta("2026-06-01"), From: gp, To: r.IDs["citizenId"], Type: stakeholder.RelServes,
				Quality: stakeholder.QualityGood})
			if i == 0 {
				e.do(&command.AddActor{MapID: id, Meta: cmdMeta("2026-05-01"), Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual,
					Sector: stakeholder.SectorInformal, Name: "Pårørende " + who})
			}
			maps[m] = append(maps[m], id)
		}
	}
	return maps
}

// partitionQuery is one picture of a municipality's partition: as the
// service draws it, over NATS and over HTTP, and who asks for it.
type partitionQuery struct {
	name                string
	who                 access.Principal
	subject, body, path string
	draw                func(context.Context, *picture.Service) (*picture.Picture, error)
}

// partitionQueries returns the SVG pictures of municipality m the
// partition tests ask for: each map's, the first map's changes, and the
// area's.
func partitionQueries(maps map[string][]string, m string) []partitionQuery {
	var out []partitionQuery
	for _, id := range maps[m] {
		out = append(out, partitionQuery{name: "map " + id, who: opener, subject: "samspill.render.map",
			body: `{"mapId":"` + id + `","format":"svg"}`, path: mapPath(id, "svg"),
			draw: func(ctx context.Context, s *picture.Service) (*picture.Picture, error) {
				return s.Map(ctx, picture.MapQuery{MapID: id, Format: "svg"})
			}})
	}
	id := maps[m][0]
	out = append(out, partitionQuery{name: "changes " + id, who: opener, subject: "samspill.render.changes",
		body: `{"mapId":"` + id + `","from":"2026-05-15","format":"svg"}`, path: "/v1/maps/" + id + "/changes/picture.svg?from=2026-05-15",
		draw: func(ctx context.Context, s *picture.Service) (*picture.Picture, error) {
			return s.Changes(ctx, picture.ChangesQuery{MapID: id, From: d("2026-05-15"), Format: "svg"})
		}})
	out = append(out, partitionQuery{name: "area " + m, who: analyst(m), subject: "samspill.render.area",
		body: `{"municipality":"` + m + `","format":"svg"}`, path: "/v1/areas/" + m + "/picture.svg",
		draw: func(ctx context.Context, s *picture.Service) (*picture.Picture, error) {
			return s.Area(ctx, picture.AreaQuery{Municipality: m, Format: "svg"})
		}})
	return out
}

func analyst(m string) access.Principal {
	return access.Principal{Subject: "usr:analyst-" + m, Role: access.Analyst, Municipality: m}
}

// referencePictures returns the SVG of every picture of partitionQueries
// that the env's own picture service, unpartitioned, draws, by name; it
// fails unless they are all different.
func (e *env) referencePictures(maps map[string][]string) map[string][]byte {
	e.tb.Helper()
	ctx := context.Background()
	want := map[string][]byte{}
	keep := func(name string, pic *picture.Picture, err error) {
		e.tb.Helper()
		if err != nil {
			e.tb.Fatalf("reference %s: %v", name, err)
		}
		for other, b := range want {
			if bytes.Equal(b, pic.Data) {
				e.tb.Fatalf("the pictures of %s and %s are alike: a misrouted answer would pass", name, other)
			}
		}
		want[name] = pic.Data
	}
	for _, m := range partitionMunicipalities {
		for _, q := range partitionQueries(maps, m) {
			pic, err := q.draw(access.WithPrincipal(ctx, q.who), e.pics)
			keep(q.name, pic, err)
		}
	}
	return want
}

// clearCache deletes every cached picture, so that the next request for
// each is drawn by the instance that answers it.
func (e *env) clearCache() {
	e.tb.Helper()
	ctx := context.Background()
	obj, err := e.js.ObjectStore(ctx, picture.Bucket)
	if err != nil {
		e.tb.Fatal(err)
	}
	for _, name := range e.objects("") {
		if err := obj.Delete(ctx, name); err != nil {
			e.tb.Fatalf("delete %s: %v", name, err)
		}
	}
}

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

func instanceNames(ins []*instance) []string {
	var names []string
	for _, in := range ins {
		names = append(names, in.name)
	}
	return names
}

// TestPartitionedInstancesShareTheMaps runs the picture service as several
// instances on one JetStream server, each as the picture service's NATS
// user: they share the maps by municipality with nothing configured but
// their names, and every picture (a map's, its changes', an area's) is
// the one a service holding every map draws, byte for byte, whichever
// instance a request reaches (over NATS, with its headers, and over HTTP
// asked of each), drawn, answered and audited by the instance that owns
// the municipality alone; an instance that joins takes partitions over,
// and the partitions of one that leaves, or crashes, are taken over by
// the others.
func TestPartitionedInstancesShareTheMaps(t *testing.T) {
	e := setup(t)
	// The env's own service is the reference, asked directly: it answers
	// no NATS request, so that every one reaches the instances.
	if err := e.micro.Stop(); err != nil {
		t.Fatal(err)
	}
	maps := e.partitionWorld()
	want := e.referencePictures(maps)

	client := e.srv.Conn()
	tok := func(p access.Principal) string { return accesstest.Token(t, signer(t), p) }
	// ask asks for a picture over NATS and checks it is the reference's,
	// with its headers, from the cache or not.
	ask := func(stage, subject, body string, p access.Principal, ref []byte, cache string) {
		t.Helper()
		msg := accesstest.Request(t, client, tok(p), "", subject, body)
		if st := accesstest.Status(t, msg); st != http.StatusOK {
			t.Errorf("%s: NATS %s %s: %d %s", stage, subject, body, st, msg.Data)
			return
		}
		if !bytes.Equal(msg.Data, ref) {
			t.Errorf("%s: NATS %s %s: another picture than one service holding every map draws (%d bytes, want %d)", stage, subject, body, len(msg.Data), len(ref))
		}
		if ct, c := msg.Header.Get(picture.HeaderContentType), msg.Header.Get(picture.HeaderCache); ct != "image/svg+xml" || c != cache {
			t.Errorf("%s: NATS %s %s: Content-Type %q, Samspill-Cache %q, want image/svg+xml and %s", stage, subject, body, ct, c, cache)
		}
	}
	// get asks in for a picture over HTTP and checks it is the
	// reference's, from the cache, answered by owner.
	get := func(stage string, in *instance, path string, p access.Principal, ref []byte, owner string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, in.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok(p))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: GET %s of %s: %v", stage, path, in.name, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s: GET %s of %s: %v", stage, path, in.name, err)
		}
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s of %s: %d from %s: %s", stage, path, in.name, res.StatusCode, res.Header.Get(partition.HeaderInstance), body)
			return
		}
		if !bytes.Equal(body, ref) {
			t.Errorf("%s: GET %s of %s: another picture than one service holding every map draws (%d bytes, want %d)", stage, path, in.name, len(body), len(ref))
		}
		h := res.Header
		if h.Get(picture.HeaderContentType) != "image/svg+xml" || h.Get(picture.HeaderCache) != picture.CacheHit || h.Get(partition.HeaderInstance) != owner {
			t.Errorf("%s: GET %s of %s: Content-Type %q, Samspill-Cache %q, answered by %q; want image/svg+xml, hit, by %s",
				stage, path, in.name, h.Get(picture.HeaderContentType), h.Get(picture.HeaderCache), h.Get(partition.HeaderInstance), owner)
		}
	}
	check := func(stage string, ins ...*instance) {
		t.Helper()
		// From an empty cache, so that each picture is drawn by the
		// instance that answers it.
		e.clearCache()
		names := instanceNames(ins)
		before, owed := map[string]int64{}, map[string]int64{}
		for _, in := range ins {
			before[in.name] = in.answered()
		}
		audited := accesstest.AuditHead(t, e.js)
		asked := 0
		for _, m := range partitionMunicipalities {
			owner := partition.Owner(names, m)
			for _, q := range partitionQueries(maps, m) {
				ref := want[q.name]
				ask(stage, q.subject, q.body, q.who, ref, picture.CacheMiss)
				ask(stage, q.subject, q.body, q.who, ref, picture.CacheHit)
				for _, in := range ins {
					get(stage, in, q.path, q.who, ref, owner)
				}
				owed[owner] += int64(2 + len(ins))
				asked += 2 + len(ins)
			}
		}
		// Every picture was answered by its partition's owner, none by
		// another instance, and audited once, by the owner: a forwarder
		// decides nothing.
		for _, in := range ins {
			if got := in.answered() - before[in.name]; got != owed[in.name] {
				t.Errorf("%s: instance %s answered %d pictures itself, want %d: those of the partitions it owns", stage, in.name, got, owed[in.name])
			}
		}
		records := 0
		for _, r := range accesstest.AuditSince(t, e.js, audited) {
			if r.Service != "picture" {
				continue
			}
			records++
			if r.Outcome != audit.Allowed {
				t.Errorf("%s: audit: %s %s of %s %s", stage, r.Operation, r.Outcome, r.Kind, r.Resource)
			}
		}
		if records != asked {
			t.Errorf("%s: %d pictures asked for left %d records in the audit trail, want one each", stage, asked, records)
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
		t.Fatal("instance c joined and holds no map")
	}
	check("a third joined", a, b, c)

	// A change, after the hand-over, of a map c took over: c draws it
	// changed, as one service holding every map does.
	var moved string
	for _, m := range partitionMunicipalities {
		if partition.Owner([]string{"a", "b", "c"}, m) == "c" {
			moved = maps[m][0]
			break
		}
	}
	r := e.do(&command.AddActor{MapID: moved, Meta: cmdMeta("2026-07-01"), Kind: stakeholder.KindService, Level: stakeholder.LevelService,
		Sector: stakeholder.SectorWelfareWork, Name: "NAV Nyby"})
	for _, in := range []*instance{a, b, c} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := in.svc.WaitFor(ctx, r.Version); err != nil {
			t.Fatalf("instance %s: %v", in.name, err)
		}
		cancel()
	}
	old := want["map "+moved]
	want = e.referencePictures(maps)
	if bytes.Equal(want["map "+moved], old) || !shows(svgWords(t, want["map "+moved]), "NAV Nyby") {
		t.Fatal("the reference picture of the changed map does not show the change")
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
	if got := a.svc.Store().Maps(); !slices.Equal(got, e.pics.Store().Maps()) {
		t.Errorf("the last instance holds %v, the reference %v", got, e.pics.Store().Maps())
	}
	check("c crashed", a)
}

// TestAnInstanceTakingAPartitionOverAnswersWhatWaitsForIt: a request that
// reaches an instance while the partition it names is served by nobody
// (its owner has just crashed, or left) waits, and is answered by that
// instance once it takes the partition over itself, over HTTP as over
// NATS.
func TestAnInstanceTakingAPartitionOverAnswersWhatWaitsForIt(t *testing.T) {
	for _, how := range []string{"crash", "leave"} {
		t.Run(how, func(t *testing.T) {
			e := setup(t)
			if err := e.micro.Stop(); err != nil {
				t.Fatal(err)
			}
			maps := e.partitionWorld()
			want := e.referencePictures(maps)
			a, b := e.instance("a"), e.instance("b")
			settled(t, maps, a, b)
			var lost string // a municipality of b's
			for _, m := range partitionMunicipalities {
				if partition.Owner([]string{"a", "b"}, m) == "b" {
					lost = m
					break
				}
			}
			if lost == "" {
				t.Fatal("b owns no municipality")
			}
			id := maps[lost][0]
			// Asked as soon as b has stopped serving, while a still sees
			// it announced: a forwards, finds b gone, and takes the
			// partition over a few heartbeats later.
			if how == "crash" {
				b.crash()
			} else {
				go b.stop()
				for b.svc.Serving(lost) {
					time.Sleep(time.Millisecond)
				}
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				msg := accesstest.Request(t, e.srv.Conn(), accesstest.Token(t, signer(t), opener), "", "samspill.render.map", `{"mapId":"`+id+`","format":"svg"}`)
				if st := accesstest.Status(t, msg); st != http.StatusOK || !bytes.Equal(msg.Data, want["map "+id]) {
					t.Errorf("NATS, as b went: %d %.200s", st, msg.Data)
				}
			})
			req, _ := http.NewRequest(http.MethodGet, a.http.URL+mapPath(id, "svg"), nil)
			req.Header.Set("Authorization", "Bearer "+accesstest.Token(t, signer(t), opener))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, want["map "+id]) {
				t.Errorf("HTTP, asked of a as b went: %d (a serving %s: %v): %.200s", res.StatusCode, lost, a.svc.Serving(lost), body)
			}
			wg.Wait()
		})
	}
}
