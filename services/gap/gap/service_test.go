package gap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
)

var (
	master = bytes.Repeat([]byte{7}, seal.KeySize)
	// today is the date the gap service evaluates on, unless a test moves
	// its clock.
	today = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
)

// logBuffer collects the JSON log lines of the services under test.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	t    *testing.T
	srv  *jsservertest.Server
	js   jetstream.JetStream
	log  *eventlog.Log
	cmd  *command.Service
	now  atomic.Pointer[time.Time] // the gap services' clock
	logs *logBuffer
	gaps []*gap.Service // running, to settle after each command
	junk bool           // SAMSPILL_GAPS holds messages that are not events
	// directory registers the directory entry of the scenario's DPS.
	directory sync.Once
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, srv: jsservertest.Start(t), logs: &logBuffer{}}
	e.now.Store(&today)
	ctx := context.Background()
	e.js = e.srv.JetStream()
	var err error
	if e.log, err = eventlog.Open(ctx, e.js, eventlog.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.EnsureStream(ctx, e.js, 1, 0); err != nil {
		t.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	// Each command is recorded a second after the one before.
	var mu sync.Mutex
	tick := today.Add(-time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); tick = tick.Add(time.Second); return tick }
	if e.cmd, err = command.NewService(e.log, keys, command.Config{Clock: clock, Location: time.UTC, Audit: audit.NewWriter(e.js, "command", nil)}); err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.cmd.Stop)
	return e
}

// start starts a gap service on the test's server and clock, with the
// system-wide rules off unless an option turns them on.
func (e *env) start(opts ...func(*gap.Config)) *gap.Service {
	e.t.Helper()
	cfg := gap.Config{Clock: func() time.Time { return *e.now.Load() }, Location: time.UTC, Reevaluate: -1, SystemInterval: -1,
		Logger:   slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Verifier: signer(e.t).Verifier(), Audit: audit.NewWriter(e.srv.JetStream(), "gap", nil)}
	for _, o := range opts {
		o(&cfg)
	}
	g, err := gap.New(context.Background(), e.srv.JetStream(), e.log, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(g.Stop)
	e.gaps = append(e.gaps, g)
	e.settle(g, 0)
	return g
}

// stop stops a gap service and forgets it.
func (e *env) stop(g *gap.Service) {
	g.Stop()
	e.gaps = slices.DeleteFunc(e.gaps, func(x *gap.Service) bool { return x == g })
}

// settle waits until g has evaluated every map changed by the log up to seq.
func (e *env) settle(g *gap.Service, seq uint64) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Settled(ctx, seq); err != nil {
		e.t.Fatal(err)
	}
}

// do executes a command, as the coordinator of the test's maps (or an
// administrator, for the directory), and waits until every running gap
// service has evaluated it, so that each command's transitions come in a
// known order.
func (e *env) do(c command.Command) command.Result {
	e.t.Helper()
	switch c.(type) {
	case *command.RegisterEntry, *command.UpdateEntry, *command.RetireEntry:
		return e.doAs(admin, c)
	}
	return e.doAs(opener, c)
}

// doAs executes a command as p and waits as do does.
func (e *env) doAs(p access.Principal, c command.Command) command.Result {
	e.t.Helper()
	r, err := e.cmd.Execute(access.WithPrincipal(context.Background(), p), c)
	if err != nil {
		e.t.Fatalf("%s: %v", c.CommandName(), err)
	}
	for _, g := range e.gaps {
		e.settle(g, r.Version)
	}
	return r
}

// transition is one message of SAMSPILL_GAPS.
type transition struct {
	Seq     uint64
	Subject string
	MsgID   string
	Env     event.Envelope
	Data    event.Data
	Raw     []byte
}

func (t transition) String() string {
	switch d := t.Data.(type) {
	case *event.GapOpened:
		return fmt.Sprintf("opened %s %v", d.Rule, d.Actors)
	case *event.GapClosed:
		return fmt.Sprintf("closed %s %v (%s)", d.Rule, d.Actors, d.Reason)
	}
	return t.Subject
}

// transitions reads SAMSPILL_GAPS from the start, as a subscriber would.
func (e *env) transitions() []transition {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, gap.Stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []transition
	if info.State.Msgs == 0 {
		return out
	}
	read := 0
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"samspill.gap.>"}})
	if err != nil {
		e.t.Fatal(err)
	}
	for uint64(read) < info.State.Msgs {
		batch, err := cons.Fetch(int(info.State.Msgs)-read, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			e.t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			read++
			md, _ := m.Metadata()
			env, d, err := event.Unmarshal(m.Data())
			if err != nil && e.junk {
				continue
			}
			if err != nil {
				e.t.Fatalf("%s: %v", m.Subject(), err)
			}
			out = append(out, transition{Seq: md.Sequence.Stream, Subject: m.Subject(), MsgID: m.Headers().Get(jetstream.MsgIDHeader), Env: env, Data: d, Raw: m.Data()})
		}
		if n == 0 {
			e.t.Fatalf("read %d of %d transitions", read, info.State.Msgs)
		}
	}
	return out
}

func d(s string) date.Date { return date.MustParse(s) }

// want is an expected transition.
type want struct {
	rule, transition string
	actors           []string
	reason           event.GapCloseReason
}

func opened(rule string, actors ...string) want { return want{rule, gap.Opened, actors, ""} }
func closed(rule string, reason event.GapCloseReason, actors ...string) want {
	return want{rule, gap.Closed, actors, reason}
}

// check compares the transitions all[from:] with the expected ones, in
// order, including their subjects, ids, numbers and data. Transitions of
// one rule that come together are in the order the service publishes them:
// openings by their sorted actors, closings by gap id.
func check(t *testing.T, mapID, municipality string, all []transition, from int, wants []want) {
	t.Helper()
	got := all[from:]
	wants = slices.Clone(wants)
	key := func(w want) string {
		a := slices.Sorted(slices.Values(w.actors))
		if w.transition == gap.Closed {
			return gaps.GapID(mapID, w.rule, a)
		}
		return strings.Join(a, "\n")
	}
	for i := 0; i < len(wants); {
		j := i + 1
		for j < len(wants) && wants[j].rule == wants[i].rule && wants[j].transition == wants[i].transition {
			j++
		}
		slices.SortStableFunc(wants[i:j], func(a, b want) int { return strings.Compare(key(a), key(b)) })
		i = j
	}
	count := map[string]int{}
	for _, tr := range all[:from] {
		count[strings.TrimPrefix(tr.Env.Subject, "gap/")]++
	}
	if len(got) != len(wants) {
		var g []string
		for _, x := range got {
			g = append(g, x.String())
		}
		t.Fatalf("%d transitions, want %d:\n%s", len(got), len(wants), strings.Join(g, "\n"))
	}
	for i, w := range wants {
		tr := got[i]
		actors := slices.Sorted(slices.Values(w.actors))
		id := gaps.GapID(mapID, w.rule, actors)
		count[id]++
		n := count[id]
		if subj := gap.Subject(municipality, mapID, w.rule, id, w.transition); tr.Subject != subj {
			t.Errorf("transition %d (%s): subject %s, want %s", i, tr, tr.Subject, subj)
		}
		if tr.MsgID != gap.MsgID(id, n) || tr.Env.CommandID != gap.TransitionID(id, n) || tr.Env.ID != gap.EventID(id, n) {
			t.Errorf("transition %d (%s): msg id %s, commandid %s, id %s; want transition %d of %s", i, tr, tr.MsgID, tr.Env.CommandID, tr.Env.ID, n, id)
		}
		if tr.Env.Subject != "gap/"+id || tr.Env.Source != gap.Source {
			t.Errorf("transition %d: envelope subject %s, source %s", i, tr.Env.Subject, tr.Env.Source)
		}
		switch dt := tr.Data.(type) {
		case *event.GapOpened:
			if w.transition != gap.Opened || dt.GapID != id || dt.Rule != w.rule || !slices.Equal(dt.Actors, actors) || dt.MapID != mapID ||
				dt.Municipality != municipality || dt.Scope != event.GapScopeMap {
				t.Errorf("transition %d: %+v, want %s %s %v", i, dt, w.transition, w.rule, actors)
			}
		case *event.GapClosed:
			if w.transition != gap.Closed || dt.GapID != id || dt.Rule != w.rule || !slices.Equal(dt.Actors, actors) || dt.MapID != mapID ||
				dt.Reason != w.reason {
				t.Errorf("transition %d: %+v, want %s %s %v %s", i, dt, w.transition, w.rule, actors, w.reason)
			}
		}
	}
}

// olaMap is the acceptance scenario: a citizen with a GP and a DPS that
// both serve him and do not work together, then the coordinator's commands
// that close the gaps. It returns the map id, the actors and the
// transitions each step must publish.
type olaMap struct {
	mapID, citizen, gp, dps string
	gpServes, dpsServes     string
	names                   []string // personal data the events must never hold
}

func (e *env) openOla() *olaMap { return e.openOlaIn("0301") }

// openOlaIn opens Ola's map in municipality.
func (e *env) openOlaIn(municipality string) *olaMap {
	o := &olaMap{names: []string{"Ola Nordmann", "Ola N.", "Dr. Hansen", "Poliklinikk Nord", "ref-ola-local", "ref-gp-local", "ref-dps-local", "ref-gp-serves"}}
	e.directory.Do(func() {
		e.do(&command.RegisterEntry{EntryID: "dps-nordre-aker", Kind: "service", Name: "DPS Nordre Aker", Sector: "specialist-mh", Municipality: "0301"})
	})
	r := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2026-05-01")}, Focus: stakeholder.FocusCitizen, Label: "Ola N.",
		Municipality: municipality, CitizenName: "Ola Nordmann", CitizenRef: "ref-ola-local"})
	o.mapID, o.citizen = r.IDs["mapId"], r.IDs["citizenId"]
	o.gp = e.do(&command.AddActor{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, Kind: "person", Level: "service",
		Sector: "primary-health", Name: "Dr. Hansen", Ref: "ref-gp-local"}).IDs["actorId"]
	o.dps = e.do(&command.AddActor{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, Kind: "service", Level: "service",
		Sector: "specialist-mh", Name: "Poliklinikk Nord", Ref: "ref-dps-local", Directory: "dps-nordre-aker"}).IDs["actorId"]
	return o
}

// openGaps runs the commands that open gaps and returns the transitions
// they publish.
func (e *env) openGaps(o *olaMap) []want {
	// The GP has served Ola since June (175 days: long-term, but no
	// contact recorded, so the relation is cold: P10).
	o.gpServes = e.do(&command.AddRelation{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: o.gp, To: o.citizen,
		Type: "serves", Quality: "good", Ref: "ref-gp-serves"}).IDs["relationId"]
	e.do(&command.RecordContact{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-20")}, RelationID: o.gpServes, Note: "Ola N. slept badly"})
	// The DPS too, and nobody connects the GP and the DPS.
	o.dpsServes = e.do(&command.AddRelation{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: o.dps, To: o.citizen,
		Type: "serves", Quality: "good"}).IDs["relationId"]
	e.do(&command.RecordContact{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-20")}, RelationID: o.dpsServes})
	return []want{
		opened("P10", o.citizen, o.gp),
		closed("P10", event.GapResolved, o.citizen, o.gp),
		opened("P1", o.gp, o.dps), // uncoordinated co-providers
		opened("P2", o.citizen),   // the citizen is the only link
		opened("P3", o.citizen),   // no coordinator
		opened("P4", o.citizen),   // no plan
		opened("P8", o.citizen),   // no peer contact (advisory)
		opened("P10", o.citizen, o.dps),
		closed("P10", event.GapResolved, o.citizen, o.dps),
	}
}

// closeGaps runs the coordinator's commands that close P1, P2 and P3.
func (e *env) closeGaps(o *olaMap) []want {
	e.do(&command.AddRelation{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-01")}, From: o.gp, To: o.dps, Type: "collaborates", Quality: "good"})
	e.do(&command.AssignCoordinator{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-10")}, ActorID: o.gp})
	return []want{
		closed("P1", event.GapResolved, o.gp, o.dps),
		closed("P2", event.GapResolved, o.citizen),
		closed("P3", event.GapResolved, o.citizen),
	}
}

func (e *env) count() uint64 {
	e.t.Helper()
	s, err := e.js.Stream(context.Background(), gap.Stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State.Msgs
}

func (e *env) head() uint64 {
	e.t.Helper()
	h, err := e.log.Head(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// TestGapsOpenAndCloseAsCommandsArrive is the acceptance test of the gap
// service: a coordinator's commands open gaps and then close them, and a
// subscriber on samspill.gap.> from the start of SAMSPILL_GAPS sees exactly
// those openings and closings, in order, with their subjects, ids, rules
// and actors. The events and the logs hold no names or local ids.
func TestGapsOpenAndCloseAsCommandsArrive(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start()
	o := e.openOla()
	wants := e.openGaps(o)
	wants = append(wants, e.closeGaps(o)...)
	got := e.transitions()
	check(t, o.mapID, "0301", got, 0, wants)

	for _, tr := range got {
		if tr.Env.ValidTime != d("2026-11-23") {
			t.Errorf("%s: validtime %s, want the evaluation date", tr, tr.Env.ValidTime)
		}
		if op, ok := tr.Data.(*event.GapOpened); ok && (op.EvaluatedAt != d("2026-11-23") || op.Position == 0 || op.Explanation.EN == "" || op.Explanation.NB == "") {
			t.Errorf("%s: %+v", tr, op)
		}
	}
	p8 := got[6].Data.(*event.GapOpened)
	if p8.Rule != "P8" || p8.Severity != event.GapAdvisory || !slices.Equal(p8.Details["specialists"].([]any), []any{o.dps}) {
		t.Errorf("P8: %+v", p8)
	}

	// Privacy: no name, label, note or document-local id anywhere in the
	// stream or the logs.
	logs := e.logs.String()
	for _, name := range append(o.names, "slept badly") {
		for _, tr := range got {
			if bytes.Contains(tr.Raw, []byte(name)) {
				t.Errorf("%s holds %q", tr, name)
			}
		}
		if strings.Contains(logs, name) {
			t.Errorf("the log holds %q", name)
		}
	}
	if !strings.Contains(logs, `"msg":"gap opened"`) || !strings.Contains(logs, `"msg":"changed maps evaluated"`) {
		t.Errorf("no gap opened in the log:\n%s", logs)
	}
}

// TestRestartPublishesNothingNew runs the scenario, then restarts the gap
// service on the same server, once resuming and once with its durable
// consumer deleted (a replay of the whole log): neither publishes anything.
func TestRestartPublishesNothingNew(t *testing.T) {
	t.Parallel()
	e := setup(t)
	g := e.start()
	o := e.openOla()
	e.openGaps(o)
	e.closeGaps(o)
	before := e.count()
	e.stop(g)

	// A command while the service is down, which changes no gap.
	e.do(&command.RecordContact{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-21")}, RelationID: o.gpServes})
	g = e.start()
	e.settle(g, e.head())
	if n := e.count(); n != before {
		t.Fatalf("restart published %d new transitions", n-before)
	}
	e.stop(g)

	if err := e.js.DeleteConsumer(context.Background(), "SAMSPILL_EVENTS", gap.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatal(err)
	}
	g = e.start()
	e.settle(g, e.head())
	if n := e.count(); n != before {
		t.Fatalf("replay from the beginning published %d new transitions", n-before)
	}
	// And it still works: a plan opens P6 and P11 and closes P4.
	forum := e.do(&command.AddActor{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-15")}, Kind: "forum", Level: "service", Sector: "governance", Name: "Ansvarsgruppe"}).IDs["actorId"]
	e.do(&command.CreatePlan{MapID: o.mapID, Meta: command.Meta{ValidTime: d("2026-11-15")}, ActorID: forum})
	check(t, o.mapID, "0301", e.transitions(), int(before), []want{
		closed("P4", event.GapResolved, o.citizen),
		opened("P6", o.dps, forum),
		opened("P6", o.gp, forum),
		opened("P11", o.citizen),
	})
}

// TestTwoInstancesPublishEachTransitionOnce runs two gap services at once
// on one log; every transition is published once.
func TestTwoInstancesPublishEachTransitionOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start()
	e.start(func(c *gap.Config) { c.Durable = "samspill-gap-2" })
	o := e.openOla()
	wants := e.openGaps(o)
	wants = append(wants, e.closeGaps(o)...)
	check(t, o.mapID, "0301", e.transitions(), 0, wants)
}

// TestTwoInstancesUnderLoad writes several maps at once, without waiting
// for the two gap services in between: whatever states they evaluate,
// every gap's transitions alternate opened and closed, numbered from 1
// without a gap or a repeat, and a third instance started afterwards finds
// nothing to publish: the stream holds exactly the current gaps.
func TestTwoInstancesUnderLoad(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start(func(c *gap.Config) { c.SettleDelay = time.Millisecond })
	e.start(func(c *gap.Config) { c.Durable = "samspill-gap-2" })
	running := e.gaps
	e.gaps = nil // do not settle after each command
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			o := e.openOla()
			e.openGaps(o)
			e.closeGaps(o)
			e.do(&command.AddActor{MapID: o.mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Kari"})
		})
	}
	wg.Wait()
	head := e.head()
	for _, g := range running {
		e.settle(g, head)
	}
	all := e.transitions()
	n := map[string]int{}
	for _, tr := range all {
		id := strings.TrimPrefix(tr.Env.Subject, "gap/")
		n[id]++
		_, isOpen := tr.Data.(*event.GapOpened)
		if isOpen != (n[id]%2 == 1) || tr.MsgID != gap.MsgID(id, n[id]) {
			t.Errorf("%s: transition %d of %s", tr, n[id], id)
		}
	}
	before := e.count()
	e.gaps = nil
	e.start(func(c *gap.Config) { c.Durable = "samspill-gap-3" })
	if after := e.count(); after != before {
		t.Fatalf("a third instance published %d transitions: the stream did not hold the current gaps", after-before)
	}
	t.Logf("%d transitions of %d gaps", len(all), len(n))
}

// TestClosedAndErasedMapsCloseTheirGaps closes one map and erases another:
// their open gaps close with the reasons map-closed and map-erased.
func TestClosedAndErasedMapsCloseTheirGaps(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start()
	for _, tc := range []struct {
		cmd    func(mapID string) command.Command
		reason event.GapCloseReason
	}{
		{func(id string) command.Command { return &command.CloseMap{MapID: id, Reason: "moved"} }, event.GapMapClosed},
		{func(id string) command.Command { return &command.EraseMap{MapID: id, Basis: "citizen-request"} }, event.GapMapErased},
	} {
		before := e.count()
		o := e.openOla()
		e.openGaps(o)
		e.do(tc.cmd(o.mapID))
		check(t, o.mapID, "0301", e.transitions(), int(before)+9, []want{
			closed("P1", tc.reason, o.gp, o.dps),
			closed("P2", tc.reason, o.citizen),
			closed("P3", tc.reason, o.citizen),
			closed("P4", tc.reason, o.citizen),
			closed("P8", tc.reason, o.citizen),
		})
	}
}

// TestDailyReevaluationOpensColdRelations moves the clock 61 days on with
// no new events: the daily re-evaluation finds the relations cold (P10)
// and participation unassessed for more than 180 days (P11).
func TestDailyReevaluationOpensColdRelations(t *testing.T) {
	t.Parallel()
	e := setup(t)
	g := e.start()
	o := e.openOla()
	e.openGaps(o)
	e.closeGaps(o)
	before := e.count()
	later := today.AddDate(0, 0, 61)
	e.now.Store(&later)
	if n := e.count(); n != before {
		t.Fatal("moving the clock published something before any evaluation")
	}
	if err := g.Reevaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := e.transitions()
	check(t, o.mapID, "0301", all, int(before), []want{
		opened("P10", o.citizen, o.dps),
		opened("P10", o.citizen, o.gp), // the coordinator too
		opened("P11", o.citizen),
	})
	for _, tr := range all[before : before+2] {
		if p10 := tr.Data.(*event.GapOpened); p10.Details["days"] != 64.0 || p10.EvaluatedAt != d("2027-01-23") {
			t.Errorf("P10: %+v", p10)
		}
	}
	// Again on the same day: nothing new.
	if err := g.Reevaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.count(); n != before+3 {
		t.Fatalf("a second re-evaluation on the same day published %d", n-before-3)
	}
}

// TestReevaluationWhenTheDateChanges checks that the service re-evaluates
// every map on its own when the date changes, well before Reevaluate.
func TestReevaluationWhenTheDateChanges(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start(func(c *gap.Config) { c.Reevaluate = time.Hour })
	o := e.openOla()
	e.openGaps(o)
	before := e.count()
	later := today.AddDate(0, 0, 200)
	e.now.Store(&later)
	deadline := time.Now().Add(10 * time.Second)
	for e.count() == before {
		if time.Now().After(deadline) {
			t.Fatal("no re-evaluation within 10 s of the date change")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMalformedMessagesAreSkipped puts messages that are not events on
// both streams: the service logs and skips them, and goes on.
func TestMalformedMessagesAreSkipped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.junk = true
	e.stop(e.start()) // creates SAMSPILL_GAPS
	junkMap := "samspill.map." + uuid.NewString() + ".actor_added"
	junkGap := gap.Subject("0301", uuid.NewString(), "P1", "0123456789abcdef", gap.Opened)
	for _, subj := range []string{junkMap, junkGap} {
		if _, err := e.js.Publish(context.Background(), subj, []byte(`{"not":"an event"}`)); err != nil {
			t.Fatal(err)
		}
	}
	g := e.start()
	o := e.openOla()
	wants := e.openGaps(o) // before reading the stream
	check(t, o.mapID, "0301", e.transitions(), 0, wants)
	// Junk as the last message of the log: the service still catches up.
	if _, err := e.js.Publish(context.Background(), junkMap, []byte(`not json`)); err != nil {
		t.Fatal(err)
	}
	e.stop(g)
	e.start()
	logs := e.logs.String()
	for _, want := range []string{"skipping malformed event", "skipping malformed gap transition"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no %q in the log", want)
		}
	}
}

// TestQueries asks for open gaps over NATS and HTTP.
func TestQueries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	g := e.start()
	o := e.openOla()
	e.openGaps(o)
	nc := e.srv.Conn()
	m, err := g.AddMicro(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	// An integration that may read every map and area reaches every
	// refusal of a malformed or unknown query (TestAccessPerRole shows
	// who else may ask).
	ask := func(q string) (*gap.Answer, string) {
		t.Helper()
		msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), reader), "", gap.QuerySubject, q)
		if code := msg.Header.Get("Nats-Service-Error-Code"); code != "" {
			return nil, code
		}
		var a gap.Answer
		if err := json.Unmarshal(msg.Data, &a); err != nil {
			t.Fatal(err)
		}
		return &a, ""
	}
	a, code := ask(`{"mapId":"` + o.mapID + `","lang":"nb"}`)
	if code != "" || len(a.Gaps) != 5 || a.Gaps[0].Rule != "P1" || !strings.HasPrefix(a.Gaps[0].Explanation, "Primærhelsetjenesten") {
		t.Fatalf("map query: %s %+v", code, a)
	}
	if a, code = ask(`{"municipality":"0301"}`); code != "" || len(a.Gaps) != 5 || !strings.HasPrefix(a.Gaps[0].Explanation, "Primary health care") {
		t.Fatalf("area query: %s %+v", code, a)
	}
	for q, want := range map[string]string{
		`{"mapId":"` + uuid.NewString() + `"}`:    "404",
		`{"mapId":"not-a-map"}`:                   "400",
		`{"municipality":"9999"}`:                 "404",
		`{"municipality":"Oslo"}`:                 "400",
		`{"mapId":"` + o.mapID + `","lang":"de"}`: "400",
		`{"colour":"red"}`:                        "400",
		`{}`:                                      "400",
	} {
		if _, code := ask(q); code != want {
			t.Errorf("%s: %q, want %s", q, code, want)
		}
	}

	h := accesstest.Bearer(t, signer(t), reader, g.Handler())
	for url, want := range map[string]int{
		"/v1/maps/" + o.mapID + "/gaps":            200,
		"/v1/maps/" + o.mapID + "/gaps?lang=nb":    200,
		"/v1/areas/0301/gaps":                      200,
		"/v1/maps/" + uuid.NewString() + "/gaps":   404,
		"/v1/maps/not-a-map/gaps":                  400,
		"/v1/maps/" + o.mapID + "/gaps?lang=sv":    400,
		"/v1/maps/" + o.mapID + "/gaps?colour=red": 400,
		"/v1/areas/9999/gaps":                      404,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", url, rec.Code, want)
		}
		if want != 200 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %s is not a problem", url, rec.Header().Get("Content-Type"))
		}
	}
}

// TestStreamAndSubjects checks the stream's configuration and that the
// documented filters select what they promise.
func TestStreamAndSubjects(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.start()
	o := e.openOla()
	e.openGaps(o)
	ctx := context.Background()
	s, err := e.js.Stream(ctx, gap.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := info.Config; c.Storage != jetstream.FileStorage || !c.DenyDelete || !c.DenyPurge || c.Duplicates != 24*time.Hour {
		t.Errorf("stream config %+v", c)
	}
	countOf := func(filter string) int {
		n := 0
		for _, tr := range e.transitions() {
			if subjectMatches(filter, tr.Subject) {
				n++
			}
		}
		return n
	}
	for filter, want := range map[string]int{
		"samspill.gap.>":                   9,
		"samspill.gap.0301.>":              9,
		"samspill.gap.3203.>":              0,
		"samspill.gap.*." + o.mapID + ".>": 9,
		"samspill.gap.*.*.P10.>":           4,
		"samspill.gap.*.*.*.*.opened":      7,
		"samspill.gap.*.*.*.*.closed":      2,
		"samspill.gap.*.system.>":          0,
	} {
		if got := countOf(filter); got != want {
			t.Errorf("%s: %d, want %d", filter, got, want)
		}
	}
	// The same with a real subscription by the server.
	sub, err := e.srv.Conn().SubscribeSync("samspill.gap.*.*.P3.>")
	if err != nil {
		t.Fatal(err)
	}
	e.closeGaps(o)
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil || !strings.HasSuffix(msg.Subject, ".closed") {
		t.Fatalf("live subscription to P3: %v %v", msg, err)
	}
}

// subjectMatches reports whether a NATS subject matches a filter.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || tok != "*" && tok != s[i] {
			return false
		}
	}
	return len(f) == len(s)
}

// TestSystemRules wires the system-wide rules: five citizens of one
// municipality share a GP office and a DPS that do not work together on
// their maps (S1, shared caseload without collaboration); once three of
// the five maps record a collaboration, S1 closes. System gaps are
// published under samspill.gap.<municipality>.system.<rule>.<gapId>, with
// directory ids as actors, each transition once, also across a restart.
func TestSystemRules(t *testing.T) {
	t.Parallel()
	e := setup(t)
	fast := func(c *gap.Config) { c.SystemInterval = time.Millisecond }
	g := e.start(fast)
	e.do(&command.RegisterEntry{EntryID: "legekontor-sentrum", Kind: "service", Name: "Legekontoret Sentrum", Sector: "primary-health", Municipality: "0301"})
	e.do(&command.RegisterEntry{EntryID: "dps-nordre-aker", Kind: "service", Name: "DPS Nordre Aker", Sector: "specialist-mh", Municipality: "0301"})
	type citizen struct{ mapID, gp, dps string }
	var cs []citizen
	for i := range 5 {
		r := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2026-05-01")}, Focus: stakeholder.FocusCitizen, Label: fmt.Sprintf("Person %d", i), Municipality: "0301"})
		c := citizen{mapID: r.IDs["mapId"]}
		add := func(sector stakeholder.Sector, dir string) string {
			return e.do(&command.AddActor{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, Kind: "service", Level: "service",
				Sector: sector, Name: "Someone", Directory: dir}).IDs["actorId"]
		}
		c.gp, c.dps = add("primary-health", "legekontor-sentrum"), add("specialist-mh", "dps-nordre-aker")
		for _, a := range []string{c.gp, c.dps} {
			rel := e.do(&command.AddRelation{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-06-01")}, From: a, To: r.IDs["citizenId"], Type: "serves", Quality: "good"}).IDs["relationId"]
			e.do(&command.RecordContact{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-11-20")}, RelationID: rel})
		}
		cs = append(cs, c)
	}
	pair := []string{"dps-nordre-aker", "legekontor-sentrum"}
	s1 := gaps.GapID("system/0301", "S1", pair)
	history := func() []transition {
		var out []transition
		for _, tr := range e.transitions() {
			if strings.HasPrefix(tr.Subject, "samspill.gap.0301.system.") {
				out = append(out, tr)
			}
		}
		return out
	}
	find := func(trs []transition, id string) []transition {
		var out []transition
		for _, tr := range trs {
			if strings.TrimPrefix(tr.Env.Subject, "gap/") == id {
				out = append(out, tr)
			}
		}
		return out
	}
	opened := find(history(), s1)
	if len(opened) != 1 {
		t.Fatalf("S1 for the GP office and the DPS: %v", opened)
	}
	op := opened[0].Data.(*event.GapOpened)
	if op.Scope != event.GapScopeSystem || op.MapID != "" || op.Municipality != "0301" || !slices.Equal(op.Actors, pair) ||
		opened[0].Subject != gap.Subject("0301", "", "S1", s1, gap.Opened) || op.Details["shared"] != 5.0 {
		t.Fatalf("S1 opened: %s %+v", opened[0].Subject, op)
	}
	for _, c := range cs[:3] {
		e.do(&command.AddRelation{MapID: c.mapID, Meta: command.Meta{ValidTime: d("2026-11-01")}, From: c.gp, To: c.dps, Type: "collaborates", Quality: "good"})
	}
	trs := find(history(), s1)
	if len(trs) != 2 || trs[1].Data.(*event.GapClosed).Reason != event.GapResolved || trs[1].MsgID != gap.MsgID(s1, 2) {
		t.Fatalf("S1 after three maps record a collaboration: %v", trs)
	}
	// Every system gap alternates opened and closed, numbered from 1.
	all := history()
	n := map[string]int{}
	for _, tr := range all {
		id := strings.TrimPrefix(tr.Env.Subject, "gap/")
		n[id]++
		wantOpen := n[id]%2 == 1
		if _, isOpen := tr.Data.(*event.GapOpened); isOpen != wantOpen || tr.MsgID != gap.MsgID(id, n[id]) {
			t.Errorf("%s: transition %d of %s", tr, n[id], id)
		}
	}
	// The area query shows the open system gaps with the maps' gaps.
	analyst := access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "0301"}
	ans, err := g.Gaps(access.WithPrincipal(context.Background(), analyst), gap.Query{Municipality: "0301"})
	if err != nil {
		t.Fatal(err)
	}
	system := 0
	for _, og := range ans.Gaps {
		if og.Scope == event.GapScopeSystem {
			system++
		}
	}
	if want := len(all) - 2*(len(all)-len(n)); system != want {
		t.Errorf("the area query shows %d system gaps; %d are open", system, want)
	}
	e.stop(g)
	before := e.count()
	e.start(fast)
	if after := e.count(); after != before {
		t.Fatalf("a restart published %d system transitions", after-before)
	}
}
