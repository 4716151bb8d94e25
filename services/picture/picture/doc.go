// Package picture is Samspill's render service: it follows the event log
// with the durable consumer samspill-picture into its own projection, and
// draws maps on request as DOT, SVG, PNG or PDF: a citizen's actor map on
// a date (with its open gaps), the changes on a map between two dates, and
// the system-wide map of a municipality. It answers over HTTP and as the
// NATS micro service samspill-picture.
//
// # Cache
//
// Drawing takes tens of milliseconds of Graphviz time; a picture that was
// drawn once is kept in the JetStream object store SAMSPILL_PICTURES,
// under a name derived from everything that determines it: the kind of
// picture, the map (or municipality), the log position of the state drawn,
// the dates, the format, the language and the renderer's version. The log
// position of a map is the sequence of its last event; of a municipality,
// a digest of the positions of all its maps and of the directory. A new
// event therefore makes a new name, so the next request draws again, and
// the objects drawn for the old position are deleted by a janitor that the
// follower wakes, so the bucket holds at most the pictures of current
// states (and a TTL bounds those nobody asks for again).
//
// Pictures of a citizen's map hold personal data (names). They are stored
// sealed with that map's key (package seal), so erasing the map, which
// shreds the key, leaves every stored copy unreadable; on map_erased the
// janitor deletes them too, and an erased map's pictures, which show
// "[erased]" for every name, are never stored. System-wide pictures are
// drawn from the maps' structure (no map keys) and show organisations and
// k-suppressed figures only; they are stored as they are.
//
// # Drawing
//
// Every picture is drawn by one draw.Engine, which renders one picture at
// a time; concurrent requests for the same picture share one rendering.
//
// # Access
//
// Every picture is decided by package access and audited before it is
// drawn or read from the cache, over NATS (the principal of the request's
// assertion, verified with Config.Verifier) and HTTP (the principal
// access.HTTP put in the request's context) alike: a map's pictures are for
// a coordinator the map is assigned to, refused before the map is looked
// up so that a refusal tells nothing of whether it exists; an area's for
// an analyst of the municipality or an integration granted its
// aggregates. The follower, the janitor and the drawing read the service's
// own projection and cache and need no principal.
//
// # Concurrency
//
// A Service is safe for concurrent use.
package picture
