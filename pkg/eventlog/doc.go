// Package eventlog is Samspill's event log on NATS JetStream.
//
// All events live in one stream (SAMSPILL_EVENTS by default), one subject per
// aggregate and event name:
//
//	samspill.map.<mapId>.<event>          e.g. samspill.map.5b0c….actor_added
//	samspill.directory.<entryId>.<event>  e.g. samspill.directory.nav-grorud.entry_registered
//
// The stream sequence is the log position; an aggregate's version is the
// sequence of its last event (0 for an aggregate with none).
//
// # Owner and readers
//
// The command service owns the stream: Open creates it, or updates it when
// its configuration differs from Config's, so the command service's NATS
// user may create and update it. The services that only read the log
// (graph, gap, picture) call Bind, which waits until the stream exists and
// never changes it: their users may only ask for its info (STREAM.INFO)
// and use their own consumers (see pkg/natsperm). EnsureStream and
// BindStream do the same for any stream (pkg/seal's key stream).
//
// # Consistency
//
// Append writes all events of one command as one atomic batch, guarded by
// the expected version of the aggregate (JetStream's
// Nats-Expected-Last-Subject-Sequence with a subject filter covering the
// aggregate). When another writer got there first the append fails with a
// *ConflictError (errors.Is ErrConflict) and nothing is written.
//
// # Idempotency
//
// Every message carries the command id in the Samspill-Command-Id header and
// as Nats-Msg-Id (<commandId>:<index>), and event ids are derived from the
// command id, so a retried command writes nothing new. A single server
// answers a retry with "wrong last sequence" while a cluster answers
// "duplicate"; Append resolves both by reading the aggregate's first event
// after the expected version and comparing its command id.
//
// # Concurrency
//
// A Log is safe for concurrent use. Appends to different aggregates run in
// parallel; appends to one aggregate are serialised by the server check.
package eventlog
