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
//
// Besides the services' users in the table, Integration makes the user of
// an external system, whose subscriptions follow its access grants.
package natsperm

import (
	"errors"
	"fmt"
	"regexp"
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
	// Auth is the access service: it exchanges sign-ins and API tokens
	// for assertions, keeps the tokens and reads the audit trail.
	Auth = "samspill-auth"
)

// The streams and buckets the table names.
const (
	EventStream   = "SAMSPILL_EVENTS"   // pkg/eventlog
	KeyBucket     = "SAMSPILL_MAP_KEYS" // pkg/seal; its stream is KV_SAMSPILL_MAP_KEYS
	GapStream     = "SAMSPILL_GAPS"     // services/gap
	GraphBucket   = "SAMSPILL_GRAPH"    // services/graph's snapshots (object store)
	PictureBucket = "SAMSPILL_PICTURES" // services/picture's cache (object store)
	TokenBucket   = "SAMSPILL_TOKENS"   // services/auth's API tokens (key-value); its stream is KV_SAMSPILL_TOKENS
	AuditStream   = "SAMSPILL_AUDIT"    // pkg/audit: every service appends, only services/auth reads
	MembersBucket = "SAMSPILL_MEMBERS"  // pkg/partition: the instances of graph, gap and picture (key-value, memory)
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
	// Grants are the access grants an integration's subscriptions were
	// made from (see Integration); nil for the services.
	Grants []string
}

// Users returns the table, one User per service, in a fixed order.
func Users() []User {
	// The query endpoints under samspill.query that each service answers.
	graphQueries := []string{"bundle", "changes", "directory", "export", "history", "map", "maps", "matrix", "neighbourhood", "system"}
	gapQueries := []string{"gaps", "prevalence"}
	// Nobody may delete or purge the audit trail, not even its reader.
	deny := auditDeny()
	return []User{
		{
			Name: Command,
			Doc:  "decides commands and appends their events; owns the log and the map keys: creates, shreds and reads keys",
			Publish: Subjects{
				Allow: concat(
					[]string{"samspill.map.*.*", "samspill.directory.*.*"}, audit(Command),
					streamAdmin(EventStream), directGet(EventStream), ordered(EventStream),
					streamAdmin(keyStream), directGet(keyStream), []string{"$KV." + KeyBucket + ".>", api("STREAM.MSG.DELETE", keyStream)},
				),
				Deny: concat(othersDurables(""), deny),
			},
			Subscribe: Subjects{Allow: concat([]string{"samspill.cmd.*"}, micro(Command), inbox(Command))},
			Responses: true,
			Inbox:     inboxPrefix(Command),
		},
		{
			Name: Graph,
			Doc:  "projects the log into maps and areas, answers queries, keeps snapshots",
			Publish: Subjects{
				Allow: concat(
					audit(Graph), streamInfo(EventStream), durable(EventStream, GraphDurable), keyRead(), objectStore(GraphBucket),
					partitioned(Graph),
				),
				Deny: concat(othersDurables(GraphDurable), deny),
			},
			Subscribe: Subjects{Allow: concat(prefixed("samspill.query.", graphQueries), []string{partitionSubjects(Graph)}, micro(Graph), inbox(Graph))},
			Responses: true,
			Inbox:     inboxPrefix(Graph),
		},
		{
			Name: Gap,
			Doc:  "evaluates the gap rules and publishes gap_opened and gap_closed",
			Publish: Subjects{
				Allow: concat(
					[]string{"samspill.gap.*.*.*.*.*"}, audit(Gap),
					streamInfo(EventStream), durable(EventStream, GapDurable),
					streamAdmin(GapStream), directGet(GapStream), ordered(GapStream),
					partitioned(Gap),
				),
				Deny: concat(othersDurables(GapDurable), deny),
			},
			Subscribe: Subjects{Allow: concat(prefixed("samspill.query.", gapQueries), []string{partitionSubjects(Gap)}, micro(Gap), inbox(Gap))},
			Responses: true,
			Inbox:     inboxPrefix(Gap),
		},
		{
			Name: Picture,
			Doc:  "draws maps, changes and areas; caches the pictures",
			Publish: Subjects{
				Allow: concat(
					audit(Picture), streamInfo(EventStream), durable(EventStream, PictureDurable), keyRead(), objectStore(PictureBucket),
					partitioned(Picture),
				),
				Deny: concat(othersDurables(PictureDurable), deny),
			},
			Subscribe: Subjects{Allow: concat([]string{"samspill.render.*"}, []string{partitionSubjects(Picture)}, micro(Picture), inbox(Picture))},
			Responses: true,
			Inbox:     inboxPrefix(Picture),
		},
		{
			Name: Auth,
			Doc:  "the access service: exchanges sign-ins and API tokens for assertions, keeps the tokens, reads the audit trail",
			Publish: Subjects{
				Allow: concat(
					audit(Auth),
					// The token bucket: create or update it (which asks
					// for the account's JetStream info first), get, put,
					// delete and watch keys.
					[]string{"$JS.API.INFO"}, streamAdmin(tokenStream), directGet(tokenStream), []string{api("STREAM.MSG.GET", tokenStream)},
					[]string{"$KV." + TokenBucket + ".>"}, watch(tokenStream),
					// The audit trail: create or update it, read it with
					// ordered consumers and direct gets.
					streamAdmin(AuditStream), directGet(AuditStream), []string{api("STREAM.MSG.GET", AuditStream)}, ordered(AuditStream),
				),
				Deny: deny,
			},
			Subscribe: Subjects{Allow: concat([]string{"samspill.auth.>"}, micro(Auth), inbox(Auth))},
			Responses: true,
			Inbox:     inboxPrefix(Auth),
		},
		{
			Name: Web,
			Doc:  "the web application: sign-in, commands, queries and pictures over NATS, live updates of one map",
			Publish: Subjects{
				Allow: []string{"samspill.cmd.*", "samspill.query.*", "samspill.render.*", "samspill.auth.exchange", "samspill.auth.key"},
				Deny:  deny,
			},
			Subscribe: Subjects{Allow: concat([]string{"samspill.map.>", "samspill.gap.>"}, inbox(Web))},
			Inbox:     inboxPrefix(Web),
		},
		{
			Name: CLI,
			Doc:  "samspill --nats, the demo loader and `nats sub samspill.gap.>`: requests, sign-in and administration, gap events, service discovery",
			Publish: Subjects{
				Allow: []string{
					"samspill.cmd.*", "samspill.query.*", "samspill.render.*",
					"samspill.auth.exchange", "samspill.auth.key", "samspill.auth.tokens.*", "samspill.auth.audit",
					"$SRV.PING", "$SRV.INFO", "$SRV.STATS", "$SRV.*.*", "$SRV.*.*.*",
				},
				Deny: deny,
			},
			// The default inbox: the CLI sets no prefix. No service
			// replies there, since every service has its own prefix.
			Subscribe: Subjects{Allow: []string{"samspill.gap.>", "_INBOX.>"}},
			Inbox:     "_INBOX",
		},
	}
}

// Integration returns the NATS user of an external system called name
// whose access grants (the resource subjects of pkg/access, e.g.
// "area.3301.read", with the wildcards * and >) are grants. It may
// request the queries (samspill.query.*), the pictures (samspill.render.*)
// and the exchange of its API token for an assertion
// (samspill.auth.exchange), and subscribe to its own inbox,
// "_INBOX_"+name, and to the gap events its grants cover:
//
//	area.<m>.read  →  samspill.gap.<m>.>       (the gaps of municipality m)
//	map.<id>.read  →  samspill.gap.*.<id>.>    (the gaps of one map)
//
// A wildcard in the id carries over (area.*.read → samspill.gap.*.>);
// grants of other kinds (bundle, directory) give no subscription, since
// the services answer them over requests. Nothing else: no events, no
// JetStream. A grant that is no valid resource subject gives nothing;
// Validate reports it, and a bad name, before the user is used
// (jsserver.Config.Users does).
func Integration(name string, grants []string) User {
	prefix := "_INBOX_" + name
	return User{
		Name: name,
		Doc:  "integration: requests queries and pictures, follows the gap events its grants cover",
		Publish: Subjects{
			Allow: []string{"samspill.query.*", "samspill.render.*", "samspill.auth.exchange"},
			Deny:  auditDeny(),
		},
		Subscribe: Subjects{Allow: concat(gapSubjects(grants), []string{prefix + ".>"})},
		Inbox:     prefix,
		Grants:    slices.Clone(grants),
	}
}

var (
	namePattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)
	grantToken         = regexp.MustCompile(`^([A-Za-z0-9_-]{1,64}|\*|>)$`)
	subjectTokenSyntax = regexp.MustCompile(`^([^\s.*>]+|\*|>)$`)
)

// Validate reports what is wrong with u: a subject that is no NATS
// subject, an inbox that is not its own; and for a user that is not in
// the table (an integration), a name that is not 1–48 of a–z, 0–9 and
// "-", or is reserved (a service's, or one whose inbox is a service's),
// and grants that are not resource subjects.
func (u User) Validate() error {
	var problems []string
	for _, list := range [][]string{u.Publish.Allow, u.Publish.Deny, u.Subscribe.Allow, u.Subscribe.Deny} {
		for _, s := range list {
			if !validSubject(s) {
				problems = append(problems, fmt.Sprintf("%q is not a NATS subject", s))
			}
		}
	}
	if !validSubject(u.Inbox) || strings.ContainsAny(u.Inbox, "*>") {
		problems = append(problems, fmt.Sprintf("inbox prefix %q is not a subject without wildcards", u.Inbox))
	}
	if _, builtin := Lookup(u.Name); !builtin {
		problems = append(problems, integrationProblems(u.Name, u.Grants)...)
		if u.Inbox != "_INBOX_"+u.Name {
			problems = append(problems, fmt.Sprintf("inbox prefix %q, want _INBOX_%s", u.Inbox, u.Name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("natsperm: user %q: %s", u.Name, strings.Join(problems, "; "))
	}
	return nil
}

// ErrReserved is wrapped by ValidateIntegration's error for a name that
// belongs to the services.
var ErrReserved = errors.New("reserved for Samspill's services")

// ValidateIntegration reports what is wrong with an integration's name
// and grants (see Validate).
func ValidateIntegration(name string, grants []string) error {
	problems := integrationProblems(name, grants)
	if len(problems) == 0 {
		return nil
	}
	err := fmt.Errorf("natsperm: integration %q: %s", name, strings.Join(problems, "; "))
	if reserved(name) {
		err = fmt.Errorf("%w (%w)", err, ErrReserved)
	}
	return err
}

func integrationProblems(name string, grants []string) []string {
	var problems []string
	switch {
	case !namePattern.MatchString(name):
		problems = append(problems, "name: 1–48 of a–z, 0–9 and -, starting with a letter or digit")
	case reserved(name):
		problems = append(problems, "name: "+ErrReserved.Error())
	}
	for _, g := range grants {
		if !validGrant(g) {
			problems = append(problems, fmt.Sprintf("grant %q is not a resource subject (tokens of A–Z, a–z, 0–9, _ and - separated by dots; * and > as whole tokens, > last)", g))
		}
	}
	return problems
}

// reserved reports whether an integration may not be called name: the
// services' names start with samspill, and an integration's inbox must
// not be a service's.
func reserved(name string) bool {
	if strings.HasPrefix(name, "samspill") {
		return true
	}
	for _, u := range Users() {
		if u.Inbox == "_INBOX_"+name || strings.TrimPrefix(u.Name, "samspill-") == name {
			return true
		}
	}
	return name == "admin"
}

func validGrant(g string) bool {
	if len(g) > 256 {
		return false
	}
	t := strings.Split(g, ".")
	for i, tok := range t {
		if !grantToken.MatchString(tok) || tok == ">" && i != len(t)-1 {
			return false
		}
	}
	return true
}

func validSubject(s string) bool {
	if s == "" {
		return false
	}
	t := strings.Split(s, ".")
	for i, tok := range t {
		if !subjectTokenSyntax.MatchString(tok) || tok == ">" && i != len(t)-1 {
			return false
		}
	}
	return true
}

// gapSubjects are the gap events the grants cover: for each kind of
// resource whose gaps are published (area, map), the one id a grant names,
// or every id if it has a wildcard there. Invalid grants give nothing.
// Subjects covered by another are left out.
func gapSubjects(grants []string) []string {
	var subs []string
	for _, g := range grants {
		if !validGrant(g) {
			continue
		}
		id := "*"
		if t := strings.Split(g, "."); len(t) > 1 && t[1] != "*" && t[1] != ">" {
			id = t[1]
		}
		if Covers(g, "area."+id+".read") {
			subs = append(subs, "samspill.gap."+id+".>")
		}
		if Covers(g, "map."+id+".read") {
			subs = append(subs, "samspill.gap.*."+id+".>")
		}
	}
	slices.Sort(subs)
	subs = slices.Compact(subs)
	return slices.DeleteFunc(subs, func(s string) bool {
		return slices.ContainsFunc(subs, func(o string) bool { return o != s && Covers(o, s) })
	})
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

// MayPublish reports whether u may publish to subject, not counting
// replies to requests it received (Responses). A subject with wildcards
// stands for every subject it matches: all must be allowed.
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

// The streams behind the key-value buckets.
const (
	keyStream   = "KV_" + KeyBucket
	tokenStream = "KV_" + TokenBucket
)

func api(op, stream string) string { return "$JS.API." + op + "." + stream }

func inboxPrefix(user string) string {
	return "_INBOX_" + strings.TrimPrefix(user, "samspill-")
}

func inbox(user string) []string { return []string{inboxPrefix(user) + ".>"} }

// streamAdmin is what owning a stream takes: its owner creates it, or
// updates its configuration, when it starts (eventlog.EnsureStream asks
// for INFO, then sends CREATE or UPDATE when needed), and reads its state.
func streamAdmin(stream string) []string {
	return []string{api("STREAM.INFO", stream), api("STREAM.CREATE", stream), api("STREAM.UPDATE", stream)}
}

// streamInfo is what binding another's stream takes (eventlog.BindStream):
// its info, never a create or an update, which could change its limits.
func streamInfo(stream string) []string {
	return []string{api("STREAM.INFO", stream)}
}

// audit is publishing the audit records of user: the subjects
// samspill.audit.<service>.<kind>.<outcome> with its own service name
// (pkg/audit). The acknowledgement of the JetStream publish comes to its
// inbox.
func audit(user string) []string {
	return []string{"samspill.audit." + strings.TrimPrefix(user, "samspill-") + ".*.*"}
}

// auditDeny is denied to everyone: deleting or purging the audit trail,
// whole or one record at a time.
func auditDeny() []string {
	return []string{api("STREAM.DELETE", AuditStream), api("STREAM.PURGE", AuditStream), api("STREAM.MSG.DELETE", AuditStream)}
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

// keyRead is reading map keys: binding the bucket's stream
// (seal.BindKeyring) and direct gets.
func keyRead() []string {
	return concat(streamInfo(keyStream), directGet(keyStream))
}

// watch is watching a key-value bucket: an ordered push consumer (named
// or, on old servers, unnamed) delivering to the user's inbox with flow
// control, deleted when the watch stops.
func watch(stream string) []string {
	return []string{
		api("CONSUMER.CREATE", stream), api("CONSUMER.CREATE", stream) + ".*", api("CONSUMER.CREATE", stream) + ".*.>",
		api("CONSUMER.DELETE", stream) + ".*", api("CONSUMER.INFO", stream) + ".*",
		"$JS.FC." + stream + ".>",
	}
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

// partitioned is what an instance of a read-side service that runs as
// several needs (package partition): reading the whole log with ordered
// consumers of its own, and its last map_opened event, announcing itself in the members bucket (its own
// service's keys only; the bucket is created by the first instance),
// reading the others' announcements, and asking the other instances.
func partitioned(user string) []string {
	svc := strings.TrimPrefix(user, "samspill-")
	s := "KV_" + MembersBucket
	return concat(
		ordered(EventStream), directGet(EventStream), []string{api("STREAM.MSG.GET", EventStream), "$JS.API.INFO"}, streamAdmin(s), directGet(s), []string{api("STREAM.MSG.GET", s)},
		[]string{"$KV." + MembersBucket + "." + svc + ".>"},
		[]string{api("CONSUMER.CREATE", s), api("CONSUMER.CREATE", s) + ".*", api("CONSUMER.CREATE", s) + ".*.>",
			api("CONSUMER.DELETE", s) + ".*", api("CONSUMER.INFO", s) + ".*"},
		[]string{partitionSubjects(user)},
	)
}

// partitionSubjects are the subjects the instances of user's service ask
// each other on.
func partitionSubjects(user string) string {
	return "samspill.part." + strings.TrimPrefix(user, "samspill-") + ".>"
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
