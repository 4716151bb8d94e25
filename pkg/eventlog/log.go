package eventlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Header names written on every event message.
const (
	HeaderCommandID = "Samspill-Command-Id"
	HeaderType      = "Samspill-Type"
)

// SubjectPrefix starts every event subject.
const SubjectPrefix = "samspill."

// ErrConflict is wrapped by *ConflictError, and by the error of
// PublishGuarded when the subjects moved on.
var ErrConflict = errors.New("concurrent modification")

// ErrDuplicate is wrapped by the error of PublishGuarded when a message with
// the same Nats-Msg-Id is being stored at the same moment.
var ErrDuplicate = errors.New("duplicate message id")

// ConflictError reports that the aggregate moved on since the writer read it.
type ConflictError struct {
	Aggregate event.Aggregate
	Expected  uint64 // the version the writer expected
	Actual    uint64 // the version the log holds (0 when unknown)
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: %s expected at version %d, but it is at version %d; reload and try again",
		ErrConflict, e.Aggregate, e.Expected, e.Actual)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// Config configures the stream behind a Log. The zero value gives the
// single-node defaults.
type Config struct {
	// Stream is the stream name; default SAMSPILL_EVENTS.
	Stream string
	// Replicas is 1 on a single node and 3 in a cluster.
	Replicas int
	// Duplicates is the window in which a retried command is recognised by
	// its Nats-Msg-Id (default 24h; older retries are still caught by the
	// expected-version check).
	Duplicates time.Duration
	// MaxMsgSize bounds one event (default 256 KiB).
	MaxMsgSize int32
	// MaxBytes bounds the stream (default unlimited: the log is the record).
	MaxBytes int64
	// Logger hears, now and then, that Bind is still waiting for the
	// stream; nil: silent.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "SAMSPILL_EVENTS"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Duplicates == 0 {
		c.Duplicates = 24 * time.Hour
	}
	if c.MaxMsgSize == 0 {
		c.MaxMsgSize = 256 << 10
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = -1
	}
	return c
}

// StreamConfig returns the JetStream configuration of the log: file storage,
// limits retention with no age or count limit (events are never expired),
// deletes and purges denied (the log is never rewritten; erasure shreds
// keys instead), direct gets for fast reads of one aggregate, and atomic
// batches for multi-event commands.
func (c Config) StreamConfig() jetstream.StreamConfig {
	c = c.withDefaults()
	return jetstream.StreamConfig{
		Name:               c.Stream,
		Description:        "Samspill event log: maps and directory entries",
		Subjects:           []string{SubjectPrefix + string(event.AreaMap) + ".*.*", SubjectPrefix + string(event.AreaDirectory) + ".*.*"},
		Retention:          jetstream.LimitsPolicy,
		Storage:            jetstream.FileStorage,
		Replicas:           c.Replicas,
		MaxMsgs:            -1,
		MaxBytes:           c.MaxBytes,
		MaxAge:             0,
		MaxMsgSize:         c.MaxMsgSize,
		MaxMsgsPerSubject:  -1,
		Discard:            jetstream.DiscardNew,
		Duplicates:         c.Duplicates,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowDirect:        true,
		AllowAtomicPublish: true,
	}
}

// Log is the event log.
type Log struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	name   string
}

// Open is for the log's owner, the command service, which appends: it
// creates the stream if it is missing, updates it if its configuration
// differs from cfg's (see Drift) and returns the log. Its user needs
// STREAM.INFO, CREATE and UPDATE of the stream.
//
// A service that only reads the log calls Bind instead.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	sc := cfg.StreamConfig()
	s, err := EnsureStream(ctx, js, sc)
	if err != nil {
		return nil, fmt.Errorf("eventlog: open: %w", err)
	}
	return &Log{js: js, stream: s, name: sc.Name}, nil
}

// Bind is for the services that only read the log (graph, gap, picture):
// it looks the stream up, waiting with a backoff while it does not exist
// yet (the command service has not started), until ctx ends, and never
// creates or changes it, so their users need only STREAM.INFO. Of cfg only
// Stream and Logger count. When ctx ends first the error says so and wraps
// ctx's cause (context.DeadlineExceeded, context.Canceled).
func Bind(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	name := cfg.withDefaults().Stream
	s, err := BindStream(ctx, js, name, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	return &Log{js: js, stream: s, name: name}, nil
}

// Stream returns the stream's name.
func (l *Log) Stream() string { return l.name }

// Subject returns the subject an event of type t of agg is stored under.
func Subject(agg event.Aggregate, t event.Type) string {
	return SubjectPrefix + string(agg.Kind) + "." + agg.ID + "." + t.Name()
}

// Filter returns the subject filter matching every event of agg.
func Filter(agg event.Aggregate) string {
	return SubjectPrefix + string(agg.Kind) + "." + agg.ID + ".*"
}

// AreaFilter returns the subject filter matching every event of one kind of aggregate.
func AreaFilter(a event.Area) string { return SubjectPrefix + string(a) + ".*.*" }

// EventID returns the id of the index-th event of a command: a name-based
// UUID, so that a retried command produces the same ids.
func EventID(commandID string, index int) string {
	ns, err := uuid.Parse(commandID)
	if err != nil {
		ns = uuid.Nil
	}
	return uuid.NewSHA1(ns, []byte("event/"+strconv.Itoa(index))).String()
}

// AppendResult tells where a command's events landed.
type AppendResult struct {
	// First and Last are the stream sequences of the first and last event.
	First, Last uint64
	// Duplicate is true when the command had been appended before and
	// nothing new was written.
	Duplicate bool
}

// Append writes the envelopes as one atomic batch to agg, provided the
// aggregate is at version expected (0: it has no events yet). It sets each
// envelope's ID and CommandID; the caller sets Time, Source, Type, Data and
// ValidTime. It returns *ConflictError when the aggregate is at another
// version.
func (l *Log) Append(ctx context.Context, agg event.Aggregate, expected uint64, commandID string, envs []event.Envelope) (AppendResult, error) {
	if len(envs) == 0 {
		return AppendResult{}, errors.New("eventlog: append of no events")
	}
	if err := agg.Validate(); err != nil {
		return AppendResult{}, fmt.Errorf("eventlog: append: %w", err)
	}
	if agg.Kind != event.AreaMap && agg.Kind != event.AreaDirectory {
		return AppendResult{}, fmt.Errorf("eventlog: append: %s is not an aggregate of the event log", agg)
	}
	if !event.IsUUID(commandID) {
		return AppendResult{}, fmt.Errorf("eventlog: append: command id %q is not a UUID", commandID)
	}
	msgs := make([]*nats.Msg, len(envs))
	for i := range envs {
		envs[i].ID = EventID(commandID, i)
		envs[i].CommandID = commandID
		envs[i].Subject = agg.String()
		if err := envs[i].Validate(); err != nil {
			return AppendResult{}, fmt.Errorf("eventlog: append event %d: %w", i, err)
		}
		b, err := event.Marshal(envs[i])
		if err != nil {
			return AppendResult{}, fmt.Errorf("eventlog: append event %d: %w", i, err)
		}
		m := nats.NewMsg(Subject(agg, envs[i].Type))
		m.Data = b
		m.Header.Set(jetstream.MsgIDHeader, commandID+":"+strconv.Itoa(i))
		m.Header.Set(HeaderCommandID, commandID)
		m.Header.Set(HeaderType, string(envs[i].Type))
		// The trace that wrote the event (traceparent), when there is one:
		// a header, never part of the event.
		telemetry.Inject(ctx, m.Header)
		msgs[i] = m
	}
	res, err := l.publish(ctx, agg, expected, msgs)
	if err == nil {
		return res, nil
	}
	if !errors.Is(err, ErrConflict) && !errors.Is(err, ErrDuplicate) && !isWrongLastSequence(err) && !isDuplicate(err) {
		return AppendResult{}, fmt.Errorf("eventlog: append to %s: %w", agg, err)
	}
	// Either another writer got there first, or this is a retry of a
	// command that was stored: the first event after the expected version
	// tells which.
	first, ferr := l.stream.GetMsg(ctx, expected+1, jetstream.WithGetMsgSubject(Filter(agg)))
	if ferr != nil {
		return AppendResult{}, fmt.Errorf("eventlog: append to %s: resolve %v: %w", agg, err, ferr)
	}
	if first.Header.Get(HeaderCommandID) == commandID {
		return AppendResult{First: first.Sequence, Last: first.Sequence + uint64(len(msgs)) - 1, Duplicate: true}, nil
	}
	actual, verr := l.Version(ctx, agg)
	if verr != nil {
		actual = 0
	}
	return AppendResult{}, &ConflictError{Aggregate: agg, Expected: expected, Actual: actual}
}

func (l *Log) publish(ctx context.Context, agg event.Aggregate, expected uint64, msgs []*nats.Msg) (AppendResult, error) {
	filter := Filter(agg)
	if len(msgs) == 1 {
		ack, err := PublishGuarded(ctx, l.js, msgs[0], expected, filter)
		if err != nil {
			return AppendResult{}, err
		}
		return AppendResult{First: ack.Sequence, Last: ack.Sequence, Duplicate: ack.Duplicate}, nil
	}
	b, err := jetstreamext.NewBatchPublisher(l.js)
	if err != nil {
		return AppendResult{}, err
	}
	for i, m := range msgs[:len(msgs)-1] {
		var opts []jetstreamext.BatchMsgOpt
		if i == 0 {
			opts = append(opts, jetstreamext.WithBatchExpectLastSequenceForSubject(expected, filter))
		}
		if err := b.AddMsg(m, opts...); err != nil {
			b.Discard()
			return AppendResult{}, err
		}
	}
	ack, err := b.CommitMsg(ctx, msgs[len(msgs)-1])
	if err != nil {
		return AppendResult{}, err
	}
	return AppendResult{First: ack.Sequence - uint64(ack.BatchSize) + 1, Last: ack.Sequence}, nil
}

// PublishGuarded publishes one message to a stream only if the last
// message on the subjects matching filter is still at stream sequence
// expected (0: there is none): JetStream's optimistic concurrency control,
// the headers Nats-Expected-Last-Subject-Sequence and
// Nats-Expected-Last-Subject-Sequence-Subject, which it sets on m. The
// caller sets the rest, Nats-Msg-Id in particular.
//
// When another writer got there first the error wraps ErrConflict; when a
// message with the same Nats-Msg-Id is being stored at the same moment it
// wraps ErrDuplicate. A message id already stored within the duplicate
// window is not an error: the ack has Duplicate set (a single server may
// also answer it with ErrConflict, since the guard is checked first).
func PublishGuarded(ctx context.Context, js jetstream.JetStream, m *nats.Msg, expected uint64, filter string) (*jetstream.PubAck, error) {
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expected, 10))
	m.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, filter)
	ack, err := js.PublishMsg(ctx, m)
	switch {
	case err == nil:
		return ack, nil
	case isWrongLastSequence(err):
		return nil, fmt.Errorf("%w: %w", ErrConflict, err)
	case isDuplicate(err):
		return nil, fmt.Errorf("%w: %w", ErrDuplicate, err)
	}
	return nil, err
}

func apiCode(err error) jetstream.ErrorCode {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode
	}
	var jsErr jetstream.JetStreamError
	if errors.As(err, &jsErr) && jsErr.APIError() != nil {
		return jsErr.APIError().ErrorCode
	}
	return 0
}

// Server error codes (nats-server errors.json) that Append resolves.
const (
	codeWrongLastSequence      jetstream.ErrorCode = 10071 // wrong last sequence: {seq}
	codeWrongLastSequenceConst jetstream.ErrorCode = 10164 // wrong last sequence
	codeDuplicateInProcess     jetstream.ErrorCode = 10158 // duplicate message id is in process
	codeBatchDuplicate         jetstream.ErrorCode = 10201 // atomic publish batch contains duplicate message id
)

func isWrongLastSequence(err error) bool {
	c := apiCode(err)
	return c == codeWrongLastSequence || c == codeWrongLastSequenceConst
}

func isDuplicate(err error) bool {
	c := apiCode(err)
	return c == codeBatchDuplicate || c == codeDuplicateInProcess
}

// Version returns the aggregate's version: the stream sequence of its last
// event, or 0 when it has none.
func (l *Log) Version(ctx context.Context, agg event.Aggregate) (uint64, error) {
	m, err := l.stream.GetLastMsgForSubject(ctx, Filter(agg))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("eventlog: version of %s: %w", agg, err)
	}
	return m.Sequence, nil
}

// Head returns the sequence of the last event in the log (0 if empty).
func (l *Log) Head(ctx context.Context) (uint64, error) {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("eventlog: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// Record is one stored event.
type Record struct {
	// Seq is the event's position in the log.
	Seq uint64
	// Subject is the NATS subject it is stored under.
	Subject  string
	Envelope event.Envelope
	// Data is the envelope's data, decoded and validated.
	Data event.Data
	// Pending is, for a record a follower delivers, how many events
	// matching its filters the stream held after this one when it was
	// delivered: 0 means the follower has caught up with the log (as far
	// as the server knew). 0 for records from Load.
	Pending uint64
}

// decodeRecord validates a stored message. Data is validated later, by
// whoever needs the typed value (Envelope.Decode).
func decodeRecord(seq uint64, subject string, data []byte) (Record, error) {
	env, d, err := event.Unmarshal(data)
	if err != nil {
		return Record{Seq: seq, Subject: subject}, fmt.Errorf("eventlog: event at %d on %s: %w", seq, subject, err)
	}
	return Record{Seq: seq, Subject: subject, Envelope: env, Data: d}, nil
}

// Load returns every event of agg in log order, and the aggregate's version.
func (l *Log) Load(ctx context.Context, agg event.Aggregate) ([]Record, uint64, error) {
	const batch = 512
	var out []Record
	next := uint64(1)
	for {
		it, err := jetstreamext.GetBatch(ctx, l.js, l.name, batch, jetstreamext.GetBatchSeq(next), jetstreamext.GetBatchSubject(Filter(agg)))
		if err != nil {
			return nil, 0, fmt.Errorf("eventlog: load %s: %w", agg, err)
		}
		n := 0
		for m, err := range it {
			if errors.Is(err, jetstreamext.ErrNoMessages) {
				break
			}
			if err != nil {
				return nil, 0, fmt.Errorf("eventlog: load %s: %w", agg, err)
			}
			r, err := decodeRecord(m.Sequence, m.Subject, m.Data)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, r)
			next = m.Sequence + 1
			n++
		}
		if n < batch {
			break
		}
	}
	var version uint64
	if len(out) > 0 {
		version = out[len(out)-1].Seq
	}
	return out, version, nil
}
