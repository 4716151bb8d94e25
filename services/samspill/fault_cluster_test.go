//go:build fault

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/natsperm"
)

// repoRoot is the repository's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var natsServerBuild builtOnce

// natsServerBinary returns the nats-server executable the cluster test
// runs: FAULT_NATS_SERVER, else bin/nats-server (make fault and make
// cluster install it), else one built once per test binary from the
// version this module depends on.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FAULT_NATS_SERVER"); p != "" {
		return p
	}
	if p := filepath.Join(repoRoot(t), "bin", "nats-server"); fileExists(p) {
		return p
	}
	return natsServerBuild.build(t, "nats-server", "github.com/nats-io/nats-server/v2")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// devCerts returns the folder with the development CA, the nodes' and
// the services' certificates and dev.env (JS_KEY): deploy/nats/tls when
// `make dev-certs` has made it, else a temporary one made by the same
// tool (tools/natsconf -dev-certs).
func devCerts(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	dir := filepath.Join(root, "deploy", "nats", "tls")
	complete := fileExists(filepath.Join(dir, "dev.env")) && fileExists(filepath.Join(dir, "ca.pem"))
	for _, name := range append([]string{"samspill-n1", "samspill-n2", "samspill-n3"}, userNames()...) {
		complete = complete && fileExists(filepath.Join(dir, name+".pem")) && fileExists(filepath.Join(dir, name+"-key.pem"))
	}
	if complete {
		return dir
	}
	dir = t.TempDir()
	cmd := exec.Command("go", "run", ".", "-dev-certs", dir)
	cmd.Dir = filepath.Join(root, "tools", "natsconf")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("natsconf -dev-certs: %v\n%s", err, out)
	}
	return dir
}

func userNames() []string {
	var out []string
	for _, u := range natsperm.Users() {
		out = append(out, u.Name)
	}
	return out
}

// jsKey reads JS_KEY from the certificates' dev.env.
func jsKey(t *testing.T, certs string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(certs, "dev.env"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "JS_KEY="); ok {
			return v
		}
	}
	t.Fatalf("%s/dev.env has no JS_KEY", certs)
	return ""
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// clusterNode is one nats-server of the test's cluster.
type clusterNode struct {
	name       string // server_name: samspill-n1
	conf       string
	client     int // client port
	monitoring int // https port
	logPath    string
	env        []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// natsCluster is three nats-server processes on loopback, configured as
// deploy/nats/cluster/n{1,2,3}.conf with the test's own ports and store.
type natsCluster struct {
	nodes []*clusterNode
	certs string
	bin   string
}

// startCluster writes the committed node configurations with ports
// picked free, a store under dir and the certificates in certs, and
// starts the three nodes.
func startCluster(t *testing.T, dir, certs string) *natsCluster {
	t.Helper()
	root := repoRoot(t)
	// The configurations include "../authorization.inc": the committed
	// users, next to the folder of the configurations.
	auth, err := os.ReadFile(filepath.Join(root, "deploy", "nats", "authorization.inc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorization.inc"), auth, 0o600); err != nil {
		t.Fatal(err)
	}
	confDir := filepath.Join(dir, "cluster")
	if err := os.MkdirAll(confDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 9)
	// The committed ports of n1, n2, n3: client 4222+i, routes 6222+i,
	// monitoring 8222+i.
	var pairs []string
	for i := range 3 {
		for j, base := range []int{4222, 6222, 8222} {
			pairs = append(pairs, fmt.Sprintf("127.0.0.1:%d", base+i), fmt.Sprintf("127.0.0.1:%d", ports[3*i+j]))
		}
	}
	pairs = append(pairs,
		`"deploy/nats/tls/`, `"`+certs+"/",
		`".samspill/nats-cluster/`, `"`+filepath.Join(dir, "store")+"/",
	)
	rewrite := strings.NewReplacer(pairs...)
	c := &natsCluster{certs: certs, bin: natsServerBinary(t)}
	env := append(os.Environ(), "JS_KEY="+jsKey(t, certs))
	for i := range 3 {
		name := fmt.Sprintf("n%d", i+1)
		b, err := os.ReadFile(filepath.Join(root, "deploy", "nats", "cluster", name+".conf"))
		if err != nil {
			t.Fatal(err)
		}
		orig := string(b)
		// What must be rewritten, or the test would share a port or a
		// store with a developer's `make cluster`.
		for _, s := range []string{
			fmt.Sprintf("listen: 127.0.0.1:%d", 4222+i), fmt.Sprintf("https: 127.0.0.1:%d", 8222+i),
			fmt.Sprintf("listen: 127.0.0.1:%d", 6222+i), `store_dir: ".samspill/nats-cluster/` + name + `"`,
			`"deploy/nats/tls/samspill-` + name + `.pem"`, `include "../authorization.inc"`,
		} {
			if !strings.Contains(orig, s) {
				t.Fatalf("deploy/nats/cluster/%s.conf no longer has %q: bring the cluster test up to date", name, s)
			}
		}
		conf := rewrite.Replace(orig)
		if strings.Contains(conf, `"deploy/nats/tls/`) || strings.Contains(conf, `".samspill/`) {
			t.Fatalf("%s.conf: a path left unchanged:\n%s", name, conf)
		}
		path := filepath.Join(confDir, name+".conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, &clusterNode{name: "samspill-" + name, conf: path, client: ports[3*i], monitoring: ports[3*i+2],
			logPath: filepath.Join(dir, name+".log"), env: env})
	}
	for _, n := range c.nodes {
		c.start(t, n)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.kill()
		}
	})
	return c
}

// start starts n's nats-server (again) on its configuration and store.
func (c *natsCluster) start(t *testing.T, n *clusterNode) {
	t.Helper()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "-c", n.conf)
	cmd.Env = n.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", n.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
}

// kill sends SIGKILL to the node and waits for it to end.
func (n *clusterNode) kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// logTail is the end of the node's log, for a failure's message.
func (n *clusterNode) logTail() string {
	b, _ := os.ReadFile(n.logPath)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// urls is the cluster's client URLs, as `samspill up --nats` takes them.
func (c *natsCluster) urls() string {
	var us []string
	for _, n := range c.nodes {
		us = append(us, fmt.Sprintf("tls://127.0.0.1:%d", n.client))
	}
	return strings.Join(us, ",")
}

func (c *natsCluster) node(name string) *clusterNode {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// waitHealthy waits until every node's /healthz answers 200: it is in the
// cluster and JetStream's meta group is current.
func (c *natsCluster) waitHealthy(ctx context.Context, t *testing.T) {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(c.certs, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	// The monitoring listener shares the client listener's tls block
	// (verify_and_map): it wants a client certificate too.
	cert, err := tls.LoadX509KeyPair(filepath.Join(c.certs, natsperm.CLI+".pem"), filepath.Join(c.certs, natsperm.CLI+"-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	for _, n := range c.nodes {
		for {
			resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/healthz", n.monitoring))
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("%s is not healthy: %v\n%s", n.name, err, n.logTail())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// clusterClient connects to the cluster as a service's NATS user, as the
// services do (daemon.Flags.Dial: endless reconnects, the user's inbox).
func (c *natsCluster) clusterClient(t *testing.T, user string) jetstream.JetStream {
	t.Helper()
	f := daemon.Flags{NATS: c.urls(), TLSCert: filepath.Join(c.certs, user+".pem"), TLSKey: filepath.Join(c.certs, user+"-key.pem"),
		TLSCA: filepath.Join(c.certs, "ca.pem")}
	nc, err := f.Dial(user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// eventsCluster returns SAMSPILL_EVENTS's cluster information: its leader
// and replicas as JetStream sees them now.
func eventsCluster(ctx context.Context, js jetstream.JetStream) (*jetstream.ClusterInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "SAMSPILL_EVENTS")
	if err != nil {
		return nil, err
	}
	info := s.CachedInfo()
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return nil, errors.New("SAMSPILL_EVENTS has no leader")
	}
	return info.Cluster, nil
}

// replicasCurrent says whether every replica of ci is current and online.
func replicasCurrent(ci *jetstream.ClusterInfo, n int) bool {
	if len(ci.Replicas)+1 != n {
		return false
	}
	for _, p := range ci.Replicas {
		if !p.Current || p.Offline {
			return false
		}
	}
	return true
}

// clusterLoad is the load of add_actor commands that goes on through the
// faults: clients that retry each command with its commandId until it is
// acknowledged, as a client must when the service answers 5xx or nothing.
type clusterLoad struct {
	mu sync.Mutex
	// acks: when each acknowledgement came and when its attempt began.
	acks []ackAt
	// failed attempts by kind: "503 unavailable: JetStream …", "timeout".
	failures map[string]int
	retried  int
	dups     int
	// longest: the longest a command took from its first attempt to its
	// acknowledgement.
	longest time.Duration
}

type ackAt struct{ sent, acked time.Time }

func (l *clusterLoad) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// firstAfter is how long after at the first command sent after at was
// acknowledged, and how many acknowledgements came in the meantime for
// commands sent before at (in flight at the fault).
func (l *clusterLoad) firstAfter(at time.Time) (time.Duration, int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	inFlight := 0
	for _, a := range l.acks {
		if a.sent.After(at) && (first.IsZero() || a.acked.Before(first)) {
			first = a.acked
		}
	}
	if first.IsZero() {
		return 0, 0, false
	}
	for _, a := range l.acks {
		if !a.sent.After(at) && a.acked.After(at) && a.acked.Before(first) {
			inFlight++
		}
	}
	return first.Sub(at), inFlight, true
}

// failureKind names a failed attempt for the tally: status and code and
// the detail's first words, or the transport error's kind.
func failureKind(status int, err error) string {
	if status == 0 {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "no answer (client timeout)"
		}
		return "no answer: " + err.Error()
	}
	msg := err.Error()
	if i := strings.Index(msg, `"detail":"`); i >= 0 {
		msg = msg[i+len(`"detail":"`):]
	}
	if i := strings.IndexAny(msg, `(,;"`); i > 0 {
		msg = msg[:i]
	}
	return fmt.Sprintf("%d %s", status, strings.TrimSpace(msg))
}

// run sends c until it is acknowledged: 201, or 200 duplicate when an
// earlier attempt that got no answer had stored it. 5xx and no answer
// are retried with the same commandId; anything else is an error.
func (l *clusterLoad) run(ctx context.Context, client *http.Client, up *upProcess, c faultCommand) error {
	start := time.Now()
	wait := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		sent := time.Now()
		status, dup, err := c.send(ctx, client, up.base)
		if err == nil {
			now := time.Now()
			l.mu.Lock()
			l.acks = append(l.acks, ackAt{sent: sent, acked: now})
			if dup {
				l.dups++
			}
			if attempt > 0 {
				l.retried++
			}
			l.longest = max(l.longest, now.Sub(start))
			l.mu.Unlock()
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s not acknowledged after %d attempts: %w", c.id, attempt+1, err)
		}
		if status != 0 && status < 500 {
			return err
		}
		if exited, werr := upExited(up); exited {
			return fmt.Errorf("samspill up exited (%v) while %s was sent: %w", werr, c.id, err)
		}
		l.mu.Lock()
		l.failures[failureKind(status, err)]++
		l.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// upExited says whether up has ended, without waiting.
func upExited(p *upProcess) (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// clusterCommands is how many commands the cluster test drives:
// FAULT_CLUSTER_COMMANDS, else FAULT_COMMANDS, else 3000. Three replicas
// that each fsync every write take about a hundred a second on two cores.
func clusterCommands(t *testing.T) int {
	t.Helper()
	if s := os.Getenv("FAULT_CLUSTER_COMMANDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("FAULT_CLUSTER_COMMANDS=%q: want a positive number", s)
		}
		return n
	}
	return faultCommands(t, 3000)
}

// TestFaultClusterNodeLoss runs `samspill up --replicas 3` on a cluster of
// three nats-server processes (deploy/nats/cluster's configuration, with
// the test's own ports and store) under a load of add_actor commands from
// several clients, and SIGKILLs first a node that does not lead
// SAMSPILL_EVENTS, then, once that node is back and current, the node
// that leads it. At every moment two of the three nodes run, so every
// stream keeps a quorum and writes go on after an election. It checks
// that:
//   - samspill up never exits: its NATS connections reconnect on their
//     own, and every command is eventually acknowledged (its clients
//     retry the same commandId on 5xx and on no answer, and are never
//     answered anything else);
//   - a failed attempt is answered 503 unavailable ("send it again") or
//     not at all, never 500;
//   - every acknowledged command's event is in SAMSPILL_EVENTS exactly
//     once, read from the cluster after the load;
//   - the graph, gap and picture services' consumers reach the log's
//     head, and each projection has applied every event of the log (a
//     delivery lost with a node must be read again, not skipped);
//   - the graph service shows each acknowledged actor on its map, once.
//
// It logs how long after each kill the first command sent after it was
// acknowledged.
func TestFaultClusterNodeLoss(t *testing.T) {
	n := clusterCommands(t)
	// The load runs at about a hundred commands a second on two cores; a
	// generous bound.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute+time.Duration(n)*20*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	certs := devCerts(t)
	cluster := startCluster(t, dir, certs)
	ready, cancelReady := context.WithTimeout(ctx, time.Minute)
	cluster.waitHealthy(ready, t)
	cancelReady()

	data := filepath.Join(dir, "samspill")
	up := startUpProcess(t, data, "--nats", cluster.urls(), "--nats-tls", certs, "--replicas", "3")
	// On a failure, samspill up's goroutines (SIGQUIT) and its whole log
	// go to a file that outlives the test.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if exited, _ := upExited(up); !exited {
			_ = up.cmd.Process.Signal(syscall.SIGQUIT)
			_ = up.wait(10 * time.Second)
		}
		f, err := os.CreateTemp("", "samspill-fault-cluster-*.log")
		if err != nil {
			return
		}
		defer f.Close()
		up.mu.Lock()
		_, _ = f.Write(up.log.Bytes())
		up.mu.Unlock()
		for _, nd := range cluster.nodes {
			fmt.Fprintf(f, "\n==> %s\n", nd.name)
			b, _ := os.ReadFile(nd.logPath)
			_, _ = f.Write(b)
		}
		t.Logf("samspill up's log and goroutines, and the nodes' logs: %s", f.Name())
	})
	admin := mustAdminToken(t, data)
	coordinator, _ := mustToken(t, up.base, admin, tokenSpec{Name: "Fault coordinator", Role: "coordinator", Municipality: "3203"})
	// The test reads the log as the graph service's user may: stream
	// info and an ordered consumer of SAMSPILL_EVENTS.
	js := cluster.clusterClient(t, natsperm.Graph)

	const workers, nMaps = 8, 32
	maps := openMaps(t, up.base, coordinator, nMaps)
	cmds := make([]faultCommand, n)
	want := map[string]int{}
	for _, m := range maps {
		want[m] = 1
	}
	for i := range cmds {
		m := maps[i%nMaps]
		cmds[i] = faultCommand{id: commandID(), mapID: m, name: fmt.Sprintf("Actor %06d", i)}
		want[m]++
	}
	ci, err := eventsCluster(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SAMSPILL_EVENTS: leader %s, replicas %s", ci.Leader, peerNames(ci))

	load := &clusterLoad{failures: map[string]int{}}
	client := faultClient(coordinator, workers)
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var loadDone atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			// Each client owns the maps w, w+workers, …: no two write one map.
			for i := w; i < n; i += workers {
				if err := load.run(loadCtx, client, up, cmds[i]); err != nil {
					errs <- err
					stopLoad()
					return
				}
			}
		})
	}
	go func() { wg.Wait(); loadDone.Store(true) }()

	// waitAcked waits until k commands are acknowledged while the load
	// goes on; the load ending first means it was too short to prove
	// anything about the step.
	waitAcked := func(k int, step string) {
		t.Helper()
		for load.acked() < k {
			if loadDone.Load() || loadCtx.Err() != nil {
				stopLoad()
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				t.Fatalf("the load ended (%d of %d acknowledged) before %s", load.acked(), n, step)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// leaderNow asks the cluster who leads SAMSPILL_EVENTS, for at most
	// 30 s (an election may be under way).
	leaderNow := func() *jetstream.ClusterInfo {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ci, err := eventsCluster(loadCtx, js)
			if err == nil {
				return ci
			}
			if time.Now().After(deadline) || loadCtx.Err() != nil {
				t.Fatalf("who leads SAMSPILL_EVENTS: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	type kill struct {
		what   string
		at     time.Time
		acked  int
		victim *clusterNode
	}
	var kills []kill

	// 1. A node that does not lead SAMSPILL_EVENTS.
	waitAcked(n/5, "the first kill")
	ci = leaderNow()
	var first *clusterNode
	for _, nd := range cluster.nodes {
		if nd.name != ci.Leader {
			first = nd
			break
		}
	}
	first.kill()
	kills = append(kills, kill{what: "a follower of SAMSPILL_EVENTS", at: time.Now(), acked: load.acked(), victim: first})
	t.Logf("SIGKILL %s (not the leader %s of SAMSPILL_EVENTS) after %d acknowledged", first.name, ci.Leader, kills[0].acked)

	// It comes back once the load has gone on without it, and catches up.
	waitAcked(kills[0].acked+n/10, "the first node's restart")
	cluster.start(t, first)
	restarted := time.Now()
	for {
		ci = leaderNow()
		if replicasCurrent(ci, 3) {
			break
		}
		if time.Since(restarted) > 2*time.Minute {
			t.Fatalf("%s did not catch up in 2 minutes: replicas %s\n%s", first.name, peerNames(ci), first.logTail())
		}
		if loadDone.Load() {
			t.Fatalf("the load ended before %s caught up (%d of %d acknowledged)", first.name, load.acked(), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s restarted after %d acknowledged; current again in %s (leader %s)", first.name, load.acked(),
		time.Since(restarted).Round(time.Millisecond), ci.Leader)

	// 2. The leader of SAMSPILL_EVENTS.
	waitAcked(max(load.acked()+n/10, 3*n/5), "the leader's kill")
	ci = leaderNow()
	leader := cluster.node(ci.Leader)
	if leader == nil {
		t.Fatalf("SAMSPILL_EVENTS is led by %q, not one of the test's nodes", ci.Leader)
	}
	leader.kill()
	kills = append(kills, kill{what: "the leader of SAMSPILL_EVENTS", at: time.Now(), acked: load.acked(), victim: leader})
	t.Logf("SIGKILL %s (the leader of SAMSPILL_EVENTS) after %d acknowledged", leader.name, kills[1].acked)
	waitAcked(kills[1].acked+n/20, "the leader's restart")
	ci = leaderNow()
	t.Logf("SAMSPILL_EVENTS: new leader %s", ci.Leader)
	cluster.start(t, leader)

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.Fatalf("samspill up's log:\n%s", up.stderr())
	}
	elapsed := time.Since(start)
	if exited, err := upExited(up); exited {
		t.Fatalf("samspill up exited: %v\n%s", err, up.stderr())
	}
	t.Logf("%d commands acknowledged in %s (%.0f/s); %d needed more than one attempt, %d of them answered duplicate; longest from first attempt to acknowledgement %s",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), load.retried, load.dups, load.longest.Round(time.Millisecond))
	for _, k := range kills {
		d, inFlight, ok := load.firstAfter(k.at)
		if !ok {
			t.Errorf("no command sent after the kill of %s (%s) was acknowledged", k.victim.name, k.what)
			continue
		}
		t.Logf("kill of %s (%s): the first command sent after it acknowledged %s later (%d in flight acknowledged before)",
			k.victim.name, k.what, d.Round(time.Millisecond), inFlight)
	}
	var kinds []string
	for k := range load.failures {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("failed attempts, retried: %5d × %s", load.failures[k], k)
		// While JetStream elects a leader the service must say "send it
		// again" (503 unavailable); 500 would say nothing was written,
		// which after no answer in time is not known.
		if !strings.HasPrefix(k, "503 ") && !strings.HasPrefix(k, "no answer") {
			t.Errorf("%d attempts answered %s during the failover: want 503 unavailable", load.failures[k], k)
		}
	}

	// The cluster whole again, every replica current.
	settle, cancelSettle := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelSettle()
	for {
		ci, err = eventsCluster(settle, js)
		if err == nil && replicasCurrent(ci, 3) {
			break
		}
		if settle.Err() != nil {
			t.Fatalf("SAMSPILL_EVENTS's replicas not current after the load: %v %v\n%s", err, ci, leader.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Exactly once, read from the cluster.
	seen := readCommandIDs(ctx, t, js)
	lost, twice := 0, 0
	for _, c := range cmds {
		switch got := seen[c.id]; {
		case got == 0:
			lost++
			t.Errorf("command %s (%s on %s) acknowledged but not stored", c.id, c.name, c.mapID)
		case got > 1:
			twice++
			t.Errorf("command %s (%s on %s) stored %d times", c.id, c.name, c.mapID, got)
		}
	}
	t.Logf("SAMSPILL_EVENTS: %d commands acknowledged, %d lost, %d stored twice", n, lost, twice)

	// Every follower of the log (the graph, gap and picture services'
	// durable consumers, each read as its own user) reaches its head: the
	// read side goes on after the faults too.
	followers, cancelFollowers := context.WithTimeout(ctx, time.Minute)
	defer cancelFollowers()
	for _, f := range []struct{ user, durable string }{
		{natsperm.Graph, natsperm.GraphDurable}, {natsperm.Gap, natsperm.GapDurable}, {natsperm.Picture, natsperm.PictureDurable},
	} {
		waitFollower(followers, t, cluster.clusterClient(t, f.user), f.durable)
	}

	// Every projection (graph, gap, picture) is at the log's head and
	// has applied every event on the way: a delivery lost in the
	// failover would leave it at the head with fewer applied.
	stream, err := js.Stream(ctx, "SAMSPILL_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkProjections(ctx, t, client, up.base, info.State.LastSeq, natsperm.GraphDurable, natsperm.GapDurable, natsperm.PictureDurable)

	// The graph service shows every actor, once.
	readCtx, cancelRead := context.WithTimeout(ctx, 3*time.Minute)
	answers := mapAnswers(readCtx, t, client, up.base, want)
	cancelRead()
	for id, b := range answers {
		assertActorsOnce(t, id, b, cmds)
	}
	if exited, err := upExited(up); exited {
		t.Fatalf("samspill up exited: %v\n%s", err, up.stderr())
	}
	up.mu.Lock()
	full := up.log.String()
	up.mu.Unlock()
	t.Logf("samspill up ran throughout; its log has %d warnings and %d errors", countLines(full, "level=WARN"), countLines(full, "level=ERROR"))
	// The followers that read the log again after a lost delivery, and a
	// sample of the rest.
	shown := 0
	for line := range strings.Lines(full) {
		switch {
		case strings.Contains(line, "events lost on the way"):
			t.Logf("  %s", strings.TrimSpace(line))
		case strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN"):
			if shown++; shown <= 10 {
				t.Logf("  %s", strings.TrimSpace(line))
			}
		}
	}
	up.stop(t)
}

func peerNames(ci *jetstream.ClusterInfo) string {
	if ci == nil {
		return "(none)"
	}
	var out []string
	for _, p := range ci.Replicas {
		out = append(out, fmt.Sprintf("%s current=%v offline=%v lag=%d", p.Name, p.Current, p.Offline, p.Lag))
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

func countLines(s, sub string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			n++
		}
	}
	return n
}

// waitFollower waits until the durable consumer has delivered every
// message of SAMSPILL_EVENTS, and fails with its state when ctx ends
// first.
func waitFollower(ctx context.Context, t *testing.T, js jetstream.JetStream, durable string) {
	t.Helper()
	start := time.Now()
	var last string
	for {
		info, err := consumerInfo(ctx, js, durable)
		if err == nil {
			last = fmt.Sprintf("delivered stream seq %d, pending %d, waiting pulls %d, ack pending %d, leader %s",
				info.Delivered.Stream, info.NumPending, info.NumWaiting, info.NumAckPending, clusterLeader(info.Cluster))
			if info.NumPending == 0 && info.NumAckPending == 0 {
				t.Logf("%s: caught up (%s) after %s", durable, last, time.Since(start).Round(time.Millisecond))
				return
			}
		} else {
			last = err.Error()
		}
		if ctx.Err() != nil {
			t.Errorf("%s did not reach the log's head: %s", durable, last)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func consumerInfo(ctx context.Context, js jetstream.JetStream, durable string) (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, "SAMSPILL_EVENTS", durable)
	if err != nil {
		return nil, err
	}
	return c.CachedInfo(), nil
}

func clusterLeader(ci *jetstream.ClusterInfo) string {
	if ci == nil {
		return "(none)"
	}
	return ci.Leader
}

// checkProjections waits (30 s at most) until samspill up's /metrics show
// each projection at head, then checks that it applied head events: one
// for every event of the log, none skipped.
func checkProjections(ctx context.Context, t *testing.T, client *http.Client, base string, head uint64, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var position, applied map[string]float64
	for {
		position, applied = map[string]float64{}, map[string]float64{}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
		resp, err := client.Do(req)
		if err == nil {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				for _, m := range []struct {
					prefix string
					into   map[string]float64
				}{{"samspill_projection_position{", position}, {"samspill_projection_events_applied_total{", applied}} {
					rest, ok := strings.CutPrefix(line, m.prefix)
					if !ok {
						continue
					}
					labels, value, ok := strings.Cut(rest, "} ")
					name, ok2 := strings.CutPrefix(labels, `projection="`)
					if v, err := strconv.ParseFloat(value, 64); ok && ok2 && err == nil {
						m.into[strings.TrimSuffix(name, `"`)] = v
					}
				}
			}
			resp.Body.Close()
		}
		done := true
		for _, n := range names {
			done = done && position[n] >= float64(head)
		}
		if done || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, n := range names {
		t.Logf("%s: position %.0f, events applied %.0f, log head %d", n, position[n], applied[n], head)
		if position[n] != float64(head) || applied[n] != float64(head) {
			t.Errorf("%s: at %.0f with %.0f events applied; the log has %d: %d events skipped or not yet read",
				n, position[n], applied[n], head, int64(head)-int64(applied[n]))
		}
	}
}
