package natsperm

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             bool
	}{
		{"samspill.cmd.*", "samspill.cmd.open_map", true},
		{"samspill.cmd.*", "samspill.cmd.open_map.x", false},
		{"samspill.cmd.*", "samspill.cmd", false},
		{"samspill.cmd.*", "samspill.cmd.>", false},
		{"samspill.cmd.*", "samspill.cmd.*", true},
		{"samspill.map.>", "samspill.map.m1.>", true},
		{"samspill.map.>", "samspill.map", false},
		{"samspill.map.*.*", "samspill.map.m1.>", false},
		{"samspill.gap.>", "samspill.gap.*.*.P1.>", true},
		{"_INBOX_gap.>", "_INBOX_graph.x", false},
		{"_INBOX.>", "_INBOX_graph.x", false},
		{"$JS.API.CONSUMER.*.SAMSPILL_EVENTS.samspill-gap", "$JS.API.CONSUMER.DELETE.SAMSPILL_EVENTS.samspill-gap", true},
	}
	for _, tt := range tests {
		if got := Covers(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
	}
}

// TestTable holds the rules the table is made to keep.
func TestTable(t *testing.T) {
	users := Users()
	names := map[string]bool{}
	inboxes := map[string]string{}
	for _, u := range users {
		if names[u.Name] {
			t.Errorf("user %s twice", u.Name)
		}
		names[u.Name] = true
		if other, ok := inboxes[u.Inbox]; ok {
			t.Errorf("%s and %s share the inbox prefix %s", u.Name, other, u.Inbox)
		}
		inboxes[u.Inbox] = u.Name
		if !u.MaySubscribe(u.Inbox + ".>") {
			t.Errorf("%s may not subscribe to its own inbox %s.>", u.Name, u.Inbox)
		}
		if got, ok := Lookup(u.Name); !ok || got.Name != u.Name {
			t.Errorf("Lookup(%s) = %v, %v", u.Name, got.Name, ok)
		}
		if err := u.Validate(); err != nil {
			t.Error(err)
		}
		if u.Grants != nil {
			t.Errorf("%s: a service has grants %v", u.Name, u.Grants)
		}
		for _, list := range [][]string{u.Publish.Allow, u.Publish.Deny, u.Subscribe.Allow, u.Subscribe.Deny} {
			for _, s := range list {
				if s == ">" || strings.HasPrefix(s, "$JS.API.>") || s == "samspill.>" || strings.Contains(s, "..") || strings.HasSuffix(s, ".") {
					t.Errorf("%s: subject %q is too broad or malformed", u.Name, s)
				}
			}
		}
	}
	for _, want := range []string{Command, Graph, Gap, Picture, Auth, Web, CLI} {
		if !names[want] {
			t.Errorf("no user %s", want)
		}
	}
	if _, ok := Lookup("samspill-nobody"); ok {
		t.Error("Lookup found a user that does not exist")
	}
	// Nobody reads another's replies.
	for _, u := range users {
		for _, v := range users {
			if u.Name != v.Name && u.MaySubscribe(v.Inbox+".x.y") {
				t.Errorf("%s may subscribe to the inbox of %s (%s)", u.Name, v.Name, v.Inbox)
			}
		}
	}
}

// TestWhoMay pins the decisions that matter most.
func TestWhoMay(t *testing.T) {
	type check struct {
		user, subject string
		pub, sub      bool
	}
	checks := []check{
		{Command, "samspill.map.m1.actor_added", true, false},
		{Command, "samspill.directory.e1.entry_registered", true, false},
		{Graph, "samspill.map.m1.actor_added", false, false},
		{Gap, "samspill.map.m1.actor_added", false, false},
		{Picture, "samspill.map.m1.actor_added", false, false},
		{Web, "samspill.map.m1.actor_added", false, true},
		{CLI, "samspill.map.m1.actor_added", false, false},
		{Gap, "samspill.gap.3203.m1.P1.g1.opened", true, false},
		{Graph, "samspill.gap.3203.m1.P1.g1.opened", false, false},
		{Gap, "samspill.cmd.erase_map", false, false},
		{Web, "samspill.cmd.erase_map", true, false},
		{Command, "samspill.cmd.erase_map", false, true},
		{Graph, "samspill.query.map", false, true},
		{Graph, "samspill.query.gaps", false, false},
		{Gap, "samspill.query.gaps", false, true},
		{Gap, "samspill.query.map", false, false},
		{Picture, "samspill.render.map", false, true},
		// Map keys: written by the command service only, read by the
		// services that open personal fields, never by the gap service.
		{Command, "$KV.SAMSPILL_MAP_KEYS.m1", true, false},
		{Graph, "$KV.SAMSPILL_MAP_KEYS.m1", false, false},
		{Graph, "$JS.API.DIRECT.GET.KV_SAMSPILL_MAP_KEYS.$KV.SAMSPILL_MAP_KEYS.m1", true, false},
		{Gap, "$JS.API.DIRECT.GET.KV_SAMSPILL_MAP_KEYS.$KV.SAMSPILL_MAP_KEYS.m1", false, false},
		{Graph, "$JS.API.STREAM.MSG.DELETE.KV_SAMSPILL_MAP_KEYS", false, false},
		{Command, "$JS.API.STREAM.MSG.DELETE.KV_SAMSPILL_MAP_KEYS", true, false},
		// Consumers: one's own durable, never another's.
		{Graph, "$JS.API.CONSUMER.MSG.NEXT.SAMSPILL_EVENTS.samspill-graph", true, false},
		{Graph, "$JS.API.CONSUMER.DELETE.SAMSPILL_EVENTS.samspill-gap", false, false},
		{Command, "$JS.API.CONSUMER.CREATE.SAMSPILL_EVENTS.Xyz_1", true, false},
		{Command, "$JS.API.CONSUMER.DELETE.SAMSPILL_EVENTS.samspill-graph", false, false},
		{Command, "$JS.API.CONSUMER.MSG.NEXT.SAMSPILL_EVENTS.samspill-picture", false, false},
		{Command, "$JS.API.CONSUMER.CREATE.SAMSPILL_EVENTS.samspill-gap.samspill.map.*.*", false, false},
		// Nobody deletes or purges the log.
		{Command, "$JS.API.STREAM.DELETE.SAMSPILL_EVENTS", false, false},
		{Command, "$JS.API.STREAM.PURGE.SAMSPILL_EVENTS", false, false},
		{Graph, "$JS.API.STREAM.PURGE.OBJ_SAMSPILL_GRAPH", true, false},
		{Graph, "$JS.API.STREAM.PURGE.OBJ_SAMSPILL_PICTURES", false, false},
		{Picture, "$O.SAMSPILL_GRAPH.M.x", false, false},
		{Web, "$JS.API.STREAM.INFO.SAMSPILL_EVENTS", false, false},
		{CLI, "$SRV.PING", true, false},
		{CLI, "samspill.gap.>", false, true},
		{CLI, "samspill.cmd.>", false, false},
		{Command, "$SRV.PING.samspill-command", false, true},
		{Command, "$SRV.PING.samspill-graph", false, false},

		// Streams have one owner, who creates and updates them; the
		// readers bind them (info only) and use their own consumers.
		{Command, "$JS.API.STREAM.CREATE.SAMSPILL_EVENTS", true, false},
		{Command, "$JS.API.STREAM.UPDATE.SAMSPILL_EVENTS", true, false},
		{Command, "$JS.API.STREAM.UPDATE.KV_SAMSPILL_MAP_KEYS", true, false},
		{Graph, "$JS.API.STREAM.INFO.SAMSPILL_EVENTS", true, false},
		{Graph, "$JS.API.STREAM.CREATE.SAMSPILL_EVENTS", false, false},
		{Graph, "$JS.API.STREAM.UPDATE.SAMSPILL_EVENTS", false, false},
		{Graph, "$JS.API.STREAM.INFO.KV_SAMSPILL_MAP_KEYS", true, false},
		{Graph, "$JS.API.STREAM.CREATE.KV_SAMSPILL_MAP_KEYS", false, false},
		{Graph, "$JS.API.STREAM.UPDATE.KV_SAMSPILL_MAP_KEYS", false, false},
		{Gap, "$JS.API.STREAM.INFO.SAMSPILL_EVENTS", true, false},
		{Gap, "$JS.API.STREAM.CREATE.SAMSPILL_EVENTS", false, false},
		{Gap, "$JS.API.STREAM.UPDATE.SAMSPILL_EVENTS", false, false},
		{Gap, "$JS.API.STREAM.UPDATE.SAMSPILL_GAPS", true, false},
		{Gap, "$JS.API.CONSUMER.CREATE.SAMSPILL_EVENTS.samspill-gap", true, false},
		{Picture, "$JS.API.STREAM.INFO.SAMSPILL_EVENTS", true, false},
		{Picture, "$JS.API.STREAM.CREATE.SAMSPILL_EVENTS", false, false},
		{Picture, "$JS.API.STREAM.UPDATE.SAMSPILL_EVENTS", false, false},
		{Picture, "$JS.API.STREAM.CREATE.KV_SAMSPILL_MAP_KEYS", false, false},
		{Picture, "$JS.API.STREAM.UPDATE.KV_SAMSPILL_MAP_KEYS", false, false},
		{Picture, "$JS.API.DIRECT.GET.KV_SAMSPILL_MAP_KEYS.$KV.SAMSPILL_MAP_KEYS.m1", true, false},
		{Picture, "$JS.API.CONSUMER.MSG.NEXT.SAMSPILL_EVENTS.samspill-picture", true, false},

		// The access service: its endpoints, its token bucket, the
		// audit trail.
		{Auth, "samspill.auth.exchange", false, true},
		{Auth, "samspill.auth.tokens.create", false, true},
		{Auth, "samspill.auth.>", false, true},
		{Auth, "$SRV.INFO.samspill-auth", false, true},
		{Auth, "_INBOX_auth.x", false, true},
		{Auth, "samspill.query.map", false, false},
		{Auth, "samspill.cmd.grant_access", false, false},
		{Auth, "samspill.map.m1.actor_added", false, false},
		{Auth, "$KV.SAMSPILL_TOKENS.t1", true, false},
		{Auth, "$JS.API.STREAM.CREATE.KV_SAMSPILL_TOKENS", true, false},
		{Auth, "$JS.API.STREAM.UPDATE.KV_SAMSPILL_TOKENS", true, false},
		{Auth, "$JS.API.STREAM.INFO.KV_SAMSPILL_TOKENS", true, false},
		{Auth, "$JS.API.DIRECT.GET.KV_SAMSPILL_TOKENS.$KV.SAMSPILL_TOKENS.t1", true, false},
		{Auth, "$JS.API.CONSUMER.CREATE.KV_SAMSPILL_TOKENS.w1.$KV.SAMSPILL_TOKENS.>", true, false},
		{Auth, "$JS.API.CONSUMER.DELETE.KV_SAMSPILL_TOKENS.w1", true, false},
		{Auth, "$JS.FC.KV_SAMSPILL_TOKENS.x.y", true, false},
		{Auth, "$JS.API.STREAM.DELETE.KV_SAMSPILL_TOKENS", false, false},
		{Auth, "$KV.SAMSPILL_MAP_KEYS.m1", false, false},
		{Auth, "$JS.API.DIRECT.GET.KV_SAMSPILL_MAP_KEYS.$KV.SAMSPILL_MAP_KEYS.m1", false, false},
		{Auth, "$JS.API.STREAM.INFO.SAMSPILL_EVENTS", false, false},
		{Auth, "$JS.API.STREAM.CREATE.SAMSPILL_AUDIT", true, false},
		{Auth, "$JS.API.STREAM.UPDATE.SAMSPILL_AUDIT", true, false},
		{Auth, "$JS.API.STREAM.INFO.SAMSPILL_AUDIT", true, false},
		{Auth, "$JS.API.CONSUMER.CREATE.SAMSPILL_AUDIT.o1.samspill.audit.>", true, false},
		{Auth, "$JS.API.CONSUMER.MSG.NEXT.SAMSPILL_AUDIT.o1", true, false},
		{Auth, "$JS.API.DIRECT.GET.SAMSPILL_AUDIT", true, false},
		{Auth, "samspill.audit.auth.tokens.allowed", true, false},
		{Auth, "samspill.audit.graph.map.allowed", false, false},

		// The audit trail: every service writes its own records, and
		// only its own.
		{Command, "samspill.audit.command.map.allowed", true, false},
		{Command, "samspill.audit.graph.map.allowed", false, false},
		{Graph, "samspill.audit.graph.map.denied", true, false},
		{Graph, "samspill.audit.command.map.denied", false, false},
		{Gap, "samspill.audit.gap.area.allowed", true, false},
		{Gap, "samspill.audit.picture.area.allowed", false, false},
		{Picture, "samspill.audit.picture.map.allowed", true, false},
		{Picture, "samspill.audit.auth.map.allowed", false, false},
		{Web, "samspill.audit.web.map.allowed", false, false},
		{CLI, "samspill.audit.cli.map.allowed", false, false},
		{Graph, "samspill.audit.graph.map", false, false},
		{Graph, "samspill.audit.graph.map.allowed.x", false, false},

		// The web and the command line sign in; only the command line
		// administers tokens and reads the trail (the access service
		// checks the role).
		{Web, "samspill.auth.exchange", true, false},
		{Web, "samspill.auth.key", true, false},
		{Web, "samspill.auth.tokens.create", false, false},
		{Web, "samspill.auth.audit", false, false},
		{CLI, "samspill.auth.exchange", true, false},
		{CLI, "samspill.auth.key", true, false},
		{CLI, "samspill.auth.tokens.create", true, false},
		{CLI, "samspill.auth.tokens.revoke", true, false},
		{CLI, "samspill.auth.audit", true, false},
		{CLI, "samspill.auth.other", false, false},
		{Graph, "samspill.auth.exchange", false, false},
	}
	// Nobody but the access service reads or administers the audit
	// trail, and nobody deletes from it or purges it.
	for _, u := range Users() {
		for _, op := range []string{"STREAM.DELETE", "STREAM.PURGE", "STREAM.MSG.DELETE"} {
			checks = append(checks, check{u.Name, "$JS.API." + op + ".SAMSPILL_AUDIT", false, false})
		}
		mayRead := u.Name == Auth
		for _, subj := range []string{
			"$JS.API.STREAM.INFO.SAMSPILL_AUDIT", "$JS.API.STREAM.UPDATE.SAMSPILL_AUDIT", "$JS.API.STREAM.CREATE.SAMSPILL_AUDIT",
			"$JS.API.CONSUMER.CREATE.SAMSPILL_AUDIT.x", "$JS.API.CONSUMER.CREATE.SAMSPILL_AUDIT.x.samspill.audit.>",
			"$JS.API.CONSUMER.MSG.NEXT.SAMSPILL_AUDIT.x", "$JS.API.DIRECT.GET.SAMSPILL_AUDIT", "$JS.API.DIRECT.GET.SAMSPILL_AUDIT.samspill.audit.graph.map.allowed",
		} {
			checks = append(checks, check{u.Name, subj, mayRead, false})
		}
		checks = append(checks, check{u.Name, "samspill.audit.>", false, false})
	}
	for _, c := range checks {
		u, _ := Lookup(c.user)
		// A subject with wildcards stands for every subject it matches
		// (a JetStream API subject may end in a filter such as x.>).
		if got := u.MayPublish(c.subject); got != c.pub {
			t.Errorf("%s may publish to %s: %v, want %v", c.user, c.subject, got, c.pub)
		}
		if got := u.MaySubscribe(c.subject); got != c.sub {
			t.Errorf("%s may subscribe to %s: %v, want %v", c.user, c.subject, got, c.sub)
		}
	}
}

// TestIntegration: an integration's subscriptions follow its grants, it
// may request queries, pictures and the token exchange, and nothing else.
func TestIntegration(t *testing.T) {
	tests := []struct {
		grants []string
		want   []string // the gap subscriptions, sorted
	}{
		{nil, nil},
		{[]string{"area.3301.read"}, []string{"samspill.gap.3301.>"}},
		{[]string{"map.m1.read"}, []string{"samspill.gap.*.m1.>"}},
		{[]string{"area.3301.read", "area.3203.read", "map.m1.read"}, []string{"samspill.gap.*.m1.>", "samspill.gap.3203.>", "samspill.gap.3301.>"}},
		{[]string{"area.*.read"}, []string{"samspill.gap.*.>"}},
		{[]string{"area.*.read", "area.3301.read", "map.m1.read"}, []string{"samspill.gap.*.>"}},
		{[]string{"area.>"}, []string{"samspill.gap.*.>"}},
		{[]string{"area.3301.>"}, []string{"samspill.gap.3301.>"}},
		{[]string{"map.*.read"}, []string{"samspill.gap.*.*.>"}},
		{[]string{"*.3301.read"}, []string{"samspill.gap.*.3301.>", "samspill.gap.3301.>"}},
		{[]string{">"}, []string{"samspill.gap.*.>"}},
		// Grants of other kinds, or of other actions, give no
		// subscription; nor does a grant that covers no read.
		{[]string{"bundle.3301.read", "directory.read", "area.3301.write", "area.*", "area.3301.read.x"}, nil},
		// An invalid grant gives nothing (Validate reports it).
		{[]string{"area.33 01.read", "area.3>.read", "area.>.read", "", "area..read"}, nil},
	}
	for _, tt := range tests {
		u := Integration("kommune-x", tt.grants)
		var got []string
		for _, s := range u.Subscribe.Allow {
			if s != "_INBOX_kommune-x.>" {
				got = append(got, s)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("grants %q: subscribes %q, want %q", tt.grants, got, tt.want)
		}
	}

	u := Integration("kommune-3301", []string{"area.3301.read"})
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if u.Inbox != "_INBOX_kommune-3301" || u.Responses || !slices.Equal(u.Grants, []string{"area.3301.read"}) {
		t.Errorf("integration user %+v", u)
	}
	for _, c := range []struct {
		subject  string
		pub, sub bool
	}{
		{"samspill.gap.3301.m1.P1.g1.opened", false, true},
		{"samspill.gap.3301.>", false, true},
		{"samspill.gap.3203.>", false, false},
		{"samspill.gap.>", false, false},
		{"samspill.gap.*.m1.>", false, false},
		{"samspill.map.>", false, false},
		{"samspill.map.m1.actor_added", false, false},
		{"samspill.directory.e1.entry_registered", false, false},
		{"samspill.query.system", true, false},
		{"samspill.query.export", true, false},
		{"samspill.render.area", true, false},
		{"samspill.auth.exchange", true, false},
		{"samspill.auth.key", false, false},
		{"samspill.auth.tokens.create", false, false},
		{"samspill.cmd.open_map", false, false},
		{"samspill.audit.kommune-3301.area.allowed", false, false},
		{"samspill.audit.>", false, false},
		{"$JS.API.STREAM.INFO.SAMSPILL_EVENTS", false, false},
		{"$KV.SAMSPILL_MAP_KEYS.m1", false, false},
		{"$SRV.PING", false, false},
		{"_INBOX_kommune-3301.x", false, true},
		{"_INBOX.x", false, false},
		{"_INBOX_web.x", false, false},
	} {
		if got := u.MayPublish(c.subject); got != c.pub {
			t.Errorf("integration may publish to %s: %v, want %v", c.subject, got, c.pub)
		}
		if got := u.MaySubscribe(c.subject); got != c.sub {
			t.Errorf("integration may subscribe to %s: %v, want %v", c.subject, got, c.sub)
		}
	}
	// Its inbox is no one else's, and no service reads it.
	for _, s := range Users() {
		if u.MaySubscribe(s.Inbox+".x.y") || s.MaySubscribe(u.Inbox+".x.y") {
			t.Errorf("the integration and %s share an inbox", s.Name)
		}
	}
}

func TestValidateIntegration(t *testing.T) {
	for _, name := range []string{"kommune-3301", "nhn", "x", "a-b-c-0123456789"} {
		if err := ValidateIntegration(name, []string{"area.3301.read", "map.*.read", "area.>", ">"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := Integration(name, nil).Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"", "Kommune", "kommune 3301", "kommune.3301", "kommune>", "-x", strings.Repeat("x", 49), "æøå"} {
		if err := ValidateIntegration(name, nil); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("name %q: %v, want a refusal of the name", name, err)
		}
		if err := Integration(name, nil).Validate(); err == nil {
			t.Errorf("Integration(%q).Validate() accepted it", name)
		}
	}
	// The services' names, and names whose inbox is a service's.
	for _, name := range []string{"samspill-graph", "samspill-x", "samspill", "graph", "command", "gap", "picture", "web", "cli", "auth", "admin"} {
		err := ValidateIntegration(name, nil)
		if !errors.Is(err, ErrReserved) {
			t.Errorf("name %q: %v, want ErrReserved", name, err)
		}
	}
	for _, g := range []string{"", "area..read", "area.3301.", ".area", "area.33 01.read", "area.3>.read", "area.>.read", "area.3*.read", "area.æ.read", strings.Repeat("a", 300)} {
		err := ValidateIntegration("kommune-3301", []string{"area.3301.read", g})
		if err == nil || !strings.Contains(err.Error(), "grant") {
			t.Errorf("grant %q: %v, want a refusal of the grant", g, err)
		}
		if err := Integration("kommune-3301", []string{g}).Validate(); err == nil {
			t.Errorf("Integration with grant %q: Validate accepted it", g)
		}
	}
	// A hand-made user that is no integration's shape.
	u := Integration("kommune-3301", nil)
	u.Inbox = "_INBOX_web"
	if err := u.Validate(); err == nil {
		t.Error("an integration with a service's inbox passed Validate")
	}
	u = Integration("kommune-3301", nil)
	u.Publish.Allow = append(u.Publish.Allow, "samspill..x")
	if err := u.Validate(); err == nil {
		t.Error("a malformed subject passed Validate")
	}
}
