package picture_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
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

// TestAccessPerRole: each role's pictures over NATS and HTTP, allowed and
// refused, and what each leaves in the audit trail. A refused picture is
// neither drawn nor cached.
func TestAccessPerRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cast := accesstest.People()
	kari, per, anders := cast.Kari, cast.Per, cast.Anders
	ehrArea, ehrBundle := cast.EHRArea, cast.EHRBundle

	// Kari's map in 3301; the directory and the actors as env.openPerson
	// writes them, but opened by Kari.
	e.doAs(admin, &command.RegisterEntry{EntryID: "legekontor-3301", Kind: "service", Name: "Bølgen legekontor", Sector: "primary-health", Municipality: "3301"})
	r := e.doAs(kari, &command.OpenMap{Meta: cmdMeta("2026-05-01"), Focus: "citizen", Label: "Åse Ødegård", Municipality: "3301", CitizenName: "Åse Ødegård"})
	m := r.IDs["mapId"]
	gp := e.doAs(kari, &command.AddActor{MapID: m, Meta: cmdMeta("2026-05-01"), Kind: "person", Level: "service", Sector: "primary-health",
		Name: "Dr. Bjørnstad", Directory: "legekontor-3301"}).IDs["actorId"]
	e.doAs(kari, &command.AddRelation{MapID: m, Meta: cmdMeta("2026-06-01"), From: gp, To: r.IDs["citizenId"], Type: "serves", Quality: "good"})

	const nobody = "5f0c7a4e-8d2b-4c1a-9e3f-0a1b2c3d4e5f"
	tok := func(p access.Principal) string { return accesstest.Token(t, signer(t), p) }
	allowed, denied := accesstest.Allowed, accesstest.Denied
	mapQ := `{"mapId":"` + m + `","format":"dot"}`
	mapURL := mapPath(m, "dot")
	changesQ := `{"mapId":"` + m + `","from":"2026-05-15","format":"dot"}`
	changesURL := "/v1/maps/" + m + "/changes/picture.dot?from=2026-05-15"
	areaQ := func(m string) string { return `{"municipality":"` + m + `","format":"dot"}` }
	areaURL := func(m string) string { return "/v1/areas/" + m + "/picture.dot" }
	shows := func(s string) func(testing.TB, []byte) {
		return func(t testing.TB, b []byte) {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("picture lacks %q: %.300s", s, b)
			}
		}
	}
	expired := accesstest.Token(t, accesstest.Signer(t, 9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := accesstest.Token(t, accesstest.Signer(t, 10, nil), kari)
	reads := accesstest.Reads{JS: e.js, NC: e.nc, Handler: e.http, Verifier: signer(t).Verifier(), Service: "picture"}

	reads.Run(t, []accesstest.Case{
		{Name: "coordinator not assigned asks for the map's picture", Token: tok(per), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(per, "render.map", "map", m)},
		{Name: "coordinator not assigned asks for the changes", Token: tok(per), Subject: "samspill.render.changes", Body: changesQ, URL: changesURL,
			Status: 403, Audit: denied(per, "render.changes", "map", m)},
		{Name: "coordinator not assigned asks for a map that does not exist", Token: tok(per), Subject: "samspill.render.map",
			Body: `{"mapId":"` + nobody + `","format":"svg"}`, URL: mapPath(nobody, "svg"), Status: 403, Audit: denied(per, "render.map", "map", nobody)},
		{Name: "analyst asks for a map's picture", Token: tok(anders), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(anders, "render.map", "map", m)},
		{Name: "admin asks for a map's picture", Token: tok(admin), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(admin, "render.map", "map", m)},
		{Name: "integration granted the area asks for a map's picture", Token: tok(ehrArea), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(ehrArea, "render.map", "map", m)},
		{Name: "no assertion", Subject: "samspill.render.map", Body: mapQ, URL: mapURL, Status: 401},
		{Name: "no assertion, area", Subject: "samspill.render.area", Body: areaQ("3301"), URL: areaURL("3301"), Status: 401},
		{Name: "expired assertion", Token: expired, Subject: "samspill.render.map", Body: mapQ, URL: mapURL, Status: 401},
		{Name: "assertion of another key", Token: forged, Subject: "samspill.render.map", Body: mapQ, URL: mapURL, Status: 401},
	})
	if got := e.objects(""); len(got) != 0 {
		t.Fatalf("refused requests cached pictures: %v", got)
	}

	reads.Run(t, []accesstest.Case{
		{Name: "assigned coordinator asks for their map's picture", Token: tok(kari), Purpose: string(access.PurposeCareManagement),
			Subject: "samspill.render.map", Body: mapQ, URL: mapURL, Status: 200,
			Audit: allowed(kari, "CAREMGT", "render.map", "map", m), Check: shows("Bjørnstad")},
		{Name: "assigned coordinator asks for the changes", Token: tok(kari), Subject: "samspill.render.changes", Body: changesQ, URL: changesURL,
			Status: 200, Audit: allowed(kari, "COC", "render.changes", "map", m), Check: shows("Bjørnstad")},
		{Name: "coordinator asks for an area's picture", Token: tok(kari), Subject: "samspill.render.area", Body: areaQ("3301"), URL: areaURL("3301"),
			Status: 403, Audit: denied(kari, "render.area", "area", "3301")},
		{Name: "analyst asks for their municipality's picture", Token: tok(anders), Subject: "samspill.render.area", Body: areaQ("3301"),
			URL: areaURL("3301"), Status: 200, Audit: allowed(anders, "HOPERAT", "render.area", "area", "3301"), Check: shows("legekontor")},
		{Name: "analyst asks for another municipality's picture", Token: tok(anders), Subject: "samspill.render.area", Body: areaQ("3203"),
			URL: areaURL("3203"), Status: 403, Audit: denied(anders, "render.area", "area", "3203")},
		{Name: "admin asks for an area's picture", Token: tok(admin), Subject: "samspill.render.area", Body: areaQ("3301"), URL: areaURL("3301"),
			Status: 403, Audit: denied(admin, "render.area", "area", "3301")},
		{Name: "integration granted the area asks for its picture", Token: tok(ehrArea), Subject: "samspill.render.area", Body: areaQ("3301"),
			URL: areaURL("3301"), Status: 200, Audit: allowed(ehrArea, "HOPERAT", "render.area", "area", "3301")},
		{Name: "integration granted an area asks for another", Token: tok(ehrArea), Subject: "samspill.render.area", Body: areaQ("3203"),
			URL: areaURL("3203"), Status: 403, Audit: denied(ehrArea, "render.area", "area", "3203")},
		{Name: "integration granted the bundle asks for the area's picture", Token: tok(ehrBundle), Subject: "samspill.render.area", Body: areaQ("3301"),
			URL: areaURL("3301"), Status: 403, Audit: denied(ehrBundle, "render.area", "area", "3301")},
	})

	// A grant lets Per see Kari's map, from the cache too; a revocation
	// refuses him again, cached or not.
	e.doAs(admin, &command.GrantAccess{MapID: m, Principal: per.Subject})
	reads.Run(t, []accesstest.Case{
		{Name: "granted coordinator asks for the map's picture", Token: tok(per), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 200, Audit: allowed(per, "COC", "render.map", "map", m), Check: shows("Bjørnstad")},
	})
	e.doAs(admin, &command.RevokeAccess{MapID: m, Principal: per.Subject})
	reads.Run(t, []accesstest.Case{
		{Name: "revoked coordinator asks for the map's picture", Token: tok(per), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 403, Audit: denied(per, "render.map", "map", m)},
		{Name: "the opener still gets it", Token: tok(kari), Subject: "samspill.render.map", Body: mapQ, URL: mapURL,
			Status: 200, Audit: allowed(kari, "COC", "render.map", "map", m), Check: shows("Bjørnstad")},
	})
}

// TestBootRefusesWithoutAudit: a render service that cannot audit does
// not start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := picture.Boot(context.Background(), e.conn(), picture.Options{MasterKey: master, Engine: engine(t), Verifier: signer(t).Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	keys, err := seal.OpenKeyring(context.Background(), e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := picture.New(context.Background(), e.js, e.log, picture.Config{Engine: engine(t), Keys: keys}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("New without Audit: %v", err)
	}
}
