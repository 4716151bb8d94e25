package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/services/command/command"
)

// The principals of the access tests.
var (
	coordA      = access.Principal{Subject: "coord-a", Role: access.Coordinator, Via: "oidc"}
	coordB      = access.Principal{Subject: "coord-b", Role: access.Coordinator, Via: "oidc"}
	analyst     = access.Principal{Subject: "analyst-1", Role: access.Analyst, Municipality: "3203", Via: "oidc"}
	integration = access.Principal{Subject: "token.integration-1", Role: access.Integration, Grants: []string{"map.>", "directory.>"}, Via: "token"}
)

// reply is a command's answer, from either transport.
type reply struct {
	status int
	code   string
	body   string
}

// sender gives a command with an assertion (none when tok is empty).
type sender func(t *testing.T, tok string, name command.Name, body string) reply

func natsSender(nc *nats.Conn) sender {
	return func(t *testing.T, tok string, name command.Name, body string) reply {
		t.Helper()
		m := accesstest.Request(t, nc, tok, "", command.SubjectPrefix+"."+string(name), body)
		if m.Header.Get(micro.ErrorCodeHeader) != "" {
			var e command.Error
			if err := json.Unmarshal(m.Data, &e); err != nil {
				t.Fatalf("error body %s: %v", m.Data, err)
			}
			return reply{status: accesstest.Status(t, m), code: string(e.Code), body: string(m.Data)}
		}
		var res command.Result
		if err := json.Unmarshal(m.Data, &res); err != nil {
			t.Fatalf("result %s: %v", m.Data, err)
		}
		status := http.StatusCreated
		if res.Duplicate {
			status = http.StatusOK
		}
		return reply{status: status, body: string(m.Data)}
	}
}

func httpSender(url string) sender {
	return func(t *testing.T, tok string, name command.Name, body string) reply {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/commands/"+string(name), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		code, _ := out["code"].(string)
		if resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without WWW-Authenticate: Bearer: %q", resp.Header.Get("WWW-Authenticate"))
		}
		return reply{status: resp.StatusCode, code: code, body: fmt.Sprint(out)}
	}
}

// TestWhoMayGiveWhichCommand goes through the rules per role over NATS
// (assertions in Samspill-Assertion) and over HTTP (the handler behind
// access.HTTP, Bearer assertions). Each decision is in the audit stream
// before the answer; refused commands write no event; requests without a
// valid assertion are refused before anything is decided.
func TestWhoMayGiveWhichCommand(t *testing.T) {
	const (
		mapID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
		other = "0b7e5d2c-9a8f-4e6d-b1c0-3f2e1d0c9b8a"
	)
	addActor := func(name string) string {
		return `{"mapId":"` + mapID + `","kind":"person","level":"service","sector":"peer","name":"` + name + `"}`
	}
	open := func(id string) string {
		return `{"mapId":"` + id + `","focus":"citizen","label":"Ola N.","municipality":"3203"}`
	}
	entry := func(id string) string {
		return `{"entryId":"` + id + `","kind":"service","name":"NAV ` + id + `","sector":"welfare-work","municipality":"3203"}`
	}
	assign := `{"mapId":"` + mapID + `","principal":"coord-b"}`
	erase := `{"mapId":"` + mapID + `","basis":"citizen-request"}`
	allowed, denied := audit.Allowed, audit.Denied

	steps := []struct {
		what string
		who  string // a principal's subject, or none, forged, expired
		cmd  command.Name
		body string
		// status and code of the answer; outcome ("" for none), action,
		// kind and resource of the audit record.
		status   int
		code     string
		outcome  string
		action   access.Action
		kind     access.Kind
		resource string
	}{
		{"coordinator A opens a map", "coord-a", command.CmdOpenMap, open(mapID), 201, "", allowed, access.Open, access.KindMap, mapID},
		{"A writes it", "coord-a", command.CmdAddActor, addActor("Likeperson"), 201, "", allowed, access.Write, access.KindMap, mapID},
		{"B writes A's map", "coord-b", command.CmdAddActor, addActor("B1"), 403, "forbidden", denied, access.Write, access.KindMap, mapID},
		{"B erases A's map", "coord-b", command.CmdEraseMap, erase, 403, "forbidden", denied, access.Erase, access.KindMap, mapID},
		{"B grants themself", "coord-b", command.CmdGrantAccess, assign, 403, "forbidden", denied, access.Assign, access.KindMap, mapID},
		{"the administrator grants B", "admin-1", command.CmdGrantAccess, assign, 201, "", allowed, access.Assign, access.KindMap, mapID},
		{"B writes", "coord-b", command.CmdAddActor, addActor("Venn"), 201, "", allowed, access.Write, access.KindMap, mapID},
		{"the administrator revokes B", "admin-1", command.CmdRevokeAccess, assign, 201, "", allowed, access.Assign, access.KindMap, mapID},
		{"B writes again", "coord-b", command.CmdAddActor, addActor("B2"), 403, "forbidden", denied, access.Write, access.KindMap, mapID},
		{"the administrator writes a map", "admin-1", command.CmdAddActor, addActor("Admin"), 403, "forbidden", denied, access.Write, access.KindMap, mapID},
		{"the administrator erases a map", "admin-1", command.CmdEraseMap, erase, 403, "forbidden", denied, access.Erase, access.KindMap, mapID},
		{"the administrator opens a map", "admin-1", command.CmdOpenMap, open(other), 403, "forbidden", denied, access.Open, access.KindMap, other},
		{"the administrator registers an entry", "admin-1", command.CmdRegisterEntry, entry("nav-asker"), 201, "", allowed, access.Manage, access.KindDirectory, ""},
		{"a coordinator registers an entry", "coord-a", command.CmdRegisterEntry, entry("nav-baerum"), 403, "forbidden", denied, access.Manage, access.KindDirectory, ""},
		{"a coordinator retires an entry", "coord-a", command.CmdRetireEntry, `{"entryId":"nav-asker"}`, 403, "forbidden", denied, access.Manage, access.KindDirectory, ""},
		{"an analyst writes a map", "analyst-1", command.CmdAddActor, addActor("An"), 403, "forbidden", denied, access.Write, access.KindMap, mapID},
		{"an analyst opens a map", "analyst-1", command.CmdOpenMap, open(other), 403, "forbidden", denied, access.Open, access.KindMap, other},
		{"an analyst registers an entry", "analyst-1", command.CmdRegisterEntry, entry("nav-x"), 403, "forbidden", denied, access.Manage, access.KindDirectory, ""},
		{"an integration writes a map", "token.integration-1", command.CmdAddActor, addActor("In"), 403, "forbidden", denied, access.Write, access.KindMap, mapID},
		{"an integration opens a map", "token.integration-1", command.CmdOpenMap, open(other), 403, "forbidden", denied, access.Open, access.KindMap, other},
		{"an integration grants access", "token.integration-1", command.CmdGrantAccess, assign, 403, "forbidden", denied, access.Assign, access.KindMap, mapID},
		{"an integration registers an entry", "token.integration-1", command.CmdRegisterEntry, entry("nav-y"), 403, "forbidden", denied, access.Manage, access.KindDirectory, ""},
		{"no assertion", "none", command.CmdAddActor, addActor("Anon"), 401, "unauthenticated", "", "", "", ""},
		{"an assertion signed with another key", "forged", command.CmdAddActor, addActor("Forged"), 401, "unauthenticated", "", "", "", ""},
		{"an expired assertion", "expired", command.CmdAddActor, addActor("Late"), 401, "unauthenticated", "", "", "", ""},
		{"A erases the map", "coord-a", command.CmdEraseMap, erase, 201, "", allowed, access.Erase, access.KindMap, mapID},
		{"A writes the erased map", "coord-a", command.CmdAddActor, addActor("After"), 410, "gone", allowed, access.Write, access.KindMap, mapID},
		{"the administrator grants B the erased map", "admin-1", command.CmdGrantAccess, assign, 410, "gone", allowed, access.Assign, access.KindMap, mapID},
	}

	good := signer(t, nil)
	tokens := map[string]string{"none": "",
		"forged":  accesstest.Token(t, accesstest.Signer(t, 1, nil), coordA),
		"expired": accesstest.Token(t, signer(t, func() time.Time { return time.Now().Add(-time.Hour) }), coordA)}
	for _, p := range []access.Principal{coordA, coordB, admin, analyst, integration} {
		tokens[p.Subject] = accesstest.Token(t, good, p)
	}
	purpose := map[string]access.Purpose{"coord-a": access.PurposeCoordination, "coord-b": access.PurposeCoordination, "admin-1": access.PurposeSysAdmin}
	role := map[string]access.Role{"coord-a": access.Coordinator, "coord-b": access.Coordinator, "admin-1": access.Admin,
		"analyst-1": access.Analyst, "token.integration-1": access.Integration}

	transports := []struct {
		name  string
		start func(f *fixture) sender
	}{
		{"nats", func(f *fixture) sender {
			m, err := f.svc.AddMicro(context.Background(), f.srv.Conn())
			if err != nil {
				f.t.Fatal(err)
			}
			f.t.Cleanup(func() { _ = m.Stop() })
			return natsSender(f.srv.Conn())
		}},
		{"http", func(f *fixture) sender {
			hs := httptest.NewServer(access.HTTP(good.Verifier(), f.svc.Handler()))
			f.t.Cleanup(hs.Close)
			return httpSender(hs.URL)
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			f := newFixture(t)
			send := tr.start(f)
			for _, st := range steps {
				head, trail := f.head(), accesstest.AuditHead(t, f.srv.JetStream())
				got := send(t, tokens[st.who], st.cmd, st.body)
				if got.status != st.status || got.code != st.code {
					t.Fatalf("%s: %d %q, want %d %q (%s)", st.what, got.status, got.code, st.status, st.code, got.body)
				}
				wrote := f.head() - head
				if ok := st.status < 300; (ok && wrote != 1) || (!ok && wrote != 0) {
					t.Fatalf("%s: answered %d and wrote %d events", st.what, st.status, wrote)
				}
				recs := accesstest.AuditSince(t, f.srv.JetStream(), trail)
				if st.outcome == "" {
					if len(recs) != 0 {
						t.Fatalf("%s: a request without a verified principal left audit records %+v", st.what, recs)
					}
					continue
				}
				if len(recs) != 1 {
					t.Fatalf("%s: %d audit records, want 1: %+v", st.what, len(recs), recs)
				}
				r := recs[0]
				if r.Outcome != st.outcome || r.Service != "command" || r.Operation != "cmd."+string(st.cmd) || r.Subject != st.who ||
					r.Role != string(role[st.who]) || r.Action != string(st.action) || r.Kind != string(st.kind) || r.Resource != st.resource {
					t.Fatalf("%s: audit record %+v, want %s cmd.%s by %s, %s %s %q", st.what, r, st.outcome, st.cmd, st.who, st.action, st.kind, st.resource)
				}
				if p, ok := purpose[st.who]; ok && r.Purpose != string(p) {
					t.Fatalf("%s: purpose %q, want the role's default %s", st.what, r.Purpose, p)
				}
				if st.outcome == denied && r.Reason == "" {
					t.Fatalf("%s: a refusal without a reason: %+v", st.what, r)
				}
			}
			// The events name who gave them: A opened and erased, B wrote
			// while granted, the administrator granted and revoked.
			recs, _, err := f.log.Load(context.Background(), event.MapAggregate(mapID))
			if err != nil {
				t.Fatal(err)
			}
			var by []string
			for _, r := range recs {
				by = append(by, string(r.Envelope.Type[strings.LastIndex(string(r.Envelope.Type), ".")+1:])+":"+r.Envelope.Principal)
			}
			want := "map_opened:coord-a actor_added:coord-a access_granted:admin-1 actor_added:coord-b access_revoked:admin-1 map_erased:coord-a"
			if strings.Join(by, " ") != want {
				t.Fatalf("the map's events\n%s\nwant\n%s", strings.Join(by, " "), want)
			}
		})
	}
}

// The assignment commands: an administrator's, on a map that exists and
// was not erased, for a principal that is one (never a national id),
// from now on; granting twice and revoking someone not assigned are
// refused naming principal. Revoking the opener takes their access too,
// and another instance of the service learns of it from the log.
func TestGrantAndRevokeAccess(t *testing.T) {
	f := newFixture(t)
	mapID, _, _, _ := f.citizenMap() // opened by coordinator
	ghost := "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	erased := f.exec(&command.OpenMap{Focus: "citizen", Label: "Per K.", Municipality: "3203"}).IDs["mapId"]
	f.exec(&command.EraseMap{MapID: erased, Basis: "citizen-request"})
	yesterday := command.Meta{ValidTime: d("2026-11-22")}
	for _, tc := range []struct {
		name  string
		cmd   command.Command
		code  command.Code
		field string
	}{
		{"grant to the opener", &command.GrantAccess{MapID: mapID, Principal: coordinator.Subject}, command.CodeInvalid, "principal"},
		{"revoke one not assigned", &command.RevokeAccess{MapID: mapID, Principal: "coord-b"}, command.CodeInvalid, "principal"},
		{"a name, not a principal", &command.GrantAccess{MapID: mapID, Principal: "Kari Nordmann"}, command.CodeInvalid, "principal"},
		{"no principal", &command.GrantAccess{MapID: mapID}, command.CodeInvalid, "principal"},
		{"a national id", &command.GrantAccess{MapID: mapID, Principal: "01019010046"}, command.CodeNationalID, "principal"},
		{"an erased map", &command.GrantAccess{MapID: erased, Principal: "coord-b"}, command.CodeGone, "mapId"},
		{"no such map", &command.GrantAccess{MapID: ghost, Principal: "coord-b"}, command.CodeNotFound, "mapId"},
		{"a date in the past", &command.GrantAccess{MapID: mapID, Principal: "coord-b", Meta: yesterday}, command.CodeInvalid, "validTime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.head()
			_, err := f.svc.Execute(as(admin), tc.cmd)
			var ce *command.Error
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Field != tc.field {
				t.Fatalf("err = %v, want %s on %q", err, tc.code, tc.field)
			}
			if strings.Contains(ce.Error(), "01019010046") || strings.Contains(ce.Error(), "Kari") {
				t.Fatalf("the error repeats what is not a principal: %s", ce)
			}
			if f.head() != before {
				t.Fatal("a refused command wrote events")
			}
		})
	}

	// Another instance on the same log, following it.
	_, _, other := f.instance()
	if err := other.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	write := func(svc *command.Service, p access.Principal) error {
		_, err := svc.Execute(as(p), &command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer", Name: "Likeperson"})
		return err
	}
	if err := write(other, coordinator); err != nil {
		t.Fatalf("the opener, on another instance: %v", err)
	}
	f.exec(&command.RevokeAccess{MapID: mapID, Principal: coordinator.Subject})
	if err := write(f.svc, coordinator); !errors.Is(err, command.ErrForbidden) {
		t.Fatalf("the opener after revocation: %v", err)
	}
	var denied *access.Denied
	deadline := time.Now().Add(5 * time.Second)
	for err := write(other, coordinator); !errors.As(err, &denied); err = write(other, coordinator) {
		if time.Now().After(deadline) {
			t.Fatalf("the other instance still lets the revoked opener write: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Granted back, the coordinator writes again, on either instance.
	f.exec(&command.GrantAccess{MapID: mapID, Principal: coordinator.Subject})
	if err := write(f.svc, coordinator); err != nil {
		t.Fatalf("granted again: %v", err)
	}
}

// A region bundle adds to the directory, so only an administrator imports
// one, and its maps are opened by them; a coordinator imports one map.
func TestImportNeedsTheRightRole(t *testing.T) {
	f := newFixture(t)
	src, err := os.ReadFile("../../../pkg/mapdoc/testdata/example-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	before := f.head()
	for _, p := range []access.Principal{coordinator, analyst, integration} {
		if _, err := f.svc.ImportDocument(as(p), src, ""); !errors.Is(err, command.ErrForbidden) {
			t.Fatalf("%s imports a bundle: %v", p.Role, err)
		}
	}
	if _, err := f.svc.ImportDocument(context.Background(), src, ""); !errors.Is(err, command.ErrUnauthenticated) || !errors.Is(err, access.ErrUnauthenticated) {
		t.Fatalf("a bundle without a principal: %v", err)
	}
	if f.head() != before {
		t.Fatal("a refused import wrote events")
	}
	out, err := f.svc.ImportDocument(as(admin), src, "")
	if err != nil {
		t.Fatal(err)
	}
	res := out.(command.BundleResult)
	if len(res.Registered) == 0 || len(res.Maps) == 0 {
		t.Fatalf("bundle import: %+v", res)
	}
	for _, m := range res.Maps {
		agg, _ := event.ParseAggregate(m.Aggregate)
		recs, _, err := f.log.Load(context.Background(), agg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Envelope.Principal != admin.Subject {
				t.Fatalf("map %s: %s by %q, want the administrator", agg.ID, r.Envelope.Type, r.Envelope.Principal)
			}
		}
		// The administrator opened it, yet never writes its content.
		if _, err := f.svc.Execute(as(admin), &command.CloseMap{MapID: agg.ID}); !errors.Is(err, command.ErrForbidden) {
			t.Fatalf("the administrator closes an imported map: %v", err)
		}
	}
	// One map document: a coordinator's, not an administrator's.
	doc, err := os.ReadFile("../../../pkg/mapdoc/testdata/example-map.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportDocument(as(admin), doc, ""); !errors.Is(err, command.ErrForbidden) {
		t.Fatalf("the administrator imports a map: %v", err)
	}
	// Audited: three bundles refused, one imported, then one map refused;
	// each entry the bundle registered as register_entry.
	got := map[string]int{}
	for _, r := range accesstest.AuditSince(t, f.srv.JetStream(), 0) {
		got[r.Operation+" "+r.Kind+" "+r.Outcome]++
	}
	want := map[string]int{"cmd.import directory denied": 3, "cmd.import directory allowed": 1, "cmd.import map denied": 1,
		"cmd.register_entry directory allowed": len(res.Registered), "cmd.close_map map denied": len(res.Maps)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit trail %v, want %v", got, want)
	}
}

// A decision that cannot be audited is not executed: 503, nothing written.
func TestNoAuditNoCommand(t *testing.T) {
	f := newFixture(t)
	if err := f.srv.JetStream().DeleteStream(context.Background(), audit.Stream); err != nil {
		t.Fatal(err)
	}
	before := f.head()
	_, err := f.svc.Execute(as(coordinator), &command.OpenMap{Focus: "citizen", Label: "Ola N.", Municipality: "3203"})
	var ce *command.Error
	if !errors.As(err, &ce) || ce.Code != command.CodeUnavailable || ce.Code.Status() != http.StatusServiceUnavailable || !errors.Is(err, access.ErrAuditUnavailable) {
		t.Fatalf("open_map without an audit stream: %v", err)
	}
	if f.head() != before {
		t.Fatal("an unaudited command wrote events")
	}
}

// The service refuses to start without somewhere to audit.
func TestBootNeedsAudit(t *testing.T) {
	f := newFixture(t)
	if _, err := command.Boot(context.Background(), f.srv.Conn(), command.Options{MasterKey: master, Replicas: 1}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	if _, err := command.NewService(f.log, f.keys, command.Config{}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("NewService without Audit: %v", err)
	}
}
