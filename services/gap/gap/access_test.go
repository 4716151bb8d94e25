package gap_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
)

// signer signs the assertions of these tests with the access service's
// key.
func signer(tb testing.TB) *access.Signer { return accesstest.Signer(tb, 9, nil) }

// The principals of these tests.
var (
	// opener is who env.do opens maps as: they are assigned to them.
	opener = access.Principal{Subject: "usr:test", Role: access.Coordinator}
	// admin registers the directory's entries and grants access.
	admin = accesstest.People().Admin
	// reader is an integration granted every map and area: it reaches the
	// refusals of malformed and unknown ids, which the guard does not let
	// a coordinator or an analyst see.
	reader = access.Principal{Subject: "tok:reader", Role: access.Integration, Grants: []string{"map.*.read", "area.*.read"}}
)

// TestAccessPerRole: each role's reads of gaps and prevalence over NATS
// and HTTP, allowed and refused, and what each leaves in the audit trail.
func TestAccessPerRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cast := accesstest.People()
	kari, per, anders := cast.Kari, cast.Per, cast.Anders
	ehrArea, ehrBundle := cast.EHRArea, cast.EHRBundle

	g := e.start()
	since := command.Meta{ValidTime: d("2026-05-01")}
	r := e.doAs(kari, &command.OpenMap{Meta: since, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3301"})
	m := r.IDs["mapId"]
	gp := e.doAs(kari, &command.AddActor{MapID: m, Meta: since, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen"}).IDs["actorId"]
	e.doAs(kari, &command.AddRelation{MapID: m, Meta: since, From: gp, To: r.IDs["citizenId"], Type: "serves", Quality: "good"})
	nc := e.srv.Conn()
	micro, err := g.AddMicro(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer micro.Stop()
	h := g.Handler()

	nobody := uuid.NewString()
	tok := func(p access.Principal) string { return accesstest.Token(t, signer(t), p) }
	allowed, denied := accesstest.Allowed, accesstest.Denied
	mapQ := `{"mapId":"` + m + `"}`
	mapURL := "/v1/maps/" + m + "/gaps"
	gapsOf := func(mapID string) func(testing.TB, []byte) {
		return func(t testing.TB, b []byte) {
			var a gap.Answer
			if err := json.Unmarshal(b, &a); err != nil || len(a.Gaps) == 0 || a.Gaps[0].MapID != mapID {
				t.Errorf("gaps of %s: %v %s", mapID, err, b)
			}
		}
	}
	expired := accesstest.Token(t, accesstest.Signer(t, 9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := accesstest.Token(t, accesstest.Signer(t, 10, nil), kari)
	reads := accesstest.Reads{JS: e.js, NC: nc, Handler: h, Verifier: signer(t).Verifier(), Service: "gap"}
	area := func(m string) string { return `{"municipality":"` + m + `"}` }

	reads.Run(t, []accesstest.Case{
		{Name: "assigned coordinator reads their map's gaps", Token: tok(kari), Purpose: string(access.PurposeTreatment),
			Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 200,
			Audit: allowed(kari, "TREAT", "query.gaps", "map", m), Check: gapsOf(m)},
		{Name: "coordinator not assigned reads the map's gaps", Token: tok(per), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(per, "query.gaps", "map", m)},
		{Name: "coordinator not assigned reads a map that does not exist", Token: tok(per), Subject: gap.QuerySubject,
			Body: `{"mapId":"` + nobody + `"}`, URL: "/v1/maps/" + nobody + "/gaps", Status: 403, Audit: denied(per, "query.gaps", "map", nobody)},
		{Name: "coordinator reads an area's gaps", Token: tok(kari), Subject: gap.QuerySubject, Body: area("3301"), URL: "/v1/areas/3301/gaps",
			Status: 403, Audit: denied(kari, "query.gaps", "area", "3301")},
		{Name: "coordinator reads prevalence", Token: tok(kari), Subject: gap.PrevalenceSubject, Body: area("3301"),
			URL: "/v1/areas/3301/prevalence", Status: 403, Audit: denied(kari, "query.prevalence", "area", "3301")},
		{Name: "analyst reads their municipality's gaps", Token: tok(anders), Subject: gap.QuerySubject, Body: area("3301"),
			URL: "/v1/areas/3301/gaps", Status: 200, Audit: allowed(anders, "HOPERAT", "query.gaps", "area", "3301"), Check: gapsOf(m)},
		{Name: "analyst reads their municipality's prevalence", Token: tok(anders), Subject: gap.PrevalenceSubject, Body: area("3301"),
			URL: "/v1/areas/3301/prevalence.csv", Status: 200, Audit: allowed(anders, "HOPERAT", "query.prevalence", "area", "3301")},
		{Name: "analyst reads another municipality's gaps", Token: tok(anders), Subject: gap.QuerySubject, Body: area("3203"),
			URL: "/v1/areas/3203/gaps", Status: 403, Audit: denied(anders, "query.gaps", "area", "3203")},
		{Name: "analyst reads another municipality's prevalence", Token: tok(anders), Subject: gap.PrevalenceSubject, Body: area("3203"),
			URL: "/v1/areas/3203/prevalence", Status: 403, Audit: denied(anders, "query.prevalence", "area", "3203")},
		{Name: "analyst reads a map's gaps", Token: tok(anders), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 403,
			Audit: denied(anders, "query.gaps", "map", m)},
		{Name: "admin reads a map's gaps", Token: tok(admin), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 403,
			Audit: denied(admin, "query.gaps", "map", m)},
		{Name: "admin reads an area's gaps", Token: tok(admin), Subject: gap.QuerySubject, Body: area("3301"), URL: "/v1/areas/3301/gaps",
			Status: 403, Audit: denied(admin, "query.gaps", "area", "3301")},
		{Name: "integration granted the area reads its gaps", Token: tok(ehrArea), Subject: gap.QuerySubject, Body: area("3301"),
			URL: "/v1/areas/3301/gaps", Status: 200, Audit: allowed(ehrArea, "HOPERAT", "query.gaps", "area", "3301")},
		{Name: "integration granted the area reads its prevalence", Token: tok(ehrArea), Subject: gap.PrevalenceSubject, Body: area("3301"),
			URL: "/v1/areas/3301/prevalence", Status: 200, Audit: allowed(ehrArea, "HOPERAT", "query.prevalence", "area", "3301")},
		{Name: "integration granted an area reads another", Token: tok(ehrArea), Subject: gap.QuerySubject, Body: area("3203"),
			URL: "/v1/areas/3203/gaps", Status: 403, Audit: denied(ehrArea, "query.gaps", "area", "3203")},
		{Name: "integration granted an area reads a map's gaps", Token: tok(ehrArea), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(ehrArea, "query.gaps", "map", m)},
		{Name: "integration granted the bundle reads the area's gaps", Token: tok(ehrBundle), Subject: gap.QuerySubject, Body: area("3301"),
			URL: "/v1/areas/3301/gaps", Status: 403, Audit: denied(ehrBundle, "query.gaps", "area", "3301")},
		{Name: "no assertion", Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 401},
		{Name: "no assertion, prevalence", Subject: gap.PrevalenceSubject, Body: area("3301"), URL: "/v1/areas/3301/prevalence", Status: 401},
		{Name: "no assertion, neither map nor area", Subject: gap.QuerySubject, Body: `{}`, URL: "/v1/areas/3301/gaps", Status: 401},
		{Name: "expired assertion", Token: expired, Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 401},
		{Name: "assertion of another key", Token: forged, Subject: gap.QuerySubject, Body: mapQ, URL: mapURL, Status: 401},
	})

	// A grant lets Per read Kari's map's gaps; a revocation refuses him again.
	e.doAs(admin, &command.GrantAccess{MapID: m, Principal: per.Subject})
	reads.Run(t, []accesstest.Case{
		{Name: "granted coordinator reads the map's gaps", Token: tok(per), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL,
			Status: 200, Audit: allowed(per, "COC", "query.gaps", "map", m), Check: gapsOf(m)},
	})
	e.doAs(admin, &command.RevokeAccess{MapID: m, Principal: per.Subject})
	reads.Run(t, []accesstest.Case{
		{Name: "revoked coordinator reads the map's gaps", Token: tok(per), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(per, "query.gaps", "map", m)},
		{Name: "the opener still reads them", Token: tok(kari), Subject: gap.QuerySubject, Body: mapQ, URL: mapURL,
			Status: 200, Audit: allowed(kari, "COC", "query.gaps", "map", m)},
	})
}

// TestBootRefusesWithoutAudit: a gap service that cannot audit does not
// start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := gap.Boot(context.Background(), e.srv.Conn(), gap.Config{Verifier: signer(t).Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	if _, err := gap.New(context.Background(), e.js, e.log, gap.Config{}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("New without Audit: %v", err)
	}
}
