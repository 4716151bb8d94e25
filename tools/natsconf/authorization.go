package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/samspill/samspill/pkg/natsperm"
)

// AuthorizationFile is the generated include file, relative to deploy/nats.
const AuthorizationFile = "authorization.inc"

// WriteAuthorization writes the authorization block of deploy/nats from
// the table in pkg/natsperm: one user per service, named by its client
// certificate's subject (the client listener's tls has verify_and_map),
// with the table's permissions.
func WriteAuthorization(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Samspill's NATS users and what each may publish and subscribe to.
#
# GENERATED from pkg/natsperm by tools/natsconf: do not edit; run
# ` + "`make nats-auth`" + ` after changing the table. ` + "`make deploy-check`" + ` fails when
# this file and the table differ. See docs/security.md.
#
# Each service connects with its own client certificate (make dev-certs
# makes development ones in deploy/nats/tls); the client listener's tls
# block has verify_and_map, so the certificate's subject is the user.
# There is no anonymous user.

authorization {
  users = [
`)
	for _, u := range natsperm.Users() {
		fmt.Fprintf(&b, "    # %s: %s.\n", u.Name, u.Doc)
		fmt.Fprintf(&b, "    # Inbox prefix: %s (nats.CustomInboxPrefix).\n", u.Inbox)
		fmt.Fprintf(&b, "    {\n      user: %q\n      permissions: {\n", CertUser(u.Name))
		writeSubjects(&b, "publish", u.Publish)
		writeSubjects(&b, "subscribe", u.Subscribe)
		if u.Responses {
			b.WriteString("        allow_responses: true\n")
		}
		b.WriteString("      }\n    }\n")
	}
	b.WriteString("  ]\n}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSubjects(b *strings.Builder, what string, s natsperm.Subjects) {
	fmt.Fprintf(b, "        %s: {\n", what)
	for _, l := range []struct {
		name string
		list []string
	}{{"allow", s.Allow}, {"deny", s.Deny}} {
		if len(l.list) == 0 {
			continue
		}
		fmt.Fprintf(b, "          %s: [\n", l.name)
		for _, subj := range l.list {
			fmt.Fprintf(b, "            %q\n", subj)
		}
		b.WriteString("          ]\n")
	}
	b.WriteString("        }\n")
}

// checkUsers reports where a configuration's users differ from the table:
// a user missing, one too many, or permissions not the table's.
func checkUsers(o *server.Options, report func(format string, args ...any)) {
	if o.NoAuthUser != "" {
		report("no_auth_user %s: anonymous clients must not be let in", o.NoAuthUser)
	}
	if len(o.Nkeys) > 0 {
		report("%d nkey user(s) that are not in pkg/natsperm", len(o.Nkeys))
	}
	if o.Username != "" || o.Authorization != "" {
		report("a single user or token in authorization: every service must be its own user")
	}
	have := map[string]*server.User{}
	for _, u := range o.Users {
		have[u.Username] = u
	}
	for _, u := range natsperm.Users() {
		name := CertUser(u.Name)
		cu, ok := have[name]
		if !ok {
			report("user %s (%s) is missing (run: make nats-auth)", name, u.Name)
			continue
		}
		delete(have, name)
		if cu.Password != "" {
			report("user %s has a password; it is identified by its client certificate", name)
		}
		if diff := diffPermissions(u, cu.Permissions); diff != "" {
			report("user %s: permissions differ from pkg/natsperm: %s (run: make nats-auth)", name, diff)
		}
	}
	extra := make([]string, 0, len(have))
	for name := range have {
		extra = append(extra, name)
	}
	slices.Sort(extra)
	for _, name := range extra {
		report("user %s is not in pkg/natsperm", name)
	}
}

func diffPermissions(u natsperm.User, p *server.Permissions) string {
	if p == nil {
		return "it has no permissions (everything allowed)"
	}
	var diffs []string
	cmp := func(what string, want []string, got *server.SubjectPermission, deny bool) {
		var have []string
		if got != nil {
			have = got.Allow
			if deny {
				have = got.Deny
			}
		}
		w, h := slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(have))
		if !slices.Equal(w, h) {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", what, h, w))
		}
	}
	cmp("publish allow", u.Publish.Allow, p.Publish, false)
	cmp("publish deny", u.Publish.Deny, p.Publish, true)
	cmp("subscribe allow", u.Subscribe.Allow, p.Subscribe, false)
	cmp("subscribe deny", u.Subscribe.Deny, p.Subscribe, true)
	if u.Responses != (p.Response != nil) {
		diffs = append(diffs, fmt.Sprintf("allow_responses %v, want %v", p.Response != nil, u.Responses))
	}
	return strings.Join(diffs, "; ")
}
