package gaps_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/measures"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// --- region builder --------------------------------------------------------

// The sectors the region tests use.
const (
	ph   = stakeholder.SectorPrimaryHealth
	mmh  = stakeholder.SectorMunicipalMHSU
	smh  = stakeholder.SectorSpecialistMH
	ssu  = stakeholder.SectorSpecialistSU
	nav  = stakeholder.SectorWelfareWork
	home = stakeholder.SectorHousing
	uo   = stakeholder.SectorUserOrg
	gov  = stakeholder.SectorGovernance
)

// muni is the municipality of every built region; scope is its gap scope.
const (
	muni  = "0301"
	scope = "system/" + muni
)

// region builds a bundle of one municipality at T: a directory, an
// organisation map (agreements, forums) and citizen maps. Directory entries
// are named "Org <id>" (organisations may be named in explanations); the
// actors of citizen maps are named "NAME <id>", so a test can check that no
// explanation names them.
type region struct{ b *mapdoc.Bundle }

func newRegion() *region {
	return &region{&mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Directory: []mapdoc.Entry{}, Maps: []mapdoc.Document{},
		OrganisationMap: &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "0d8f3a52-7c1e-4b6a-8e2f-91a4c5d6e7f8", AsOf: T,
			Focus: mapdoc.Focus{Kind: stakeholder.FocusMunicipality, Label: "Grorud", Municipality: muni}}}}
}

// org adds directory entries of one sector in the municipality.
func (r *region) org(s stakeholder.Sector, ids ...string) *region {
	for _, id := range ids {
		kind := stakeholder.EntryService
		if s == gov || s == uo {
			kind = stakeholder.EntryOrganisation
		}
		r.b.Directory = append(r.b.Directory, mapdoc.Entry{ID: id, Name: "Org " + id, Sector: s, Kind: kind, Municipality: muni})
	}
	return r
}

func (r *region) entry(id string) mapdoc.Entry {
	for _, e := range r.b.Directory {
		if e.ID == id {
			return e
		}
	}
	panic("no directory entry " + id)
}

// actorKind is the actor kind of a directory entry.
func actorKind(e mapdoc.Entry) stakeholder.Kind {
	if e.Kind == stakeholder.EntryOrganisation {
		return stakeholder.KindOrganisation
	}
	return stakeholder.KindService
}

// onMap adds directory entries to the organisation map (same ids).
func (r *region) onMap(ids ...string) {
	om := r.b.OrganisationMap
	for _, id := range ids {
		if om.Actor(id) == nil {
			e := r.entry(id)
			om.Actors = append(om.Actors, mapdoc.Actor{ID: id, Kind: actorKind(e), Sector: e.Sector, Level: stakeholder.LevelSystem, Name: e.Name, Directory: id})
		}
	}
}

func (r *region) omRel(id string) *mapdoc.Relation {
	for i, rel := range r.b.OrganisationMap.Relations {
		if rel.ID == id {
			return &r.b.OrganisationMap.Relations[i]
		}
	}
	panic("no relation " + id + " on the organisation map")
}

// agreement adds an active agreement "ag-a-b", begun 400 days ago.
func (r *region) agreement(a, b string) *region {
	r.onMap(a, b)
	r.b.OrganisationMap.Relations = append(r.b.OrganisationMap.Relations, mapdoc.Relation{ID: "ag-" + a + "-" + b, From: a, To: b,
		Type: stakeholder.RelAgreement, ValidFrom: ago(400), Formalised: true})
	return r
}

// agreements adds an agreement for each pair a, b, c, d … of ids.
func (r *region) agreements(ids ...string) *region {
	for i := 0; i+1 < len(ids); i += 2 {
		r.agreement(ids[i], ids[i+1])
	}
	return r
}

// endAgreement ends agreement "ag-a-b" n days ago.
func (r *region) endAgreement(a, b string, n int) *region {
	r.omRel("ag-" + a + "-" + b).ValidTo = ago(n)
	return r
}

// forum adds members to the system-level forum f (created if new).
func (r *region) forum(f string, members ...string) *region {
	om := r.b.OrganisationMap
	if om.Actor(f) == nil {
		om.Actors = append(om.Actors, mapdoc.Actor{ID: f, Kind: stakeholder.KindForum, Sector: gov, Level: stakeholder.LevelSystem, Name: "Forum " + f})
	}
	r.onMap(members...)
	for _, m := range members {
		om.Relations = append(om.Relations, mapdoc.Relation{ID: "mf-" + m + "-" + f, From: m, To: f, Type: stakeholder.RelMemberOf, ValidFrom: ago(300)})
	}
	return r
}

// leave ends member's membership of forum f n days ago.
func (r *region) leave(member, f string, n int) *region {
	r.omRel("mf-" + member + "-" + f).ValidTo = ago(n)
	return r
}

// cm is a citizen map of a region.
type cm struct {
	*mb
	reg *region
}

func mapID(i int) string { return fmt.Sprintf("5b0c6f9e-0000-4000-8000-%012d", i) }

// citizens adds n citizen maps around a person "c"; build (if not nil)
// shapes map i of the n.
func (r *region) citizens(n int, build func(i int, m cm)) *region {
	for i := range n {
		m := newMap()
		m.d.ID = mapID(len(r.b.Maps))
		if build != nil {
			build(i, cm{m, r})
		}
		r.b.Maps = append(r.b.Maps, *m.d)
	}
	return r
}

// goodCitizens adds n copies of the well-coordinated map of gaps_test.go
// (no P-gaps), whose GP and DPS stand for directory entries "gp" and
// "dps".
func (r *region) goodCitizens(n int, build func(i int, m cm)) *region {
	for i := range n {
		m := good()
		m.d.ID = mapID(len(r.b.Maps))
		m.d.Actor("gp").Directory = "gp"
		m.d.Actor("dps").Directory = "dps"
		if build != nil {
			build(i, cm{m, r})
		}
		r.b.Maps = append(r.b.Maps, *m.d)
	}
	return r
}

// cit returns citizen map i for changes.
func (r *region) cit(i int) cm { return cm{&mb{&r.b.Maps[i]}, r} }

// with puts directory entries on the map without a relation to the person.
func (m cm) with(ids ...string) cm {
	for _, id := range ids {
		if m.d.Actor(id) == nil {
			e := m.reg.entry(id)
			m.d.Actors = append(m.d.Actors, mapdoc.Actor{ID: id, Kind: actorKind(e), Sector: e.Sector, Level: stakeholder.LevelService, Name: "NAME " + id, Directory: id})
		}
	}
	return m
}

// serve makes directory entries services of the person: serving since 200
// days, last contact 10 days ago.
func (m cm) serve(ids ...string) cm {
	m.with(ids...)
	for _, id := range ids {
		m.serves(id, 200, 10)
	}
	return m
}

// collab adds a collaboration between a and b, last contact 10 days ago.
func (m cm) collab(a, b string) cm {
	m.rel("col-"+a+"-"+b, a, b, stakeholder.RelCollaborates, 200, 10)
	return m
}

// refer adds a referral from a to b, last contact the given days ago.
func (m cm) refer(a, b string, contact int) cm {
	m.rel("ref-"+a+"-"+b, a, b, stakeholder.RelRefers, 200, contact)
	return m
}

// inform adds information from a to b, last contact 10 days ago.
func (m cm) inform(a, b string) cm {
	m.rel("inf-"+a+"-"+b, a, b, stakeholder.RelInforms, 200, 10)
	return m
}

// --- evaluation helpers ----------------------------------------------------

// validBundle writes the bundle and reads it back through mapdoc, as
// samspill analyse would, so that every test bundle is valid.
func validBundle(t *testing.T, b *mapdoc.Bundle) *mapdoc.Bundle {
	t.Helper()
	_, bd := reparse(t, mapdoc.CanonicalBundle(b))
	return bd
}

func evalSystem(t *testing.T, r *region, cfg gaps.SystemConfig) *gaps.SystemResult {
	t.Helper()
	b := validBundle(t, r.b)
	res, err := gaps.System(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSystem(t, b, res, cfg.K)
	return res
}

// checkSystem checks what holds of every system result: each gap's rule,
// actors (directory entries, sorted), id, severity, next step, source and
// explanations (both languages, naming no person, naming the
// organisations of the rules about organisations), the order of the
// gaps, and that no figure about 1 to k−1 citizens is shown.
func checkSystem(t *testing.T, b *mapdoc.Bundle, res *gaps.SystemResult, k int) {
	t.Helper()
	rules := map[string]gaps.Rule{}
	for _, r := range gaps.SystemRules() {
		rules[r.ID] = r
	}
	dir := map[string]mapdoc.Entry{}
	for _, e := range b.Directory {
		dir[e.ID] = e
	}
	seen := map[string]bool{}
	for _, g := range res.Gaps {
		r, ok := rules[g.Rule]
		if !ok {
			t.Errorf("unknown system rule %q", g.Rule)
			continue
		}
		if g.Actors == nil || !slices.IsSorted(g.Actors) {
			t.Errorf("%s: actors %v nil or not sorted", g.Rule, g.Actors)
		}
		for _, a := range g.Actors {
			if _, ok := dir[a]; !ok {
				t.Errorf("%s: actor %q is no directory entry", g.Rule, a)
			}
		}
		if len(g.ID) != 16 || seen[g.ID] {
			t.Errorf("%s %v: id %q malformed or repeated", g.Rule, g.Actors, g.ID)
		}
		seen[g.ID] = true
		if g.Severity != r.Severity || g.Next != r.Next || g.Source != r.Source {
			t.Errorf("%s: severity, next or source differ from SystemRules()", g.Rule)
		}
		for _, s := range []string{g.Explanation.EN, g.Explanation.NB} {
			if s == "" || strings.Contains(s, "NAME") || strings.Contains(s, "%!") {
				t.Errorf("%s: bad explanation %q", g.Rule, s)
				continue
			}
			if first := []rune(s)[0]; first != []rune(strings.ToUpper(string(first)))[0] {
				t.Errorf("%s: explanation %q does not start with a capital", g.Rule, s)
			}
		}
		if g.Explanation.EN == g.Explanation.NB {
			t.Errorf("%s: the explanation is not translated: %q", g.Rule, g.Explanation.EN)
		}
		switch g.Rule {
		case "S1", "S4", "S5", "S7", "S8", "S10": // about named organisations
			if g.ID != gaps.GapID(res.Area.Scope, g.Rule, g.Actors) {
				t.Errorf("%s %v: id is not GapID(scope, rule, actors)", g.Rule, g.Actors)
			}
			for _, a := range g.Actors {
				if !strings.Contains(g.Explanation.EN, dir[a].Name) || !strings.Contains(g.Explanation.NB, dir[a].Name) {
					t.Errorf("%s: explanation does not name %s: %q", g.Rule, dir[a].Name, g.Explanation.EN)
				}
			}
		}
		for _, key := range []string{"shared", "collaborating", "flowsThere", "flowsBack", "maps", "withGap"} {
			if n, ok := g.Details[key].(int); ok && n > 0 && n < k {
				t.Errorf("%s: details show %s = %d, a figure about fewer than %d citizens", g.Rule, key, n, k)
			}
		}
	}
	if !slices.IsSortedFunc(res.Gaps, func(a, b gaps.Gap) int {
		if d := ruleNum(a.Rule) - ruleNum(b.Rule); d != 0 {
			return d
		}
		return slices.Compare(a.Actors, b.Actors)
	}) {
		t.Errorf("system gaps not sorted by rule, then actors: %v", sysKeys(res.Gaps))
	}
	checkSuppressed(t, res, k)
}

// checkSuppressed checks that the area and the prevalence table show no
// count of 1 to k−1 citizens or maps, and that every suppressed cell is
// flagged.
func checkSuppressed(t *testing.T, res *gaps.SystemResult, k int) {
	t.Helper()
	small := func(n int) bool { return n > 0 && n < k }
	for _, o := range res.Area.Organisations {
		if small(o.Citizens) || (o.Suppressed && o.Citizens != 0) {
			t.Errorf("organisation %s: citizens %d (suppressed %v)", o.ID, o.Citizens, o.Suppressed)
		}
	}
	for _, p := range res.Area.Pairs {
		if small(p.Shared) || small(p.Collaborating) || small(p.FlowsAB) || small(p.FlowsBA) {
			t.Errorf("pair %s–%s shows a count under %d: %+v", p.A, p.B, k, p)
		}
		if (p.Suppressed && (p.Shared != 0 || p.Collaborating != 0)) ||
			(p.CollaboratingSuppressed && p.Collaborating != 0) ||
			(p.FlowsSuppressed && (p.FlowsAB != 0 || p.FlowsBA != 0)) ||
			(p.FlowsABSuppressed && p.FlowsAB != 0) || (p.FlowsBASuppressed && p.FlowsBA != 0) {
			t.Errorf("pair %s–%s: a suppressed cell is not 0: %+v", p.A, p.B, p)
		}
		if p.Collaborating > p.Shared {
			t.Errorf("pair %s–%s: more collaborating than shared: %+v", p.A, p.B, p)
		}
	}
	for _, row := range res.Prevalence {
		if row.Maps < k || small(row.WithGap) || (row.Suppressed && (row.WithGap != 0 || row.Share != 0)) {
			t.Errorf("prevalence row shows a count under %d: %+v", k, row)
		}
	}
}

// sysKey is "S1 a,b" for a gap, "S9 <municipality>/<rule>" for S9.
func sysKey(g gaps.Gap) string {
	if g.Rule == "S9" {
		return fmt.Sprintf("S9 %v/%v", g.Details["municipality"], g.Details["rule"])
	}
	return g.Rule + " " + strings.Join(g.Actors, ",")
}

func sysKeys(gs []gaps.Gap) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, sysKey(g))
	}
	return out
}

// ofRule returns the gaps of one rule.
func ofRule(gs []gaps.Gap, rule string) []gaps.Gap {
	var out []gaps.Gap
	for _, g := range gs {
		if g.Rule == rule {
			out = append(out, g)
		}
	}
	return out
}

// wantDetails checks the given figures of g's details (floats to 1e-9)
// and that the absent keys are missing.
func wantDetails(t *testing.T, g gaps.Gap, want map[string]any, absent ...string) {
	t.Helper()
	for k, v := range want {
		got, ok := g.Details[k]
		if f, isFloat := v.(float64); isFloat {
			gf, gotFloat := got.(float64)
			if !ok || !gotFloat || math.Abs(gf-f) > 1e-9 {
				t.Errorf("%s details[%q] = %#v, want %v", g.Rule, k, got, f)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s details[%q] = %#v, want %#v", g.Rule, k, got, v)
		}
	}
	for _, k := range absent {
		if v, ok := g.Details[k]; ok {
			t.Errorf("%s details[%q] = %#v, want it absent", g.Rule, k, v)
		}
	}
}

// wantText checks that the explanation holds en and nb.
func wantText(t *testing.T, g gaps.Gap, en, nb string) {
	t.Helper()
	if !strings.Contains(g.Explanation.EN, en) {
		t.Errorf("%s: explanation %q lacks %q", g.Rule, g.Explanation.EN, en)
	}
	if !strings.Contains(g.Explanation.NB, nb) {
		t.Errorf("%s: explanation %q lacks %q", g.Rule, g.Explanation.NB, nb)
	}
}

// wantID checks that g's id is GapID of the region's scope, its rule and
// the keys it is about.
func wantID(t *testing.T, g gaps.Gap, keys ...string) {
	t.Helper()
	if want := gaps.GapID(scope, g.Rule, keys); g.ID != want {
		t.Errorf("%s: id %s, want GapID(%q, %q, %q) = %s", g.Rule, g.ID, scope, g.Rule, keys, want)
	}
}

// --- the rules -------------------------------------------------------------

// sysStep is one change to a region and the rule's gaps after it.
type sysStep struct {
	what   string
	change func(r *region)
	want   []string
	check  func(t *testing.T, gs []gaps.Gap)
}

// sysCase builds a region where rule fires (or, for a near miss, just
// does not); want is the list of the rule's gaps (sysKey). The steps are
// applied in turn: unrelated changes keep the gap and its id, the next
// step closes it, and a gap that reopens has its old id.
type sysCase struct {
	rule, name string
	cfg        func(c *gaps.SystemConfig)
	build      func(r *region)
	want       []string
	check      func(t *testing.T, gs []gaps.Gap)
	steps      []sysStep
}

func sysCases() []sysCase {
	// shared: n citizens served by a and b, collaborating on the first c.
	shared := func(n, c int, a, b string) func(r *region) {
		return func(r *region) {
			r.citizens(n, func(i int, m cm) {
				m.serve(a, b)
				if i < c {
					m.collab(a, b)
				}
			})
		}
	}
	// flows: n citizens served by gp and dps, the GP referring to the DPS
	// on every map and the DPS informing back on the first back.
	flows := func(n, back int) func(r *region) {
		return func(r *region) {
			r.org(ph, "gp").org(smh, "dps")
			r.citizens(n, func(i int, m cm) {
				m.serve("gp", "dps").refer("gp", "dps", 10)
				if i < back {
					m.inform("dps", "gp")
				}
			})
		}
	}
	then := func(fs ...func(r *region)) func(r *region) {
		return func(r *region) {
			for _, f := range fs {
				f(r)
			}
		}
	}
	orgs := func(s stakeholder.Sector, ids ...string) func(r *region) {
		return func(r *region) { r.org(s, ids...) }
	}
	agree := func(ids ...string) func(r *region) {
		return func(r *region) { r.agreements(ids...) }
	}
	// star: kmh in the middle of an organisation of each other group.
	star := then(orgs(mmh, "kmh"), orgs(smh, "dps"), orgs(nav, "nav"), orgs(home, "bolig"), orgs(uo, "mh"),
		agree("kmh", "dps", "kmh", "nav", "kmh", "bolig", "kmh", "mh"))
	one := func(t *testing.T, gs []gaps.Gap) gaps.Gap {
		t.Helper()
		if len(gs) == 0 {
			t.Fatal("no gap")
		}
		return gs[0]
	}

	return []sysCase{
		// S1
		{rule: "S1", name: "12 shared citizens, a working tie on 5 of their maps (42 %)",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(12, 5, "gp", "dps")),
			want:  []string{"S1 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"shared": 12, "collaborating": 5}, "collaboratingSuppressed")
				wantText(t, g, "Org dps and Org gp serve 12 of the same citizens; 5 of those maps record a working tie between them (the rule asks for 50 %).",
					"Org dps og Org gp gir tjenester til 12 av de samme innbyggerne; 5 av disse kartene viser en arbeidsrelasjon mellom dem (regelen krever 50 %).")
				if g.Severity != gaps.SeverityMedium {
					t.Errorf("severity %s", g.Severity)
				}
			},
			steps: []sysStep{
				{what: "unrelated: five more citizens served by the GP alone",
					change: func(r *region) { r.citizens(5, func(_ int, m cm) { m.serve("gp") }) }, want: []string{"S1 dps,gp"}},
				{what: "a working tie recorded on a sixth map (exactly 50 %)",
					change: func(r *region) { r.cit(5).collab("gp", "dps") }},
				{what: "that collaboration ended yesterday", change: func(r *region) { r.cit(5).end("col-gp-dps", 1) },
					want: []string{"S1 dps,gp"}},
			}},
		{rule: "S1", name: "a working tie on 4 of 12 maps is shown as fewer than 5",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(12, 4, "gp", "dps")),
			want:  []string{"S1 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"shared": 12, "collaboratingSuppressed": true}, "collaborating")
				wantText(t, g, "12 of the same citizens; fewer than 5 of those maps", "12 av de samme innbyggerne; færre enn 5 av disse kartene")
			}},
		{rule: "S1", name: "near miss: exactly 50 % collaborating (5 of 10)",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(10, 5, "gp", "dps"))},
		{rule: "S1", name: "near miss: 4 shared citizens and no collaboration (under k)",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(4, 0, "gp", "dps"))},
		{rule: "S1", name: "near miss: CollaborationShareMin 0.4 and 5 of 12 (42 %)",
			cfg:   func(c *gaps.SystemConfig) { c.CollaborationShareMin = 0.4 },
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(12, 5, "gp", "dps"))},

		// S2: primary care (two GP offices and the municipal MH/SU service,
		// tied among themselves) with one tie out, to the DPS.
		{rule: "S2", name: "primary care keeps to itself: E-I −0.50, expected 0.33",
			build: then(orgs(ph, "gp1", "gp2"), orgs(mmh, "kmh"), orgs(smh, "dps"), orgs(nav, "nav"),
				agree("gp1", "gp2", "gp1", "kmh", "gp2", "kmh", "kmh", "dps")),
			want: []string{"S2 gp1,gp2,kmh"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"group": "primary-care", "eiIndex": -0.5, "eiExpected": 1.0 / 3, "organisations": 3})
				wantText(t, g, "The organisations of primary care and the municipal health and care services (3 in the area) have relatively more ties among themselves than to other sectors: their E-I index is -0.50, below the 0.33 expected",
					"E-I-indeksen er -0,50, lavere enn 0,33")
				wantID(t, g, "group:primary-care")
			},
			steps: []sysStep{
				{what: "a third GP office joins, tied to the first: the same gap", change: then(orgs(ph, "gp3"), agree("gp3", "gp1")),
					want: []string{"S2 gp1,gp2,gp3,kmh"},
					check: func(t *testing.T, gs []gaps.Gap) {
						wantID(t, one(t, gs), "group:primary-care") // the id stays while the members change
					}},
				{what: "ties out: agreements with the DPS and NAV (E-I 0.11, expected 0.14)",
					change: agree("gp1", "dps", "gp2", "nav", "gp3", "dps", "kmh", "nav")},
			}},
		{rule: "S2", name: "ties from collaboration on k maps count as agreements do",
			build: then(orgs(ph, "gp1", "gp2"), orgs(mmh, "kmh"), orgs(smh, "dps"), orgs(nav, "nav"),
				shared(5, 5, "gp1", "gp2"), shared(5, 5, "gp1", "kmh"), shared(5, 5, "gp2", "kmh"), shared(5, 5, "kmh", "dps")),
			want: []string{"S2 gp1,gp2,kmh"},
			steps: []sysStep{
				{what: "the collaboration between the GP office and the DPS reaches 5 maps, and with NAV",
					change: then(shared(5, 5, "gp1", "dps"), shared(5, 5, "gp2", "nav"), shared(5, 5, "kmh", "nav"), shared(5, 5, "gp1", "nav"))},
			}},
		{rule: "S2", name: "near miss: E-I exactly the margin below expected (0.50, 0.60)",
			build: then(orgs(ph, "gp1", "gp2"), orgs(smh, "dps"), orgs(nav, "nav"),
				agree("gp1", "gp2", "gp1", "dps", "gp2", "dps", "gp1", "nav"))},
		{rule: "S2", name: "near miss: E-I exactly the margin below expected (0.70, 0.80), where 0.80 − 0.10 rounds up",
			build: then(orgs(ph, "gp1", "gp2", "gp3"), orgs(smh, "dps1", "dps2", "dps3"), orgs(nav, "nav1", "nav2", "nav3"), orgs(home, "bo1", "bo2", "bo3"),
				agree("gp1", "gp2", "gp1", "gp3", "gp2", "gp3",
					"gp1", "dps1", "gp1", "dps2", "gp1", "dps3", "gp1", "nav1", "gp1", "nav2", "gp1", "nav3", "gp1", "bo1", "gp1", "bo2", "gp1", "bo3",
					"gp2", "dps1", "gp2", "dps2", "gp2", "dps3", "gp2", "nav1", "gp2", "nav2", "gp2", "nav3", "gp2", "bo1", "gp2", "bo2"))},
		{rule: "S2", name: "two GP offices tied only to each other",
			build: then(orgs(ph, "gp1", "gp2"), orgs(smh, "dps"), orgs(nav, "nav"), agree("gp1", "gp2", "dps", "nav")),
			want:  []string{"S2 gp1,gp2"}},
		{rule: "S2", name: "near miss: the same with SectorMinOrganisations 3",
			cfg:   func(c *gaps.SystemConfig) { c.SectorMinOrganisations = 3 },
			build: then(orgs(ph, "gp1", "gp2"), orgs(smh, "dps"), orgs(nav, "nav"), agree("gp1", "gp2", "dps", "nav"))},

		// S3: the area's GP office and DPS share 10 citizens and
		// collaborate on 4 of their maps; the other required pairs are
		// tied by agreements (municipal services–TSB has no organisation on
		// either side and is not judged).
		{rule: "S3", name: "primary care and psychiatry: collaboration on 4 maps, no agreement",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), orgs(home, "bolig"), orgs(uo, "mh"),
				agree("dps", "nav", "dps", "bolig", "mh", "gp"), shared(10, 4, "gp", "dps")),
			want: []string{"S3 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"pair": "primary care and psychiatry", "organisationsA": 1, "organisationsB": 1, "density": 0})
				wantText(t, g, "No organisation of primary care and psychiatry is tied to another across the pair (1 and 1 organisations): none collaborates with the other side on at least 5 citizens' maps, and there is no agreement.",
					"Ingen virksomhet i primærhelsetjenesten og psykisk helsevern/TSB har en forbindelse over")
				wantID(t, g, "pair:primary care and psychiatry")
				if g.Severity != gaps.SeverityHigh {
					t.Errorf("severity %s", g.Severity)
				}
			},
			steps: []sysStep{
				{what: "a TSB joins the area: psychiatry has two organisations, and municipal services–TSB one side",
					change: orgs(ssu, "tsb"), want: []string{"S3 dps,gp,tsb", "S3 tsb"},
					check: func(t *testing.T, gs []gaps.Gap) {
						wantID(t, gs[0], "pair:primary care and psychiatry") // the id stays while the members change
						wantText(t, gs[1], "The area has no organisation on one side of municipal services and specialised substance-use treatment",
							"Området har ingen virksomhet på den ene siden av kommunale tjenester og TSB")
						wantDetails(t, gs[1], map[string]any{"organisationsA": 0, "organisationsB": 1})
					}},
				{what: "collaboration recorded on a fifth map: a tie", change: func(r *region) { r.cit(4).collab("gp", "dps") },
					want: []string{"S3 tsb"}},
			}},
		{rule: "S3", name: "near miss: collaboration on exactly TieCitizens (5) maps",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), orgs(home, "bolig"), orgs(uo, "mh"),
				agree("dps", "nav", "dps", "bolig", "mh", "gp"), shared(10, 5, "gp", "dps"))},
		{rule: "S3", name: "an agreement with a governing body ties no sector pair",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), orgs(home, "bolig"), orgs(uo, "mh"), orgs(gov, "kommune"),
				agree("dps", "nav", "dps", "bolig", "mh", "gp", "kommune", "gp", "kommune", "dps")),
			want: []string{"S3 dps,gp"},
			steps: []sysStep{
				{what: "an agreement between the GP office and the DPS", change: agree("gp", "dps")},
			}},

		// S4
		{rule: "S4", name: "the DPS is the only link between primary care and NAV",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), agree("gp", "dps", "dps", "nav")),
			want:  []string{"S4 dps"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"lost": []string{"nav–primary-care"}})
				wantText(t, g, "Org dps is the only connection between NAV and the social services on one side and primary care and the municipal health and care services on the other.",
					"Org dps er eneste forbindelse mellom NAV og sosialtjenesten på den ene siden og primærhelsetjenesten")
			},
			steps: []sysStep{
				{what: "unrelated: the GP office joins a forum", change: func(r *region) { r.forum("council", "gp") }, want: []string{"S4 dps"}},
				{what: "an agreement between the GP office and NAV: a second path", change: agree("gp", "nav")},
				{what: "that agreement ended", change: func(r *region) { r.endAgreement("gp", "nav", 3) }, want: []string{"S4 dps"}},
			}},
		{rule: "S4", name: "a bridge: the tie between the GP office and the DPS",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), agree("gp", "dps")),
			want:  []string{"S4 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"lost": []string{"primary-care–psychiatry"}})
				wantText(t, g, "The tie between Org dps and Org gp is the only connection between primary care", "Forbindelsen mellom Org dps og Org gp er eneste forbindelse")
			},
			steps: []sysStep{
				{what: "a municipal service tied to both", change: then(orgs(mmh, "kmh"), agree("kmh", "gp", "kmh", "dps"))},
			}},
		{rule: "S4", name: "near miss: a cut vertex inside one sector group",
			build: then(orgs(ph, "gp1", "gp2", "gp3"), agree("gp1", "gp2", "gp2", "gp3"))},
		{rule: "S4", name: "near miss: three sectors in a triangle",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), agree("gp", "dps", "dps", "nav", "gp", "nav"))},

		// S5
		{rule: "S5", name: "the municipal service brokers all 12 paths between four groups",
			build: star,
			want:  []string{"S5 kmh"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"brokered": 12, "total": 12, "share": 1.0})
				wantText(t, g, "Org kmh brokers 100 % of the area's liaison and gatekeeper paths (12 of 12)", "Org kmh megler 100 % av områdets")
			},
			steps: []sysStep{
				{what: "unrelated: a GP office with no ties", change: orgs(ph, "gp"), want: []string{"S5 kmh"}},
				{what: "the organisations around it tie directly (4 of 12 paths left to it)",
					change: agree("dps", "nav", "nav", "bolig", "bolig", "mh", "mh", "dps")},
			}},
		{rule: "S5", name: "near miss: two equal brokers, 50 % each",
			build: then(star, orgs(ssu, "tsb"), orgs(ph, "gp"), orgs(nav, "nav2"), orgs(home, "bolig2"), orgs(uo, "mh2"),
				agree("tsb", "gp", "tsb", "nav2", "tsb", "bolig2", "tsb", "mh2"))},
		{rule: "S5", name: "near miss: fewer than BrokerageMinPaths (6 paths)",
			build: then(orgs(mmh, "kmh"), orgs(smh, "dps"), orgs(nav, "nav"), orgs(home, "bolig"),
				agree("kmh", "dps", "kmh", "nav", "kmh", "bolig"))},

		// S6
		{rule: "S6", name: "two GP offices tied only to each other",
			build: then(orgs(ph, "gp1", "gp2"), orgs(smh, "dps"), orgs(nav, "nav"), agree("gp1", "gp2", "dps", "nav")),
			want:  []string{"S6 gp1,gp2"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"group": "primary-care", "organisations": 2})
				wantText(t, g, "None of the 2 organisations of primary care and the municipal health and care services links the group to the others",
					"Ingen av de 2 virksomhetene i primærhelsetjenesten")
				wantID(t, g, "group:primary-care")
			},
			steps: []sysStep{
				{what: "unrelated: NAV joins a forum", change: func(r *region) { r.forum("council", "nav") }, want: []string{"S6 gp1,gp2"}},
				{what: "the second GP office ties to the DPS: it represents the group", change: agree("gp2", "dps")},
			}},
		{rule: "S6", name: "near miss: a group of one organisation",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), orgs(nav, "nav"), agree("dps", "nav"))},

		// S7
		{rule: "S7", name: "a user organisation with no tie and no forum",
			build: then(orgs(uo, "mh"), orgs(mmh, "kmh"), orgs(ph, "gp"), agree("kmh", "gp")),
			want:  []string{"S7 mh"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"ties": 0, "forums": 0})
				wantText(t, g, "Org mh has no tie to any other organisation and sits in no system-level forum.",
					"Org mh har ingen forbindelse til andre virksomheter og sitter ikke i noe forum på systemnivå.")
			},
			steps: []sysStep{
				{what: "it joins the council", change: func(r *region) { r.forum("council", "mh", "kmh") }, want: []string{"S7 mh"},
					check: func(t *testing.T, gs []gaps.Gap) {
						wantText(t, gs[0], "Org mh has no tie to any other organisation.", "Org mh har ingen forbindelse til andre virksomheter.")
						wantDetails(t, gs[0], map[string]any{"ties": 0, "forums": 1})
					}},
				{what: "an agreement with the municipal service", change: agree("mh", "kmh")},
				{what: "it leaves the council", change: func(r *region) { r.leave("mh", "council", 5) }, want: []string{"S7 mh"},
					check: func(t *testing.T, gs []gaps.Gap) {
						wantText(t, gs[0], "Org mh sits in no system-level forum of the area.", "Org mh sitter ikke i noe forum på systemnivå i området.")
						wantDetails(t, gs[0], map[string]any{"ties": 1, "forums": 0})
					}},
			}},
		{rule: "S7", name: "near miss: tied by collaboration on 5 maps, and in a forum",
			build: then(orgs(uo, "mh"), orgs(mmh, "kmh"), shared(5, 5, "mh", "kmh"), func(r *region) { r.forum("council", "mh") })},
		{rule: "S7", name: "near miss: without an organisation map, forums are not judged",
			build: then(orgs(uo, "mh"), orgs(mmh, "kmh"), shared(5, 5, "mh", "kmh"), func(r *region) { r.b.OrganisationMap = nil })},
		{rule: "S7", name: "an agreement with a governing body is no tie",
			build: then(orgs(uo, "mh"), orgs(gov, "kommune"), agree("mh", "kommune"), func(r *region) { r.forum("council", "mh") }),
			want:  []string{"S7 mh"}},

		// S8
		{rule: "S8", name: "a GP office and a DPS share 5 citizens and no agreement",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(5, 5, "gp", "dps")),
			want:  []string{"S8 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"shared": 5, "pair": "primary care and psychiatry"}, "ended")
				wantText(t, g, "Org dps and Org gp share 5 citizens, and there is no agreement between primary care and psychiatry in the area.",
					"Org dps og Org gp deler 5 innbyggere, og det finnes ingen avtale mellom primærhelsetjenesten og psykisk helsevern/TSB i området.")
			},
			steps: []sysStep{
				{what: "an agreement between them", change: agree("gp", "dps")},
				{what: "the agreement ended 10 days ago", change: func(r *region) { r.endAgreement("gp", "dps", 10) }, want: []string{"S8 dps,gp"},
					check: func(t *testing.T, gs []gaps.Gap) {
						wantDetails(t, gs[0], map[string]any{"shared": 5, "ended": ago(10).String()})
						wantText(t, gs[0], "the last agreement between primary care and psychiatry in the area ended on "+ago(10).String()+".",
							"den siste avtalen mellom primærhelsetjenesten og psykisk helsevern/TSB i området opphørte "+ago(10).String()+".")
					}},
				{what: "a new agreement between another GP office and the DPS covers the pair", change: then(orgs(ph, "gp2"), agree("gp2", "dps"))},
			}},
		{rule: "S8", name: "near miss: an agreement between other organisations of the same sector pair",
			build: then(orgs(ph, "gp", "gp2"), orgs(smh, "dps"), orgs(ssu, "tsb"), shared(5, 5, "gp", "dps"), agree("gp2", "tsb"))},
		{rule: "S8", name: "near miss: 4 shared citizens (under k)",
			build: then(orgs(ph, "gp"), orgs(smh, "dps"), shared(4, 4, "gp", "dps"))},
		{rule: "S8", name: "municipal MH/SU and TSB: primary care–psychiatry covered, municipal services–TSB not",
			build: then(orgs(ph, "gp"), orgs(mmh, "kmh"), orgs(smh, "dps"), orgs(ssu, "tsb"), agree("gp", "dps"), shared(6, 6, "kmh", "tsb")),
			want:  []string{"S8 kmh,tsb"},
			check: func(t *testing.T, gs []gaps.Gap) {
				wantDetails(t, gs[0], map[string]any{"shared": 6, "pair": "municipal services and specialised substance-use treatment"})
			}},

		// S9: copies of the well-coordinated map, some with the GP relation
		// ended (P7, no GP).
		{rule: "S9", name: "5 of 10 maps have no GP (50 %)",
			build: func(r *region) {
				r.org(ph, "gp").org(smh, "dps").goodCitizens(10, func(i int, m cm) {
					if i < 5 {
						m.end("s-gp", 20)
					}
				})
			},
			want: []string{"S9 0301/P7"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"municipality": muni, "rule": "P7", "maps": 10, "withGap": 5, "share": 0.5})
				wantText(t, g, "5 of the 10 citizen maps of municipality 0301 (50 %) have gap P7, no GP.", "5 av de 10 innbyggerkartene i kommune 0301 (50 %) har avvik P7")
				wantID(t, g, "municipality:0301", "P7")
				if len(g.Actors) != 0 {
					t.Errorf("actors %v, want none", g.Actors)
				}
			},
			steps: []sysStep{
				{what: "unrelated: a strained collaboration on another map (P14)", change: func(r *region) {
					r.cit(7).r("col").Quality = stakeholder.QualityStrained
				}, want: []string{"S9 0301/P7"}},
				{what: "a GP recorded on one of the five maps", change: func(r *region) {
					r.cit(0).rel("s-gp2", "gp", "c", stakeholder.RelServes, 0)
				}},
				{what: "and the GP relation of a sixth map ended", change: func(r *region) { r.cit(8).end("s-gp", 1) }, want: []string{"S9 0301/P7"}},
			}},
		{rule: "S9", name: "near miss: 4 of 8 maps (50 %, but under k)",
			build: func(r *region) {
				r.org(ph, "gp").org(smh, "dps").goodCitizens(8, func(i int, m cm) {
					if i < 4 {
						m.end("s-gp", 20)
					}
				})
			}},
		{rule: "S9", name: "near miss: 5 of 11 maps (45 %)",
			build: func(r *region) {
				r.org(ph, "gp").org(smh, "dps").goodCitizens(11, func(i int, m cm) {
					if i < 5 {
						m.end("s-gp", 20)
					}
				})
			}},

		// S10
		{rule: "S10", name: "20 maps with referrals to the DPS, 5 with information back (0.40)",
			build: flows(20, 5),
			want:  []string{"S10 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				wantDetails(t, g, map[string]any{"from": "gp", "to": "dps", "flowsThere": 20, "flowsBack": 5, "reciprocity": 0.4})
				wantText(t, g, "Referrals and information go from Org gp to Org dps on 20 citizens' maps, and back on 5: reciprocity 0.40, below 0.50.",
					"Henvisninger og informasjon går fra Org gp til Org dps på 20 innbyggeres kart, og tilbake på 5: gjensidighet 0,40, under 0,50.")
			},
			steps: []sysStep{
				{what: "unrelated: three more shared citizens without flows", change: func(r *region) {
					r.citizens(3, func(_ int, m cm) { m.serve("gp", "dps") })
				}, want: []string{"S10 dps,gp"}},
				{what: "the DPS informs back on two more maps (7 of 20: 0.52)", change: func(r *region) {
					r.cit(5).inform("dps", "gp")
					r.cit(6).inform("dps", "gp")
				}},
			}},
		{rule: "S10", name: "information back on 4 of 15 maps is shown as fewer than 5, without the exact reciprocity",
			build: flows(15, 4),
			want:  []string{"S10 dps,gp"},
			check: func(t *testing.T, gs []gaps.Gap) {
				g := one(t, gs)
				// 2·4/19 = 0.42 would give the 4 away.
				wantDetails(t, g, map[string]any{"flowsThere": 15, "flowsBackSuppressed": true}, "flowsBack", "reciprocity")
				wantText(t, g, "on 15 citizens' maps, and back on fewer than 5: reciprocity below 0.50.", "og tilbake på færre enn 5: gjensidighet under 0,50.")
				if strings.Contains(g.Explanation.EN, "0.42") {
					t.Errorf("the explanation gives the suppressed count away: %q", g.Explanation.EN)
				}
			}},
		{rule: "S10", name: "near miss: reciprocity exactly 0.5 (15 there, 5 back)", build: flows(15, 5)},
		{rule: "S10", name: "near miss: referrals on 4 maps only (under k)", build: flows(4, 0)},
	}
}

func TestSystemRules(t *testing.T) {
	covered := map[string][3]bool{} // fires, near miss, closed
	for _, c := range sysCases() {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			r := newRegion()
			c.build(r)
			cfg := gaps.DefaultSystemConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			ids := map[string]string{} // sysKey → id, over every evaluation
			run := func(what string, want []string) []gaps.Gap {
				t.Helper()
				gs := ofRule(evalSystem(t, r, cfg).Gaps, c.rule)
				if want == nil {
					want = []string{}
				}
				if got := sysKeys(gs); !slices.Equal(got, want) {
					t.Fatalf("%s: %s gaps %v, want %v", what, c.rule, got, want)
				}
				for _, g := range gs {
					k := sysKey(g)
					if id, ok := ids[k]; ok && id != g.ID {
						t.Errorf("%s: %s changed its id from %s to %s", what, k, id, g.ID)
					}
					ids[k] = g.ID
				}
				return gs
			}
			gs := run("built", c.want)
			cov := covered[c.rule]
			if len(gs) > 0 {
				cov[0] = true
			} else {
				cov[1] = true
			}
			if c.check != nil {
				c.check(t, gs)
			}
			open := len(gs) > 0
			for _, s := range c.steps {
				s.change(r)
				after := run(s.what, s.want)
				if s.check != nil {
					s.check(t, after)
				}
				if open && len(after) == 0 {
					cov[2] = true
				}
				open = len(after) > 0
			}
			covered[c.rule] = cov
		})
	}
	for _, r := range gaps.SystemRules() {
		if cov := covered[r.ID]; cov != [3]bool{true, true, true} {
			t.Errorf("%s: fires %v, near miss %v, closed %v: every rule needs all three", r.ID, cov[0], cov[1], cov[2])
		}
	}
}

// --- the area and k-suppression --------------------------------------------

// TestSystemSuppression: a pair sharing 4 citizens is not listed and no gap
// gives its count; counts of 1–4 collaborating maps, maps with flows and
// flows one way are left out and flagged; every left-out figure is
// counted in SuppressedCells.
func TestSystemSuppression(t *testing.T) {
	r := newRegion().org(ph, "gp").org(smh, "dps").org(nav, "nav").org(home, "bolig")
	r.citizens(10, func(i int, m cm) {
		m.serve("gp", "nav")
		if i < 4 { // the DPS shares 4 citizens with each, collaborating on all
			m.serve("dps").collab("gp", "dps").collab("dps", "nav")
		}
		if i < 3 { // the GP and NAV collaborate on 3 maps, and a stale referral on the same 3
			m.collab("gp", "nav").refer("gp", "nav", 200)
		}
		if i < 6 { // the housing service, not serving the person, gets referrals on 6 maps and informs back on 2
			m.with("bolig").refer("gp", "bolig", 10)
			if i < 2 {
				m.inform("bolig", "gp")
			}
		}
	})
	res := evalSystem(t, r, gaps.DefaultSystemConfig())
	a := res.Area

	wantOrgs := []gaps.AreaOrganisation{
		{ID: "bolig", Name: "Org bolig", Sector: home, Municipality: muni},
		{ID: "dps", Name: "Org dps", Sector: smh, Municipality: muni, Suppressed: true},
		{ID: "gp", Name: "Org gp", Sector: ph, Municipality: muni, Citizens: 10},
		{ID: "nav", Name: "Org nav", Sector: nav, Municipality: muni, Citizens: 10},
	}
	if !reflect.DeepEqual(a.Organisations, wantOrgs) {
		t.Errorf("organisations:\n got %+v\nwant %+v", a.Organisations, wantOrgs)
	}
	wantPairs := []gaps.AreaPair{
		{A: "bolig", B: "gp", FlowsABSuppressed: true, FlowsBA: 6},
		{A: "gp", B: "nav", Shared: 10, CollaboratingSuppressed: true, FlowsSuppressed: true},
	}
	if !reflect.DeepEqual(a.Pairs, wantPairs) {
		t.Errorf("pairs:\n got %+v\nwant %+v", a.Pairs, wantPairs)
	}
	// dps–gp and dps–nav shared, dps's caseload, gp–nav collaborating and
	// flows, bolig→gp.
	if a.SuppressedCells != 6 {
		t.Errorf("%d suppressed cells, want 6", a.SuppressedCells)
	}
	if a.K != 5 || a.CitizenMaps != 10 || a.Scope != scope || !reflect.DeepEqual(a.Municipalities, []string{muni}) || a.AsOf != T {
		t.Errorf("area: %+v", a)
	}
	for _, g := range res.Gaps {
		if slices.Contains(g.Actors, "dps") && g.Details["shared"] != nil {
			t.Errorf("%s gives the DPS's shared caseload: %+v", g.Rule, g)
		}
	}
	s1 := ofRule(res.Gaps, "S1")
	if got := sysKeys(s1); !slices.Equal(got, []string{"S1 gp,nav"}) {
		t.Fatalf("S1: %v", got)
	}
	wantDetails(t, s1[0], map[string]any{"shared": 10, "collaboratingSuppressed": true}, "collaborating")

	// A larger K suppresses more: with K = 11 nothing is shown.
	cfg := gaps.DefaultSystemConfig()
	cfg.K, cfg.TieCitizens = 11, 11
	res = evalSystem(t, r, cfg)
	if len(res.Area.Pairs) != 0 || len(ofRule(res.Gaps, "S1")) != 0 || len(res.Prevalence) != 0 {
		t.Errorf("K = 11: pairs %+v, gaps %v, prevalence %d rows", res.Area.Pairs, sysKeys(res.Gaps), len(res.Prevalence))
	}
	for _, o := range res.Area.Organisations {
		if o.Citizens != 0 {
			t.Errorf("K = 11: %+v", o)
		}
	}
}

// TestSystemAreaTies: the organisation graph ties pairs that collaborate on
// at least TieCitizens maps or have an active agreement; coordinating and
// governing bodies are left out of it, whatever their agreements, so they
// are neither brokers (S5), cuts (S4) nor ties of a user organisation (S7).
func TestSystemAreaTies(t *testing.T) {
	r := newRegion().org(gov, "kommune").org(ph, "gp1", "gp2").org(smh, "dps").org(uo, "mh").org(nav, "nav").
		agreements("kommune", "gp1", "kommune", "gp2", "kommune", "dps", "kommune", "mh", "kommune", "nav")
	r.citizens(6, func(i int, m cm) {
		m.serve("gp1", "dps", "kommune").collab("gp1", "kommune")
		if i < 5 {
			m.collab("gp1", "dps")
		}
	})
	r.forum("council", "mh", "kommune", "gp1")
	r.forum("board", "mh")
	r.b.OrganisationMap.Relations = append(r.b.OrganisationMap.Relations, mapdoc.Relation{ID: "ended-ag", From: "gp2", To: "nav",
		Type: stakeholder.RelAgreement, ValidFrom: ago(700), ValidTo: ago(30)})
	res := evalSystem(t, r, gaps.DefaultSystemConfig())

	n := res.Area.Network()
	var nodes []string
	for _, v := range n.Nodes {
		nodes = append(nodes, v.ID+"/"+v.Group)
	}
	if want := []string{"dps/psychiatry", "gp1/primary-care", "gp2/primary-care", "mh/user-organisations", "nav/nav"}; !slices.Equal(nodes, want) {
		t.Errorf("graph nodes %v, want %v", nodes, want)
	}
	if want := []measuresTie{{"dps", "gp1"}}; !reflect.DeepEqual(ties(n), want) {
		t.Errorf("graph ties %v, want %v", ties(n), want)
	}
	byID := map[string]gaps.AreaOrganisation{}
	for _, o := range res.Area.Organisations {
		byID[o.ID] = o
	}
	for id, want := range map[string][2]int{"kommune": {0, 1}, "gp1": {1, 1}, "dps": {1, 0}, "mh": {0, 2}, "gp2": {0, 0}} {
		if o := byID[id]; o.Ties != want[0] || o.Forums != want[1] {
			t.Errorf("%s: ties %d, forums %d; want %v", id, o.Ties, o.Forums, want)
		}
	}
	pairs := map[string]gaps.AreaPair{}
	for _, p := range res.Area.Pairs {
		pairs[p.A+"-"+p.B] = p
	}
	if p := pairs["dps-gp1"]; !p.Tie || p.Shared != 6 || p.Collaborating != 5 || p.Agreement {
		t.Errorf("dps–gp1: %+v", p)
	}
	if p := pairs["gp1-kommune"]; !p.Tie || !p.Agreement || p.Shared != 6 || p.Collaborating != 6 {
		t.Errorf("gp1–kommune (meets the tie criterion, but the body is not in the graph): %+v", p)
	}
	if p := pairs["gp2-nav"]; p.Tie || p.Agreement || p.AgreementEnded != ago(30) {
		t.Errorf("gp2–nav (an ended agreement): %+v", p)
	}
	if got := sysKeys(ofRule(res.Gaps, "S5")); len(got) != 0 {
		t.Errorf("S5: %v (the municipality must not be a broker)", got)
	}
	if got := sysKeys(ofRule(res.Gaps, "S4")); !slices.Equal(got, []string{"S4 dps,gp1"}) {
		t.Errorf("S4: %v, want only the bridge dps–gp1", got)
	}
	if got := sysKeys(ofRule(res.Gaps, "S7")); !slices.Equal(got, []string{"S7 mh"}) {
		t.Errorf("S7: %v", got)
	}
}

// measuresTie is a tie of a measures.Network as a pair, sorted.
type measuresTie [2]string

func ties(n measures.Network) []measuresTie {
	var out []measuresTie
	for _, t := range n.Ties {
		p := measuresTie{t.From, t.To}
		if p[1] < p[0] {
			p[0], p[1] = p[1], p[0]
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b measuresTie) int { return slices.Compare(a[:], b[:]) })
	return out
}

// TestSystemPrevalence checks the S9 table: per municipality with at least
// K maps, then per organisation with a caseload of at least K, each rule
// P1–P14 in order, cells of 1 to K−1 maps suppressed.
func TestSystemPrevalence(t *testing.T) {
	r := newRegion().org(ph, "gp").org(smh, "dps")
	r.goodCitizens(10, func(i int, m cm) {
		switch {
		case i < 5:
			m.end("s-gp", 20) // P7 on 5 maps, where the GP no longer serves the person
		case i < 8:
			m.r("col").Quality = stakeholder.QualityStrained // P14 on 3 maps
		}
	})
	// Three maps of another municipality: too few for a row of their own.
	r.citizens(3, func(_ int, m cm) { m.d.Focus.Municipality = "0302" })
	res := evalSystem(t, r, gaps.DefaultSystemConfig())
	if res.Area.Scope != "system/0301+0302" {
		t.Errorf("scope %q", res.Area.Scope)
	}

	type cell struct {
		maps, with int
		suppressed bool
	}
	want := map[string]cell{
		"0301/P7": {10, 5, false}, "0301/P14": {10, 0, true},
		"dps/P7": {10, 5, false}, "dps/P14": {10, 0, true},
		"gp/P7": {5, 0, false}, "gp/P14": {5, 0, true},
	}
	var order []string
	for _, row := range res.Prevalence {
		where := row.Municipality
		if row.Organisation != "" {
			where = row.Organisation
		}
		if row.Municipality != "" && row.Organisation != "" {
			t.Errorf("row names both a municipality and an organisation: %+v", row)
		}
		if len(order) == 0 || order[len(order)-1] != where {
			order = append(order, where)
		}
		key := where + "/" + row.Rule
		w, ok := want[key]
		if !ok {
			w = cell{maps: map[string]int{"0301": 10, "dps": 10, "gp": 5}[where]}
		}
		got := cell{row.Maps, row.WithGap, row.Suppressed}
		if got != w {
			t.Errorf("%s: %+v, want %+v", key, got, w)
		}
		if wantShare := float64(w.with) / float64(w.maps); row.Share != wantShare {
			t.Errorf("%s: share %v, want %v", key, row.Share, wantShare)
		}
	}
	if want := []string{"0301", "dps", "gp"}; !slices.Equal(order, want) {
		t.Errorf("rows for %v, want %v", order, want)
	}
	if len(res.Prevalence) != 3*14 {
		t.Errorf("%d rows, want 42", len(res.Prevalence))
	}
	for i, row := range res.Prevalence {
		if want := "P" + itoa(i%14+1); row.Rule != want {
			t.Errorf("row %d is %s, want %s", i, row.Rule, want)
		}
	}
	if got := sysKeys(ofRule(res.Gaps, "S9")); !slices.Equal(got, []string{"S9 0301/P7"}) {
		t.Errorf("S9: %v", got)
	}
	// The citizen gaps of every map, in bundle order.
	if len(res.Citizen) != 13 || res.Citizen[0].Map != mapID(0) || res.Citizen[12].Map != mapID(12) {
		t.Fatalf("citizen gaps of %d maps", len(res.Citizen))
	}
	if got := keys(res.Citizen[0].Gaps); !slices.Equal(got, []string{"P7 c"}) {
		t.Errorf("map 0: %v", got)
	}
	if got := keys(res.Citizen[9].Gaps); len(got) != 0 {
		t.Errorf("map 9: %v", got)
	}

	// The citizen rules' configuration applies: with P7 off, no P7 anywhere.
	cfg := gaps.DefaultSystemConfig()
	cfg.Citizen.Disabled = map[string]bool{"P7": true}
	res = evalSystem(t, r, cfg)
	if len(ofRule(res.Gaps, "S9")) != 0 {
		t.Errorf("S9 with P7 disabled: %v", sysKeys(res.Gaps))
	}
	for _, row := range res.Prevalence {
		if row.Rule == "P7" && row.WithGap != 0 {
			t.Errorf("P7 disabled, yet %+v", row)
		}
	}
}

// --- configuration, errors, determinism -------------------------------------

func TestSystemConfigValidate(t *testing.T) {
	if err := gaps.DefaultSystemConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []struct {
		change func(c *gaps.SystemConfig)
		names  string
	}{
		{func(c *gaps.SystemConfig) { c.K = 4 }, "K is 4; the privacy rule needs at least 5"},
		{func(c *gaps.SystemConfig) { c.K = 0 }, "K is 0"},
		{func(c *gaps.SystemConfig) { c.K = 10 }, "TieCitizens is 5; want at least K (10)"},
		{func(c *gaps.SystemConfig) { c.TieCitizens = 4 }, "TieCitizens is 4"},
		{func(c *gaps.SystemConfig) { c.SectorMinOrganisations = 0 }, "SectorMinOrganisations is 0"},
		{func(c *gaps.SystemConfig) { c.EIMargin = -0.1 }, "EIMargin is -0.1"},
		{func(c *gaps.SystemConfig) { c.EIMargin = 2 }, "EIMargin is 2"},
		{func(c *gaps.SystemConfig) { c.EIMargin = math.NaN() }, "EIMargin is NaN"},
		{func(c *gaps.SystemConfig) { c.BrokerageMinPaths = 0 }, "BrokerageMinPaths is 0"},
		{func(c *gaps.SystemConfig) { c.CollaborationShareMin = 0 }, "CollaborationShareMin is 0; want a share in (0, 1]"},
		{func(c *gaps.SystemConfig) { c.CollaborationShareMin = 1.5 }, "CollaborationShareMin is 1.5"},
		{func(c *gaps.SystemConfig) { c.BrokerageShareMax = -1 }, "BrokerageShareMax is -1"},
		{func(c *gaps.SystemConfig) { c.PrevalenceMax = 1.01 }, "PrevalenceMax is 1.01"},
		{func(c *gaps.SystemConfig) { c.ReciprocityMin = math.NaN() }, "ReciprocityMin is NaN"},
		{func(c *gaps.SystemConfig) { c.RequiredPairs[1].B = nil }, "RequiredPairs[1] (municipal services and specialised substance-use treatment) needs sectors on both sides"},
		{func(c *gaps.SystemConfig) { c.RequiredPairs[0].A = []stakeholder.Sector{"nurse"} }, `RequiredPairs[0] (primary care and psychiatry) names the unknown sector "nurse"`},
		{func(c *gaps.SystemConfig) { c.Disabled = map[string]bool{"S11": true, "P1": true, "s1": false} }, `Disabled names unknown rules "P1", "S11", "s1"; the system rules are S1–S10`},
		{func(c *gaps.SystemConfig) { c.Citizen.WorkingTieDays = 0 }, "Citizen.WorkingTieDays is 0"},
		{func(c *gaps.SystemConfig) { c.Citizen.Disabled = map[string]bool{"S1": true} }, `Citizen.Disabled names unknown rules "S1"`},
	}
	for _, c := range bad {
		cfg := gaps.DefaultSystemConfig()
		c.change(&cfg)
		err := cfg.Validate()
		if !errors.Is(err, gaps.ErrInvalidConfig) || !strings.Contains(err.Error(), c.names) {
			t.Errorf("Validate() = %v, want ErrInvalidConfig naming %q", err, c.names)
		}
		if _, err := gaps.System(newRegion().b, cfg); !errors.Is(err, gaps.ErrInvalidConfig) {
			t.Errorf("System accepted a config with %q: %v", c.names, err)
		}
	}
	var zero gaps.SystemConfig
	err := zero.Validate()
	for _, name := range []string{"Citizen.WorkingTieDays", "Citizen.ParticipationMin", "K is 0", "SectorMinOrganisations", "BrokerageMinPaths",
		"CollaborationShareMin", "BrokerageShareMax", "PrevalenceMax", "ReciprocityMin"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("the zero SystemConfig should name %s: %v", name, err)
		}
	}
	ok := gaps.DefaultSystemConfig()
	ok.K, ok.TieCitizens = 10, 12
	ok.EIMargin, ok.CollaborationShareMin, ok.SectorMinOrganisations = 0, 1, 1
	ok.Disabled = map[string]bool{"S1": true, "S10": true, "S5": false}
	ok.RequiredPairs = nil
	if err := ok.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestSystemDisabled(t *testing.T) {
	// S1, S3 and S8 fire on a GP office and a DPS sharing 10 citizens and
	// collaborating on 4 of their maps.
	r := newRegion().org(ph, "gp").org(smh, "dps")
	r.citizens(10, func(i int, m cm) {
		m.serve("gp", "dps")
		if i < 4 {
			m.collab("gp", "dps")
		}
	})
	rules := func(res *gaps.SystemResult) []string {
		var out []string
		for _, g := range res.Gaps {
			if !slices.Contains(out, g.Rule) {
				out = append(out, g.Rule)
			}
		}
		return out
	}
	cfg := gaps.DefaultSystemConfig()
	all := rules(evalSystem(t, r, cfg))
	for _, want := range []string{"S1", "S3", "S8"} {
		if !slices.Contains(all, want) {
			t.Fatalf("%s should fire: %v", want, all)
		}
	}
	cfg.Disabled = map[string]bool{"S1": true, "S8": true}
	if got := rules(evalSystem(t, r, cfg)); slices.Contains(got, "S1") || slices.Contains(got, "S8") || !slices.Contains(got, "S3") {
		t.Errorf("S1 and S8 disabled: %v", got)
	}
	cfg.Disabled = map[string]bool{}
	for _, rl := range gaps.SystemRules() {
		cfg.Disabled[rl.ID] = true
	}
	res := evalSystem(t, r, cfg)
	if len(res.Gaps) != 0 || res.Gaps == nil {
		t.Errorf("every rule disabled: %v (want an empty, non-nil list)", sysKeys(res.Gaps))
	}
	if len(res.Area.Pairs) != 1 || len(res.Prevalence) == 0 {
		t.Errorf("disabling rules should not change the area or the table: %+v", res.Area.Pairs)
	}
}

func TestSystemNotCitizenMap(t *testing.T) {
	r := newRegion().org(ph, "gp")
	r.citizens(3, func(_ int, m cm) { m.serve("gp") })
	r.b.Maps[1].Focus = mapdoc.Focus{Kind: stakeholder.FocusMunicipality, Municipality: muni}
	_, err := gaps.System(r.b, gaps.DefaultSystemConfig())
	if !errors.Is(err, gaps.ErrNotCitizenMap) || !strings.Contains(err.Error(), mapID(1)) || !strings.Contains(err.Error(), "map 1") {
		t.Errorf("a municipality map among the citizen maps: %v", err)
	}
	r.b.Maps[1].Focus.Kind = stakeholder.FocusCitizen
	r.b.Maps[2].Actors = r.b.Maps[2].Actors[1:] // no citizen
	_, err = gaps.System(r.b, gaps.DefaultSystemConfig())
	if !errors.Is(err, gaps.ErrNotCitizenMap) || !strings.Contains(err.Error(), mapID(2)) {
		t.Errorf("a map without the person: %v", err)
	}
	if _, err := gaps.System(nil, gaps.DefaultSystemConfig()); err == nil {
		t.Error("nil bundle accepted")
	}
	res, err := gaps.System(&mapdoc.Bundle{Schema: mapdoc.SchemaBundle}, gaps.DefaultSystemConfig())
	if err != nil || res.Gaps == nil || res.Citizen == nil || res.Prevalence == nil || res.Area.Organisations == nil ||
		res.Area.Pairs == nil || res.Area.Municipalities == nil {
		t.Errorf("empty bundle: %+v, %v (want empty, non-nil lists)", res, err)
	}
}

func TestSystemDeterminism(t *testing.T) {
	build := func() *region { return randomRegion(7) }
	first := evalSystem(t, build(), gaps.DefaultSystemConfig())
	if len(first.Gaps) < 5 || len(first.Area.Pairs) < 5 {
		t.Fatalf("want a busy region, got %v and %d pairs", sysKeys(first.Gaps), len(first.Area.Pairs))
	}
	a, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, _ := json.Marshal(evalSystem(t, build(), gaps.DefaultSystemConfig()))
		if string(a) != string(b) {
			t.Fatal("JSON of two evaluations of one bundle differs")
		}
	}
	// The same region with its directory, organisation map and every map's
	// actors, relations and contacts in reverse order.
	r := build()
	slices.Reverse(r.b.Directory)
	slices.Reverse(r.b.OrganisationMap.Actors)
	slices.Reverse(r.b.OrganisationMap.Relations)
	for i := range r.b.Maps {
		d := &r.b.Maps[i]
		slices.Reverse(d.Actors)
		slices.Reverse(d.Relations)
		for j := range d.Relations {
			slices.Reverse(d.Relations[j].Contacts)
		}
	}
	again := evalSystem(t, r, gaps.DefaultSystemConfig())
	if !reflect.DeepEqual(first.Gaps, again.Gaps) || !reflect.DeepEqual(first.Area, again.Area) || !reflect.DeepEqual(first.Prevalence, again.Prevalence) {
		t.Errorf("evaluations differ:\n%v\n%v", sysKeys(first.Gaps), sysKeys(again.Gaps))
	}
	// System only reads the bundle.
	r = build()
	before := mapdoc.CanonicalBundle(r.b)
	if _, err := gaps.System(r.b, gaps.DefaultSystemConfig()); err != nil {
		t.Fatal(err)
	}
	if string(mapdoc.CanonicalBundle(r.b)) != string(before) {
		t.Error("System changed the bundle")
	}
}

// --- a property: the area's counts -----------------------------------------

// randomOrgs are the organisations of a random region.
var randomOrgs = []struct {
	id     string
	sector stakeholder.Sector
}{
	{"gp1", ph}, {"gp2", ph}, {"kmh", mmh}, {"dps", smh}, {"tsb", ssu}, {"nav", nav}, {"bolig", home}, {"mh", uo}, {"kommune", gov},
}

// randomRegion builds a region of 40 citizen maps from seed: organisations
// serving the person (some through two actors, some no longer, some on the
// map without serving), collaborations, referrals and information with
// recent and stale contacts, individual plans (active or closed) and
// agreements (active or ended), and a system-level forum.
func randomRegion(seed uint64) *region {
	rnd := rand.New(rand.NewPCG(seed, 99))
	r := newRegion()
	for _, o := range randomOrgs {
		r.org(o.sector, o.id)
	}
	for i, a := range randomOrgs {
		for _, b := range randomOrgs[i+1:] {
			if rnd.IntN(8) == 0 {
				r.agreement(a.id, b.id)
				if rnd.IntN(2) == 0 {
					r.endAgreement(a.id, b.id, 1+rnd.IntN(100))
				}
			}
		}
		if rnd.IntN(3) == 0 {
			r.forum("council", a.id)
		}
	}
	r.citizens(40, func(_ int, m cm) {
		var on []string // actors of organisations on the map
		for _, o := range randomOrgs {
			switch x := rnd.IntN(20); {
			case x < 7:
				m.serve(o.id)
				if x == 0 {
					m.r("s-" + o.id).ValidTo = ago(1 + rnd.IntN(30)) // no longer serving
					m.r("s-" + o.id).Contacts = nil
				}
				on = append(on, o.id)
				if x == 1 || x == 2 { // a second actor of the organisation
					id := o.id + "-2"
					m.d.Actors = append(m.d.Actors, mapdoc.Actor{ID: id, Kind: stakeholder.KindPerson, Sector: o.sector, Level: stakeholder.LevelService, Name: "NAME " + id, Directory: o.id})
					if x == 1 {
						m.serves(id, 100, 5)
					}
					on = append(on, id)
				}
			case x < 9:
				m.with(o.id)
				on = append(on, o.id)
			}
		}
		n := 0
		rel := func(from, to string, typ stakeholder.RelationType) {
			n++
			m.rel(fmt.Sprintf("x%d", n), from, to, typ, 200, rnd.IntN(150))
		}
		for i, u := range on {
			for _, v := range on[i+1:] {
				if rnd.IntN(5) == 0 {
					rel(u, v, stakeholder.RelCollaborates)
				}
				if rnd.IntN(6) == 0 {
					rel(u, v, stakeholder.RelRefers)
				}
				if rnd.IntN(8) == 0 {
					rel(v, u, stakeholder.RelInforms)
				}
			}
		}
		if len(on) > 0 && rnd.IntN(3) == 0 {
			m.actor(gov, "plan")
			status := stakeholder.PlanActive
			if rnd.IntN(3) == 0 {
				status = stakeholder.PlanClosed
			}
			m.d.Plan = &mapdoc.Plan{Actor: "plan", Status: status, Created: ago(300)}
			for _, a := range on {
				if rnd.IntN(2) == 0 {
					m.member(a, 100)
				}
			}
		}
	})
	return r
}

// recount counts, by brute force on the documents, what the area of b
// should show with threshold k and tie threshold tie: the shared caseload,
// collaboration and flows of every pair of organisations, the caseload of
// each, and the prevalence of each citizen rule.
type recount struct {
	caseload map[string]int
	shared   map[[2]string]int
	collab   map[[2]string]int
	flows    map[[2]string]int // ordered
	flowMaps map[[2]string]int // sorted
	muniRule map[string]map[string]int
	orgRule  map[string]map[string]int
	muniMaps map[string]int
}

func bruteForce(t *testing.T, b *mapdoc.Bundle, cfg gaps.Config) recount {
	t.Helper()
	c := recount{caseload: map[string]int{}, shared: map[[2]string]int{}, collab: map[[2]string]int{}, flows: map[[2]string]int{},
		flowMaps: map[[2]string]int{}, muniRule: map[string]map[string]int{}, orgRule: map[string]map[string]int{}, muniMaps: map[string]int{}}
	inDir := map[string]bool{}
	for _, e := range b.Directory {
		inDir[e.ID] = true
	}
	for i := range b.Maps {
		d := &b.Maps[i]
		active := func(r mapdoc.Relation) bool {
			return !r.ValidFrom.After(d.AsOf) && (r.ValidTo.IsZero() || r.ValidTo.After(d.AsOf))
		}
		org := func(id string) string {
			if a := d.Actor(id); a != nil && inDir[a.Directory] {
				return a.Directory
			}
			return ""
		}
		person := d.Citizen().ID
		served := map[string]bool{} // actors of A(C)
		for _, r := range d.Relations {
			if r.Type != stakeholder.RelServes || !active(r) || (r.From != person && r.To != person) {
				continue
			}
			x := r.From
			if x == person {
				x = r.To
			}
			if s := d.Actor(x).Sector; s != stakeholder.SectorCitizen && s != stakeholder.SectorInformal {
				served[x] = true
			}
		}
		forumsOf := func(x string) map[string]bool {
			fs := map[string]bool{}
			for _, r := range d.Relations {
				f := d.Actor(r.To)
				if r.Type == stakeholder.RelMemberOf && r.From == x && active(r) && f.Kind == stakeholder.KindForum &&
					!(d.Plan != nil && r.To == d.Plan.Actor && d.Plan.Status != stakeholder.PlanActive) {
					fs[r.To] = true
				}
			}
			return fs
		}
		working := func(u, v string) bool {
			for _, r := range d.Relations {
				if ((r.From == u && r.To == v) || (r.From == v && r.To == u)) && active(r) && d.AsOf.DaysSince(d.LastContact(r)) <= cfg.WorkingTieDays &&
					slices.Contains([]stakeholder.RelationType{stakeholder.RelCollaborates, stakeholder.RelCoordinates, stakeholder.RelRefers, stakeholder.RelInforms}, r.Type) {
					return true
				}
			}
			fv := forumsOf(v)
			for f := range forumsOf(u) {
				if fv[f] {
					return true
				}
			}
			return false
		}
		orgs := map[string]bool{}
		for x := range served {
			if o := org(x); o != "" {
				orgs[o] = true
			}
		}
		for a := range orgs {
			c.caseload[a]++
			for bb := range orgs {
				if a >= bb {
					continue
				}
				p := [2]string{a, bb}
				c.shared[p]++
				tied := false
				for u := range served {
					for v := range served {
						if org(u) == a && org(v) == bb && working(u, v) {
							tied = true
						}
					}
				}
				if tied {
					c.collab[p]++
				}
			}
		}
		flowed := map[[2]string]bool{}
		for _, r := range d.Relations {
			if (r.Type == stakeholder.RelRefers || r.Type == stakeholder.RelInforms) && active(r) && org(r.From) != "" && org(r.To) != "" && org(r.From) != org(r.To) {
				flowed[[2]string{org(r.From), org(r.To)}] = true
			}
		}
		either := map[[2]string]bool{}
		for f := range flowed {
			c.flows[f]++
			either[[2]string{min(f[0], f[1]), max(f[0], f[1])}] = true
		}
		for p := range either {
			c.flowMaps[p]++
		}
		gs, err := gaps.Citizen(d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := d.Focus.Municipality
		c.muniMaps[m]++
		ruled := map[string]bool{}
		for _, g := range gs {
			ruled[g.Rule] = true
		}
		for rl := range ruled {
			if c.muniRule[m] == nil {
				c.muniRule[m] = map[string]int{}
			}
			c.muniRule[m][rl]++
			for o := range orgs {
				if c.orgRule[o] == nil {
					c.orgRule[o] = map[string]int{}
				}
				c.orgRule[o][rl]++
			}
		}
	}
	return c
}

// TestSystemAreaCounts compares the area and the prevalence table of
// random regions with a brute-force recount, suppression applied.
func TestSystemAreaCounts(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for seed := range uint64(seeds) {
		r := randomRegion(seed)
		cfg := gaps.DefaultSystemConfig()
		cfg.K = 5 + int(seed%3)
		cfg.TieCitizens = cfg.K + int(seed%2)
		var b *mapdoc.Bundle
		if seed < 3 {
			b = validBundle(t, r.b)
		} else {
			b = r.b // valid as the first are; parsing every one would be slow
		}
		res, err := gaps.System(b, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkSystem(t, b, res, cfg.K)
		c := bruteForce(t, b, cfg.Citizen)
		k := cfg.K
		small := func(n int) bool { return n > 0 && n < k }

		// agreements on the organisation map (actor ids are directory ids)
		agreed, ended := map[[2]string]bool{}, map[[2]string]string{}
		for _, rel := range b.OrganisationMap.Relations {
			if rel.Type != stakeholder.RelAgreement {
				continue
			}
			p := [2]string{min(rel.From, rel.To), max(rel.From, rel.To)}
			if rel.ValidTo.IsZero() {
				agreed[p] = true
			} else if e := rel.ValidTo.String(); e > ended[p] {
				ended[p] = e
			}
		}
		graphed := func(id string) bool { return id != "kommune" }
		all := map[[2]string]bool{}
		for _, m := range []map[[2]string]int{c.shared, c.flowMaps} {
			for p := range m {
				all[p] = true
			}
		}
		for p := range agreed {
			all[p] = true
		}
		for p := range ended {
			all[p] = true
		}
		var want []gaps.AreaPair
		cells := 0
		ties := map[string]int{}
		for p := range all {
			ap := gaps.AreaPair{A: p[0], B: p[1]}
			switch n, cl := c.shared[p], c.collab[p]; {
			case n >= k:
				ap.Shared = n
				if small(cl) {
					ap.CollaboratingSuppressed = true
					cells++
				} else {
					ap.Collaborating = cl
				}
				ap.Tie = cl >= cfg.TieCitizens
			case n > 0:
				ap.Suppressed = true
				cells++
			}
			switch n := c.flowMaps[p]; {
			case n >= k:
				ab, ba := c.flows[p], c.flows[[2]string{p[1], p[0]}]
				if small(ab) {
					ap.FlowsABSuppressed = true
					cells++
				} else {
					ap.FlowsAB = ab
				}
				if small(ba) {
					ap.FlowsBASuppressed = true
					cells++
				} else {
					ap.FlowsBA = ba
				}
			case n > 0:
				ap.FlowsSuppressed = true
				cells++
			}
			if agreed[p] {
				ap.Agreement, ap.Tie = true, true
			} else if ended[p] != "" {
				ap.AgreementEnded = date.MustParse(ended[p])
			}
			if ap.Shared > 0 || c.flowMaps[p] >= k || agreed[p] || ended[p] != "" {
				want = append(want, ap)
				if ap.Tie && graphed(p[0]) && graphed(p[1]) {
					ties[p[0]]++
					ties[p[1]]++
				}
			}
		}
		slices.SortFunc(want, func(x, y gaps.AreaPair) int { return strings.Compare(x.A+" "+x.B, y.A+" "+y.B) })
		if !reflect.DeepEqual(res.Area.Pairs, want) {
			t.Fatalf("seed %d: pairs\n got %+v\nwant %+v", seed, res.Area.Pairs, want)
		}
		forums := map[string]int{}
		for _, rel := range b.OrganisationMap.Relations {
			if rel.Type == stakeholder.RelMemberOf && rel.ValidTo.IsZero() && b.OrganisationMap.Actor(rel.To).Kind == stakeholder.KindForum {
				forums[rel.From]++
			}
		}
		for _, o := range res.Area.Organisations {
			n := c.caseload[o.ID]
			w := gaps.AreaOrganisation{ID: o.ID, Name: "Org " + o.ID, Sector: o.Sector, Municipality: muni, Forums: forums[o.ID], Ties: ties[o.ID]}
			if small(n) {
				w.Suppressed = true
				cells++
			} else {
				w.Citizens = n
			}
			if o != w {
				t.Errorf("seed %d: organisation %+v, want %+v", seed, o, w)
			}
		}
		if res.Area.SuppressedCells != cells {
			t.Errorf("seed %d: %d suppressed cells, want %d", seed, res.Area.SuppressedCells, cells)
		}

		// the prevalence table
		var rows []gaps.Prevalence
		row := func(m, o string, maps int, with map[string]int) {
			for i := range 14 {
				rl := "P" + itoa(i+1)
				p := gaps.Prevalence{Municipality: m, Organisation: o, Rule: rl, Maps: maps}
				if w := with[rl]; small(w) {
					p.Suppressed = true
				} else {
					p.WithGap, p.Share = w, float64(w)/float64(maps)
				}
				rows = append(rows, p)
			}
		}
		if n := c.muniMaps[muni]; n >= k {
			row(muni, "", n, c.muniRule[muni])
		}
		for _, o := range randomOrgs {
			if n := c.caseload[o.id]; n >= k {
				row("", o.id, n, c.orgRule[o.id])
			}
		}
		slices.SortStableFunc(rows[min(14, len(rows)):], func(x, y gaps.Prevalence) int { return strings.Compare(x.Organisation, y.Organisation) })
		if !reflect.DeepEqual(res.Prevalence, rows) {
			t.Errorf("seed %d: prevalence\n got %+v\nwant %+v", seed, res.Prevalence, rows)
		}
	}
}

func TestSystemConcurrent(t *testing.T) {
	b := validBundle(t, randomRegion(3).b)
	want, err := gaps.System(b, gaps.DefaultSystemConfig())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := gaps.System(b, gaps.DefaultSystemConfig())
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("concurrent evaluation differs: %v", err)
			}
		})
	}
	wg.Wait()
}
