package partition

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/projection"
)

// SubjectPrefix is where instances ask each other:
// samspill.part.<service>.<key>.<endpoint> reaches the instances serving
// partition key, samspill.part.<service>.member.<instance>.<endpoint> one
// instance.
const SubjectPrefix = "samspill.part."

// Holder is the projection an instance keeps: it moves over events of
// maps it does not hold, adopts maps handed over and forgets maps handed
// away (*projection.Store is one).
type Holder interface {
	Position() uint64
	Advance(seq uint64)
	Adopt(from *projection.Store, ids []string) int
	Forget(ids []string) int
}

// Config configures an Instance.
type Config struct {
	Group GroupConfig
	// RouteTimeout bounds how long a forwarded request waits for an
	// instance to serve its partition, during a hand-over (default 15 s).
	RouteTimeout time.Duration
	// Workers bounds the requests forwarded to this instance that it
	// answers at once (default 8).
	Workers int
	// AnswerTimeout bounds how long a forwarded request waits for its
	// answer once an instance has taken it (default RouteTimeout): a
	// service whose answers may take longer (picture's drawings) says so.
	AnswerTimeout time.Duration
	// Adopted is called with the maps an instance took over, once they
	// are in its projection, while its live follower waits; Forgotten with
	// the maps it hands away, before the projection forgets them (so that
	// work on them can stop first). Both may be nil.
	Adopted, Forgotten func(ids []string)
}

// Instance is one instance of a partitioned service: its membership, the
// partitions it holds, the events it applies, and the forwarding of
// questions it does not hold the answer to.
type Instance struct {
	cfg    Config
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *eventlog.Log
	holder Holder
	group  *Group
	logger *slog.Logger
	index  *Index
	ixf    *eventlog.Follower
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	// mu is held while one live event is decided and applied, and during a
	// hand-over, so that a hand-over sees a projection standing still.
	mu      sync.Mutex
	members []string        // the members the held partitions are owned among
	extra   map[string]bool // partitions lost but still held until served elsewhere

	// serve is held for reading while a question is answered here, and
	// for writing while a partition stops being served here, so that no
	// answer is made from a projection losing the partition's maps.
	serve     sync.RWMutex
	subMu     sync.Mutex
	ready     bool
	subs      map[string]*nats.Subscription // by partition key
	memberSub *nats.Subscription
	endpoints map[string]micro.Handler
	client    *http.Client
	// workers bounds the forwarded requests answered at once.
	workers chan struct{}
}

// New joins the service's group, reads which partition every map is in
// (the log's map_opened events) and returns an instance that holds the
// partitions it owns among the members now. Call Apply from the live
// follower's handler, SetReady once the projection has caught up, and
// Stop at the end.
func New(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, log *eventlog.Log, holder Holder, cfg Config) (*Instance, error) {
	if cfg.RouteTimeout <= 0 {
		cfg.RouteTimeout = 15 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.AnswerTimeout <= 0 {
		cfg.AnswerTimeout = cfg.RouteTimeout
	}
	logger := cfg.Group.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	g, err := Join(ctx, js, cfg.Group)
	if err != nil {
		return nil, err
	}
	in := &Instance{cfg: cfg, nc: nc, js: js, log: log, holder: holder, group: g, logger: logger, index: NewIndex(),
		extra: map[string]bool{}, subs: map[string]*nats.Subscription{}, endpoints: map[string]micro.Handler{}, done: make(chan struct{}),
		client: &http.Client{Timeout: cfg.AnswerTimeout}, workers: make(chan struct{}, cfg.Workers)}
	in.ctx, in.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := in.followIndex(ctx); err != nil {
		_ = g.Leave(ctx)
		return nil, err
	}
	in.members = g.Names()
	logger.Info("partitioned instance joined", "service", cfg.Group.Service, "instance", cfg.Group.Instance, "members", len(in.members))
	go in.run()
	return in, nil
}

// followIndex reads every map_opened event into the index, waits until it
// has the last one there is, and keeps following.
func (in *Instance) followIndex(ctx context.Context) error {
	filter := eventlog.SubjectPrefix + string(event.AreaMap) + ".*." + event.TypeMapOpened.Name()
	var last uint64
	st, err := in.js.Stream(ctx, in.log.Stream())
	if err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	m, err := st.GetLastMsgForSubject(ctx, filter)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
	case err != nil:
		return fmt.Errorf("partition: last map opened: %w", err)
	default:
		last = m.Sequence
	}
	f, err := in.log.Follow(ctx, eventlog.FollowConfig{Filters: []string{filter}, Logger: in.logger}, func(_ context.Context, r eventlog.Record) error {
		in.index.Observe(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("partition: follow the maps opened: %w", err)
	}
	in.ixf = f
	for in.index.Position() < last {
		select {
		case <-ctx.Done():
			_ = f.Stop()
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// holds reports whether the instance holds partition key; in.mu held.
func (in *Instance) holds(key string) bool {
	return in.extra[key] || Owner(in.members, key) == in.group.Instance()
}

// Apply decides whether the live event r is for this instance: an event
// of the directory always is, an event of a map when the instance holds
// the map's partition. It calls apply for one that is and skip for one
// that is not (which should move the projection's position over it).
func (in *Instance) Apply(r eventlog.Record, apply, skip func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	key, isMap := in.index.Observe(r)
	if !isMap || key == "" || in.holds(key) {
		apply()
		return
	}
	skip()
}

// SetReady says the projection has caught up with the log: the instance
// starts serving the partitions it holds.
func (in *Instance) SetReady() {
	in.subMu.Lock()
	in.ready = true
	in.subMu.Unlock()
	in.poke()
}

func (in *Instance) poke() {
	in.group.notify()
}

// run hands partitions over when the members change, lets go of those
// served elsewhere and keeps the subscriptions and the announcement in
// step, after every heartbeat.
func (in *Instance) run() {
	defer close(in.done)
	for {
		select {
		case <-in.ctx.Done():
			return
		case <-in.group.Changed():
		}
		if err := in.reconcile(in.ctx); err != nil && in.ctx.Err() == nil {
			in.logger.Warn("partition hand-over failed; will retry", "err", err)
		}
	}
}

func (in *Instance) reconcile(ctx context.Context) error {
	in.subMu.Lock()
	ready := in.ready
	in.subMu.Unlock()
	if !ready {
		return nil
	}
	if names := in.group.Names(); !slices.Equal(names, in.heldMembers()) {
		if err := in.handOver(ctx, names); err != nil {
			return err
		}
	}
	in.release()
	serves, err := in.subscribe()
	if err != nil {
		return err
	}
	return in.group.Announce(ctx, serves, true)
}

func (in *Instance) heldMembers() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.members
}

// handOver takes the partitions the instance owns among members and did
// not hold: it reads the log up to the projection's position into a store
// of their maps alone, and adopts them, while the live follower waits.
// The partitions it no longer owns it keeps until served elsewhere.
func (in *Instance) handOver(ctx context.Context, members []string) error {
	began := time.Now()
	in.mu.Lock()
	defer in.mu.Unlock()
	me := in.group.Instance()
	var gained, lost []string
	for _, k := range in.index.Keys() {
		owned := Owner(members, k) == me
		held := in.holds(k)
		switch {
		case owned && !held:
			gained = append(gained, k)
		case !owned && held && !in.extra[k]:
			lost = append(lost, k)
		}
	}
	if len(gained) > 0 {
		ids, err := in.backfill(ctx, gained)
		if err != nil {
			return err
		}
		n := in.holder.Adopt(ids.store, ids.ids)
		if in.cfg.Adopted != nil {
			in.cfg.Adopted(ids.ids)
		}
		in.logger.Info("partitions taken over", "partitions", len(gained), "maps", n, "took", time.Since(began).Round(time.Millisecond))
	}
	for _, k := range gained {
		delete(in.extra, k)
	}
	for _, k := range lost {
		in.extra[k] = true
	}
	in.members = members
	return nil
}

type backfilled struct {
	store *projection.Store
	ids   []string
}

// backfill reads the log from its start up to the projection's position
// into a new store, keeping the events of the maps in partitions keys.
func (in *Instance) backfill(ctx context.Context, keys []string) (backfilled, error) {
	upTo := in.holder.Position()
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	tmp := projection.NewStore()
	if upTo == 0 {
		return backfilled{store: tmp}, nil
	}
	local := NewIndex()
	done := make(chan error, 1)
	finish := func(err error) {
		select {
		case done <- err:
		default:
		}
	}
	f, err := in.log.Follow(ctx, eventlog.FollowConfig{Logger: in.logger}, func(_ context.Context, r eventlog.Record) error {
		if r.Seq > upTo {
			finish(nil)
			return nil
		}
		if key, isMap := local.Observe(r); isMap && want[key] {
			if err := tmp.Apply(r); err != nil {
				in.logger.Error("event not applied in a hand-over", "seq", r.Seq, "err", err)
			}
		}
		if r.Seq == upTo {
			finish(nil)
		}
		return nil
	})
	if err != nil {
		return backfilled{}, fmt.Errorf("partition: read the log for a hand-over: %w", err)
	}
	defer func() { _ = f.Stop() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case err := <-done:
			if err != nil {
				return backfilled{}, err
			}
			break wait
		case <-tick.C:
			// The log may end before upTo (a deleted last message).
			if _, pending, ok := f.Delivered(); ok && pending == 0 {
				break wait
			}
		case <-ctx.Done():
			return backfilled{}, ctx.Err()
		}
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, local.MapsOf(k)...)
	}
	return backfilled{store: tmp, ids: ids}, nil
}

// release lets go of the partitions lost in a hand-over once another
// member serves them: it stops serving them, once the questions being
// answered here are, then forgets their maps.
func (in *Instance) release() {
	in.mu.Lock()
	var gone []string
	for k := range in.extra {
		if Owner(in.members, k) == in.group.Instance() {
			delete(in.extra, k)
			continue
		}
		if in.group.ServedElsewhere(k) {
			gone = append(gone, k)
		}
	}
	in.mu.Unlock()
	if len(gone) == 0 {
		return
	}
	in.serve.Lock()
	in.subMu.Lock()
	for _, k := range gone {
		if s := in.subs[k]; s != nil {
			_ = s.Unsubscribe()
			delete(in.subs, k)
		}
	}
	in.subMu.Unlock()
	in.serve.Unlock()
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, k := range gone {
		delete(in.extra, k)
		ids := in.index.MapsOf(k)
		if in.cfg.Forgotten != nil {
			in.cfg.Forgotten(ids)
		}
		n := in.holder.Forget(ids)
		in.logger.Info("partition handed over", "partition", k, "maps", n)
	}
}

// served returns the partitions the instance holds among those it knows.
func (in *Instance) served() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []string
	for _, k := range in.index.Keys() {
		if in.holds(k) {
			out = append(out, k)
		}
	}
	return out
}

// subscribe listens on the subjects of the partitions held, and on the
// instance's own, and stops listening on the others. It returns the
// partitions served.
func (in *Instance) subscribe() ([]string, error) {
	want := in.served()
	in.subMu.Lock()
	defer in.subMu.Unlock()
	svc := in.cfg.Group.Service
	if in.memberSub == nil {
		s, err := in.nc.Subscribe(SubjectPrefix+svc+".member."+in.group.Instance()+".*", in.serveMsg)
		if err != nil {
			return nil, fmt.Errorf("partition: subscribe: %w", err)
		}
		in.memberSub = s
	}
	keep := map[string]bool{}
	for _, k := range want {
		keep[k] = true
		if in.subs[k] != nil {
			continue
		}
		s, err := in.nc.QueueSubscribe(SubjectPrefix+svc+"."+k+".*", "samspill-"+svc, in.serveMsg)
		if err != nil {
			return nil, fmt.Errorf("partition: subscribe to %s: %w", k, err)
		}
		in.subs[k] = s
	}
	for k, s := range in.subs {
		if !keep[k] {
			_ = s.Unsubscribe()
			delete(in.subs, k)
		}
	}
	return want, nil
}

// Serving reports whether the instance answers for partition key now.
func (in *Instance) Serving(key string) bool {
	in.subMu.Lock()
	defer in.subMu.Unlock()
	return in.subs[key] != nil
}

// serveMsg answers a request forwarded to this instance with the
// endpoint's local handler: samspill.part.<service>.<key>.<endpoint> while
// it serves the partition (421 when it no longer does, and the forwarder
// tries again), samspill.part.<service>.member.<instance>.<endpoint>
// always.
func (in *Instance) serveMsg(m *nats.Msg) {
	tokens := strings.Split(m.Subject, ".")
	name := tokens[len(tokens)-1]
	in.subMu.Lock()
	h := in.endpoints[name]
	in.subMu.Unlock()
	req := &msgRequest{msg: m}
	if h == nil {
		_ = req.Error("404", "no endpoint "+name, nil)
		return
	}
	in.serve.RLock()
	if len(tokens) == 5 && !in.Serving(tokens[3]) {
		in.serve.RUnlock()
		_ = req.Error("421", "this instance no longer serves partition "+tokens[3], nil)
		return
	}
	// Answered in a goroutine of its own, so that a slow answer (a
	// drawing) does not hold up the partition's other requests; the
	// partition stays held here until it is made.
	in.workers <- struct{}{}
	go func() {
		defer func() {
			<-in.workers
			in.serve.RUnlock()
		}()
		h.Handle(req)
	}()
}

// enter reports whether a question about partition key is answered here,
// and then holds the partition here until done is called.
func (in *Instance) enter(key string) (done func(), ok bool) {
	in.serve.RLock()
	if in.forwards(key) {
		in.serve.RUnlock()
		return nil, false
	}
	return in.serve.RUnlock, true
}

// Index returns the partition of every map the instance has seen opened.
func (in *Instance) Index() *Index { return in.index }

// Group returns the instance's membership.
func (in *Instance) Group() *Group { return in.group }

// Stop stops serving, leaves the group, so the others take the
// partitions over at once, and stops following.
func (in *Instance) Stop(ctx context.Context) error {
	in.cancel()
	<-in.done
	in.subMu.Lock()
	for k, s := range in.subs {
		_ = s.Unsubscribe()
		delete(in.subs, k)
	}
	if in.memberSub != nil {
		_ = in.memberSub.Unsubscribe()
		in.memberSub = nil
	}
	in.ready = false
	in.subMu.Unlock()
	_ = in.ixf.Stop()
	return in.group.Leave(ctx)
}
