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
// # Access
//
// Every query is decided by package access and audited before it is
// answered, over NATS (the principal of the request's assertion, verified
// with Config.Verifier) and HTTP (the principal access.HTTP put in the
// request's context) alike. A map's queries are for a coordinator the map
// is assigned to, and are refused before the map is looked up, so that a
// refusal tells nothing of whether it exists; area aggregates are for an
// analyst of the municipality or an integration granted them; the bundle,
// every map's structure one by one, only for an integration granted it.
// The list of maps is a coordinator's own maps with their labels, or for an
// administrator every map with the coordinators it is assigned to.
//
// # Concurrency
//
// A Service is safe for concurrent use: queries read immutable views while
// the follower applies events.
package graph
