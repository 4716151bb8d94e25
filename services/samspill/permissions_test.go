package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/picture/picture"
)

// asyncErrors collects the errors the server reports on one connection
// (permission violations among them).
type asyncErrors struct {
	mu   sync.Mutex
	errs []error
	c    chan struct{}
}

func newAsyncErrors() *asyncErrors { return &asyncErrors{c: make(chan struct{}, 100)} }

func (a *asyncErrors) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.mu.Unlock()
	a.c <- struct{}{}
}

func (a *asyncErrors) all() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]error(nil), a.errs...)
}

// violation waits for the server's permissions violation naming subject.
func (a *asyncErrors) violation(t *testing.T, what, subject string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		for _, err := range a.all() {
			if isViolation(err) && strings.Contains(err.Error(), subject) {
				t.Logf("%s: refused: %v", what, err)
				return
			}
		}
		select {
		case <-a.c:
		case <-deadline:
			t.Fatalf("%s: no permissions violation for %s; errors: %v", what, subject, a.all())
		}
	}
}

func isViolation(err error) bool {
	return errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation")
}

// TestUpServicesUnderTheirOwnCredentials starts the command, graph and gap
// services on a real embedded JetStream server, each as its own NATS user
// (pkg/natsperm), shows that each does its work without a single
// permission violation, and then that each is refused, and that nothing
// refused reaches a stream, when it publishes or subscribes outside its
// subjects or uses a JetStream API it has no right to.
func TestUpServicesUnderTheirOwnCredentials(t *testing.T) {
	srv := jsservertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	key, err := seal.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	conn := func(user string) (*nats.Conn, *asyncErrors) {
		t.Helper()
		errs := newAsyncErrors()
		nc, err := srv.Connect(user, nats.ErrorHandler(errs.handler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc, errs
	}

	// The audit stream is the access service's; here the test makes it.
	if _, err := audit.EnsureStream(ctx, srv.JetStream(), 1, 0); err != nil {
		t.Fatal(err)
	}
	signer := accesstest.Signer(t, 7, nil)
	recorder := func(nc *nats.Conn, service string) access.Recorder {
		t.Helper()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return audit.NewWriter(js, service, nil)
	}
	cnc, cerrs := conn(natsperm.Command)
	cmds, err := command.Boot(ctx, cnc, command.Options{MasterKey: key, Replicas: 1, Logger: logger,
		Verifier: signer.Verifier(), Audit: recorder(cnc, "command")})
	if err != nil {
		t.Fatalf("command service as %s: %v", natsperm.Command, err)
	}
	defer cmds.Stop()
	gnc, gerrs := conn(natsperm.Graph)
	graphs, err := graph.Boot(ctx, gnc, graph.Options{MasterKey: key, Replicas: 1, Logger: logger,
		Verifier: signer.Verifier(), Audit: recorder(gnc, "graph")})
	if err != nil {
		t.Fatalf("graph service as %s: %v", natsperm.Graph, err)
	}
	defer func() { _ = graphs.Stop(context.Background()) }()
	pnc, perrs := conn(natsperm.Gap)
	gaps, err := gap.Boot(ctx, pnc, gap.Config{Replicas: 1, Logger: logger,
		Verifier: signer.Verifier(), Audit: recorder(pnc, "gap")})
	if err != nil {
		t.Fatalf("gap service as %s: %v", natsperm.Gap, err)
	}
	defer gaps.Stop()

	// The table names what the services call their streams, consumers and
	// endpoints; if one is renamed, the table must follow.
	for _, c := range []struct{ table, code string }{
		{natsperm.GraphDurable, graph.Durable}, {natsperm.GraphBucket, graph.SnapshotBucket}, {natsperm.Graph, graph.MicroName},
		{natsperm.GapDurable, gap.Durable}, {natsperm.GapStream, gap.Stream}, {natsperm.Gap, gap.MicroName},
		{natsperm.Command, command.MicroName}, {natsperm.EventStream, cmds.Log.Stream()},
		{natsperm.PictureDurable, picture.Durable}, {natsperm.PictureBucket, picture.Bucket}, {natsperm.Picture, picture.MicroName},
	} {
		if c.table != c.code {
			t.Errorf("pkg/natsperm says %s where the code says %s", c.table, c.code)
		}
	}
	for _, s := range []struct {
		user      string
		endpoints []string
	}{
		{natsperm.Command, microSubjects(cmds.Micro.Info().Endpoints)},
		{natsperm.Graph, microSubjects(graphs.Micro.Info().Endpoints)},
		{natsperm.Gap, microSubjects(gaps.Micro.Info().Endpoints)},
	} {
		u, _ := natsperm.Lookup(s.user)
		for _, subj := range s.endpoints {
			if !u.MaySubscribe(subj) {
				t.Errorf("%s answers %s, which pkg/natsperm does not let it subscribe to", s.user, subj)
			}
		}
	}

	// Each works: a client (anonymous: the command line's user) opens a
	// map whose GP and DPS do not work together, through the command
	// service; the graph service answers the map; the gap service
	// publishes the P1 gap and answers it.
	cli, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	gapEvents, err := cli.SubscribeSync("samspill.gap.>")
	if err != nil {
		t.Fatal(err)
	}
	assertion, _, err := signer.Sign(access.Principal{Subject: "user:test", Role: access.Coordinator, Municipality: "3203"})
	if err != nil {
		t.Fatal(err)
	}
	request := func(subject string, body string) map[string]any {
		t.Helper()
		msg := nats.NewMsg(subject)
		msg.Data = []byte(body)
		msg.Header.Set(access.HeaderAssertion, assertion)
		reply, err := cli.RequestMsgWithContext(ctx, msg)
		if err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
		if code := reply.Header.Get("Nats-Service-Error-Code"); code != "" {
			t.Fatalf("%s: %s %s", subject, code, reply.Data)
		}
		var out map[string]any
		if err := json.Unmarshal(reply.Data, &out); err != nil {
			t.Fatalf("%s: %v: %s", subject, err, reply.Data)
		}
		return out
	}
	ids := func(res map[string]any) map[string]any { return res["ids"].(map[string]any) }
	res := request("samspill.cmd.open_map", `{"focus":"citizen","label":"Test T.","municipality":"3203","validTime":"2024-01-01"}`)
	mapID, citizen := ids(res)["mapId"].(string), ids(res)["citizenId"].(string)
	for _, sector := range []string{"primary-health", "specialist-mh"} {
		res := request("samspill.cmd.add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":%q,"name":"X","validTime":"2024-01-01"}`, mapID, sector))
		request("samspill.cmd.add_relation", fmt.Sprintf(`{"mapId":%q,"from":%q,"to":%q,"type":"serves","quality":"good","validTime":"2024-01-01"}`, mapID, ids(res)["actorId"], citizen))
	}
	head, err := cmds.Log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := graphs.Service.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if m := request("samspill.query.map", fmt.Sprintf(`{"mapId":%q}`, mapID)); len(actors(m)) != 3 {
		t.Errorf("samspill.query.map: %d actors, want the citizen and two services", len(actors(m)))
	}
	// The map is evaluated as its events arrive, so other rules may open
	// (and close) on the way: P1 opens once both services serve the
	// citizen.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ev, err := gapEvents.NextMsg(time.Until(deadline))
		if err != nil {
			t.Fatalf("the gap service published no P1 of %s: %v", mapID, err)
		}
		if !strings.HasPrefix(ev.Subject, "samspill.gap.3203."+mapID+".") {
			t.Errorf("gap event on %s, want one of %s", ev.Subject, mapID)
		}
		if strings.HasPrefix(ev.Subject, "samspill.gap.3203."+mapID+".P1.") && strings.HasSuffix(ev.Subject, ".opened") {
			break
		}
	}
	request("samspill.query.gaps", fmt.Sprintf(`{"mapId":%q}`, mapID))
	for name, errs := range map[string]*asyncErrors{natsperm.Command: cerrs, natsperm.Graph: gerrs, natsperm.Gap: perrs} {
		if e := errs.all(); len(e) != 0 {
			t.Errorf("%s had errors while doing its work: %v", name, e)
		}
	}

	// The stream as the admin sees it, before the refusals.
	js := srv.JetStream()
	events, err := js.Stream(ctx, natsperm.EventStream)
	if err != nil {
		t.Fatal(err)
	}
	count := func(name string) uint64 {
		t.Helper()
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	before := count(natsperm.EventStream)

	// Publications outside the services' subjects are refused.
	forged := "samspill.map." + mapID + ".actor_added"
	if err := gnc.Publish(forged, []byte(`{"forged":true}`)); err != nil {
		t.Fatal(err)
	}
	gerrs.violation(t, "graph publishes an event", forged)
	pjs, err := jetstream.New(pnc)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	if _, err := pjs.Publish(short, "samspill.directory.x.entry_registered", []byte(`{}`)); err == nil {
		t.Error("the gap service appended a directory event")
	}
	cancelShort()
	perrs.violation(t, "gap appends a directory event", "samspill.directory.x.entry_registered")
	if err := pnc.Publish("samspill.cmd.erase_map", []byte(fmt.Sprintf(`{"mapId":%q,"basis":"consent-withdrawn"}`, mapID))); err != nil {
		t.Fatal(err)
	}
	perrs.violation(t, "gap sends a command", "samspill.cmd.erase_map")
	forgedGap := "samspill.gap.3203." + mapID + ".P1.g1.closed"
	if err := cnc.Publish(forgedGap, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	cerrs.violation(t, "command publishes a gap event", forgedGap)

	// Subscriptions outside are refused.
	if _, err := pnc.SubscribeSync("samspill.cmd.>"); err != nil {
		t.Fatal(err)
	}
	perrs.violation(t, "gap subscribes to commands", "samspill.cmd.>")
	if _, err := gnc.SubscribeSync("_INBOX_command.>"); err != nil {
		t.Fatal(err)
	}
	gerrs.violation(t, "graph subscribes to the command service's inbox", "_INBOX_command.>")
	if _, err := gnc.QueueSubscribeSync("samspill.query.gaps", "q"); err != nil {
		t.Fatal(err)
	}
	gerrs.violation(t, "graph takes the gap service's queries", "samspill.query.gaps")

	// JetStream APIs outside are refused: the gap service, which never
	// reads personal fields, may not read map keys, and the graph service
	// may not delete the gap service's consumer or purge the log.
	short, cancelShort = context.WithTimeout(ctx, 2*time.Second)
	if _, err := pjs.KeyValue(short, natsperm.KeyBucket); err == nil {
		t.Error("the gap service bound the map-key bucket")
	}
	cancelShort()
	perrs.violation(t, "gap reads the map keys", "$JS.API.STREAM.INFO.KV_SAMSPILL_MAP_KEYS")
	gjs, err := jetstream.New(gnc)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort = context.WithTimeout(ctx, 2*time.Second)
	if err := gjs.DeleteConsumer(short, natsperm.EventStream, natsperm.GapDurable); err == nil {
		t.Error("the graph service deleted the gap service's consumer")
	}
	cancelShort()
	gerrs.violation(t, "graph deletes the gap service's consumer", "$JS.API.CONSUMER.DELETE.SAMSPILL_EVENTS.samspill-gap")

	// Nothing refused was stored. An allowed append after the refusals
	// (its ack means the log has taken everything before it) makes the
	// count exact.
	request("samspill.cmd.add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"person","level":"individual","sector":"informal","name":"Y","validTime":"2024-01-01"}`, mapID))
	if after := count(natsperm.EventStream); after != before+1 {
		t.Errorf("SAMSPILL_EVENTS holds %d events, want %d: a refused publication was stored", after, before+1)
	}
	if m, err := events.GetLastMsgForSubject(ctx, forged); err != nil || strings.Contains(string(m.Data), "forged") {
		t.Errorf("%s: %v, want the allowed actor_added, not the forged one", forged, err)
	}
	if _, err := events.GetLastMsgForSubject(ctx, "samspill.directory.x.entry_registered"); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("samspill.directory.x.entry_registered: %v, want no message", err)
	}
	gapStream, err := js.Stream(ctx, natsperm.GapStream)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gapStream.GetLastMsgForSubject(ctx, forgedGap); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("%s: %v, want no message", forgedGap, err)
	}
	// The map was not erased: the command never reached the service.
	if m := request("samspill.query.map", fmt.Sprintf(`{"mapId":%q}`, mapID)); m["erased"] == true {
		t.Error("the map was erased by the gap service's command")
	}
}

// actors are the actors of a samspill.query.map answer.
func actors(answer map[string]any) []any {
	doc, _ := answer["document"].(map[string]any)
	as, _ := doc["actors"].([]any)
	return as
}

func microSubjects(eps []micro.EndpointInfo) []string {
	out := make([]string, len(eps))
	for i, e := range eps {
		out[i] = e.Subject
	}
	return out
}
