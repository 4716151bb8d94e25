//go:build fault

// Fault tests (issue 8): Samspill killed, restarted and starved of disk on
// loopback, each bounded in time. They are not part of `make test`: run
// them with `make fault` (go test -tags fault -run Fault). docs/faults.md
// says what each proves and how.

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
)

// faultCommands is how many commands a fault test drives: FAULT_COMMANDS,
// or def.
func faultCommands(t *testing.T, def int) int {
	t.Helper()
	s := os.Getenv("FAULT_COMMANDS")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("FAULT_COMMANDS=%q: want a positive number", s)
	}
	return n
}

// builtOnce is an executable the fault tests build once per test binary.
type builtOnce struct {
	once sync.Once
	path string
	err  error
}

// build returns the executable name built from pkg (go build's argument),
// building it on the first call.
func (b *builtOnce) build(t *testing.T, name, pkg string) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "samspill-fault-"+name)
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

var samspillBuild builtOnce

// samspillBinary returns the samspill executable the fault tests run as a
// child process: FAULT_SAMSPILL when set (make fault passes bin/samspill),
// else one built from this package once per test binary.
func samspillBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FAULT_SAMSPILL"); p != "" {
		return p
	}
	return samspillBuild.build(t, "samspill", ".")
}

// upProcess is `samspill up` running as a child process.
type upProcess struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	done chan error
	log  *bytes.Buffer // its stderr
	mu   *sync.Mutex
}

// syncBuffer is a bytes.Buffer safe for the child's writes and our reads.
type syncBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (b syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// startUpProcess starts `samspill up` with args beyond --data, --http and
// --sync, in its own process group, and waits (at most two minutes) until
// it prints its HTTP address.
func startUpProcess(t *testing.T, data string, args ...string) *upProcess {
	t.Helper()
	all := append([]string{"up", "--data", data, "--http", "127.0.0.1:0", "--sync", "always", "--log-format", "text"}, args...)
	cmd := exec.Command(samspillBinary(t), all...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &upProcess{cmd: cmd, done: make(chan error, 1), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd.Stderr = syncBuffer{mu: p.mu, buf: p.log}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start samspill up: %v", err)
	}
	t.Cleanup(func() { p.kill(); p.wait(10 * time.Second) })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`HTTP API:\s+http://(\S+)/`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
		return p
	case err := <-p.done:
		t.Fatalf("samspill up ended before it was ready: %v\n%s", err, p.stderr())
	case <-time.After(2 * time.Minute):
		p.kill()
		t.Fatalf("samspill up did not print its address within 2 minutes\n%s", p.stderr())
	}
	return nil
}

func (p *upProcess) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.log.String()
	if len(s) > 8000 {
		s = "…" + s[len(s)-8000:]
	}
	return s
}

// logLine returns the first line of up's log that holds s.
func (p *upProcess) logLine(s string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for line := range strings.Lines(p.log.String()) {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return "(no log line with " + strconv.Quote(s) + ")"
}

// kill sends SIGKILL to up (the fault), then to what is left of its
// process group (a Graphviz worker it started).
func (p *upProcess) kill() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// wait waits for the process to end and returns its error, or an error
// after d.
func (p *upProcess) wait(d time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err // for a later wait
		return err
	case <-time.After(d):
		return fmt.Errorf("samspill up did not end within %s", d)
	}
}

// stop ends up as Ctrl-C does and waits for its clean shutdown.
func (p *upProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if err := p.wait(time.Minute); err != nil {
		t.Fatalf("samspill up did not stop cleanly: %v\n%s", err, p.stderr())
	}
}

// faultClient is an HTTP client for many concurrent requests with token.
func faultClient(token string, conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	return &http.Client{Timeout: 30 * time.Second, Transport: faultBearer{token: token, rt: tr}}
}

type faultBearer struct {
	token string
	rt    http.RoundTripper
}

func (b faultBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// faultCommand is one add_actor of the load: a distinct actor on one map,
// with its own commandId, so that each stored event can be told apart.
type faultCommand struct {
	id, mapID, name string
}

func (c faultCommand) body() string {
	return fmt.Sprintf(`{"commandId":%q,"mapId":%q,"kind":"person","level":"service","sector":"primary-health","name":%q}`, c.id, c.mapID, c.name)
}

// send posts c and returns the status (0 when no answer came) and, for
// an acknowledgement, whether it was a duplicate.
func (c faultCommand) send(ctx context.Context, client *http.Client, base string) (int, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/commands/add_actor", strings.NewReader(c.body()))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, false, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return resp.StatusCode, false, fmt.Errorf("add_actor %s: %d %.300s", c.id, resp.StatusCode, b)
	}
	var res struct {
		CommandID string `json:"commandId"`
		Duplicate bool   `json:"duplicate"`
	}
	if err := json.Unmarshal(b, &res); err != nil || res.CommandID != c.id {
		return resp.StatusCode, false, fmt.Errorf("add_actor %s: acknowledgement %.300s (%v)", c.id, b, err)
	}
	return resp.StatusCode, res.Duplicate, nil
}

// commandID returns a random UUID that the command service's screen for
// national identity numbers lets through: it screens every string of a
// command, ids included, and about one random UUID in a few thousand has
// digits that read as a Danish CPR number (422 national-id).
func commandID() string {
	for {
		id := uuid.NewString()
		if nationalid.Check("commandId", id) == nil {
			return id
		}
	}
}

func randomBelow(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}

// openMaps opens n maps as the coordinator and returns their ids.
func openMaps(t *testing.T, base, coordinator string, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; len(ids) < n; i++ {
		status, res := postAs(t, base, coordinator, "open_map", fmt.Sprintf(`{"commandId":%q,"focus":"citizen","label":"Fault %d","municipality":"3203"}`, commandID(), i))
		if status != http.StatusCreated {
			t.Fatalf("open_map: %d %v", status, res)
		}
		id := res["ids"].(map[string]any)["mapId"].(string)
		if nationalid.Check("mapId", id) != nil {
			continue // see commandID
		}
		ids = append(ids, id)
	}
	return ids
}

// mapAnswers reads GET /v1/maps/{id} of every map once each holds want[id]
// actors (the graph service caught up), at most until ctx ends, and
// returns the bodies.
func mapAnswers(ctx context.Context, t *testing.T, client *http.Client, base string, want map[string]int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for id, n := range want {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/maps/"+id, nil)
			resp, err := client.Do(req)
			var got int
			var b []byte
			if err == nil {
				b, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				var ans struct {
					Document struct {
						Actors []json.RawMessage `json:"actors"`
					} `json:"document"`
				}
				if resp.StatusCode == http.StatusOK && json.Unmarshal(b, &ans) == nil {
					got = len(ans.Document.Actors)
				}
			}
			if got == n {
				out[id] = b
				break
			}
			if got > n {
				t.Errorf("map %s shows %d actors, %d commands were given: an event applied twice", id, got, n)
				out[id] = b
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("map %s: %d actors of %d before the deadline (last: %v %.300s)", id, got, n, err, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return out
}

// TestFaultKillUp kills `samspill up` with SIGKILL at a random moment of a
// load of add_actor commands (FAULT_COMMANDS, 100,000 in make fault),
// restarts it on the same data, sends again every command that was not
// acknowledged (same commandId), and checks:
//   - every command's event is in SAMSPILL_EVENTS exactly once (read
//     from the store itself, by an embedded server on the stopped data);
//   - the graph's projection after the crash (restored from its last
//     snapshot, then the log's tail) answers each map exactly as a fresh
//     replay of the whole log does (the snapshot deleted).
func TestFaultKillUp(t *testing.T) {
	n := faultCommands(t, 5000)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	data := t.TempDir()

	up := startUpProcess(t, data, "--nats-port", "0")
	admin := mustAdminToken(t, data)
	coordinator, _ := mustToken(t, up.base, admin, tokenSpec{Name: "Fault coordinator", Role: "coordinator", Municipality: "3203"})
	const workers, nMaps = 8, 64
	maps := openMaps(t, up.base, coordinator, nMaps)
	cmds := make([]faultCommand, n)
	want := map[string]int{} // actors of each map: its focus, then one per command
	for _, m := range maps {
		want[m] = 1
	}
	for i := range cmds {
		m := maps[i%nMaps]
		cmds[i] = faultCommand{id: commandID(), mapID: m, name: fmt.Sprintf("Actor %06d", i)}
		want[m]++
	}
	// Each worker owns the maps i%workers, so no two write one map.
	killAt := n/5 + randomBelow(max(3*n/5, 1))
	client := faultClient(coordinator, workers)
	acked := make([]atomic.Bool, n)
	var nAcked atomic.Int64
	var killed atomic.Bool
	var killOnce sync.Once
	start := time.Now()
	var killedAfter time.Duration
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if killed.Load() {
					return
				}
				_, _, err := cmds[i].send(ctx, client, up.base)
				if err != nil {
					if killed.Load() {
						return // in flight when it died: unknown
					}
					errs <- err
					return
				}
				acked[i].Store(true)
				if nAcked.Add(1) >= int64(killAt) {
					killOnce.Do(func() {
						killed.Store(true)
						killedAfter = time.Since(start)
						up.kill()
					})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("before the kill: %v", err)
	}
	if !killed.Load() {
		t.Fatal("the load ended before the kill")
	}
	_ = up.wait(30 * time.Second)
	before := nAcked.Load()
	t.Logf("SIGKILL after %d of %d commands acknowledged (%s, %.0f/s)", before, n, killedAfter.Round(time.Millisecond), float64(before)/killedAfter.Seconds())

	// Restart on the same data; send again what was not acknowledged.
	restart := time.Now()
	up = startUpProcess(t, data, "--nats-port", "0")
	t.Logf("restarted in %s", time.Since(restart).Round(time.Millisecond))
	client = faultClient(coordinator, workers)
	var dups atomic.Int64
	errs = make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if acked[i].Load() {
					continue
				}
				_, dup, err := cmds[i].send(ctx, client, up.base)
				if err != nil {
					errs <- fmt.Errorf("after the restart: %w", err)
					return
				}
				if dup {
					dups.Add(1)
				}
				acked[i].Store(true)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("after the restart: %d commands sent again, %d of them stored before the kill (answered duplicate)", int64(n)-before, dups.Load())

	// The projection the restarted graph service holds (its snapshot and
	// the log's tail), once it shows every actor.
	readCtx, cancelRead := context.WithTimeout(ctx, 5*time.Minute)
	recovered := mapAnswers(readCtx, t, client, up.base, want)
	cancelRead()
	t.Logf("after the crash: %s", up.logLine("graph projection restored"))
	up.stop(t)

	// Exactly once, from the store itself.
	srv := jsservertest.StartWith(t, jsserver.Config{StoreDir: filepath.Join(data, "jetstream")})
	js := srv.JetStream()
	seen := readCommandIDs(ctx, t, js)
	for _, c := range cmds {
		if got := seen[c.id]; got != 1 {
			t.Errorf("command %s (%s on %s) stored %d times", c.id, c.name, c.mapID, got)
		}
	}
	// Then a fresh replay: without the graph's snapshot it reads the whole log.
	if err := js.DeleteObjectStore(ctx, graph.SnapshotBucket); err != nil {
		t.Fatalf("delete the graph's snapshot: %v", err)
	}
	srv.Shutdown()

	up = startUpProcess(t, data, "--nats-port", "0")
	readCtx, cancelRead = context.WithTimeout(ctx, 5*time.Minute)
	replayed := mapAnswers(readCtx, t, client, up.base, want)
	cancelRead()
	up.stop(t)
	for id, b := range recovered {
		if !bytes.Equal(b, replayed[id]) {
			t.Errorf("map %s after the crash differs from a fresh replay:\n recovered %.400s\n replayed  %.400s", id, b, replayed[id])
		}
		assertActorsOnce(t, id, b, cmds)
	}
}

// readCommandIDs reads SAMSPILL_EVENTS and counts the events of each
// command id (Samspill-Command-Id) and checks that no Nats-Msg-Id repeats.
func readCommandIDs(ctx context.Context, t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	stream, err := js.Stream(ctx, "SAMSPILL_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	msgIDs := map[string]bool{}
	for read := uint64(0); read < info.State.Msgs; {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			read++
			mid := m.Headers().Get(jetstream.MsgIDHeader)
			if msgIDs[mid] {
				t.Errorf("Nats-Msg-Id %s stored twice", mid)
			}
			msgIDs[mid] = true
			ids[m.Headers().Get(eventlog.HeaderCommandID)]++
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
	}
	return ids
}

// assertActorsOnce checks that the map's answer names each of its
// commands' actors exactly once.
func assertActorsOnce(t *testing.T, mapID string, answer []byte, cmds []faultCommand) {
	t.Helper()
	var ans struct {
		Document struct {
			Actors []struct{ Name string } `json:"actors"`
		} `json:"document"`
	}
	if err := json.Unmarshal(answer, &ans); err != nil {
		t.Fatalf("map %s: %v", mapID, err)
	}
	var got, want []string
	others := 0
	for _, a := range ans.Document.Actors {
		if strings.HasPrefix(a.Name, "Actor ") {
			got = append(got, a.Name)
		} else {
			others++ // the map's focus, the citizen open_map adds
		}
	}
	if others != 1 {
		t.Errorf("map %s: %d actors besides the commands' (want the focus only)", mapID, others)
	}
	for _, c := range cmds {
		if c.mapID == mapID {
			want = append(want, c.name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("map %s: actors %d, want %d, each once", mapID, len(got), len(want))
	}
}

// TestFaultGapKilledMidStream runs the command service and a gap service
// in this process on one embedded JetStream; while coordinators' commands
// open gaps on many maps, the gap service's connection is closed under it
// (its context cancelled, no Stop, no drain: what a crash leaves), and a
// new instance starts at once on a new connection. Afterwards every gap's
// transitions in SAMSPILL_GAPS alternate opened and closed, numbered from
// 1 without a repeat, each map's P1 opened once; and one more instance
// that replays the whole log publishes nothing.
func TestFaultGapKilledMidStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nMaps := 60
	if s := os.Getenv("FAULT_GAP_MAPS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v >= 8 {
			nMaps = v
		}
	}
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	log, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: bytes.Repeat([]byte{7}, seal.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := command.NewService(log, keys, command.Config{Audit: audit.NewWriter(js, "command", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmds.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cmds.Stop)
	signer := accesstest.Signer(t, 9, nil)

	// startGap starts a gap service on a connection of its own; kill
	// closes that connection and cancels its context, nothing else.
	startGap := func(durable string) (g *gap.Service, kill func()) {
		nc, err := srv.ConnectAdmin("gap " + durable)
		if err != nil {
			t.Fatal(err)
		}
		gjs, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		glog, err := eventlog.Bind(ctx, gjs, eventlog.Config{})
		if err != nil {
			t.Fatal(err)
		}
		gctx, gcancel := context.WithCancel(ctx)
		g, err = gap.New(gctx, gjs, glog, gap.Config{Durable: durable, Reevaluate: -1, SystemInterval: -1, SettleDelay: time.Millisecond,
			Verifier: signer.Verifier(), Audit: audit.NewWriter(gjs, "gap", nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Start(gctx); err != nil {
			t.Fatal(err)
		}
		return g, func() { gcancel(); nc.Close() }
	}
	streamMsgs := func() uint64 {
		s, err := js.Stream(ctx, gap.Stream)
		if err != nil {
			return 0
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}

	_, kill1 := startGap(gap.Durable)
	coordinator := access.Principal{Subject: "usr:fault", Role: access.Coordinator, Municipality: "0301"}
	asCoordinator := access.WithPrincipal(ctx, coordinator)
	today := time.Now().UTC()
	day := func(daysAgo int) date.Date { return date.Of(today.AddDate(0, 0, -daysAgo)) }
	do := func(c command.Command) (command.Result, error) {
		return cmds.Execute(asCoordinator, c)
	}
	// One map: a GP and a psychiatric outpatient clinic both serve the
	// citizen for half a year, with recent contact, and nobody connects
	// them (P1, with P2, P3, P4, P8, and P10 opening and closing).
	scenario := func() (string, error) {
		r, err := do(&command.OpenMap{Meta: command.Meta{CommandID: commandID(), ValidTime: day(200)}, Focus: stakeholder.FocusCitizen, Label: "Fault", Municipality: "0301"})
		if err != nil {
			return "", err
		}
		mapID, citizen := r.IDs["mapId"], r.IDs["citizenId"]
		var ids [2]string
		for i, a := range []command.AddActor{
			{Kind: "person", Level: "service", Sector: "primary-health", Name: "GP"},
			{Kind: "service", Level: "service", Sector: "specialist-mh", Name: "Clinic"},
		} {
			a.MapID, a.Meta = mapID, command.Meta{CommandID: commandID(), ValidTime: day(200)}
			r, err := do(&a)
			if err != nil {
				return "", err
			}
			ids[i] = r.IDs["actorId"]
		}
		for _, from := range ids {
			r, err := do(&command.AddRelation{MapID: mapID, Meta: command.Meta{CommandID: commandID(), ValidTime: day(180)}, From: from, To: citizen, Type: "serves", Quality: "good"})
			if err != nil {
				return "", err
			}
			if _, err := do(&command.RecordContact{MapID: mapID, Meta: command.Meta{CommandID: commandID(), ValidTime: day(3)}, RelationID: r.IDs["relationId"]}); err != nil {
				return "", err
			}
		}
		return mapID, nil
	}

	// Kill the first instance once it has published a third of what the
	// maps will make (about 7 transitions each), with commands still coming.
	var wg sync.WaitGroup
	errs := make(chan error, nMaps)
	var mapsMu sync.Mutex
	var mapIDs []string
	next := make(chan struct{}, nMaps)
	for range nMaps {
		next <- struct{}{}
	}
	close(next)
	for range 6 {
		wg.Go(func() {
			for range next {
				id, err := scenario()
				if err != nil {
					errs <- err
					return
				}
				mapsMu.Lock()
				mapIDs = append(mapIDs, id)
				mapsMu.Unlock()
			}
		})
	}
	killAt := uint64(nMaps * 7 / 3)
	for streamMsgs() < killAt {
		if ctx.Err() != nil {
			t.Fatalf("the first gap service published %d transitions, not %d, before the deadline", streamMsgs(), killAt)
		}
		time.Sleep(time.Millisecond)
	}
	kill1()
	t.Logf("gap service killed after %d transitions", streamMsgs())
	g2, _ := startGap(gap.Durable)
	t.Cleanup(g2.Stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	head, err := log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settle, cancelSettle := context.WithTimeout(ctx, time.Minute)
	defer cancelSettle()
	if err := g2.Settled(settle, head); err != nil {
		t.Fatalf("the second gap service did not settle: %v", err)
	}
	before := streamMsgs()
	checkGapTransitions(ctx, t, js, mapIDs)

	// A third instance that replays the whole log finds every gap as the
	// stream has it.
	g2.Stop()
	if err := js.DeleteConsumer(ctx, log.Stream(), gap.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatal(err)
	}
	g3, _ := startGap(gap.Durable)
	t.Cleanup(g3.Stop)
	if err := g3.Settled(settle, head); err != nil {
		t.Fatalf("the third gap service did not settle: %v", err)
	}
	if after := streamMsgs(); after != before {
		t.Fatalf("a replay after the crash published %d transitions more", after-before)
	}
	t.Logf("%d maps, %d transitions, none twice", len(mapIDs), before)
}

// checkGapTransitions reads SAMSPILL_GAPS: each gap's transitions
// alternate opened and closed from an opening, each with the Nats-Msg-Id
// <gapId>:<n> of its place, and each map has opened P1 once.
func checkGapTransitions(ctx context.Context, t *testing.T, js jetstream.JetStream, mapIDs []string) {
	t.Helper()
	s, err := js.Stream(ctx, gap.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	p1 := map[string]int{}
	for read := uint64(0); read < info.State.Msgs; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			read++
			// samspill.gap.<municipality>.<mapId>.<rule>.<gapId>.<opened|closed>
			tok := strings.Split(m.Subject(), ".")
			if len(tok) != 7 {
				t.Errorf("subject %s", m.Subject())
				continue
			}
			mapID, rule, gapID, what := tok[3], tok[4], tok[5], tok[6]
			n[gapID]++
			if (what == "opened") != (n[gapID]%2 == 1) {
				t.Errorf("gap %s (%s of map %s): transition %d is %s", gapID, rule, mapID, n[gapID], what)
			}
			if got, want := m.Headers().Get(jetstream.MsgIDHeader), gap.MsgID(gapID, n[gapID]); got != want {
				t.Errorf("gap %s: Nats-Msg-Id %s, want %s", gapID, got, want)
			}
			if rule == "P1" && what == "opened" {
				p1[mapID]++
			}
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
	}
	for _, id := range mapIDs {
		if p1[id] != 1 {
			t.Errorf("map %s: P1 opened %d times, want once", id, p1[id])
		}
	}
}
