package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// signer signs the assertions of these tests with the access service's
// key.
func signer(tb testing.TB) *access.Signer { return accesstest.Signer(tb, 9, nil) }

// The principals of these tests.
var (
	// opener is who env.do opens maps as: they are assigned to them.
	opener = access.Principal{Subject: "t", Role: access.Coordinator}
	// analyst reads the aggregates of 3203, where env's maps are.
	analyst = access.Principal{Subject: "usr:anna", Role: access.Analyst, Municipality: "3203"}
	// mapReader is an integration granted every map: it reaches the
	// refusals of malformed and unknown map ids, which the guard does not
	// let a coordinator see.
	mapReader = access.Principal{Subject: "tok:maps", Role: access.Integration, Grants: []string{"map.*.read"}}
	// areaReader is an integration granted every area: it reaches the
	// refusals of malformed municipalities.
	areaReader = access.Principal{Subject: "tok:areas", Role: access.Integration, Grants: []string{"area.*.read"}}
	// admin registers the directory's entries.
	admin = accesstest.People().Admin
)

// grantOrRevoke appends access_granted or access_revoked to a map, as the
// command grant_access or revoke_access of an administrator does.
func (e *env) grantOrRevoke(mapID string, data event.Data) uint64 {
	e.t.Helper()
	ctx := context.Background()
	agg := event.MapAggregate(mapID)
	v, err := e.log.Version(ctx, agg)
	if err != nil {
		e.t.Fatal(err)
	}
	env, err := event.New(agg, "/samspill/command", d("2026-11-23"), data)
	if err != nil {
		e.t.Fatal(err)
	}
	env.Time, env.Principal = time.Now(), "usr:ada"
	res, err := e.log.Append(ctx, agg, v, uuid.NewString(), []event.Envelope{env})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Last
}

// TestAccessPerRole: each role's reads over NATS and HTTP, allowed and
// refused, and what each leaves in the audit trail.
func TestAccessPerRole(t *testing.T) {
	e := setup(t)
	cast := accesstest.People()
	kari, per, anders := cast.Kari, cast.Per, cast.Anders
	ada := admin
	ehrArea, ehrBundle := cast.EHRArea, cast.EHRBundle

	m := e.doAs(kari, &command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3301"}).IDs["mapId"]
	last := e.doAs(kari, &command.AddActor{MapID: m, Meta: command.Meta{ValidTime: d("2026-01-10")}, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen", Ref: "gp"}).Version
	g, nc := e.running(last)
	h := g.Handler()
	nobody := "6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c"
	tok := func(p access.Principal) string { return accesstest.Token(t, signer(t), p) }
	allowed, denied := accesstest.Allowed, accesstest.Denied
	mapQ := `{"mapId":"` + m + `"}`
	shows := func(s string) func(testing.TB, []byte) {
		return func(t testing.TB, b []byte) {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("answer lacks %q: %.300s", s, b)
			}
		}
	}
	list := func(check func(t testing.TB, ms []graph.MapSummary)) func(testing.TB, []byte) {
		return func(t testing.TB, b []byte) {
			var ms []graph.MapSummary
			if err := json.Unmarshal(b, &ms); err != nil {
				t.Fatal(err)
			}
			check(t, ms)
		}
	}
	expired := accesstest.Token(t, accesstest.Signer(t, 9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := accesstest.Token(t, accesstest.Signer(t, 10, nil), kari)
	reads := accesstest.Reads{JS: e.js, NC: nc, Handler: h, Verifier: signer(t).Verifier(), Service: "graph"}

	reads.Run(t, []accesstest.Case{
		{Name: "assigned coordinator reads their map", Token: tok(kari), Purpose: string(access.PurposeCareManagement),
			Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m, Status: 200,
			Audit: allowed(kari, "CAREMGT", "query.map", "map", m), Check: shows("Dr. Hansen")},
		{Name: "assigned coordinator reads the history", Token: tok(kari), Subject: "samspill.query.history", Body: mapQ,
			URL: "/v1/maps/" + m + "/history", Status: 200, Audit: allowed(kari, "COC", "query.history", "map", m)},
		{Name: "assigned coordinator exports the map", Token: tok(kari), Subject: "samspill.query.export",
			Body: `{"kind":"map","id":"` + m + `","format":"json"}`, URL: "/v1/maps/" + m + "/export.json", Status: 200,
			Audit: allowed(kari, "COC", "query.export", "map", m), Check: shows("Dr. Hansen")},
		{Name: "assigned coordinator reads the changes", Token: tok(kari), Subject: "samspill.query.changes",
			Body: `{"mapId":"` + m + `","from":"2026-01-01"}`, URL: "/v1/maps/" + m + "/changes?from=2026-01-01", Status: 200,
			Audit: allowed(kari, "COC", "query.changes", "map", m)},
		{Name: "coordinator not assigned reads the map", Token: tok(per), Subject: "samspill.query.map", Body: mapQ,
			URL: "/v1/maps/" + m, Status: 403, Audit: denied(per, "query.map", "map", m)},
		{Name: "coordinator not assigned reads a map that does not exist", Token: tok(per), Subject: "samspill.query.map",
			Body: `{"mapId":"` + nobody + `"}`, URL: "/v1/maps/" + nobody, Status: 403, Audit: denied(per, "query.map", "map", nobody)},
		{Name: "coordinator not assigned reads the neighbourhood", Token: tok(per), Subject: "samspill.query.neighbourhood",
			Body: `{"mapId":"` + m + `","actor":"gp"}`, URL: "/v1/maps/" + m + "/actors/gp/neighbourhood", Status: 403,
			Audit: denied(per, "query.neighbourhood", "map", m)},
		{Name: "coordinator not assigned exports a careteam", Token: tok(per), Subject: "samspill.query.export",
			Body: `{"kind":"map","id":"` + m + `","format":"careteam"}`, URL: "/v1/maps/" + m + "/careteam.json", Status: 403,
			Audit: denied(per, "query.export", "map", m)},
		{Name: "coordinator not assigned reads the changes", Token: tok(per), Subject: "samspill.query.changes",
			Body: `{"mapId":"` + m + `","from":"2026-01-01"}`, URL: "/v1/maps/" + m + "/changes?from=2026-01-01", Status: 403,
			Audit: denied(per, "query.changes", "map", m)},
		{Name: "coordinator not assigned reads the history", Token: tok(per), Subject: "samspill.query.history", Body: mapQ,
			URL: "/v1/maps/" + m + "/history", Status: 403, Audit: denied(per, "query.history", "map", m)},
		{Name: "coordinator not assigned exports the map as GEXF", Token: tok(per), Subject: "samspill.query.export",
			Body: `{"kind":"map","id":"` + m + `","format":"gexf"}`, URL: "/v1/maps/" + m + "/export.gexf", Status: 403,
			Audit: denied(per, "query.export", "map", m)},
		{Name: "assigned coordinator reads the neighbourhood", Token: tok(kari), Subject: "samspill.query.neighbourhood",
			Body: `{"mapId":"` + m + `","actor":"gp"}`, URL: "/v1/maps/" + m + "/actors/gp/neighbourhood", Status: 200,
			Audit: allowed(kari, "COC", "query.neighbourhood", "map", m)},
		{Name: "assigned coordinator reads the bundle", Token: tok(kari), Subject: "samspill.query.bundle", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/bundle", Status: 403, Audit: denied(kari, "query.bundle", "bundle", "3301")},
		{Name: "coordinator reads area aggregates", Token: tok(kari), Subject: "samspill.query.system", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/system", Status: 403, Audit: denied(kari, "query.system", "area", "3301")},
		{Name: "coordinator reads a matrix", Token: tok(kari), Subject: "samspill.query.matrix", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/matrix.csv", Status: 403, Audit: denied(kari, "query.matrix", "area", "3301")},
		{Name: "coordinator lists the maps assigned to them, with labels", Token: tok(kari), Subject: "samspill.query.maps", Body: `{}`,
			URL: "/v1/maps", Status: 200, Check: list(func(t testing.TB, ms []graph.MapSummary) {
				if len(ms) != 1 || ms[0].MapID != m || ms[0].Label != "Ola N." || ms[0].Assigned != nil {
					t.Errorf("Kari's list: %+v", ms)
				}
			})},
		{Name: "coordinator's list ignores openedBy", Token: tok(per), Subject: "samspill.query.maps", Body: `{"openedBy":"usr:kari"}`,
			URL: "/v1/maps?openedBy=usr:kari", Status: 200, Check: list(func(t testing.TB, ms []graph.MapSummary) {
				if len(ms) != 0 {
					t.Errorf("Per asking for Kari's maps got %+v", ms)
				}
			})},
		{Name: "analyst reads their municipality's system map", Token: tok(anders), Subject: "samspill.query.system", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/system", Status: 200, Audit: allowed(anders, "HOPERAT", "query.system", "area", "3301")},
		{Name: "analyst reads their municipality's matrix", Token: tok(anders), Subject: "samspill.query.matrix", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/matrix", Status: 200, Audit: allowed(anders, "HOPERAT", "query.matrix", "area", "3301")},
		{Name: "analyst exports their municipality's graph", Token: tok(anders), Subject: "samspill.query.export",
			Body: `{"kind":"area","id":"3301","format":"gexf"}`, URL: "/v1/areas/3301/export.gexf", Status: 200,
			Audit: allowed(anders, "HOPERAT", "query.export", "area", "3301")},
		{Name: "analyst reads another municipality", Token: tok(anders), Subject: "samspill.query.system", Body: `{"municipality":"3203"}`,
			URL: "/v1/areas/3203/system", Status: 403, Audit: denied(anders, "query.system", "area", "3203")},
		{Name: "analyst exports another municipality", Token: tok(anders), Subject: "samspill.query.export",
			Body: `{"kind":"area","id":"3203","format":"graphml"}`, URL: "/v1/areas/3203/export.graphml", Status: 403,
			Audit: denied(anders, "query.export", "area", "3203")},
		{Name: "analyst reads a map", Token: tok(anders), Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m, Status: 403,
			Audit: denied(anders, "query.map", "map", m)},
		{Name: "analyst reads the bundle", Token: tok(anders), Subject: "samspill.query.bundle", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/bundle", Status: 403, Audit: denied(anders, "query.bundle", "bundle", "3301")},
		{Name: "analyst searches the directory", Token: tok(anders), Subject: "samspill.query.directory", Body: `{}`,
			URL: "/v1/directory", Status: 200},
		{Name: "admin reads a map", Token: tok(ada), Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m, Status: 403,
			Audit: denied(ada, "query.map", "map", m)},
		{Name: "admin lists every map, without labels, with assignments", Token: tok(ada), Subject: "samspill.query.maps", Body: `{}`,
			URL: "/v1/maps", Status: 200, Check: func(t testing.TB, b []byte) {
				var ms []graph.MapSummary
				if err := json.Unmarshal(b, &ms); err != nil {
					t.Fatal(err)
				}
				if len(ms) != 1 || !slices.Equal(ms[0].Assigned, []string{kari.Subject}) || strings.Contains(string(b), "label") || strings.Contains(string(b), "Ola N.") {
					t.Errorf("admin's list: %s", b)
				}
			}},
		{Name: "integration granted the area reads its aggregates", Token: tok(ehrArea), Subject: "samspill.query.matrix", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/matrix", Status: 200, Audit: allowed(ehrArea, "HOPERAT", "query.matrix", "area", "3301")},
		{Name: "integration granted an area reads another", Token: tok(ehrArea), Subject: "samspill.query.system", Body: `{"municipality":"3203"}`,
			URL: "/v1/areas/3203/system", Status: 403, Audit: denied(ehrArea, "query.system", "area", "3203")},
		{Name: "integration granted the area reads the bundle", Token: tok(ehrArea), Subject: "samspill.query.bundle", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/bundle", Status: 403, Audit: denied(ehrArea, "query.bundle", "bundle", "3301")},
		{Name: "integration granted the area reads a map", Token: tok(ehrArea), Subject: "samspill.query.map", Body: mapQ,
			URL: "/v1/maps/" + m, Status: 403, Audit: denied(ehrArea, "query.map", "map", m)},
		{Name: "integration granted the bundle reads it", Token: tok(ehrBundle), Subject: "samspill.query.bundle", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/bundle", Status: 200, Audit: allowed(ehrBundle, "HOPERAT", "query.bundle", "bundle", "3301")},
		{Name: "integration granted the bundle reads the aggregates", Token: tok(ehrBundle), Subject: "samspill.query.system", Body: `{"municipality":"3301"}`,
			URL: "/v1/areas/3301/system", Status: 403, Audit: denied(ehrBundle, "query.system", "area", "3301")},
		{Name: "no assertion", Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m, Status: 401},
		{Name: "no assertion, directory", Subject: "samspill.query.directory", Body: `{}`, URL: "/v1/directory", Status: 401},
		{Name: "no assertion, an unknown export", Subject: "samspill.query.export", Body: `{"kind":"file","id":"x","format":"json"}`,
			URL: "/v1/areas/3301/export.graphml", Status: 401},
		{Name: "expired assertion", Token: expired, Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m, Status: 401},
		{Name: "assertion of another key", Token: forged, Subject: "samspill.query.maps", Body: `{}`, URL: "/v1/maps", Status: 401},
		{Name: "unknown purpose", Token: tok(kari), Purpose: "CURIOSITY", Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m,
			Status: 401, HTTPStatus: 400},
	})

	// A grant lets Per read Kari's map; a revocation refuses him again.
	granted := e.grantOrRevoke(m, &event.AccessGranted{Principal: per.Subject})
	if err := g.WaitFor(context.Background(), granted); err != nil {
		t.Fatal(err)
	}
	reads.Run(t, []accesstest.Case{
		{Name: "granted coordinator reads the map", Token: tok(per), Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m,
			Status: 200, Audit: allowed(per, "COC", "query.map", "map", m), Check: shows("Dr. Hansen")},
		{Name: "granted coordinator lists the map", Token: tok(per), Subject: "samspill.query.maps", Body: `{}`, URL: "/v1/maps", Status: 200,
			Check: list(func(t testing.TB, ms []graph.MapSummary) {
				if len(ms) != 1 || ms[0].MapID != m || ms[0].Label != "Ola N." {
					t.Errorf("Per's list after the grant: %+v", ms)
				}
			})},
		{Name: "admin sees both assigned", Token: tok(ada), Subject: "samspill.query.maps", Body: `{}`, URL: "/v1/maps", Status: 200,
			Check: list(func(t testing.TB, ms []graph.MapSummary) {
				if len(ms) != 1 || !slices.Equal(ms[0].Assigned, []string{kari.Subject, per.Subject}) {
					t.Errorf("admin's list after the grant: %+v", ms)
				}
			})},
	})
	revoked := e.grantOrRevoke(m, &event.AccessRevoked{Principal: per.Subject})
	if err := g.WaitFor(context.Background(), revoked); err != nil {
		t.Fatal(err)
	}
	reads.Run(t, []accesstest.Case{
		{Name: "revoked coordinator reads the map", Token: tok(per), Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m,
			Status: 403, Audit: denied(per, "query.map", "map", m)},
		{Name: "the opener still reads it", Token: tok(kari), Subject: "samspill.query.map", Body: mapQ, URL: "/v1/maps/" + m,
			Status: 200, Audit: allowed(kari, "COC", "query.map", "map", m)},
	})
}

// TestBootRefusesWithoutAudit: a graph service that cannot audit does not
// start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	e := setup(t)
	if _, err := graph.Boot(context.Background(), e.js.Conn(), graph.Options{MasterKey: master, Verifier: signer(t).Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	if _, err := graph.New(context.Background(), e.js, e.log, e.keys, graph.Config{}); err == nil {
		t.Fatal("New without Audit started")
	}
}

// TestUnauditableReadIsNotServed: without the audit trail a map is not
// read (503); searching the directory, which is not audited, still is.
func TestUnauditableReadIsNotServed(t *testing.T) {
	e := setup(t)
	mapID, last := e.network()
	g, _ := e.running(last)
	if err := e.js.DeleteStream(context.Background(), audit.Stream); err != nil {
		t.Fatal(err)
	}
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())
	if rec := fetch(t, h, "/v1/maps/"+mapID); rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "Dr. Hansen") {
		t.Errorf("a map read that cannot be audited: %d %s", rec.Code, rec.Body)
	}
	if rec := fetch(t, h, "/v1/directory"); rec.Code != 200 {
		t.Errorf("a directory search: %d %s", rec.Code, rec.Body)
	}
}
