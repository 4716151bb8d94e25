// Package graph is Samspill's graph service: it follows the event log with
// the durable consumer samspill-graph, keeps every map's history in a
// bitemporal projection, and answers queries about maps and areas: a map
// (now, on a date, as known at a moment), the changes between two dates,
// an actor's neighbourhood, and the system-wide graph of an area with small
// cells suppressed.
//
// It survives restarts without replaying everything: every few thousand
// events, and on shutdown, it writes a snapshot of the projection with the
// last applied sequence to the object store SAMSPILL_GRAPH, and on start it
// restores the snapshot and resumes the durable consumer right after it.
//
// # Concurrency
//
// A Service is safe for concurrent use: queries read immutable views while
// the follower applies events.
package graph
