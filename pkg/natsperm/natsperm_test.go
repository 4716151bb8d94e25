package natsperm

import (
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
		for _, list := range [][]string{u.Publish.Allow, u.Publish.Deny, u.Subscribe.Allow, u.Subscribe.Deny} {
			for _, s := range list {
				if s == ">" || strings.HasPrefix(s, "$JS.API.>") || s == "samspill.>" || strings.Contains(s, "..") || strings.HasSuffix(s, ".") {
					t.Errorf("%s: subject %q is too broad or malformed", u.Name, s)
				}
			}
		}
	}
	for _, want := range []string{Command, Graph, Gap, Picture, Web, CLI} {
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
	}
	for _, c := range checks {
		u, _ := Lookup(c.user)
		if !strings.ContainsAny(c.subject, "*>") {
			if got := u.MayPublish(c.subject); got != c.pub {
				t.Errorf("%s may publish to %s: %v, want %v", c.user, c.subject, got, c.pub)
			}
		}
		if got := u.MaySubscribe(c.subject); got != c.sub {
			t.Errorf("%s may subscribe to %s: %v, want %v", c.user, c.subject, got, c.sub)
		}
	}
}
