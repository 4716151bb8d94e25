// Package natsperm is Samspill's one table of NATS permissions: for every
// service, the subjects it may publish to and subscribe to, whether it may
// answer requests, and the inbox prefix its replies arrive under.
//
// Both the embedded server of `samspill up` (package jsserver) and the
// configurations in deploy/nats (tools/natsconf generates their
// authorization block and checks it) are made from this table, so the two
// cannot drift. docs/security.md shows it as a table.
//
// Every list is narrow: a service may publish only to the streams, buckets
// and consumers it really uses (JetStream's API subjects name the stream
// and consumer), subscribe only to its own endpoints and its own inbox, and
// no service may read another's replies, because each has its own inbox
// prefix (nats.CustomInboxPrefix with User.Inbox) and may subscribe only
// under it.
package natsperm

import (
	"slices"
	"strings"
)

// The users, one per service. Each is also the service's NATS client name
// and its micro service name.
const (
	Command = "samspill-command"
	Graph   = "samspill-graph"
	Gap     = "samspill-gap"
	Picture = "samspill-picture"
	Web     = "samspill-web"
	// CLI is the samspill command line (--nats) and the demo loader: on
	// the embedded server, anonymous loopback clients are this user.
	CLI = "samspill-cli"
)

// The streams and buckets the table names.
const (
	EventStream   = "SAMSPILL_EVENTS"   // pkg/eventlog
	KeyBucket     = "SAMSPILL_MAP_KEYS" // pkg/seal; its stream is KV_SAMSPILL_MAP_KEYS
	GapStream     = "SAMSPILL_GAPS"     // services/gap
	GraphBucket   = "SAMSPILL_GRAPH"    // services/graph's snapshots (object store)
	PictureBucket = "SAMSPILL_PICTURES" // services/picture's cache (object store)
)

// The durable consumers on SAMSPILL_EVENTS, named after their services.
const (
	GraphDurable   = Graph
	GapDurable     = Gap
	PictureDurable = Picture
)

// Subjects is an allow list and a deny list of subjects, with the
// wildcards * and >. Deny wins.
type Subjects struct {
	Allow []string
	Deny  []string
}

// User is one service's NATS user.
type User struct {
	// Name is the user name, the client name and the micro service name.
	Name string
	// Doc says in a line what the service does on NATS.
	Doc       string
	Publish   Subjects
	Subscribe Subjects
	// Responses lets the user answer requests (allow_responses): it may
	// publish once to the reply subject of each request it receives.
	Responses bool
	// Inbox is the prefix of the user's reply subjects; it may subscribe
	// under Inbox+".>" and nowhere else for replies.
	Inbox string
}

// Users returns the table, one User per service, in a fixed order.
func Users() []User {
	// The query endpoints under samspill.query that each service answers.
	graphQueries := []string{"bundle", "changes", "directory", "export", "history", "map", "maps", "matrix", "neighbourhood", "system"}
	gapQueries := []string{"gaps", "prevalence"}
	return []User{
		{
			Name: Command,
			Doc:  "decides commands and appends their events; creates, shreds and reads map keys",
			Publish: Subjects{
				Allow: concat(
					[]string{"samspill.map.*.*", "samspill.directory.*.*"},
					streamAdmin(EventStream), directGet(EventStream), ordered(EventStream),
					keyring(), []string{"$KV." + KeyBucket + ".>", api("STREAM.MSG.DELETE", kvStream)},
				),
				Deny: othersDurables(""),
			},
			Subscribe: Subjects{Allow: concat([]string{"samspill.cmd.*"}, micro(Command), inbox(Command))},
			Responses: true,
			Inbox:     inboxPrefix(Command),
		},
		{
			Name: Graph,
			Doc:  "projects the log into maps and areas, answers queries, keeps snapshots",
			Publish: Subjects{Allow: concat(
				streamAdmin(EventStream), durable(EventStream, GraphDurable), keyring(), objectStore(GraphBucket),
			)},
			Subscribe: Subjects{Allow: concat(prefixed("samspill.query.", graphQueries), micro(Graph), inbox(Graph))},
			Responses: true,
			Inbox:     inboxPrefix(Graph),
		},
		{
			Name: Gap,
			Doc:  "evaluates the gap rules and publishes gap_opened and gap_closed",
			Publish: Subjects{Allow: concat(
				[]string{"samspill.gap.*.*.*.*.*"},
				streamAdmin(EventStream), durable(EventStream, GapDurable),
				streamAdmin(GapStream), directGet(GapStream), ordered(GapStream),
			)},
			Subscribe: Subjects{Allow: concat(prefixed("samspill.query.", gapQueries), micro(Gap), inbox(Gap))},
			Responses: true,
			Inbox:     inboxPrefix(Gap),
		},
		{
			Name: Picture,
			Doc:  "draws maps, changes and areas; caches the pictures",
			Publish: Subjects{Allow: concat(
				streamAdmin(EventStream), durable(EventStream, PictureDurable), keyring(), objectStore(PictureBucket),
			)},
			Subscribe: Subjects{Allow: concat([]string{"samspill.render.*"}, micro(Picture), inbox(Picture))},
			Responses: true,
			Inbox:     inboxPrefix(Picture),
		},
		{
			Name:      Web,
			Doc:       "the web application: commands, queries and pictures over NATS, live updates of one map",
			Publish:   Subjects{Allow: []string{"samspill.cmd.*", "samspill.query.*", "samspill.render.*"}},
			Subscribe: Subjects{Allow: concat([]string{"samspill.map.>", "samspill.gap.>"}, inbox(Web))},
			Inbox:     inboxPrefix(Web),
		},
		{
			Name: CLI,
			Doc:  "samspill --nats, the demo loader and `nats sub samspill.gap.>`: requests, gap events, service discovery",
			Publish: Subjects{Allow: []string{
				"samspill.cmd.*", "samspill.query.*", "samspill.render.*",
				"$SRV.PING", "$SRV.INFO", "$SRV.STATS", "$SRV.*.*", "$SRV.*.*.*",
			}},
			// The default inbox: the CLI sets no prefix. No service
			// replies there, since every service has its own prefix.
			Subscribe: Subjects{Allow: []string{"samspill.gap.>", "_INBOX.>"}},
			Inbox:     "_INBOX",
		},
	}
}

// Lookup returns the user called name.
func Lookup(name string) (User, bool) {
	for _, u := range Users() {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// MayPublish reports whether u may publish to subject (no wildcards), not
// counting replies to requests it received (Responses).
func (u User) MayPublish(subject string) bool {
	return allowed(u.Publish, subject)
}

// MaySubscribe reports whether u may subscribe to subject, which may hold
// wildcards: it must lie inside an allowed subject and touch no denied one.
func (u User) MaySubscribe(subject string) bool {
	return allowed(u.Subscribe, subject)
}

func allowed(s Subjects, subject string) bool {
	for _, d := range s.Deny {
		if Covers(d, subject) || Covers(subject, d) {
			return false
		}
	}
	for _, a := range s.Allow {
		if Covers(a, subject) {
			return true
		}
	}
	return false
}

// Covers reports whether every subject that subject matches is matched by
// pattern; both may hold the wildcards * (one token) and > (the rest).
func Covers(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, pt := range p {
		if pt == ">" {
			return len(s) > i
		}
		if i >= len(s) {
			return false
		}
		switch {
		case pt == "*":
			if s[i] == ">" {
				return false
			}
		case pt != s[i]:
			return false
		}
	}
	return len(p) == len(s)
}

// kvStream is the stream behind the key bucket.
const kvStream = "KV_" + KeyBucket

func api(op, stream string) string { return "$JS.API." + op + "." + stream }

func inboxPrefix(user string) string {
	return "_INBOX_" + strings.TrimPrefix(user, "samspill-")
}

func inbox(user string) []string { return []string{inboxPrefix(user) + ".>"} }

// streamAdmin is what binding a stream takes: every service creates the
// streams it uses when it starts (CreateOrUpdateStream sends UPDATE, then
// CREATE if the stream is missing), and reads its state.
func streamAdmin(stream string) []string {
	return []string{api("STREAM.INFO", stream), api("STREAM.CREATE", stream), api("STREAM.UPDATE", stream)}
}

// directGet reads single messages (direct gets: the stream allows them).
func directGet(stream string) []string {
	return []string{api("DIRECT.GET", stream), api("DIRECT.GET", stream) + ".>"}
}

// durable is a service's own durable pull consumer: create (with or
// without a filter subject in the API subject), delete, info, next.
func durable(stream, name string) []string {
	return []string{
		api("CONSUMER.CREATE", stream) + "." + name, api("CONSUMER.CREATE", stream) + "." + name + ".>",
		api("CONSUMER.DELETE", stream) + "." + name, api("CONSUMER.INFO", stream) + "." + name,
		api("CONSUMER.MSG.NEXT", stream) + "." + name,
	}
}

// ordered is ordered consumers, whose names are random: any consumer name
// on the stream (othersDurables denies the services' durables).
func ordered(stream string) []string {
	return durable(stream, "*")
}

// othersDurables denies every service's durable consumer on the event log
// except own's.
func othersDurables(own string) []string {
	var deny []string
	for _, d := range []string{GraphDurable, GapDurable, PictureDurable} {
		if d == own {
			continue
		}
		deny = append(deny, "$JS.API.CONSUMER.*."+EventStream+"."+d, "$JS.API.CONSUMER.*."+EventStream+"."+d+".>",
			"$JS.API.CONSUMER.MSG.NEXT."+EventStream+"."+d)
	}
	return deny
}

// keyring is reading map keys (pkg/seal binds the bucket's stream itself).
func keyring() []string {
	return concat(streamAdmin(kvStream), directGet(kvStream))
}

// objectStore is a service's own object store: its chunks and metadata,
// purges of replaced chunks, reads through short-lived ordered push
// consumers with flow control.
func objectStore(bucket string) []string {
	s := "OBJ_" + bucket
	return concat(
		[]string{"$O." + bucket + ".>"},
		streamAdmin(s), []string{api("STREAM.PURGE", s), api("STREAM.MSG.GET", s)}, directGet(s),
		[]string{api("CONSUMER.CREATE", s) + ".>", api("CONSUMER.DELETE", s) + ".*", api("CONSUMER.INFO", s) + ".*"},
		[]string{"$JS.FC." + s + ".>"},
	)
}

// micro is the discovery subjects of a NATS micro service called name
// (PING, INFO and STATS; all, by name, by name and id).
func micro(name string) []string {
	var out []string
	for _, verb := range []string{"PING", "INFO", "STATS"} {
		out = append(out, "$SRV."+verb, "$SRV."+verb+"."+name, "$SRV."+verb+"."+name+".*")
	}
	return out
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

func concat(lists ...[]string) []string {
	return slices.Concat(lists...)
}
