package gap_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/partition/partitiontest"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
)

// partInstance is one gap instance of a partitioned test deployment, on
// its own connection as the gap service's NATS user, with its HTTP
// routes on a server of its own and a log of its own (which tells who
// published a transition).
type partInstance struct {
	name string
	svc  *gap.Service
	nc   *nats.Conn
	http *httptest.Server
	logs *logBuffer
	stop func()
}

const partHeartbeat = 200 * time.Millisecond

// instance boots a gap instance named name as the deployment does (Boot),
// partitioned, with the system-wide rules evaluated at once.
func (e *env) instance(name string) *partInstance {
	e.t.Helper()
	ctx := context.Background()
	// A permission the deployment does not grant the gap service fails
	// the test.
	nc := e.srv.ConnAs("samspill-gap", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		e.t.Errorf("instance %s: %v", name, err)
	}))
	js, err := jetstream.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	// The HTTP server exists before the service, so that the instance can
	// announce its address; the routes come once it runs.
	var mu sync.Mutex
	var h http.Handler = http.NotFoundHandler()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		hh.ServeHTTP(w, r)
	}))
	logs := &logBuffer{}
	verifier := signer(e.t).Verifier()
	r, err := gap.Boot(ctx, nc, gap.Config{Clock: func() time.Time { return *e.now.Load() }, Location: time.UTC,
		Reevaluate: -1, SystemInterval: time.Millisecond,
		Logger:   slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Verifier: verifier, Audit: audit.NewWriter(js, "gap", nil),
		Partition: &partition.GroupConfig{Instance: name, HTTP: web.URL, Heartbeat: partHeartbeat}})
	if err != nil {
		e.t.Fatalf("instance %s: %v", name, err)
	}
	mu.Lock()
	h = access.HTTP(verifier, r.Service.Handler())
	mu.Unlock()
	e.settle(r.Service, 0)
	in := &partInstance{name: name, svc: r.Service, nc: nc, http: web, logs: logs}
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			r.Stop()
			web.Close()
		})
	}
	e.t.Cleanup(in.stop)
	return in
}

// crash ends the instance as a crash would: its connection closes with no
// goodbye, so its membership expires.
func (in *partInstance) crash() {
	in.nc.Close()
	in.http.Close()
}

// partSettled waits until every partition is served by the instance that
// owns it among ins, alone, every map is held by its partition's owner
// alone, and every instance has evaluated what it took over.
func (e *env) partSettled(maps map[string][]string, ins ...*partInstance) {
	e.t.Helper()
	e.owned(maps, ins...)
	head := e.head()
	for _, in := range ins {
		e.settle(in.svc, head)
	}
}

// owned waits until the instances have shared the maps as their members
// say.
func (e *env) owned(maps map[string][]string, ins ...*partInstance) {
	e.t.Helper()
	var hs []partitiontest.Instance
	for _, in := range ins {
		hs = append(hs, partitiontest.Instance{Name: in.name, Maps: in.svc.Store().Maps, Serving: in.svc.Serving})
	}
	partitiontest.Settled(e.t, maps, hs...)
}

// published returns who published each transition, by Nats-Msg-Id: the
// instances whose log says they did ("gap opened", "gap closed", logged
// once the stream stored the transition as new).
func published(t *testing.T, logs map[string]*logBuffer) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, l := range logs {
		sc := bufio.NewScanner(strings.NewReader(l.String()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg string `json:"msg"`
				Gap string `json:"gap"`
				N   int    `json:"n"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s's log: %v: %s", name, err, sc.Text())
			}
			if line.Msg == "gap opened" || line.Msg == "gap closed" {
				out[gap.MsgID(line.Gap, line.N)] = append(out[gap.MsgID(line.Gap, line.N)], name)
			}
		}
	}
	return out
}

// ofMap returns the transitions of one map's gaps.
func ofMap(all []transition, mapID string) []transition {
	var out []transition
	for _, tr := range all {
		if p, err := gap.ParseSubject(tr.Subject); err == nil && p.MapID == mapID {
			out = append(out, tr)
		}
	}
	return out
}

// exactlyOnce checks every transition of SAMSPILL_GAPS: each gap's
// alternate opened and closed from an opening, each with the
// Nats-Msg-Id <gapId>:<n> of its place (so no id twice), and each of
// mapIDs opened P1 once.
func exactlyOnce(t *testing.T, all []transition, mapIDs []string) {
	t.Helper()
	n := map[string]int{}
	ids := map[string]bool{}
	p1 := map[string]int{}
	for _, tr := range all {
		id := strings.TrimPrefix(tr.Env.Subject, "gap/")
		n[id]++
		_, isOpen := tr.Data.(*event.GapOpened)
		if isOpen != (n[id]%2 == 1) || tr.MsgID != gap.MsgID(id, n[id]) {
			t.Errorf("%s (%s): transition %d of %s has Nats-Msg-Id %s", tr, tr.Subject, n[id], id, tr.MsgID)
		}
		if ids[tr.MsgID] {
			t.Errorf("Nats-Msg-Id %s twice in %s", tr.MsgID, gap.Stream)
		}
		ids[tr.MsgID] = true
		if o, ok := tr.Data.(*event.GapOpened); ok && o.Rule == "P1" {
			p1[o.MapID]++
		}
	}
	for _, id := range mapIDs {
		if p1[id] != 1 {
			t.Errorf("map %s: P1 opened %d times, want once", id, p1[id])
		}
	}
}

// TestPartitionedInstancesShareTheGaps runs the gap service as several
// instances, each as the gap service's NATS user, on maps in six
// municipalities: each instance evaluates the maps and the system-wide
// rules of the municipalities it owns and holds no others, every
// transition is published once, by the owner of its municipality, also
// through a join (the new holder publishes what changes in the partitions
// it took), a graceful leave and a crash (the survivor takes every
// partition over without publishing anything twice); every instance
// answers every question as one instance holding everything does, over
// NATS and over HTTP, and one instance replaying the whole log finds
// nothing to publish.
func TestPartitionedInstancesShareTheGaps(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// The partitions: among a and b, a owns 0301, 1506 and 3203, b owns
	// 1103, 3201 and 3301; c joining takes 1506 from a, 3201 and 3301
	// from b; when b leaves, c takes 1103.
	municipalities := []string{"0301", "1103", "1506", "3201", "3203", "3301"}
	for m, owners := range map[string][3]string{"0301": {"a", "a", "a"}, "1103": {"b", "b", "c"}, "1506": {"a", "c", "c"},
		"3201": {"b", "c", "c"}, "3203": {"a", "a", "a"}, "3301": {"b", "c", "c"}} {
		got := [3]string{partition.Owner([]string{"a", "b"}, m), partition.Owner([]string{"a", "b", "c"}, m), partition.Owner([]string{"a", "c"}, m)}
		if got != owners {
			t.Fatalf("owners of %s among ab, abc, ac: %v, the test expects %v", m, got, owners)
		}
	}

	// The maps, opened before any gap service runs, with actors but no
	// relations yet: no map's gap opens. In each municipality Ola's map (a GP
	// and a DPS); in 3301 also five citizens who share a GP office and a
	// DPS of the directory (the system-wide rule S1 once they serve them).
	e.do(&command.RegisterEntry{EntryID: "legekontor-sentrum", Kind: "service", Name: "Legekontoret Sentrum", Sector: "primary-health", Municipality: "0301"})
	e.directory.Do(func() {
		e.do(&command.RegisterEntry{EntryID: "dps-nordre-aker", Kind: "service", Name: "DPS Nordre Aker", Sector: "specialist-mh", Municipality: "0301"})
	})
	maps := map[string][]string{}
	ola := map[string]*olaMap{}
	for _, m := range municipalities {
		ola[m] = e.openOlaIn(m)
		maps[m] = append(maps[m], ola[m].mapID)
	}
	type shared struct{ mapID, citizen, gp, dps string }
	var sharing []shared
	since := command.Meta{ValidTime: d("2026-05-01")}
	for i := range 5 {
		r := e.do(&command.OpenMap{Meta: since, Focus: stakeholder.FocusCitizen, Label: fmt.Sprintf("Person %d", i), Municipality: "3301"})
		c := shared{mapID: r.IDs["mapId"], citizen: r.IDs["citizenId"]}
		add := func(sector stakeholder.Sector, dir string) string {
			return e.do(&command.AddActor{MapID: c.mapID, Meta: since, Kind: "service", Level: "service", Sector: sector, Name: "Someone", Directory: dir}).IDs["actorId"]
		}
		c.gp, c.dps = add("primary-health", "legekontor-sentrum"), add("specialist-mh", "dps-nordre-aker")
		sharing = append(sharing, c)
		maps["3301"] = append(maps["3301"], c.mapID)
	}
	var mapIDs []string
	for _, ids := range maps {
		mapIDs = append(mapIDs, ids...)
	}
	s1 := gaps.GapID("system/3301", "S1", []string{"dps-nordre-aker", "legekontor-sentrum"})

	ctx := context.Background()
	client := e.srv.Conn()
	token := accesstest.Token(t, signer(t), reader)
	asReader := access.WithPrincipal(ctx, reader)
	refLogs := &logBuffer{}
	var all []*partInstance // every instance ever started, for who published what

	// reference starts one instance holding every map, with a durable of
	// its own: it replays the whole log and evaluates every map and
	// municipality, must find nothing to publish, and returns its answers
	// to every map's and municipality's question.
	reference := func(stage string) map[string]string {
		t.Helper()
		before := e.count()
		ref := e.start(func(c *gap.Config) {
			c.Durable = "samspill-gap-ref-" + uuid.NewString()[:8]
			c.SystemInterval = time.Millisecond
			c.Logger = slog.New(slog.NewJSONHandler(refLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		defer e.stop(ref)
		e.settle(ref, e.head())
		if after := e.count(); after != before {
			t.Errorf("%s: one instance replaying the whole log published %d transitions: the instances left the stream behind", stage, after-before)
		}
		out := map[string]string{}
		keep := func(key string, q gap.Query) {
			ans, err := ref.Gaps(asReader, q)
			if err != nil {
				t.Fatalf("%s: reference %s: %v", stage, key, err)
			}
			b, _ := json.Marshal(ans)
			out[key] = string(b)
		}
		for m, ids := range maps {
			for _, id := range ids {
				keep("map "+id, gap.Query{MapID: id})
			}
			keep("area "+m, gap.Query{Municipality: m})
		}
		return out
	}
	// answers checks that every question, over NATS (any instance) and
	// over HTTP asked of each instance, is answered as the reference
	// answers it.
	answers := func(stage string, expect map[string]string, ins ...*partInstance) {
		t.Helper()
		ask := func(key, body, path string) {
			msg := accesstest.Request(t, client, token, "", gap.QuerySubject, body)
			if got := strings.TrimSpace(string(msg.Data)); got != expect[key] {
				t.Errorf("%s: NATS %s (%s):\n got %s\nwant %s", stage, key, msg.Header.Get("Nats-Service-Error-Code"), got, expect[key])
			}
			for _, in := range ins {
				if got := httpGet(t, in.http.URL+path, token); got != expect[key] {
					t.Errorf("%s: HTTP %s asked of %s:\n got %s\nwant %s", stage, key, in.name, got, expect[key])
				}
			}
		}
		for m, ids := range maps {
			for _, id := range ids {
				ask("map "+id, `{"mapId":"`+id+`"}`, "/v1/maps/"+id+"/gaps")
			}
			ask("area "+m, `{"municipality":"`+m+`"}`, "/v1/areas/"+m+"/gaps")
		}
	}
	// publishedBy checks that each transition from the stream's from-th
	// on was published once, by the owner of its municipality among
	// members.
	publishedBy := func(stage string, from int, members ...string) []transition {
		t.Helper()
		logs := map[string]*logBuffer{"reference": refLogs}
		for _, in := range all {
			logs[in.name] = in.logs
		}
		who := published(t, logs)
		trs := e.transitions()
		for _, tr := range trs[from:] {
			p, err := gap.ParseSubject(tr.Subject)
			if err != nil {
				t.Fatal(err)
			}
			if owner := partition.Owner(members, p.Municipality); !slices.Equal(who[tr.MsgID], []string{owner}) {
				t.Errorf("%s: %s of %s in %s published by %v, want %s (its owner among %v)", stage, tr, tr.MsgID, p.Municipality, who[tr.MsgID], owner, members)
			}
		}
		return trs
	}
	rules := func(answers map[string]string, key string) []string {
		var a gap.Answer
		if err := json.Unmarshal([]byte(answers[key]), &a); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		var out []string
		for _, g := range a.Gaps {
			out = append(out, g.Rule)
		}
		return out
	}

	// Two instances share the maps, then the relations open the gaps.
	a, b := e.instance("a"), e.instance("b")
	all = append(all, a, b)
	e.partSettled(maps, a, b)
	for _, in := range []*partInstance{a, b} {
		if n := len(in.svc.Store().Maps()); n == 0 || n == len(mapIDs) {
			t.Errorf("instance %s holds %d of %d maps: the maps are not shared", in.name, n, len(mapIDs))
		}
	}
	// a, alone for a moment, evaluated every map and municipality first
	// (the system-wide rules find the directory's services unconnected:
	// S3); from now on, each transition is its owner's.
	first := e.count()
	e.gaps = []*gap.Service{a.svc, b.svc}
	opening := map[string][]want{}
	for _, m := range municipalities {
		opening[m] = e.openGaps(ola[m])
	}
	for _, c := range sharing {
		for _, actor := range []string{c.gp, c.dps} {
			rel := e.do(&command.AddRelation{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: actor, To: c.citizen, Type: "serves", Quality: "good"}).IDs["relationId"]
			e.do(&command.RecordContact{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-11-20")}, RelationID: rel})
		}
	}
	trs := publishedBy("two instances", int(first), "a", "b")
	for _, m := range municipalities {
		check(t, ola[m].mapID, m, ofMap(trs, ola[m].mapID), 0, opening[m])
	}
	exactlyOnce(t, trs, mapIDs)
	var s1s []transition
	for _, tr := range trs {
		if strings.TrimPrefix(tr.Env.Subject, "gap/") == s1 {
			s1s = append(s1s, tr)
		}
	}
	if len(s1s) != 1 || s1s[0].Subject != gap.Subject("3301", "", "S1", s1, gap.Opened) {
		t.Fatalf("S1 of 3301's shared GP office and DPS: %v", s1s)
	}
	expect := reference("two instances")
	if got := rules(expect, "map "+ola["0301"].mapID); !slices.Equal(got, []string{"P1", "P2", "P3", "P4", "P8"}) {
		t.Errorf("Ola's open gaps: %v", got)
	}
	if got := rules(expect, "area 3301"); !slices.Contains(got, "S1") || !slices.Contains(got, "P1") {
		t.Errorf("3301's open gaps: %v", got)
	}
	answers("two instances", expect, a, b)

	// A third joins: it takes 1506 from a, 3201 and 3301 from b, and
	// publishes nothing for them; then the collaborations close P1, P2
	// and P3 in those (published by c) and in 0301 (by a).
	before := e.count()
	c := e.instance("c")
	all = append(all, c)
	e.partSettled(maps, a, b, c)
	if n := e.count(); n != before {
		t.Fatalf("c joining published %d transitions", n-before)
	}
	e.gaps = []*gap.Service{a.svc, b.svc, c.svc}
	closing := map[string][]want{}
	for _, m := range []string{"1506", "3201", "3301", "0301"} {
		closing[m] = e.closeGaps(ola[m])
	}
	trs = publishedBy("a third joined", int(before), "a", "b", "c")
	for m, w := range closing {
		check(t, ola[m].mapID, m, ofMap(trs, ola[m].mapID), len(opening[m]), w)
	}
	who := published(t, map[string]*logBuffer{"c": c.logs})
	if len(who) != 9 {
		t.Errorf("c published %d transitions, want the 9 closings in the partitions it took over", len(who))
	}
	expect = reference("a third joined")
	if got := rules(expect, "map "+ola["3201"].mapID); !slices.Equal(got, []string{"P4", "P8"}) {
		t.Errorf("Ola's open gaps after the collaboration: %v", got)
	}
	answers("a third joined", expect, a, b, c)

	// b leaves: c takes 1103 over and closes its gaps.
	b.stop()
	e.gaps = []*gap.Service{a.svc, c.svc}
	before = e.count()
	e.partSettled(maps, a, c)
	if n := e.count(); n != before {
		t.Fatalf("taking b's partitions over published %d transitions", n-before)
	}
	closing["1103"] = e.closeGaps(ola["1103"])
	trs = publishedBy("b left", int(before), "a", "c")
	check(t, ola["1103"].mapID, "1103", ofMap(trs, ola["1103"].mapID), len(opening["1103"]), closing["1103"])
	answers("b left", reference("b left"), a, c)

	// c crashes: a takes everything over; then three of the five sharing
	// maps record a collaboration (S1 closes) and Ola's map in 3201 gets a
	// plan, all published by a.
	e.gaps = []*gap.Service{a.svc}
	c.crash()
	before = e.count()
	e.partSettled(maps, a)
	if n := e.count(); n != before {
		t.Fatalf("taking c's partitions over published %d transitions", n-before)
	}
	for _, x := range sharing[:3] {
		e.do(&command.AddRelation{MapID: x.mapID, Meta: command.Meta{ValidTime: d("2026-11-01")}, From: x.gp, To: x.dps, Type: "collaborates", Quality: "good"})
	}
	o := ola["3201"]
	forum := e.do(&command.AddActor{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-15")}, Kind: "forum", Level: "service", Sector: "governance", Name: "Ansvarsgruppe"}).IDs["actorId"]
	e.do(&command.CreatePlan{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-15")}, ActorID: forum})
	trs = publishedBy("c crashed", int(before), "a")
	check(t, o.mapID, "3201", ofMap(trs, o.mapID), len(opening["3201"])+len(closing["3201"]), []want{
		closed("P4", event.GapResolved, o.citizen),
		opened("P6", o.dps, forum),
		opened("P6", o.gp, forum),
		opened("P11", o.citizen),
	})
	s1s = nil
	for _, tr := range trs {
		if strings.TrimPrefix(tr.Env.Subject, "gap/") == s1 {
			s1s = append(s1s, tr)
		}
	}
	if len(s1s) != 2 || s1s[1].MsgID != gap.MsgID(s1, 2) || s1s[1].Seq <= uint64(before) {
		t.Errorf("S1 after three of the sharing maps record a collaboration: %v", s1s)
	}
	if n := len(a.svc.Store().Maps()); n != len(mapIDs) {
		t.Errorf("the last instance holds %d maps, want %d", n, len(mapIDs))
	}
	expect = reference("c crashed")
	if got := rules(expect, "area 3301"); slices.Contains(got, "S1") {
		t.Errorf("3301's open gaps after the collaborations: %v", got)
	}
	answers("c crashed", expect, a)
	exactlyOnce(t, e.transitions(), mapIDs)
	t.Logf("%d transitions", e.count())
}

// httpGet GETs url with an assertion as bearer and returns the body,
// failing the test on another status than 200.
func httpGet(t *testing.T, url, token string) string {
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
		t.Fatalf("GET %s: %d from %s: %s", url, res.StatusCode, res.Header.Get(partition.HeaderInstance), sb.String())
	}
	return strings.TrimSpace(sb.String())
}

// TestHandOverWhileEvaluating hands partitions over while the instance
// giving them away evaluates every map and municipality again and again
// (as the daily re-evaluation, or a change of the directory, does): it
// must not publish anything about the maps it is forgetting (read half
// gone, they would look as if their gaps had closed), and nothing changes
// in SAMSPILL_GAPS, since nothing changed in the log.
func TestHandOverWhileEvaluating(t *testing.T) {
	t.Parallel()
	e := setup(t)
	maps := map[string][]string{}
	for _, m := range []string{"0301", "1103", "1506", "1508", "1804", "3201", "3203", "3301", "3403", "3901", "4204", "4601", "5001", "5501", "5601", "4012"} {
		o := e.openOlaIn(m)
		e.do(&command.AddRelation{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: o.gp, To: o.citizen, Type: "serves", Quality: "good"})
		e.do(&command.AddRelation{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: o.dps, To: o.citizen, Type: "serves", Quality: "good"})
		maps[m] = append(maps[m], o.mapID)
	}
	a := e.instance("a")
	e.partSettled(maps, a)
	before := e.count()
	if before == 0 {
		t.Fatal("no gap open: the test would show nothing")
	}
	// c joins, then d, then f, while the instances there evaluate
	// everything again and again.
	live := []*partInstance{a}
	for _, name := range []string{"c", "d", "f"} {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, in := range live {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := in.svc.Reevaluate(context.Background()); err != nil {
						t.Errorf("re-evaluation by %s: %v", in.name, err)
						return
					}
				}
			})
		}
		live = append(live, e.instance(name))
		e.owned(maps, live...)
		close(stop)
		wg.Wait()
		e.partSettled(maps, live...)
	}

	if after := e.count(); after != before {
		logs := map[string]*logBuffer{}
		for _, in := range live {
			logs[in.name] = in.logs
		}
		who := published(t, logs)
		for _, tr := range e.transitions()[before:] {
			t.Errorf("%s (%s) published by %v during the hand-overs, while nothing changed", tr, tr.Subject, who[tr.MsgID])
		}
	}
}
