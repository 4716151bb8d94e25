package command

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Source is the CloudEvents source of events this service writes.
const Source = "/samspill/command"

// Config configures a Service.
type Config struct {
	// Clock gives record time and "today"; default time.Now.
	Clock func() time.Time
	// Location is where "today" is reckoned; default Europe/Oslo.
	Location *time.Location
	Logger   *slog.Logger
	// Metrics counts and times commands and the events they append; nil:
	// none.
	Metrics *telemetry.Metrics
	// Audit stores the guard's decisions (an *audit.Writer made with
	// audit.NewWriter(js, "command", nil)). Required: a command that
	// cannot be audited is not executed.
	Audit access.Recorder
	// Verifier verifies the assertion (header Samspill-Assertion) of every
	// NATS request (AddMicro). Nil: NATS requests name no principal and
	// are refused with 401. HTTP requests carry their principal in their
	// context (access.HTTP).
	Verifier *access.Verifier
}

// Result is what an accepted command did.
type Result struct {
	CommandID string `json:"commandId"`
	// Aggregate is "map/<id>" or "directory/<id>".
	Aggregate string `json:"aggregate"`
	// Version is the aggregate's version after the command.
	Version uint64     `json:"version"`
	Event   event.Type `json:"event"`
	// IDs are the ids the command created (mapId, actorId, relationId, …).
	IDs map[string]string `json:"ids,omitempty"`
	// Duplicate is true when the command had been executed before; nothing
	// new was written.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Service executes commands.
type Service struct {
	log  *eventlog.Log
	keys *seal.Keyring
	cfg  Config

	locksMu sync.Mutex
	locks   map[event.Aggregate]*sync.Mutex

	mu      sync.RWMutex // guards the maps below and every state in them
	maps    map[string]*mapState
	entries map[string]*entryState

	follower  *eventlog.Follower
	validator *mapdoc.Validator
	guard     *access.Guard
}

// NewService returns a Service writing to log with keys from keys. It
// refuses a Config without Audit.
func NewService(log *eventlog.Log, keys *seal.Keyring, cfg Config) (*Service, error) {
	if cfg.Audit == nil {
		return nil, errors.New("command: Config.Audit is required: every command is decided by the guard and audited before it is executed (audit.NewWriter(js, \"command\", nil))")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = date.HomeLocation()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := mapdoc.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("command: map document schemas: %w", err)
	}
	s := &Service{log: log, keys: keys, cfg: cfg, locks: map[event.Aggregate]*sync.Mutex{},
		maps: map[string]*mapState{}, entries: map[string]*entryState{}, validator: v}
	s.guard = access.NewGuard(cfg.Audit, s.assignedTo, cfg.Logger)
	return s, nil
}

// Start follows the log from its head so that states cached here see what
// other instances write. Call Stop to end it.
func (s *Service) Start(ctx context.Context) error {
	head, err := s.log.Head(ctx)
	if err != nil {
		return err
	}
	f, err := s.log.Follow(ctx, eventlog.FollowConfig{From: head + 1, Logger: s.cfg.Logger}, func(_ context.Context, r eventlog.Record) error {
		s.observe(r)
		return nil
	})
	if err != nil {
		return err
	}
	s.follower = f
	return nil
}

// Stop stops following the log.
func (s *Service) Stop() {
	if s.follower != nil {
		_ = s.follower.Stop()
	}
}

// observe applies an event from the log to a cached state it is new to.
func (s *Service) observe(r eventlog.Record) {
	agg, err := r.Envelope.Aggregate()
	if err != nil {
		return
	}
	d := r.Data // decoded and validated by the log
	s.mu.Lock()
	defer s.mu.Unlock()
	switch agg.Kind {
	case event.AreaMap:
		if m := s.maps[agg.ID]; m != nil && r.Seq > m.version {
			m.apply(r.Seq, r.Envelope.CommandID, r.Envelope.Principal, r.Envelope.ValidTime, d)
			if _, erased := d.(*event.MapErased); erased {
				s.keys.Forget(agg.ID)
			}
		}
	case event.AreaDirectory:
		if e := s.entries[agg.ID]; e != nil && r.Seq > e.version {
			e.apply(r.Seq, r.Envelope.CommandID, d)
		}
	}
}

func (s *Service) lock(agg event.Aggregate) func() {
	s.locksMu.Lock()
	m, ok := s.locks[agg]
	if !ok {
		m = new(sync.Mutex)
		s.locks[agg] = m
	}
	s.locksMu.Unlock()
	m.Lock()
	return m.Unlock
}

// load reads an aggregate's events into a fresh state and caches it,
// replacing any cached one.
func (s *Service) load(ctx context.Context, agg event.Aggregate) error {
	recs, _, err := s.log.Load(ctx, agg)
	if err != nil {
		return err
	}
	switch agg.Kind {
	case event.AreaMap:
		st := newMapState()
		for _, r := range recs {
			st.apply(r.Seq, r.Envelope.CommandID, r.Envelope.Principal, r.Envelope.ValidTime, r.Data)
		}
		s.mu.Lock()
		if old := s.maps[agg.ID]; old == nil || old.version <= st.version {
			s.maps[agg.ID] = st
		}
		s.mu.Unlock()
	case event.AreaDirectory:
		st := &entryState{}
		for _, r := range recs {
			st.apply(r.Seq, r.Envelope.CommandID, r.Data)
		}
		s.mu.Lock()
		if old := s.entries[agg.ID]; old == nil || old.version <= st.version {
			s.entries[agg.ID] = st
		}
		s.mu.Unlock()
	}
	return nil
}

// cachedEntry returns a directory entry's state as cached (an empty state
// for an unknown entry). The caller holds s.mu and has loaded the entries
// the command refers to (directoryRefs).
func (s *Service) cachedEntry(id string) (*entryState, error) {
	if e := s.entries[id]; e != nil {
		return e, nil
	}
	return &entryState{}, nil
}

func (s *Service) cached(agg event.Aggregate) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if agg.Kind == event.AreaMap {
		return s.maps[agg.ID] != nil
	}
	return s.entries[agg.ID] != nil
}

func (s *Service) ensure(ctx context.Context, agg event.Aggregate) error {
	if s.cached(agg) {
		return nil
	}
	return s.load(ctx, agg)
}

// Target returns the aggregate a command is about: its map, or its
// directory entry. An open_map without a map id has none yet.
func Target(c Command) (event.Aggregate, error) {
	if o, ok := c.(*OpenMap); ok && o.MapID == "" {
		return event.Aggregate{}, invalid("mapId", "is chosen when the command runs")
	}
	agg, err := target(c)
	if err != nil {
		return agg, err
	}
	return agg, nil
}

// target returns the aggregate a command is about, choosing the id of a new
// map from the command id (which Execute has set).
func target(c Command) (event.Aggregate, *Error) {
	var agg event.Aggregate
	field := "mapId"
	switch c := c.(type) {
	case *RegisterEntry:
		agg, field = event.DirectoryAggregate(c.EntryID), "entryId"
	case *UpdateEntry:
		agg, field = event.DirectoryAggregate(c.EntryID), "entryId"
	case *RetireEntry:
		agg, field = event.DirectoryAggregate(c.EntryID), "entryId"
	case *OpenMap:
		if c.MapID == "" {
			c.MapID = derivedID(c.CommandID, "mapId")
		}
		agg = event.MapAggregate(c.MapID)
	default:
		agg = event.MapAggregate(mapIDOf(c))
	}
	if agg.ID == "" {
		return agg, invalid(field, "is required")
	}
	if err := agg.Validate(); err != nil {
		return agg, invalid(field, "%v", errors.Unwrap(err))
	}
	return agg, nil
}

// directoryRefs lists the directory entries a command refers to, so that
// they are loaded before the decision.
func directoryRefs(c Command) []string {
	var refs []string
	add := func(id string) {
		if id != "" && event.IsSlug(id) {
			refs = append(refs, id)
		}
	}
	switch c := c.(type) {
	case *RegisterEntry:
		add(c.Parent)
	case *UpdateEntry:
		add(c.Parent)
	case *RetireEntry:
		add(c.ReplacedBy)
	case *AddActor:
		add(c.Directory)
	case *UpdateActor:
		add(c.Directory)
	}
	return refs
}

// Execute validates a command and, if it holds, appends its event. The
// principal who gives it is the one ctx carries (access.WithPrincipal; the
// transports put the verified principal there); the event names its
// pseudonymous subject. A rejected command returns *Error and writes
// nothing; one the principal may not give is refused with code
// unauthenticated (no principal), forbidden or unavailable (the decision
// could not be audited).
//
// The guard decides before anything of the command's aggregate is looked
// at, save, for a coordinator's write or erasure, the map's assignments
// (loaded with it). Only what the request itself holds is checked before:
// a principal, the command id, national identity numbers (so that none
// reaches the audit trail) and the form of the aggregate's id.
func (s *Service) Execute(ctx context.Context, c Command) (res Result, err error) {
	defer func(began time.Time) { s.record(c.CommandName(), began, res, err) }(time.Now())
	return s.execute(ctx, c)
}

func (s *Service) execute(ctx context.Context, c Command) (Result, error) {
	if _, err := principal(ctx); err != nil {
		return Result{}, err
	}
	m := c.meta()
	if m.CommandID == "" {
		m.CommandID = newUUID()
	} else if !event.IsUUID(m.CommandID) {
		return Result{}, invalid("commandId", "%q is not a lower-case UUID", m.CommandID)
	}
	if err := screen(c); err != nil {
		s.cfg.Logger.WarnContext(ctx, "command refused: national identity number", "command", c.CommandName(), "field", err.Field)
		return Result{}, err
	}
	agg, aerr := target(c)
	if aerr != nil {
		return Result{}, aerr
	}
	unlock := s.lock(agg)
	defer unlock()

	op := operation(string(c.CommandName()))
	action, resource := permission(c, agg)
	p, _ := access.FromContext(ctx)
	if needsAssignment(p, action, resource) {
		if err := s.ensure(ctx, agg); err != nil {
			return Result{}, s.internal(c, err)
		}
	}
	if _, err := s.check(ctx, op, action, resource); err != nil {
		return Result{}, err
	}

	for _, ref := range directoryRefs(c) {
		if err := s.ensure(ctx, event.DirectoryAggregate(ref)); err != nil {
			return Result{}, s.internal(c, err)
		}
	}
	// Without an expected version a lost race is decided again on the
	// fresh state; a map written from two places at once is rare, so a
	// few attempts are plenty.
	const attempts = 10
	for attempt := 1; ; attempt++ {
		// A new map is decided on an empty state without reading the log
		// first: its id is new (derived from the command id, or the
		// client's), and the append, which expects the map to have no
		// events, finds out if it has (a retry, an id in use) and the
		// next attempt reads it. Under load the read waited behind the
		// stream's writes: a quarter of open_map's time.
		fresh := attempt == 1 && isOpenMap(c) && !s.cached(agg)
		if err := s.ensureUnless(ctx, agg, fresh); err != nil {
			return Result{}, s.internal(c, err)
		}
		// The fresh state may have revoked the coordinator meanwhile: ask
		// the guard again (and so audit the refusal) if it has.
		if attempt > 1 && needsAssignment(p, action, resource) && !s.assignedTo(agg.ID, p.Subject) {
			if _, err := s.check(ctx, op, action, resource); err != nil {
				return Result{}, err
			}
		}
		res, err := s.attempt(ctx, p.Subject, c, agg, fresh)
		var ce *eventlog.ConflictError
		if errors.As(err, &ce) {
			// Another instance wrote first; our state is stale.
			if lerr := s.load(ctx, agg); lerr != nil {
				return Result{}, s.internal(c, lerr)
			}
			if m.ExpectedVersion == nil && attempt < attempts {
				continue
			}
			field := ""
			if m.ExpectedVersion != nil {
				field = "expectedVersion"
			}
			return Result{}, &Error{Code: CodeConflict, Field: field, Version: ce.Actual,
				Message: fmt.Sprintf("%s is at version %d; reload it and decide again", agg, ce.Actual)}
		}
		return res, err
	}
}

// internal logs a command that failed on err and returns its *Error:
// unavailable when JetStream refused a write or did not answer
// (storeError), internal otherwise.
func (s *Service) internal(c Command, err error) error {
	s.cfg.Logger.Error("command failed", "command", c.CommandName(), "err", err)
	return storeError(err)
}

// ensureUnless loads agg unless it is cached or fresh (a new map, decided
// on an empty state).
func (s *Service) ensureUnless(ctx context.Context, agg event.Aggregate, fresh bool) error {
	if fresh {
		return nil
	}
	return s.ensure(ctx, agg)
}

// isOpenMap reports whether c opens a map.
func isOpenMap(c Command) bool {
	_, ok := c.(*OpenMap)
	return ok
}

// attempt decides c on the cached state of agg (fresh: on an empty map
// state, cached only once its event is appended) and appends its event.
func (s *Service) attempt(ctx context.Context, principal string, c Command, agg event.Aggregate, fresh bool) (Result, error) {
	m := c.meta()
	now := s.cfg.Clock()
	today := date.Of(now.In(s.cfg.Location))
	d := &decider{today: today, valid: m.ValidTime,
		newID: func(field string) string {
			return derivedID(m.CommandID, field)
		},
		entry: s.cachedEntry}
	if d.valid.IsZero() {
		d.valid = today
	}
	var st *mapState
	if fresh {
		st = newMapState()
	}
	if agg.Kind == event.AreaMap {
		exists := false
		if !fresh {
			s.mu.RLock()
			exists = s.maps[agg.ID].exists
			s.mu.RUnlock()
		}
		key, err := s.mapKeyOf(ctx, agg.ID, c, exists)
		if err != nil {
			return Result{}, err
		}
		d.key = key
	}

	s.mu.RLock()
	var version uint64
	var applied appliedCommands
	if agg.Kind == event.AreaMap {
		if !fresh {
			st = s.maps[agg.ID]
		}
		d.m = st
		version, applied = d.m.version, d.m.applied
	} else {
		d.e = s.entries[agg.ID]
		version, applied = d.e.version, d.e.applied
	}
	if prior, ok := applied[m.CommandID]; ok {
		s.mu.RUnlock()
		return s.result(m.CommandID, agg, prior.seq, prior.typ, prior.ids, true), nil
	}
	if m.ExpectedVersion != nil && *m.ExpectedVersion != version {
		s.mu.RUnlock()
		return Result{}, &eventlog.ConflictError{Aggregate: agg, Expected: *m.ExpectedVersion, Actual: version}
	}
	data, derr := c.(decision).decide(d)
	s.mu.RUnlock()
	if derr != nil {
		return Result{}, derr
	}

	env, err := event.New(agg, Source, d.valid, data)
	if err != nil {
		return Result{}, s.internal(c, err)
	}
	env.Time = now.UTC()
	env.Principal = principal
	res, err := s.log.Append(ctx, agg, version, m.CommandID, []event.Envelope{env})
	if err != nil {
		var ce *eventlog.ConflictError
		if errors.As(err, &ce) {
			return Result{}, err
		}
		return Result{}, s.internal(c, err)
	}
	if res.Duplicate {
		if err := s.load(ctx, agg); err != nil {
			return Result{}, s.internal(c, err)
		}
	} else {
		s.appended([]event.Envelope{env})
		s.mu.Lock()
		if agg.Kind == event.AreaMap {
			if fresh && s.maps[agg.ID] == nil {
				// The map had no events before this one (the append
				// expected none): the empty state and this event are all
				// of it.
				s.maps[agg.ID] = st
			}
			s.maps[agg.ID].apply(res.Last, m.CommandID, principal, d.valid, data)
		} else {
			s.entries[agg.ID].apply(res.Last, m.CommandID, data)
		}
		s.mu.Unlock()
	}
	if _, ok := data.(*event.MapErased); ok {
		if err := s.keys.Erase(ctx, agg.ID); err != nil && !errors.Is(err, seal.ErrNoKey) {
			s.cfg.Logger.Error("map erased in the log but its key was not shredded; retry the command", "map", agg.ID, "err", err)
			return Result{}, &Error{Code: CodeInternal, Message: "the erasure is recorded but the key could not be shredded yet; send the same command again"}
		}
	}
	s.cfg.Logger.DebugContext(ctx, "command executed", "command", c.CommandName(), "aggregate", agg.String(), "version", res.Last, "duplicate", res.Duplicate)
	return s.result(m.CommandID, agg, res.Last, data.EventType(), idsOf(data), res.Duplicate), nil
}

func (s *Service) result(commandID string, agg event.Aggregate, seq uint64, typ event.Type, ids map[string]string, dup bool) Result {
	if typ == event.TypeMapOpened {
		ids = maps.Clone(ids)
		if ids == nil {
			ids = map[string]string{}
		}
		ids["mapId"] = agg.ID
	}
	return Result{CommandID: commandID, Aggregate: agg.String(), Version: seq, Event: typ, IDs: ids, Duplicate: dup}
}

// mapKey returns the key to seal a map command's personal data with: a new
// key for open_map of a map that does not exist as cached here, the map's
// key otherwise, or nil when it was erased (the decision then refuses the
// command).
func (s *Service) mapKey(ctx context.Context, mapID string, c Command) (*seal.Key, error) {
	s.mu.RLock()
	exists := s.maps[mapID].exists
	s.mu.RUnlock()
	return s.mapKeyOf(ctx, mapID, c, exists)
}

// mapKeyOf is mapKey for a map that exists or not as the caller knows it.
func (s *Service) mapKeyOf(ctx context.Context, mapID string, c Command, exists bool) (*seal.Key, error) {
	if c.CommandName() == CmdOpenMap && !exists {
		// Create first: it stores a key only where none ever was, so the
		// usual case is one write and no reads. A key already there is
		// an earlier attempt's (an orphan, harmless: this attempt uses
		// it) or an erased map's (refused).
		k, err := s.keys.Create(ctx, mapID)
		if err == nil {
			return k, nil
		}
		if errors.Is(err, seal.ErrErased) {
			return nil, fail(CodeGone, "mapId", "map %s was erased; its id cannot be reused", mapID)
		}
		k, gerr := s.keys.Get(ctx, mapID)
		switch {
		case gerr == nil:
			return k, nil
		case errors.Is(gerr, seal.ErrErased):
			return nil, fail(CodeGone, "mapId", "map %s was erased; its id cannot be reused", mapID)
		case errors.Is(gerr, seal.ErrNoKey):
			return nil, s.internal(c, err) // Create failed for want of room, or JetStream did not answer
		}
		return nil, s.internal(c, gerr)
	}
	if !exists {
		return nil, nil
	}
	k, err := s.keys.Get(ctx, mapID)
	switch {
	case errors.Is(err, seal.ErrErased), errors.Is(err, seal.ErrNoKey):
		return nil, nil
	case err != nil:
		return nil, s.internal(c, err)
	}
	return k, nil
}

// decision is implemented by every command.
type decision interface {
	decide(d *decider) (event.Data, *Error)
}

// mapIDOf returns the MapID field every map command has.
func mapIDOf(c Command) string {
	f := reflect.ValueOf(c).Elem().FieldByName("MapID")
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}
