package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// e2eRequest is one request made over both transports: HTTP through the
// API, and NATS to the service's micro endpoint, as the CLI sends it.
type e2eRequest struct {
	// what names the request in failures.
	what string
	// method, path and body of the HTTP request (body: JSON or empty).
	method, path, body string
	// subject and data of the NATS request; no subject: HTTP only.
	subject, data string
}

// e2ePrincipal is someone who signs in with an API token: over HTTP as a
// bearer token, over NATS exchanged for an assertion (anew for every
// request, so that a revoked token is refused at the exchange at once).
// Each request carries purpose in Samspill-Purpose.
type e2ePrincipal struct {
	name, token, subject, purpose string
	base                          string
	nc                            *nats.Conn
}

// e2eAnswer is what one transport answered: the status (NATS: 200 when the
// service answered, else its Nats-Service-Error-Code) and the body.
type e2eAnswer struct {
	status int
	body   []byte
}

func (p *e2ePrincipal) http(t *testing.T, r e2eRequest) e2eAnswer {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(cmpOr(r.method, http.MethodGet), p.base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := http.DefaultClient
	if p.token != "" {
		hc = authClient(p.token, p.purpose)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s over HTTP as %s: %v", r.what, p.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s over HTTP as %s: %v", r.what, p.name, err)
	}
	return e2eAnswer{resp.StatusCode, b}
}

func (p *e2ePrincipal) nats(t *testing.T, r e2eRequest) e2eAnswer {
	t.Helper()
	assertion := ""
	if p.token != "" {
		a, status, err := exchange(p.nc, p.token)
		if err != nil {
			t.Fatalf("%s over NATS as %s: %v", r.what, p.name, err)
		}
		if status != 0 {
			return e2eAnswer{status, nil}
		}
		assertion = a
	}
	status, data, err := natsAsk(p.nc, assertion, p.purpose, r.subject, []byte(cmpOr(r.data, "{}")))
	if err != nil {
		t.Fatalf("%s over NATS as %s: %v", r.what, p.name, err)
	}
	if status == 0 {
		status = http.StatusOK
	}
	return e2eAnswer{status, data}
}

// transports runs f for each transport r can be sent over.
func (p *e2ePrincipal) transports(t *testing.T, r e2eRequest, f func(via string, do func() e2eAnswer)) {
	t.Helper()
	f("HTTP", func() e2eAnswer { return p.http(t, r) })
	if r.subject != "" {
		f("NATS", func() e2eAnswer { return p.nats(t, r) })
	}
}

// allowed sends r over both transports until each answers with success
// (the read side follows the log; 30 s at most) and returns the HTTP
// answer.
func (p *e2ePrincipal) allowed(t *testing.T, r e2eRequest) e2eAnswer {
	t.Helper()
	var out e2eAnswer
	p.transports(t, r, func(via string, do func() e2eAnswer) {
		t.Helper()
		a := eventuallyAnswer(t, do, func(a e2eAnswer) bool { return a.status < 300 })
		if a.status >= 300 {
			t.Errorf("%s as %s over %s: %d %.300s; want success", r.what, p.name, via, a.status, a.body)
		}
		if via == "HTTP" {
			out = a
		}
	})
	return out
}

// refused sends r over both transports and checks that each answers
// status at once.
func (p *e2ePrincipal) refused(t *testing.T, status int, r e2eRequest) {
	t.Helper()
	p.transports(t, r, func(via string, do func() e2eAnswer) {
		t.Helper()
		if a := do(); a.status != status {
			t.Errorf("%s as %s over %s: %d %.300s; want %d", r.what, p.name, via, a.status, a.body, status)
		}
	})
}

// refusedSoon is refused for a refusal that follows the log (an
// assignment revoked).
func (p *e2ePrincipal) refusedSoon(t *testing.T, status int, r e2eRequest) {
	t.Helper()
	p.transports(t, r, func(via string, do func() e2eAnswer) {
		t.Helper()
		if a := eventuallyAnswer(t, do, func(a e2eAnswer) bool { return a.status == status }); a.status != status {
			t.Errorf("%s as %s over %s: %d %.300s; want %d", r.what, p.name, via, a.status, a.body, status)
		}
	})
}

// eventuallyAnswer calls do until done says so, for 30 seconds at most,
// and returns the last answer.
func eventuallyAnswer(t *testing.T, do func() e2eAnswer, done func(e2eAnswer) bool) e2eAnswer {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := do()
		if done(a) || time.Now().After(deadline) {
			return a
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The requests of the test, for a map and a municipality.
func mapReads(mapID string) []e2eRequest {
	return []e2eRequest{
		{what: "the map", path: "/v1/maps/" + mapID, subject: "samspill.query.map", data: fmt.Sprintf(`{"mapId":%q}`, mapID)},
		{what: "the map's gaps", path: "/v1/maps/" + mapID + "/gaps", subject: "samspill.query.gaps", data: fmt.Sprintf(`{"mapId":%q}`, mapID)},
		{what: "the map's picture", path: "/v1/maps/" + mapID + "/picture.svg", subject: "samspill.render.map", data: fmt.Sprintf(`{"mapId":%q,"format":"svg"}`, mapID)},
		{what: "the map's export", path: "/v1/maps/" + mapID + "/export.json", subject: "samspill.query.export", data: fmt.Sprintf(`{"kind":"map","id":%q,"format":"json"}`, mapID)},
	}
}

// mapReadOps are the operations of mapReads, in the audit trail.
var mapReadOps = []string{"query.map", "query.gaps", "render.map", "query.export"}

func areaReads(m string) []e2eRequest {
	q := fmt.Sprintf(`{"municipality":%q}`, m)
	return []e2eRequest{
		{what: "the system map of " + m, path: "/v1/areas/" + m + "/system", subject: "samspill.query.system", data: q},
		{what: "the matrix of " + m, path: "/v1/areas/" + m + "/matrix", subject: "samspill.query.matrix", data: q},
		{what: "the gaps of " + m, path: "/v1/areas/" + m + "/gaps", subject: "samspill.query.gaps", data: q},
		{what: "the prevalence of " + m, path: "/v1/areas/" + m + "/prevalence", subject: "samspill.query.prevalence", data: q},
		{what: "the picture of " + m, path: "/v1/areas/" + m + "/picture.svg", subject: "samspill.render.area", data: fmt.Sprintf(`{"municipality":%q,"format":"svg"}`, m)},
		{what: "the export of " + m, path: "/v1/areas/" + m + "/export.graphml", subject: "samspill.query.export", data: fmt.Sprintf(`{"kind":"area","id":%q,"format":"graphml"}`, m)},
	}
}

// cmdRequest is command name with body, over HTTP and NATS.
func cmdRequest(name, body string) e2eRequest {
	return e2eRequest{what: name, method: http.MethodPost, path: "/v1/commands/" + name, body: body, subject: "samspill.cmd." + name, data: body}
}

// auditRecord is the part of an audit record the test checks.
type auditRecord struct {
	Subject, Role, Purpose, Operation, Action, Kind, Resource, Outcome, Reason string
}

// TestAccessEndToEnd runs samspill up and shows, per role, each action
// allowed and each refused, over HTTP and over NATS alike, and then that
// the audit trail holds every refusal and every read of a map, with who
// asked, what, about which resource and for which purpose:
//
//   - a coordinator opens a map and reads it (map, gaps, picture, export);
//     another coordinator is refused until the administrator assigns the
//     map to them (grant_access), and again once the assignment ends
//     (revoke_access);
//   - an analyst reads the aggregates of their municipality, and is
//     refused another municipality's and every map;
//   - the administrator makes, lists and revokes tokens and reads the audit
//     trail, and is refused the contents of maps; a revoked token is
//     refused at once;
//   - an integration granted area.3203.read reads 3203's aggregates only;
//   - no token is 401;
//   - the coordinator erases their map; the administrator may not.
func TestAccessEndToEnd(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	// Anonymous on the loopback: the samspill-cli user, as the CLI.
	nc, err := nats.Connect(natsURL, nats.Name("samspill-cli"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	adminTok := mustAdminToken(t, cfg.data)
	who := func(name, purpose string, spec tokenSpec) *e2ePrincipal {
		t.Helper()
		spec.Name = name
		tok, sub := mustToken(t, base, adminTok, spec)
		return &e2ePrincipal{name: name, token: tok, subject: sub, purpose: purpose, base: base, nc: nc}
	}
	// Each sends a purpose of use that is not their role's default, so
	// that the trail shows the one sent.
	a := who("coordinator A", "CAREMGT", tokenSpec{Role: "coordinator", Municipality: "3203"})
	b := who("coordinator B", "TREAT", tokenSpec{Role: "coordinator", Municipality: "3203"})
	analyst := who("analyst of 3203", "HOPERAT", tokenSpec{Role: "analyst", Municipality: "3203"})
	integration := who("integration", "HOPERAT", tokenSpec{Role: "integration", Grants: []string{"area.3203.read"}})
	admin := &e2ePrincipal{name: "administrator", token: adminTok, purpose: "HSYSADMIN", base: base, nc: nc}
	var tokens struct {
		Tokens []struct{ Subject, CreatedBy string }
	}
	if err := json.Unmarshal(admin.allowed(t, e2eRequest{what: "the tokens", path: "/v1/tokens"}).body, &tokens); err != nil || len(tokens.Tokens) != 5 {
		t.Fatalf("GET /v1/tokens: %v %+v", err, tokens)
	}
	for _, k := range tokens.Tokens {
		if k.CreatedBy == "bootstrap" { // the one up made
			admin.subject = k.Subject
		}
	}
	nobody := &e2ePrincipal{name: "no one", base: base, nc: nc}

	// The refusals (403) the trail must hold, each over both transports.
	type refusal struct {
		p         *e2ePrincipal
		operation string
		kind      string
		resource  string
	}
	var refusals []refusal
	refuse := func(p *e2ePrincipal, r e2eRequest, operation, kind, resource string) {
		t.Helper()
		p.refused(t, http.StatusForbidden, r)
		refusals = append(refusals, refusal{p, operation, kind, resource})
	}

	// Coordinator A opens a map (over HTTP) and another (over NATS), and
	// reads the first every way there is.
	opened := func(ans e2eAnswer) string {
		t.Helper()
		var res struct{ IDs map[string]string }
		if err := json.Unmarshal(ans.body, &res); err != nil || res.IDs["mapId"] == "" {
			t.Fatalf("open_map: %v %.300s", err, ans.body)
		}
		return res.IDs["mapId"]
	}
	openMap := `{"focus":"citizen","label":"Test T.","municipality":"3203","citizenName":"Tove Test"}`
	mapID := opened(a.http(t, cmdRequest("open_map", openMap)))
	second := opened(a.nats(t, cmdRequest("open_map", openMap)))
	a.allowed(t, cmdRequest("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"primary-health","name":"Dr. Lund"}`, mapID)))
	for _, r := range mapReads(mapID) {
		a.allowed(t, r)
	}
	if ans := a.allowed(t, mapReads(mapID)[3]); !bytes.Contains(ans.body, []byte("Dr. Lund")) {
		t.Errorf("coordinator A's export lacks the map's actor: %.300s", ans.body)
	}

	t.Run("another coordinator", func(t *testing.T) {
		for i, r := range mapReads(mapID) {
			refuse(b, r, mapReadOps[i], "map", mapID)
		}
		write := cmdRequest("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"housing","name":"Boligkontoret"}`, mapID))
		refuse(b, write, "cmd.add_actor", "map", mapID)

		grant := cmdRequest("grant_access", fmt.Sprintf(`{"mapId":%q,"principal":%q}`, mapID, b.subject))
		refuse(a, grant, "cmd.grant_access", "map", mapID)
		if ans := admin.http(t, grant); ans.status != http.StatusCreated {
			t.Fatalf("grant_access: %d %s", ans.status, ans.body)
		}
		for _, r := range mapReads(mapID) {
			b.allowed(t, r)
		}
		b.allowed(t, write)

		// The administrator ends the assignment over NATS.
		if ans := admin.nats(t, cmdRequest("revoke_access", fmt.Sprintf(`{"mapId":%q,"principal":%q}`, mapID, b.subject))); ans.status != http.StatusOK {
			t.Fatalf("revoke_access: %d %s", ans.status, ans.body)
		}
		for _, r := range mapReads(mapID) {
			b.refusedSoon(t, http.StatusForbidden, r)
		}
		refuse(b, write, "cmd.add_actor", "map", mapID)
		refuse(b, mapReads(mapID)[0], "query.map", "map", mapID)
	})

	t.Run("analyst", func(t *testing.T) {
		for _, r := range areaReads("3203") {
			analyst.allowed(t, r)
		}
		for i, r := range areaReads("3201") {
			op := []string{"query.system", "query.matrix", "query.gaps", "query.prevalence", "render.area", "query.export"}[i]
			refuse(analyst, r, op, "area", "3201")
		}
		for i, r := range mapReads(mapID) {
			refuse(analyst, r, mapReadOps[i], "map", mapID)
		}
		refuse(analyst, e2eRequest{what: "the bundle of 3203", path: "/v1/areas/3203/bundle", subject: "samspill.query.bundle", data: `{"municipality":"3203"}`},
			"query.bundle", "bundle", "3203")
		refuse(analyst, cmdRequest("open_map", openMap), "cmd.open_map", "map", "")
	})

	t.Run("administrator", func(t *testing.T) {
		made := map[string]string{}
		for via, ans := range map[string]e2eAnswer{
			"HTTP": admin.http(t, e2eRequest{what: "a token", method: http.MethodPost, path: "/v1/tokens", body: `{"name":"made over HTTP","role":"analyst","municipality":"3203"}`}),
			"NATS": admin.nats(t, e2eRequest{what: "a token", subject: "samspill.auth.tokens.create", data: `{"name":"made over NATS","role":"analyst","municipality":"3203"}`}),
		} {
			var c struct{ Token, ID, CreatedBy string }
			if err := json.Unmarshal(ans.body, &c); err != nil || ans.status >= 300 || c.Token == "" || c.CreatedBy != admin.subject {
				t.Fatalf("a token made over %s: %d %v %.300s", via, ans.status, err, ans.body)
			}
			made[via] = c.ID
		}
		for _, ans := range []e2eAnswer{
			admin.http(t, e2eRequest{what: "the tokens", path: "/v1/tokens"}),
			admin.nats(t, e2eRequest{what: "the tokens", subject: "samspill.auth.tokens.list"}),
		} {
			for _, id := range made {
				if ans.status != http.StatusOK || !bytes.Contains(ans.body, []byte(`"id":"`+id+`"`)) {
					t.Errorf("the list of tokens lacks %s: %d %.300s", id, ans.status, ans.body)
				}
			}
		}
		if ans := admin.http(t, e2eRequest{what: "revoke", method: http.MethodDelete, path: "/v1/tokens/" + made["NATS"]}); ans.status != http.StatusOK {
			t.Errorf("revoke over HTTP: %d %s", ans.status, ans.body)
		}
		if ans := admin.nats(t, e2eRequest{what: "revoke", subject: "samspill.auth.tokens.revoke", data: `{"id":"` + made["HTTP"] + `"}`}); ans.status != http.StatusOK {
			t.Errorf("revoke over NATS: %d %s", ans.status, ans.body)
		}
		admin.allowed(t, e2eRequest{what: "the audit trail", path: "/v1/audit?limit=10", subject: "samspill.auth.audit", data: `{"limit":10}`})
		if ans := admin.allowed(t, e2eRequest{what: "the audit trail as CSV", path: "/v1/audit.csv?kind=tokens"}); !bytes.HasPrefix(ans.body, []byte("id,time,service,subject,")) {
			t.Errorf("GET /v1/audit.csv: %.300s", ans.body)
		}

		for i, r := range mapReads(mapID) {
			refuse(admin, r, mapReadOps[i], "map", mapID)
		}
		refuse(admin, areaReads("3203")[0], "query.system", "area", "3203")
		refuse(admin, cmdRequest("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"housing","name":"X"}`, mapID)), "cmd.add_actor", "map", mapID)

		// The others may not do what is the administrator's.
		refuse(a, e2eRequest{what: "the tokens", path: "/v1/tokens", subject: "samspill.auth.tokens.list"}, "auth.tokens.list", "tokens", "")
		refuse(analyst, e2eRequest{what: "the audit trail", path: "/v1/audit", subject: "samspill.auth.audit"}, "auth.audit", "audit", "")
		refuse(a, cmdRequest("register_entry", `{"entryId":"nav-test","kind":"service","name":"NAV Test","sector":"welfare-work","municipality":"3203"}`),
			"cmd.register_entry", "directory", "")
	})

	t.Run("a revoked token", func(t *testing.T) {
		short := who("short-lived analyst", "", tokenSpec{Role: "analyst", Municipality: "3203"})
		system := areaReads("3203")[0]
		short.allowed(t, system)
		if ans := admin.http(t, e2eRequest{what: "revoke", method: http.MethodDelete, path: "/v1/tokens/" + strings.TrimPrefix(short.subject, "token:")}); ans.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", ans.status, ans.body)
		}
		// At once: over HTTP the token, over NATS its exchange.
		short.refused(t, http.StatusUnauthorized, system)
	})

	t.Run("integration", func(t *testing.T) {
		system := areaReads("3203")[0]
		if ans := integration.allowed(t, system); !bytes.Contains(ans.body, []byte(`"citizenMaps"`)) {
			t.Errorf("the integration's system map: %.300s", ans.body)
		}
		refuse(integration, areaReads("3201")[0], "query.system", "area", "3201")
		refuse(integration, e2eRequest{what: "the bundle of 3203", path: "/v1/areas/3203/bundle", subject: "samspill.query.bundle", data: `{"municipality":"3203"}`},
			"query.bundle", "bundle", "3203")
		for i, r := range mapReads(mapID) {
			refuse(integration, r, mapReadOps[i], "map", mapID)
		}
		refuse(integration, cmdRequest("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"housing","name":"X"}`, mapID)), "cmd.add_actor", "map", mapID)
		refuse(integration, e2eRequest{what: "the audit trail", path: "/v1/audit", subject: "samspill.auth.audit"}, "auth.audit", "audit", "")
	})

	t.Run("no token", func(t *testing.T) {
		for _, r := range append(mapReads(mapID), areaReads("3203")[0], cmdRequest("add_actor", fmt.Sprintf(`{"mapId":%q,"name":"X"}`, mapID)),
			e2eRequest{what: "the tokens", path: "/v1/tokens", subject: "samspill.auth.tokens.list"},
			e2eRequest{what: "the audit trail", path: "/v1/audit", subject: "samspill.auth.audit"}) {
			nobody.refused(t, http.StatusUnauthorized, r)
		}
		// The exchange of something that is no token.
		if _, status, err := exchange(nc, "ssp_nothing"); err != nil || status != http.StatusUnauthorized {
			t.Errorf("the exchange of no token: %d %v", status, err)
		}
	})

	t.Run("erasure", func(t *testing.T) {
		erase := cmdRequest("erase_map", fmt.Sprintf(`{"mapId":%q,"basis":"citizen-request"}`, second))
		refuse(admin, erase, "cmd.erase_map", "map", second)
		refuse(b, erase, "cmd.erase_map", "map", second)
		erasing := *a
		erasing.purpose = "PATRQT"
		if ans := erasing.nats(t, erase); ans.status != http.StatusOK {
			t.Fatalf("erase_map by its coordinator: %d %s", ans.status, ans.body)
		}
		a.refused(t, http.StatusGone, erase)
	})

	// The audit trail, read by the administrator.
	var trail struct{ Records []auditRecord }
	ans := admin.http(t, e2eRequest{what: "the audit trail", path: "/v1/audit?limit=10000&from=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))})
	if err := json.Unmarshal(ans.body, &trail); err != nil || ans.status != http.StatusOK {
		t.Fatalf("GET /v1/audit: %d %v %.300s", ans.status, err, ans.body)
	}
	count := func(match func(auditRecord) bool) int {
		n := 0
		for _, r := range trail.Records {
			if match(r) {
				n++
			}
		}
		return n
	}
	for _, want := range refusals {
		// Once over HTTP and once over NATS at least: the service that
		// decides writes the refusal whichever way the request came.
		n := count(func(r auditRecord) bool {
			return r.Subject == want.p.subject && r.Operation == want.operation && r.Kind == want.kind && (want.resource == "" || r.Resource == want.resource) &&
				r.Purpose == want.p.purpose && r.Outcome == "denied" && r.Reason != ""
		})
		if n < 2 {
			t.Errorf("the trail holds %d refusals of %s (%s, purpose %s) to %s %s %s; want one per transport at least",
				n, want.p.name, want.p.subject, want.p.purpose, want.operation, want.kind, want.resource)
		}
	}
	for _, op := range mapReadOps {
		for _, p := range []*e2ePrincipal{a, b} {
			if count(func(r auditRecord) bool {
				return r.Subject == p.subject && r.Operation == op && r.Kind == "map" && r.Resource == mapID && r.Action == "read" &&
					r.Purpose == p.purpose && r.Outcome == "allowed"
			}) < 2 {
				t.Errorf("the trail lacks %s's allowed %s of the map over HTTP and NATS, with purpose %s", p.name, op, p.purpose)
			}
		}
	}
	if count(func(r auditRecord) bool {
		return r.Subject == a.subject && r.Operation == "cmd.erase_map" && r.Action == "erase" && r.Resource == second && r.Purpose == "PATRQT" && r.Outcome == "allowed"
	}) != 1 {
		t.Error("the trail lacks the coordinator's erasure, with purpose PATRQT")
	}
	if count(func(r auditRecord) bool {
		return r.Operation == "auth.tokens.revoke" && r.Subject == admin.subject && r.Outcome == "allowed"
	}) != 3 {
		t.Error("the trail does not hold the three revocations")
	}
	// Never a name in the trail.
	if bytes.Contains(ans.body, []byte("Tove")) || bytes.Contains(ans.body, []byte("Lund")) {
		t.Errorf("the audit trail holds a name from a map")
	}
}
