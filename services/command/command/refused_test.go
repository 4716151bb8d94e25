package command_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
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
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
)

// A full disk or a refused write fails the command cleanly, with nothing
// half-written (issue 8). Each case makes JetStream refuse the command
// service's writes in one way, sends three commands over NATS and over
// HTTP — add_actor (one event), the import of a map document (an atomic
// batch of events, after the map's key) and open_map (the map's key, then
// its event) — and checks that each is answered 503 with a detail naming
// the cause, that the log is as before (no event, no part of a batch),
// and what the audit trail and the key bucket hold. Then it makes room
// and sends each command again with the same commandId: it is stored
// once (201), and a further copy is answered as a duplicate.

// storeLimit is the JetStream storage of the cases that fill the server
// (jsserver.Config.MaxStore).
const storeLimit = 1 << 20

// fillerStream takes the bytes that fill the server's storage.
const fillerStream = "FILLER"

// refusal is one way JetStream refuses the command service's writes.
type refusal struct {
	name string
	cfg  jsserver.Config
	// user is the command service's NATS user once the map is written
	// (natsperm.Command when empty), timeout its JetStream timeout (the
	// client's default when 0).
	user    string
	timeout time.Duration
	// refuse makes JetStream refuse; it runs before every attempt.
	refuse func(h *refusedHarness)
	// room makes room again, once, before the retries.
	room func(h *refusedHarness)
	// detail is what the problem's detail must say.
	detail string
	// audited: the guard's decision was stored before the write was
	// refused, so each attempt leaves one allowed record in the trail;
	// otherwise none.
	audited bool
	// orphanKey: the key bucket took the new map's key before its events
	// were refused (open_map and the import).
	orphanKey bool
}

// noLog is the command service's NATS user without the right to publish
// to the event log: everything else of natsperm.Command.
func noLog() natsperm.User {
	u, _ := natsperm.Lookup(natsperm.Command)
	u.Name = "command-no-log"
	u.Inbox = "_INBOX_" + u.Name
	u.Publish.Allow = slices.DeleteFunc(slices.Clone(u.Publish.Allow), func(s string) bool {
		return strings.HasPrefix(s, "samspill.map.") || strings.HasPrefix(s, "samspill.directory.")
	})
	u.Subscribe.Allow = slices.DeleteFunc(slices.Clone(u.Subscribe.Allow), func(s string) bool { return strings.HasPrefix(s, "_INBOX_") })
	u.Subscribe.Allow = append(u.Subscribe.Allow, u.Inbox+".>")
	return u
}

func refusals() []refusal {
	const full = "JetStream's storage is full"
	return []refusal{{
		// The server's storage is used up: the first write of a command,
		// its audit record, is refused, so the command is not executed.
		name:   "disk full",
		cfg:    jsserver.Config{MaxStore: storeLimit},
		refuse: func(h *refusedHarness) { h.fill(true) },
		room:   func(h *refusedHarness) { h.purgeFiller() },
		detail: "the decision could not be audited: " + full + " (insufficient resources)",
	}, {
		// The storage fills up with the command's audit record: the next
		// write, the event or the new map's key, is refused.
		name:    "disk full after the audit record",
		cfg:     jsserver.Config{MaxStore: storeLimit},
		refuse:  func(h *refusedHarness) { h.fill(false) },
		room:    func(h *refusedHarness) { h.purgeFiller() },
		detail:  full + " (insufficient resources); no event of the command was stored",
		audited: true,
	}, {
		// SAMSPILL_EVENTS reaches its MaxBytes (discard new): the audit
		// record and the key are stored, the events refused.
		name:      "event log full",
		refuse:    func(h *refusedHarness) { h.limit(natsperm.EventStream, 0) },
		room:      func(h *refusedHarness) { h.limit(natsperm.EventStream, -1) },
		detail:    full + " (maximum bytes exceeded); no event of the command was stored",
		audited:   true,
		orphanKey: true,
	}, {
		// SAMSPILL_AUDIT reaches a MaxBytes: the command is not executed.
		name:   "audit trail full",
		refuse: func(h *refusedHarness) { h.limit(audit.Stream, 0) },
		room:   func(h *refusedHarness) { h.limit(audit.Stream, -1) },
		detail: "the decision could not be audited: " + full + " (maximum bytes exceeded)",
	}, {
		// The service's NATS user may not publish to the log: the server
		// drops the publish and reports a permissions violation on the
		// connection; the publish has no answer. Room is an instance with
		// the right user.
		name:      "publish to the log not permitted",
		cfg:       jsserver.Config{Users: []natsperm.User{noLog()}},
		user:      noLog().Name,
		timeout:   300 * time.Millisecond,
		refuse:    func(*refusedHarness) {},
		room:      func(h *refusedHarness) { h.serve(natsperm.Command, 0) },
		detail:    "JetStream did not answer in time, so the command may or may not be stored: send it again, with the same commandId",
		audited:   true,
		orphanKey: true,
	}}
}

func TestRefusedWrites(t *testing.T) {
	src, err := os.ReadFile("../../../pkg/mapdoc/testdata/example-map.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range refusals() {
		t.Run(rc.name, func(t *testing.T) {
			h := newRefusedHarness(t, rc)
			cmds := []refusedCommand{{
				name: "add_actor", id: "0b7e5a3c-8f21-4d6a-9c3e-5a1f2b7d9e40", mapID: h.mapID,
				body: `{"commandId":"0b7e5a3c-8f21-4d6a-9c3e-5a1f2b7d9e40","mapId":"` + h.mapID + `","kind":"person","level":"service","sector":"peer","name":"Kari"}`,
			}, {
				name: command.ImportName, id: "5d2c8e1a-7b3f-4e9d-a6c2-8f4b1e3d7a95", mapID: parseDoc(t, src).ID,
				body: string(src),
			}, {
				name: "open_map", id: "9a4f6c2e-1d8b-4a7e-b3f5-7c2e9a1d4b86", mapID: "3e8b1f5a-6c2d-4f9e-8a7b-1d5c3e9f2a64",
				body: `{"commandId":"9a4f6c2e-1d8b-4a7e-b3f5-7c2e9a1d4b86","mapId":"3e8b1f5a-6c2d-4f9e-8a7b-1d5c3e9f2a64","focus":"citizen","label":"Kari N.","municipality":"3203"}`,
			}}
			before := h.logState()
			ours := h.events(h.mapID)
			for _, c := range cmds {
				for _, over := range []string{"NATS", "HTTP"} {
					h.refuse()
					trail := h.trail(c.mapID)
					var status int
					var detail, code string
					if over == "NATS" {
						status, code, detail = h.refusedOverNATS(c)
					} else {
						status, code, detail = h.refusedOverHTTP(c)
					}
					if status != http.StatusServiceUnavailable || code != "unavailable" || !strings.Contains(detail, rc.detail) {
						t.Fatalf("%s over %s: %d %s %q, want 503 unavailable %q", c.name, over, status, code, detail, rc.detail)
					}
					t.Logf("%s over %s: %d %s", c.name, over, status, detail)
					if after := h.logState(); after != before {
						t.Fatalf("%s over %s: the log moved from %+v to %+v", c.name, over, before, after)
					}
					if got := h.events(h.mapID); !slices.Equal(got, ours) {
						t.Fatalf("%s over %s: map %s holds %v, before %v", c.name, over, h.mapID, got, ours)
					}
					if c.mapID != h.mapID {
						if got := h.events(c.mapID); len(got) != 0 {
							t.Fatalf("%s over %s: new map %s holds %v", c.name, over, c.mapID, got)
						}
						if got := h.hasKey(c.mapID); got != rc.orphanKey {
							t.Fatalf("%s over %s: map %s has a key: %v, want %v", c.name, over, c.mapID, got, rc.orphanKey)
						}
					}
					added := h.trail(c.mapID)[len(trail):]
					switch {
					case !rc.audited && len(added) != 0:
						t.Fatalf("%s over %s: the trail took %+v though the decision could not be audited", c.name, over, added)
					case rc.audited && (len(added) != 1 || added[0].Outcome != audit.Allowed || added[0].Operation != "cmd."+c.name):
						t.Fatalf("%s over %s: the trail took %+v, want the allowed decision", c.name, over, added)
					}
				}
			}
			if rc.user != "" && !h.violated("samspill.map.") {
				t.Fatal("the server reported no permissions violation on the log's subjects")
			}

			rc.room(h)
			total := before.msgs
			for _, c := range cmds {
				res, dup := h.retried(c)
				want := uint64(1)
				if c.name == command.ImportName {
					want = uint64(len(res.Steps))
				}
				total += want
				if res.CommandID != c.id || res.Duplicate || res.Version != before.last+total-before.msgs {
					t.Fatalf("%s after room: %+v", c.name, res)
				}
				if !dup.Duplicate || dup.Version != res.Version || dup.CommandID != c.id {
					t.Fatalf("%s sent a third time: %+v, want the duplicate of %+v", c.name, dup, res)
				}
				n := uint64(0)
				for _, id := range h.events(c.mapID) {
					if id == c.id {
						n++
					}
				}
				if n != want {
					t.Fatalf("%s: %d events of the command in map %s, want %d", c.name, n, c.mapID, want)
				}
			}
			if after := h.logState(); after.msgs != total || after.last != before.last+total-before.msgs {
				t.Fatalf("the log holds %+v after the retries, want %d events", after, total)
			}
			if got := h.events(h.mapID); len(got) != len(ours)+1 || !slices.Equal(got[:len(ours)], ours) {
				t.Fatalf("map %s holds %v, before %v", h.mapID, got, ours)
			}
		})
	}
}

// refusedCommand is one command of the test: its endpoint, commandId,
// map and JSON body (the map document, for the import).
type refusedCommand struct {
	name, id, mapID, body string
}

// refusedHarness is a server, the command service on it, and what the
// test reads with the admin user.
type refusedHarness struct {
	t     *testing.T
	rc    refusal
	srv   *jsservertest.Server
	js    jetstream.JetStream // the admin's
	log   *eventlog.Log       // the admin's view of the log
	nc    *nats.Conn          // the admin's, the NATS client of the commands
	micro micro.Service
	http  *httptest.Server

	mu         sync.Mutex
	violations []string // permissions violations of the service's connection
	mapID      string   // the map add_actor writes to
}

func newRefusedHarness(t *testing.T, rc refusal) *refusedHarness {
	t.Helper()
	h := &refusedHarness{t: t, rc: rc, srv: jsservertest.StartWith(t, rc.cfg)}
	auditStream(t, h.srv)
	h.js, h.nc = h.srv.JetStream(), h.srv.Conn()
	svc := h.serve(natsperm.Command, 0)
	ctx := context.Background()
	var err error
	if h.log, err = eventlog.Bind(ctx, h.js, eventlog.Config{}); err != nil {
		t.Fatal(err)
	}
	if rc.cfg.MaxStore > 0 {
		if _, err := h.js.CreateStream(ctx, jetstream.StreamConfig{Name: fillerStream, Subjects: []string{"filler"}, Storage: jetstream.FileStorage}); err != nil {
			t.Fatal(err)
		}
	}
	// The import's directory entry, and a map with an actor, written
	// before JetStream refuses anything.
	for _, c := range []struct {
		ctx context.Context
		cmd command.Command
	}{
		{as(admin), &command.RegisterEntry{EntryID: "legekontor-grorud", Kind: "service", Name: "Legekontoret Grorud", Sector: "primary-health", Municipality: "0301"}},
		{as(coordinator), &command.OpenMap{Focus: "citizen", Label: "Ola N.", Municipality: "3203"}},
	} {
		res, err := svc.Execute(c.ctx, c.cmd)
		if err != nil {
			t.Fatal(err)
		}
		h.mapID = res.IDs["mapId"]
	}
	if _, err := svc.Execute(as(coordinator), &command.AddActor{MapID: h.mapID, Kind: "person", Level: "service", Sector: "peer", Name: "Per"}); err != nil {
		t.Fatal(err)
	}
	if rc.user != "" {
		h.serve(rc.user, rc.timeout)
	}
	return h
}

// serve starts the command service as user, on NATS and over HTTP,
// replacing the one before.
func (h *refusedHarness) serve(user string, timeout time.Duration) *command.Service {
	h.t.Helper()
	if h.micro != nil {
		_ = h.micro.Stop()
		h.http.Close()
	}
	ctx := context.Background()
	nc := h.srv.ConnAs(user, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.violations = append(h.violations, err.Error())
	}))
	var opts []jetstream.JetStreamOpt
	if timeout > 0 {
		opts = append(opts, jetstream.WithDefaultTimeout(timeout))
	}
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	l, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		h.t.Fatal(err)
	}
	k, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		h.t.Fatal(err)
	}
	verifier := signer(h.t, nil).Verifier()
	svc, err := command.NewService(l, k, command.Config{Clock: func() time.Time { return today }, Location: time.UTC,
		Audit: audit.NewWriter(js, "command", nil), Verifier: verifier})
	if err != nil {
		h.t.Fatal(err)
	}
	if h.micro, err = svc.AddMicro(ctx, nc); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = h.micro.Stop() })
	h.http = httptest.NewServer(access.HTTP(verifier, svc.Handler()))
	h.t.Cleanup(h.http.Close)
	return svc
}

func (h *refusedHarness) refuse() { h.t.Helper(); h.rc.refuse(h) }

// fill fills the server's storage with the filler stream: to exactly its
// limit, so that one more write is taken (JetStream refuses a write once
// the storage in use exceeds the limit), or, when over, past it.
func (h *refusedHarness) fill(over bool) {
	h.t.Helper()
	ctx := context.Background()
	h.purgeFiller()
	const overhead = 22 + len("filler") + 8 // the file store's record around a message without headers
	for {
		ai, err := h.js.AccountInfo(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		room := int(int64(storeLimit)-int64(ai.Store)) - overhead
		if room < 0 {
			break
		}
		if _, err := h.js.Publish(ctx, "filler", make([]byte, min(room, 256<<10))); err != nil {
			h.t.Fatalf("fill with %d of %d in use: %v", ai.Store, storeLimit, err)
		}
	}
	if ai, err := h.js.AccountInfo(ctx); err != nil || ai.Store != storeLimit {
		h.t.Fatalf("filled to %d bytes, want %d: %v", ai.Store, storeLimit, err)
	}
	if over {
		if _, err := h.js.Publish(ctx, "filler", []byte("x")); err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.js.Publish(ctx, "filler", []byte("x")); !isAPIError(err, 10023) {
			h.t.Fatalf("a write to a full store: %v, want insufficient resources", err)
		}
	}
}

func isAPIError(err error, code jetstream.ErrorCode) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && api.ErrorCode == code
}

func (h *refusedHarness) purgeFiller() {
	h.t.Helper()
	s, err := h.js.Stream(context.Background(), fillerStream)
	if err == nil {
		err = s.Purge(context.Background())
	}
	if err != nil {
		h.t.Fatal(err)
	}
}

// limit sets a stream's MaxBytes, with the discard policy new: 0 is the
// bytes it holds now, so that it takes no more.
func (h *refusedHarness) limit(stream string, maxBytes int64) {
	h.t.Helper()
	ctx := context.Background()
	s, err := h.js.Stream(ctx, stream)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := info.Config
	if maxBytes == 0 {
		maxBytes = int64(info.State.Bytes)
	}
	cfg.MaxBytes, cfg.Discard = maxBytes, jetstream.DiscardNew
	if _, err := h.js.UpdateStream(ctx, cfg); err != nil {
		h.t.Fatal(err)
	}
}

// logState is what the log holds: its events and its last sequence.
type logState struct{ msgs, last uint64 }

func (h *refusedHarness) logState() logState {
	h.t.Helper()
	s, err := h.js.Stream(context.Background(), natsperm.EventStream)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return logState{msgs: info.State.Msgs, last: info.State.LastSeq}
}

// events returns the commandIds of a map's events, in order.
func (h *refusedHarness) events(mapID string) []string {
	h.t.Helper()
	recs, _, err := h.log.Load(context.Background(), event.MapAggregate(mapID))
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Envelope.CommandID
	}
	return ids
}

func (h *refusedHarness) hasKey(mapID string) bool {
	h.t.Helper()
	kv, err := h.js.KeyValue(context.Background(), natsperm.KeyBucket)
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = kv.Get(context.Background(), mapID)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		h.t.Fatal(err)
	}
	return err == nil
}

// trail returns the command service's audit records about a map.
func (h *refusedHarness) trail(mapID string) []audit.Record {
	h.t.Helper()
	recs, err := audit.Read(context.Background(), h.js, audit.Query{Service: "command", Resource: mapID})
	if err != nil {
		h.t.Fatal(err)
	}
	return recs
}

func (h *refusedHarness) violated(subjectPrefix string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.ContainsFunc(h.violations, func(v string) bool {
		return strings.Contains(strings.ToLower(v), "permissions violation") && strings.Contains(v, subjectPrefix)
	})
}

// request sends c over NATS as the coordinator and returns the reply.
func (h *refusedHarness) request(c refusedCommand) *nats.Msg {
	h.t.Helper()
	m := nats.NewMsg(command.SubjectPrefix + "." + c.name)
	m.Data, m.Header = []byte(c.body), assertion(h.t, coordinator)
	if c.name == command.ImportName {
		m.Header.Set("Idempotency-Key", c.id)
	}
	reply, err := h.nc.RequestMsg(m, 10*time.Second)
	if err != nil {
		h.t.Fatalf("%s over NATS: %v", c.name, err)
	}
	return reply
}

// post sends c over HTTP as the coordinator and returns the answer's
// status and body.
func (h *refusedHarness) post(c refusedCommand) (int, []byte) {
	h.t.Helper()
	path := "/v1/commands/" + c.name
	if c.name == command.ImportName {
		path = "/v1/imports"
	}
	req, err := http.NewRequest(http.MethodPost, h.http.URL+path, strings.NewReader(c.body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", c.id)
	req.Header.Set("Authorization", "Bearer "+accesstest.Token(h.t, signer(h.t, nil), coordinator))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, body.Bytes()
}

// refusedOverNATS sends c over NATS and returns the error's status code
// (Nats-Service-Error-Code), the *Error's code and message.
func (h *refusedHarness) refusedOverNATS(c refusedCommand) (int, string, string) {
	h.t.Helper()
	reply := h.request(c)
	var e command.Error
	if err := json.Unmarshal(reply.Data, &e); err != nil {
		h.t.Fatalf("%s over NATS: %s: %v", c.name, reply.Data, err)
	}
	if desc := reply.Header.Get(micro.ErrorHeader); desc != e.Error() {
		h.t.Fatalf("%s over NATS: Nats-Service-Error %q, body %s", c.name, desc, reply.Data)
	}
	status, err := strconv.Atoi(reply.Header.Get(micro.ErrorCodeHeader))
	if err != nil {
		h.t.Fatalf("%s over NATS: Nats-Service-Error-Code %q", c.name, reply.Header.Get(micro.ErrorCodeHeader))
	}
	return status, string(e.Code), e.Message
}

// refusedOverHTTP sends c over HTTP and returns the problem's status,
// code and detail.
func (h *refusedHarness) refusedOverHTTP(c refusedCommand) (int, string, string) {
	h.t.Helper()
	status, body := h.post(c)
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status {
		h.t.Fatalf("%s over HTTP: %d %s: %v", c.name, status, body, err)
	}
	return status, p.Code, p.Detail
}

// retried sends c once more over HTTP, which must store it (201), and a
// third time over NATS, which must answer that it had been.
func (h *refusedHarness) retried(c refusedCommand) (stored, again command.ImportResult) {
	h.t.Helper()
	status, body := h.post(c)
	if status != http.StatusCreated {
		h.t.Fatalf("%s sent again with the same commandId: %d %s", c.name, status, body)
	}
	if err := json.Unmarshal(body, &stored); err != nil {
		h.t.Fatal(err)
	}
	reply := h.request(c)
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		h.t.Fatalf("%s sent a third time: %s %s", c.name, code, reply.Data)
	}
	if err := json.Unmarshal(reply.Data, &again); err != nil {
		h.t.Fatal(err)
	}
	return stored, again
}

// TestRefusedWritesFullDisk fills a real file system: set
// SAMSPILL_FULL_DISK_DIR to a directory on a small one of its own (as
// root: mount -t tmpfs -o size=4m tmpfs DIR). JetStream's own limit is
// set above the disk's size, so that the disk, not the limit, runs out.
// The server does not answer a write it could not store (it logs a
// critical write error), so the command is answered 503 "did not answer
// in time". Every acknowledged command is kept, and after the server
// restarts with room the refused one is stored once.
func TestRefusedWritesFullDisk(t *testing.T) {
	dir := os.Getenv("SAMSPILL_FULL_DISK_DIR")
	if dir == "" {
		t.Skip("set SAMSPILL_FULL_DISK_DIR to a directory on a small file system of its own (docs/faults.md)")
	}
	store, err := os.MkdirTemp(dir, "store-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(store) })
	cfg := jsserver.Config{StoreDir: store, MaxStore: 1 << 40}
	h := newRefusedHarness(t, refusal{cfg: cfg})
	h.serve(natsperm.Command, time.Second)
	ctx := context.Background()
	if _, err := h.js.CreateStream(ctx, jetstream.StreamConfig{Name: fillerStream, Subjects: []string{"filler"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	filled := false
	for i := 0; i < 100_000 && !filled; i++ {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := h.js.Publish(pctx, "filler", make([]byte, 64<<10))
		cancel()
		filled = err != nil
	}
	if !filled {
		t.Fatal("the file system did not fill")
	}
	addActor := func(i int) refusedCommand {
		id := fmt.Sprintf("0b7e5a3c-8f21-4d6a-9c3e-%012d", i)
		return refusedCommand{name: "add_actor", id: id, mapID: h.mapID,
			body: `{"commandId":"` + id + `","mapId":"` + h.mapID + `","kind":"person","level":"service","sector":"peer","name":"Kari"}`}
	}
	var acked []string
	var failed refusedCommand
	for i := 0; i < 1000 && failed.id == ""; i++ {
		c := addActor(i)
		if status, _ := h.post(c); status == http.StatusCreated {
			acked = append(acked, c.id)
			continue
		}
		status, code, detail := h.refusedOverHTTP(c)
		if status != http.StatusServiceUnavailable || code != "unavailable" || !strings.Contains(detail, "JetStream did not answer in time") {
			t.Fatalf("add_actor on a full disk: %d %s %q", status, code, detail)
		}
		failed = c
	}
	if failed.id == "" {
		t.Fatal("1000 commands were stored on a full disk")
	}
	t.Logf("%d commands stored on the full disk (the slack of its last pages), then 503", len(acked))
	if err := h.js.DeleteStream(ctx, fillerStream); err != nil {
		t.Fatal(err)
	}
	status, _ := h.post(failed)
	t.Logf("with room again, before the server restarts: %d", status)

	h.restart(cfg)
	got := map[string]int{}
	for _, id := range h.events(h.mapID) {
		got[id]++
	}
	for _, id := range acked {
		if got[id] != 1 {
			t.Fatalf("acknowledged command %s: %d events after the restart", id, got[id])
		}
	}
	if got[failed.id] != 0 {
		t.Fatalf("the refused command has %d events", got[failed.id])
	}
	if res, _ := h.retried(failed); res.Duplicate {
		t.Fatalf("the refused command sent again: %+v", res)
	}
}

// restart stops the server, starts another on its store and serves the
// command service on it.
func (h *refusedHarness) restart(cfg jsserver.Config) {
	h.t.Helper()
	h.srv.Shutdown()
	h.srv = jsservertest.StartWith(h.t, cfg)
	h.js, h.nc = h.srv.JetStream(), h.srv.Conn()
	var err error
	if h.log, err = eventlog.Bind(context.Background(), h.js, eventlog.Config{}); err != nil {
		h.t.Fatal(err)
	}
	h.serve(natsperm.Command, 0)
}
