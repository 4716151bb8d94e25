package gaps_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// --- builders --------------------------------------------------------------

// T is the map date of every built map.
var T = date.MustParse("2026-11-01")

// ago returns the date n days before T (n < 0: after T).
func ago(n int) date.Date { return T.AddDays(-n) }

// mb builds a citizen map around the person "c" at T. Actor names are
// "NAME <id>", so that a test can check they never reach an explanation.
type mb struct{ d *mapdoc.Document }

func newMap() *mb {
	return &mb{&mapdoc.Document{
		Schema: mapdoc.SchemaMap, ID: "0b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a11", AsOf: T,
		Focus:  mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "NAME focus", Municipality: "0301"},
		Actors: []mapdoc.Actor{{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "NAME c"}},
	}}
}

// actor adds actors of one sector: services, or persons for informal and
// peer, forums for governance.
func (m *mb) actor(s stakeholder.Sector, ids ...string) *mb {
	for _, id := range ids {
		kind := stakeholder.KindService
		switch s {
		case stakeholder.SectorInformal, stakeholder.SectorPeer:
			kind = stakeholder.KindPerson
		case stakeholder.SectorGovernance:
			kind = stakeholder.KindForum
		}
		m.d.Actors = append(m.d.Actors, mapdoc.Actor{ID: id, Kind: kind, Sector: s, Level: stakeholder.LevelService, Name: "NAME " + id})
	}
	return m
}

// kin adds an informal actor of the given importance.
func (m *mb) kin(id string, importance stakeholder.Scale) *mb {
	m.actor(stakeholder.SectorInformal, id)
	m.d.Actors[len(m.d.Actors)-1].Assessment = &mapdoc.Assessment{Importance: importance}
	return m
}

// rel adds relation id from → to, begun since days ago, with contacts the
// given numbers of days ago.
func (m *mb) rel(id, from, to string, typ stakeholder.RelationType, since int, contacts ...int) *mb {
	r := mapdoc.Relation{ID: id, From: from, To: to, Type: typ, ValidFrom: ago(since)}
	for _, c := range contacts {
		r.Contacts = append(r.Contacts, ago(c))
	}
	m.d.Relations = append(m.d.Relations, r)
	return m
}

// serves adds "s-<a>": a serves the person.
func (m *mb) serves(a string, since int, contacts ...int) *mb {
	return m.rel("s-"+a, a, "c", stakeholder.RelServes, since, contacts...)
}

// member adds "m-<a>": a is a member of the plan forum.
func (m *mb) member(a string, since int) *mb {
	return m.rel("m-"+a, a, "plan", stakeholder.RelMemberOf, since)
}

// r returns relation id for changes.
func (m *mb) r(id string) *mapdoc.Relation {
	for i := range m.d.Relations {
		if m.d.Relations[i].ID == id {
			return &m.d.Relations[i]
		}
	}
	panic("no relation " + id)
}

// contact records a contact today on relation id.
func (m *mb) contact(id string) *mb {
	r := m.r(id)
	r.Contacts = append(r.Contacts, T)
	return m
}

// drop deletes relations.
func (m *mb) drop(ids ...string) *mb {
	m.d.Relations = slices.DeleteFunc(m.d.Relations, func(r mapdoc.Relation) bool { return slices.Contains(ids, r.ID) })
	return m
}

// end ends relation id n days ago, moving later contacts back to its start.
func (m *mb) end(id string, n int) *mb {
	r := m.r(id)
	r.ValidTo = ago(n)
	r.Contacts = slices.DeleteFunc(r.Contacts, func(c date.Date) bool { return c.After(r.ValidTo) })
	return m
}

// good is a well-coordinated map: a GP (also the coordinator) and a DPS
// serve the person, collaborate and sit in an active, reviewed plan with
// the person and the mother; a peer worker supports the person; recent
// contacts everywhere; participation at step 4. It has no gaps.
func good() *mb {
	m := newMap().
		actor(stakeholder.SectorPrimaryHealth, "gp").
		actor(stakeholder.SectorSpecialistMH, "dps").
		actor(stakeholder.SectorPeer, "peer").
		actor(stakeholder.SectorGovernance, "plan").
		kin("mother", stakeholder.High).
		serves("gp", 400, 10).
		serves("dps", 200, 5).
		rel("ps", "peer", "c", stakeholder.RelPeerSupport, 100).
		rel("coord", "gp", "c", stakeholder.RelCoordinates, 190, 10).
		member("gp", 190).member("dps", 190).member("c", 190).member("mother", 150).
		rel("col", "gp", "dps", stakeholder.RelCollaborates, 180, 20).
		rel("fam", "mother", "c", stakeholder.RelFamily, 1000).
		rel("inf", "mother", "gp", stakeholder.RelInforms, 100, 40)
	m.d.Plan = &mapdoc.Plan{Actor: "plan", Status: stakeholder.PlanActive, Created: ago(190), LastReview: ago(30)}
	m.d.Coordinator = &mapdoc.Coordinator{Actor: "gp", Offered: ago(195), Assigned: ago(190)}
	m.d.Participation = []mapdoc.Participation{{Level: 4, Date: ago(30)}}
	m.d.Consent = []mapdoc.Consent{{Actor: "mother", Status: stakeholder.ConsentGiven, Date: ago(150)}}
	return m
}

// integrate makes service a a full member of the network today: plan
// member and a collaboration with the GP.
func (m *mb) integrate(a string) *mb {
	return m.member(a, 0).rel("col-"+a, "gp", a, stakeholder.RelCollaborates, 0, 0)
}

// --- evaluation helpers ----------------------------------------------------

var loadValidator = sync.OnceValues(mapdoc.NewValidator)

// valid writes the document and reads it back through mapdoc, as
// samspill analyse would, so that every test map is a valid document.
func valid(t *testing.T, d *mapdoc.Document) *mapdoc.Document {
	t.Helper()
	doc, _ := reparse(t, mapdoc.Canonical(d))
	return doc
}

// reparse reads a written test document or bundle through the validator.
func reparse(t *testing.T, b []byte) (*mapdoc.Document, *mapdoc.Bundle) {
	t.Helper()
	v, err := loadValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc, bd, err := v.Parse(b)
	if err != nil {
		t.Fatalf("test input is not valid: %v", err)
	}
	return doc, bd
}

func evaluate(t *testing.T, d *mapdoc.Document, cfg gaps.Config) []gaps.Gap {
	t.Helper()
	gs, err := gaps.Citizen(valid(t, d), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkGaps(t, d, gs)
	return gs
}

// checkGaps checks what holds of every gap: its id, sorted actors that
// exist, the rule's severity, next step and source, and explanations in
// both languages that name no actor.
func checkGaps(t *testing.T, d *mapdoc.Document, gs []gaps.Gap) {
	t.Helper()
	rules := map[string]gaps.Rule{}
	for _, r := range gaps.Rules() {
		rules[r.ID] = r
	}
	seen := map[string]bool{}
	for _, g := range gs {
		r, ok := rules[g.Rule]
		if !ok {
			t.Errorf("unknown rule %q", g.Rule)
			continue
		}
		if !slices.IsSorted(g.Actors) || len(g.Actors) == 0 {
			t.Errorf("%s: actors %v not sorted or empty", g.Rule, g.Actors)
		}
		for _, a := range g.Actors {
			if d.Actor(a) == nil {
				t.Errorf("%s: actor %q not in the map", g.Rule, a)
			}
		}
		if g.ID != gaps.GapID(d.ID, g.Rule, g.Actors) || seen[g.ID] {
			t.Errorf("%s %v: id %q wrong or repeated", g.Rule, g.Actors, g.ID)
		}
		seen[g.ID] = true
		if g.Severity != r.Severity || g.Next != r.Next || g.Source != r.Source {
			t.Errorf("%s: severity, next or source differ from Rules()", g.Rule)
		}
		for _, s := range []string{g.Explanation.EN, g.Explanation.NB} {
			if s == "" || strings.Contains(s, "NAME") || strings.Contains(s, "%!") || strings.Contains(s, "Ola") || strings.Contains(s, "Hansen") || strings.Contains(s, "Kari") {
				t.Errorf("%s: bad explanation %q", g.Rule, s)
			}
			if first := []rune(s)[0]; first != []rune(strings.ToUpper(string(first)))[0] {
				t.Errorf("%s: explanation %q does not start with a capital", g.Rule, s)
			}
		}
	}
	if !slices.IsSortedFunc(gs, func(a, b gaps.Gap) int {
		if d := ruleNum(a.Rule) - ruleNum(b.Rule); d != 0 {
			return d
		}
		return slices.Compare(a.Actors, b.Actors)
	}) {
		t.Errorf("gaps not sorted by rule number, then actors: %v", keys(gs))
	}
}

func ruleNum(id string) int {
	n := 0
	for _, c := range id[1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

// keys returns "P1 a,b" for every gap.
func keys(gs []gaps.Gap) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.Rule+" "+strings.Join(g.Actors, ","))
	}
	return out
}

func find(gs []gaps.Gap, key string) *gaps.Gap {
	for i, k := range keys(gs) {
		if k == key {
			return &gs[i]
		}
	}
	return nil
}

// --- the rules -------------------------------------------------------------

func TestGoodMapHasNoGaps(t *testing.T) {
	if gs := evaluate(t, good().d, gaps.DefaultConfig()); len(gs) != 0 {
		t.Fatalf("well-coordinated map: got %v, want none", keys(gs))
	}
}

// ruleCase changes the good map so that rule fires (or, for a near miss,
// just does not); want is the whole list of gaps then. fix is what the
// coordinator's next commands would record; after it the map has no gaps.
type ruleCase struct {
	rule  string
	name  string
	build func(m *mb)
	want  []string
	fix   func(m *mb)
}

func ruleCases() []ruleCase {
	nav := func(m *mb) { m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2) }
	noCoordinator := func(m *mb) { m.d.Coordinator = nil; m.drop("coord") }
	noPlan := func(m *mb) {
		m.d.Plan = nil
		m.drop("m-gp", "m-dps", "m-c", "m-mother")
		m.d.Actors = slices.DeleteFunc(m.d.Actors, func(a mapdoc.Actor) bool { return a.ID == "plan" })
	}
	newPlan := func(m *mb) {
		m.actor(stakeholder.SectorGovernance, "plan").member("gp", 0).member("dps", 0).member("c", 0)
		m.d.Plan = &mapdoc.Plan{Actor: "plan", Status: stakeholder.PlanActive, Created: T}
	}
	dpsSince := func(n int) func(m *mb) {
		return func(m *mb) { m.r("s-dps").ValidFrom = ago(n) }
	}
	ku := func(contact int) func(m *mb) {
		return func(m *mb) {
			m.actor(stakeholder.SectorMunicipalMHSU, "ku").drop("coord").
				rel("coord-ku", "ku", "c", stakeholder.RelCoordinates, 100, 5)
			m.d.Coordinator = &mapdoc.Coordinator{Actor: "ku", Offered: ago(100), Assigned: ago(100)}
			if contact >= 0 {
				m.rel("ku-gp", "ku", "gp", stakeholder.RelCollaborates, 100, contact).
					rel("ku-dps", "ku", "dps", stakeholder.RelCollaborates, 100, contact)
			}
		}
	}
	home := func(since int) func(m *mb) {
		return func(m *mb) {
			m.actor(stakeholder.SectorMunicipalCare, "home").serves("home", since, 3).
				rel("home-gp", "gp", "home", stakeholder.RelCollaborates, 80, 10).
				rel("home-dps", "dps", "home", stakeholder.RelCollaborates, 80, 10)
		}
	}
	ward := func(since, ended int, inpatient bool) func(m *mb) {
		return func(m *mb) {
			m.actor(stakeholder.SectorSpecialistMH, "ward").serves("ward", since, since-1).end("s-ward", ended)
			m.r("s-ward").Inpatient = inpatient
		}
	}
	receiver := func(since int) func(m *mb) {
		return func(m *mb) {
			m.actor(stakeholder.SectorMunicipalMHSU, "kmh").serves("kmh", since, since).
				member("kmh", since).rel("col-kmh", "gp", "kmh", stakeholder.RelCollaborates, since, since)
		}
	}
	participation := func(levels ...int) func(m *mb) { // level, days ago, level, days ago …
		return func(m *mb) {
			m.d.Participation = nil
			for i := 0; i < len(levels); i += 2 {
				m.d.Participation = append(m.d.Participation, mapdoc.Participation{Level: stakeholder.Participation(levels[i]), Date: ago(levels[i+1])})
			}
		}
	}
	then := func(fs ...func(m *mb)) func(m *mb) {
		return func(m *mb) {
			for _, f := range fs {
				f(m)
			}
		}
	}

	return []ruleCase{
		// P1
		{"P1", "no working tie: referral contact 91 days ago", then(nav, func(m *mb) {
			m.rel("nav-gp", "gp", "nav", stakeholder.RelInforms, 30, 5).rel("nav-dps", "dps", "nav", stakeholder.RelRefers, 120, 91)
		}), []string{"P1 dps,nav"}, func(m *mb) { m.contact("nav-dps") }},
		{"P1", "near miss: referral contact exactly 90 days ago", then(nav, func(m *mb) {
			m.rel("nav-gp", "gp", "nav", stakeholder.RelInforms, 30, 5).rel("nav-dps", "dps", "nav", stakeholder.RelRefers, 120, 90)
		}), nil, nil},
		{"P1", "near miss: two services of one sector need no tie", func(m *mb) {
			m.actor(stakeholder.SectorSpecialistMH, "dps2").serves("dps2", 30, 2).rel("gp-dps2", "gp", "dps2", stakeholder.RelInforms, 30, 5)
		}, nil, nil},
		{"P1", "near miss: a shared forum other than the plan is a working tie", then(nav, func(m *mb) {
			m.actor(stakeholder.SectorGovernance, "council").
				rel("nav-gp", "gp", "nav", stakeholder.RelInforms, 30, 5).
				rel("fn", "nav", "council", stakeholder.RelMemberOf, 30).
				rel("fd", "dps", "council", stakeholder.RelMemberOf, 30).
				rel("fg", "gp", "council", stakeholder.RelMemberOf, 30)
		}), nil, nil},
		{"P1", "a closed plan's forum is no working tie", then(nav, func(m *mb) {
			m.drop("col", "inf", "m-mother").rel("nav-gp", "gp", "nav", stakeholder.RelInforms, 30, 5).
				rel("nav-dps", "dps", "nav", stakeholder.RelInforms, 30, 5)
			m.d.Plan.Status = stakeholder.PlanClosed
		}), []string{"P1 dps,gp", "P4 c", "P5 dps,gp", "P9 mother"}, nil},

		// P2
		{"P2", "a service with no professional tie", nav,
			[]string{"P1 dps,nav", "P1 gp,nav", "P2 c", "P5 gp,nav"},
			func(m *mb) { m.member("nav", 0).rel("col-nav", "gp", "nav", stakeholder.RelCollaborates, 0, 0) }},
		{"P2", "near miss: a stale referral still joins the islands", then(nav, func(m *mb) {
			m.rel("nav-dps", "dps", "nav", stakeholder.RelRefers, 120, 120)
		}), []string{"P1 dps,nav", "P1 gp,nav", "P5 gp,nav", "P13 dps"}, nil},

		// P3
		{"P3", "two long-term services, no coordinator", noCoordinator, []string{"P3 c"}, func(m *mb) {
			m.rel("coord", "gp", "c", stakeholder.RelCoordinates, 0)
			m.d.Coordinator = &mapdoc.Coordinator{Actor: "gp", Offered: T, Assigned: T}
		}},
		{"P3", "near miss: the second service began exactly 90 days ago", then(noCoordinator, dpsSince(90)), nil, nil},
		{"P3", "near miss: offered, not yet assigned", then(noCoordinator, func(m *mb) {
			m.d.Coordinator = &mapdoc.Coordinator{Offered: ago(10)}
		}), nil, nil},
		{"P3", "near miss: offered and declined", then(noCoordinator, func(m *mb) {
			m.d.Coordinator = &mapdoc.Coordinator{Offered: ago(20), Declined: ago(10)}
		}), nil, nil},
		{"P3", "near miss: declined (the decline implies the offer)", then(noCoordinator, func(m *mb) {
			m.d.Coordinator = &mapdoc.Coordinator{Declined: ago(10)}
		}), nil, nil},
		{"P3", "a coordinator named in an offer is not assigned", then(noCoordinator, func(m *mb) {
			m.d.Coordinator = &mapdoc.Coordinator{Actor: "gp"}
		}), []string{"P3 c"}, nil},

		// P4
		{"P4", "no plan", noPlan, []string{"P4 c"}, newPlan},
		{"P4", "near miss: the person declined a plan", then(noPlan, func(m *mb) {
			m.d.Plan = &mapdoc.Plan{Status: stakeholder.PlanDeclined, Declined: ago(10)}
		}), nil, nil},
		{"P4", "near miss: one long-term service only", then(noPlan, dpsSince(90)), nil, nil},
		{"P4", "stale plan: reviewed 366 days ago", func(m *mb) {
			m.d.Plan.Created, m.d.Plan.LastReview = ago(400), ago(366)
		}, []string{"P4 plan"}, func(m *mb) { m.d.Plan.LastReview = T }},
		{"P4", "stale plan: created 366 days ago, never reviewed", func(m *mb) {
			m.d.Plan.Created, m.d.Plan.LastReview = ago(366), date.Date{}
		}, []string{"P4 plan"}, func(m *mb) { m.d.Plan.LastReview = T }},
		{"P4", "near miss: reviewed exactly 365 days ago", func(m *mb) {
			m.d.Plan.Created, m.d.Plan.LastReview = ago(400), ago(365)
		}, nil, nil},

		// P5
		{"P5", "a coordinator from the municipality with no ties", ku(-1),
			[]string{"P5 dps,ku", "P5 gp,ku"}, func(m *mb) { m.member("ku", 0) }},
		{"P5", "coordinator's collaborations last had contact 91 days ago", ku(91),
			[]string{"P5 dps,ku", "P5 gp,ku"}, func(m *mb) { m.contact("ku-gp").contact("ku-dps") }},
		{"P5", "near miss: contact exactly 90 days ago", ku(90), nil, nil},

		// P6
		{"P6", "a long-term service outside the plan", home(120), []string{"P6 home,plan"}, func(m *mb) { m.member("home", 0) }},
		{"P6", "near miss: the service began exactly 90 days ago", home(90), nil, nil},

		// P7
		{"P7", "the GP relation ended", func(m *mb) { m.end("s-gp", 20) }, []string{"P7 c"}, func(m *mb) {
			m.rel("s-gp2", "gp", "c", stakeholder.RelServes, 0)
		}},
		{"P7", "near miss: the GP relation ends tomorrow", func(m *mb) { m.r("s-gp").ValidTo = ago(-1) }, nil, nil},

		// P8
		{"P8", "the peer support ended", func(m *mb) { m.end("ps", 10) }, []string{"P8 c"}, func(m *mb) {
			m.rel("ps2", "peer", "c", stakeholder.RelPeerSupport, 0)
		}},
		{"P8", "near miss: a user organisation informs the person", func(m *mb) {
			m.end("ps", 10).actor(stakeholder.SectorUserOrg, "mh").rel("mh-c", "mh", "c", stakeholder.RelInforms, 50)
		}, nil, nil},
		{"P8", "near miss: no specialist service any more", func(m *mb) { m.end("ps", 10).end("s-dps", 2) }, nil, nil},

		// P9
		{"P9", "the mother is outside", func(m *mb) { m.drop("m-mother", "inf") }, []string{"P9 mother"}, func(m *mb) {
			m.rel("inf2", "mother", "dps", stakeholder.RelInforms, 0, 0)
		}},
		{"P9", "no consent recorded counts as not refused", func(m *mb) {
			m.drop("m-mother", "inf")
			m.d.Consent = nil
		}, []string{"P9 mother"}, func(m *mb) { m.member("mother", 0) }},
		{"P9", "near miss: consent refused", func(m *mb) {
			m.drop("m-mother", "inf")
			m.d.Consent = append(m.d.Consent, mapdoc.Consent{Actor: "mother", Status: stakeholder.ConsentRefused, Date: ago(5)})
		}, nil, nil},
		{"P9", "the latest consent counts: refused, then given", func(m *mb) {
			m.drop("m-mother", "inf")
			m.d.Consent = []mapdoc.Consent{{Actor: "mother", Status: stakeholder.ConsentGiven, Date: ago(5)}, {Actor: "mother", Status: stakeholder.ConsentRefused, Date: ago(150)}}
		}, []string{"P9 mother"}, nil},
		{"P9", "near miss: importance medium", func(m *mb) {
			m.drop("m-mother", "inf")
			m.d.Actor("mother").Assessment.Importance = stakeholder.Medium
		}, nil, nil},
		{"P9", "near miss: in the plan only", func(m *mb) { m.drop("inf") }, nil, nil},

		// P10
		{"P10", "DPS contact 61 days ago", func(m *mb) { m.r("s-dps").Contacts = []date.Date{ago(61)} },
			[]string{"P10 c,dps"}, func(m *mb) { m.contact("s-dps") }},
		{"P10", "a relation without contacts counts from its start", func(m *mb) { m.r("s-dps").Contacts = nil },
			[]string{"P10 c,dps"}, func(m *mb) { m.contact("s-dps") }},
		{"P10", "near miss: DPS contact exactly 60 days ago", func(m *mb) { m.r("s-dps").Contacts = []date.Date{ago(60)} }, nil, nil},
		{"P10", "coordinator contact 31 days ago", func(m *mb) {
			m.r("s-gp").Contacts = []date.Date{ago(31)}
			m.r("coord").Contacts = []date.Date{ago(31)}
		}, []string{"P10 c,gp"}, func(m *mb) { m.contact("coord") }},
		{"P10", "near miss: coordinator contact exactly 30 days ago", func(m *mb) {
			m.r("s-gp").Contacts = []date.Date{ago(30)}
			m.r("coord").Contacts = []date.Date{ago(40), ago(30)}
		}, nil, nil},

		// P11
		{"P11", "participation at step 2", participation(2, 10), []string{"P11 c"}, func(m *mb) {
			m.d.Participation = append(m.d.Participation, mapdoc.Participation{Level: 4, Date: T})
		}},
		{"P11", "the latest assessment counts", participation(4, 40, 2, 10), []string{"P11 c"}, nil},
		{"P11", "near miss: step 3", participation(3, 10), nil, nil},
		{"P11", "near miss: the latest is step 4", participation(2, 40, 4, 10), nil, nil},
		{"P11", "none recorded, served for 400 days", participation(), []string{"P11 c"}, func(m *mb) {
			m.d.Participation = []mapdoc.Participation{{Level: 3, Date: T}}
		}},
		{"P11", "near miss: none recorded, served for exactly 180 days", then(participation(), func(m *mb) {
			m.r("s-gp").ValidFrom = ago(180)
			m.r("s-dps").ValidFrom = ago(170)
		}), nil, nil},
		{"P11", "the person is not in their plan", func(m *mb) { m.drop("m-c") }, []string{"P11 c"}, func(m *mb) { m.member("c", 0) }},

		// P12
		{"P12", "discharged 3 days ago, no receiver", ward(40, 3, true), []string{"P12 c,ward"}, receiver(0)},
		{"P12", "discharged exactly 90 days ago", ward(140, 90, true), []string{"P12 c,ward"}, nil},
		{"P12", "near miss: discharged 91 days ago", ward(140, 91, true), nil, nil},
		{"P12", "near miss: not an inpatient stay", ward(40, 3, false), nil, nil},
		{"P12", "near miss: the receiver began 7 days after discharge", then(ward(60, 20, true), receiver(13)), nil, nil},
		{"P12", "the receiver began 8 days after discharge", then(ward(60, 20, true), receiver(12)), []string{"P12 c,ward"}, nil},

		// P13
		{"P13", "the plan is the only link", func(m *mb) { m.drop("col") }, []string{"P13 plan"}, func(m *mb) {
			m.rel("ref", "gp", "dps", stakeholder.RelRefers, 0, 0)
		}},
		{"P13", "near miss: a stale collaboration is still a link", func(m *mb) { m.r("col").Contacts = []date.Date{ago(150)} }, nil, nil},
		{"P13", "the GP is the only link to NAV", then(nav, func(m *mb) {
			m.rel("nav-gp", "gp", "nav", stakeholder.RelInforms, 30, 2)
		}), []string{"P1 dps,nav", "P13 gp"}, func(m *mb) { m.member("nav", 0) }},

		// P14
		{"P14", "strained DPS relation", func(m *mb) { m.r("s-dps").Quality = stakeholder.QualityStrained },
			[]string{"P14 c,dps"}, func(m *mb) { m.r("s-dps").Quality = stakeholder.QualityGood }},
		{"P14", "broken collaboration", func(m *mb) { m.r("col").Quality = stakeholder.QualityBroken },
			[]string{"P14 dps,gp"}, func(m *mb) { m.r("col").Quality = stakeholder.QualityGood }},
		{"P14", "near miss: quality unknown", func(m *mb) { m.r("s-dps").Quality = stakeholder.QualityUnknown }, nil, nil},
		{"P14", "near miss: strained tie with the mother, not a service", func(m *mb) { m.r("inf").Quality = stakeholder.QualityStrained }, nil, nil},
	}
}

func TestRules(t *testing.T) {
	covered := map[string][3]bool{} // fires, near miss, closed
	for _, c := range ruleCases() {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			m := good()
			c.build(m)
			gs := evaluate(t, m.d, gaps.DefaultConfig())
			want := c.want
			if want == nil {
				want = []string{}
			}
			if got := keys(gs); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			fires := slices.ContainsFunc(gs, func(g gaps.Gap) bool { return g.Rule == c.rule })
			cov := covered[c.rule]
			if fires {
				cov[0] = true
			} else {
				cov[1] = true
			}
			if c.fix != nil {
				if !fires {
					t.Fatalf("a case with a fix must fire %s", c.rule)
				}
				c.fix(m)
				if after := evaluate(t, m.d, gaps.DefaultConfig()); len(after) != 0 {
					t.Fatalf("after the next step: got %v, want none", keys(after))
				}
				cov[2] = true
			}
			covered[c.rule] = cov
		})
	}
	for _, r := range gaps.Rules() {
		if cov := covered[r.ID]; cov != [3]bool{true, true, true} {
			t.Errorf("%s: fires %v, near miss %v, closed %v: every rule needs all three", r.ID, cov[0], cov[1], cov[2])
		}
	}
}

// TestDetails checks the figures behind some gaps.
func TestDetails(t *testing.T) {
	m := good()
	m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2)
	m.r("s-dps").Contacts = []date.Date{ago(75)}
	gs := evaluate(t, m.d, gaps.DefaultConfig())

	p2 := find(gs, "P2 c")
	if p2 == nil {
		t.Fatalf("no P2 in %v", keys(gs))
	}
	// The person's neighbours: gp, dps, peer, plan, mother, nav (n = 6);
	// ties among them: gp–dps, gp–plan, dps–plan, mother–plan, mother–gp.
	wantEff := 6 - 2*5.0/6
	wantCon := 2*math.Pow(23.0/72, 2) + 2*math.Pow(1.0/4, 2) + 2*math.Pow(1.0/6, 2)
	if eff := p2.Details["effectiveSize"].(float64); math.Abs(eff-wantEff) > 1e-9 {
		t.Errorf("effective size %v, want %v", eff, wantEff)
	}
	if con := p2.Details["constraint"].(float64); math.Abs(con-wantCon) > 1e-9 {
		t.Errorf("constraint %v, want %v", con, wantCon)
	}
	if is := p2.Details["islands"]; !reflect.DeepEqual(is, [][]string{{"dps", "gp"}, {"nav"}}) {
		t.Errorf("islands %v", is)
	}
	if !strings.Contains(p2.Explanation.EN, "4.33") || !strings.Contains(p2.Explanation.NB, "4,33") {
		t.Errorf("P2 explanation should give the effective size: %q / %q", p2.Explanation.EN, p2.Explanation.NB)
	}
	p10 := find(gs, "P10 c,dps")
	if p10 == nil || p10.Details["days"] != 75 || !strings.Contains(p10.Explanation.EN, "for 75 days, more than 60 days") {
		t.Errorf("P10 details: %+v", p10)
	}
	p1 := find(gs, "P1 dps,nav")
	if p1 == nil || !strings.Contains(p1.Explanation.EN, "Specialist mental health care and the labour and welfare service (NAV)") {
		t.Errorf("P1 explanation: %+v", p1)
	}
}

// TestMoreDetails checks P12, P13 and P14 details and wording.
func TestMoreDetails(t *testing.T) {
	m := good()
	m.r("col").Quality = stakeholder.QualityStrained
	m.rel("col2", "dps", "gp", stakeholder.RelInforms, 10, 1)
	m.r("col2").Quality = stakeholder.QualityBroken // the worse quality counts
	m.actor(stakeholder.SectorSpecialistSU, "tsb").serves("tsb", 30, 29).end("s-tsb", 4)
	m.r("s-tsb").Inpatient = true
	gs := evaluate(t, m.d, gaps.DefaultConfig())
	want := []string{"P12 c,tsb", "P14 dps,gp"}
	if got := keys(gs); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	p12, p14 := gs[0], gs[1]
	if p12.Details["discharged"] != ago(4).String() || p12.Details["daysSinceDischarge"] != 4 ||
		!strings.Contains(p12.Explanation.EN, "specialised substance-use treatment ended 4 days ago") {
		t.Errorf("P12: %+v", p12)
	}
	if p14.Details["quality"] != "broken" || !reflect.DeepEqual(p14.Details["relations"], []string{"col", "col2"}) ||
		!strings.HasSuffix(p14.Explanation.EN, "is recorded as broken.") || !strings.HasSuffix(p14.Explanation.NB, "er registrert som brutt.") {
		t.Errorf("P14: %+v", p14)
	}

	// The GP out of the plan, without its collaboration and without the
	// mother's information: NAV is the only link between the GP and the DPS.
	m = good()
	m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2).
		rel("gp-nav", "gp", "nav", stakeholder.RelInforms, 10, 1).
		rel("dps-nav", "dps", "nav", stakeholder.RelInforms, 10, 1).
		drop("col", "m-gp", "inf") // the mother (informs the GP) would be a second path
	gs = evaluate(t, m.d, gaps.DefaultConfig())
	p13 := find(gs, "P13 nav")
	if p13 == nil {
		t.Fatalf("no P13 nav in %v", keys(gs))
	}
	if !reflect.DeepEqual(p13.Details["separates"], [][]string{{"dps", "gp"}}) ||
		!strings.Contains(p13.Explanation.EN, "the labour and welfare service (NAV) is the only link between primary health care (the GP) and specialist mental health care") {
		t.Errorf("P13: %+v", p13)
	}
}

func TestExampleMap(t *testing.T) {
	b, err := os.ReadFile("../mapdoc/testdata/example-map.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := loadValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := v.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// As domain.md gives it: the GP's referral to the DPS is 254 days old,
	// the DPS and the person are not in the plan, and there is no peer.
	gs, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	checkGaps(t, doc, gs)
	want := []string{"P1 dps,gp", "P5 dps,gp", "P6 dps,plan", "P8 ola", "P11 ola"}
	if got := keys(gs); !slices.Equal(got, want) {
		t.Errorf("example map: got %v, want %v", got, want)
	}

	// Extended: recent referral contact, the DPS, the person and the mother
	// (now rated highly important) in the plan, and a peer worker.
	doc.Relations[2].Contacts = append(doc.Relations[2].Contacts, date.MustParse("2026-10-15"))
	doc.Actors = append(doc.Actors, mapdoc.Actor{ID: "peer", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorPeer, Level: stakeholder.LevelService, Name: "NAME peer"})
	doc.Actor("mother").Assessment = &mapdoc.Assessment{Importance: stakeholder.High}
	for i, id := range []string{"dps", "ola", "mother"} {
		doc.Relations = append(doc.Relations, mapdoc.Relation{ID: "r" + string(rune('6'+i)), From: id, To: "plan", Type: stakeholder.RelMemberOf, ValidFrom: date.MustParse("2026-04-01")})
	}
	doc.Relations = append(doc.Relations, mapdoc.Relation{ID: "r9", From: "peer", To: "ola", Type: stakeholder.RelPeerSupport, ValidFrom: date.MustParse("2026-06-01")})
	if gs := evaluate(t, doc, gaps.DefaultConfig()); len(gs) != 0 {
		t.Errorf("extended example map: got %v, want none", keys(gs))
	}
	// A year on with nothing recorded, most of it has gone cold.
	doc.AsOf = date.MustParse("2027-11-01")
	// (The GP and the DPS still share the active plan: a working tie.)
	want = []string{"P4 plan", "P10 dps,ola", "P10 gp,ola"}
	if got := keys(evaluate(t, doc, gaps.DefaultConfig())); !slices.Equal(got, want) {
		t.Errorf("example map a year on: got %v, want %v", got, want)
	}
}

// --- identity, output, configuration ------------------------------------

func TestDeterminism(t *testing.T) {
	build := func() *mb {
		m := good()
		m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2).actor(stakeholder.SectorHousing, "house").serves("house", 100)
		m.r("s-dps").Quality = stakeholder.QualityStrained
		m.drop("m-c", "col")
		return m
	}
	first := evaluate(t, build().d, gaps.DefaultConfig())
	if len(first) < 8 {
		t.Fatalf("want a busy map, got %v", keys(first))
	}
	// The same map with actors, relations and contacts in reverse order.
	m := build()
	slices.Reverse(m.d.Actors)
	slices.Reverse(m.d.Relations)
	for i := range m.d.Relations {
		slices.Reverse(m.d.Relations[i].Contacts)
	}
	for range 3 {
		again := evaluate(t, m.d, gaps.DefaultConfig())
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("evaluations differ:\n%v\n%v", keys(first), keys(again))
		}
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(evaluate(t, build().d, gaps.DefaultConfig()))
	if string(a) != string(b) {
		t.Error("JSON of two evaluations differs")
	}

	// GapID is sha256(map id, rule, sorted actors) as documented, and
	// depends on each of them.
	sum := sha256.Sum256([]byte("m\nP1\na\nb\n"))
	if got := gaps.GapID("m", "P1", []string{"b", "a"}); got != hex.EncodeToString(sum[:])[:16] {
		t.Errorf("GapID = %s", got)
	}
	ids := map[string]bool{}
	for _, in := range [][]string{{"m", "P1", "a", "b"}, {"n", "P1", "a", "b"}, {"m", "P5", "a", "b"}, {"m", "P1", "a", "c"}, {"m", "P1", "ab"}, {"m", "P1a", "b"}} {
		ids[gaps.GapID(in[0], in[1], in[2:])] = true
	}
	if len(ids) != 6 {
		t.Errorf("GapID collides: %v", ids)
	}
	// A gap keeps its id while the rest of the map changes.
	p14 := find(first, "P14 c,dps").ID
	m = build()
	m.r("s-dps").Contacts = []date.Date{ago(70)}
	if g := find(evaluate(t, m.d, gaps.DefaultConfig()), "P14 c,dps"); g == nil || g.ID != p14 {
		t.Error("P14 changed id when another gap opened")
	}
}

func TestOutput(t *testing.T) {
	m := good()
	m.d.Coordinator = nil
	m.drop("coord")
	gs := evaluate(t, m.d, gaps.DefaultConfig())
	if len(gs) != 1 {
		t.Fatalf("got %v", keys(gs))
	}
	g := gs[0]
	b, err := json.Marshal(g.Output("nb"))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"rule": "P3", "actors": []any{"c"}, "severity": "high",
		"explanation": g.Explanation.NB, "next": "Be koordinerende enhet om å oppnevne en koordinator.", "id": g.ID}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("Output(nb) = %s", b)
	}
	if !strings.HasPrefix(string(b), `{"rule":"P3","actors":["c"],"severity":"high","explanation":`) {
		t.Errorf("field order: %s", b)
	}
	if o := g.Output("en"); o.Explanation != g.Explanation.EN || o.Next != "Ask the coordinating unit to appoint a coordinator." {
		t.Errorf("Output(en) = %+v", o)
	}
	if o := g.Output("sv"); o.Explanation != g.Explanation.EN {
		t.Error("an unknown language should fall back to English")
	}
	if g.Explanation.EN == g.Explanation.NB {
		t.Error("the Norwegian explanation is not translated")
	}
	// The full Gap marshals with both languages and its source.
	b, _ = json.Marshal(g)
	for _, k := range []string{`"id":`, `"rule":"P3"`, `"explanation":{"en":`, `"nb":`, `"next":{"en":`, `"source":`, `"details":{"longTerm":["dps","gp"]}`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("Gap JSON lacks %s: %s", k, b)
		}
	}
}

// TestRulesList checks both catalogues: ids in order, severities, no
// empty texts, and a fresh slice on every call.
func TestRulesList(t *testing.T) {
	for _, c := range []struct {
		prefix string
		rules  func() []gaps.Rule
		want   map[string]gaps.Severity
	}{
		{"P", gaps.Rules, map[string]gaps.Severity{
			"P1": gaps.SeverityMedium, "P2": gaps.SeverityHigh, "P3": gaps.SeverityHigh, "P4": gaps.SeverityMedium,
			"P5": gaps.SeverityMedium, "P6": gaps.SeverityLow, "P7": gaps.SeverityMedium, "P8": gaps.SeverityAdvisory,
			"P9": gaps.SeverityMedium, "P10": gaps.SeverityMedium, "P11": gaps.SeverityMedium, "P12": gaps.SeverityHigh,
			"P13": gaps.SeverityMedium, "P14": gaps.SeverityLow,
		}},
		{"S", gaps.SystemRules, map[string]gaps.Severity{
			"S1": gaps.SeverityMedium, "S2": gaps.SeverityLow, "S3": gaps.SeverityHigh, "S4": gaps.SeverityMedium, "S5": gaps.SeverityLow,
			"S6": gaps.SeverityLow, "S7": gaps.SeverityMedium, "S8": gaps.SeverityMedium, "S9": gaps.SeverityMedium, "S10": gaps.SeverityLow,
		}},
	} {
		rules := c.rules()
		if len(rules) != len(c.want) {
			t.Fatalf("%s rules: %d, want %d", c.prefix, len(rules), len(c.want))
		}
		for i, r := range rules {
			if r.ID != c.prefix+itoa(i+1) {
				t.Errorf("rule %d is %s", i, r.ID)
			}
			if r.Severity != c.want[r.ID] {
				t.Errorf("%s severity %s, want %s", r.ID, r.Severity, c.want[r.ID])
			}
			if r.Name == "" || r.Source == "" || r.Next.EN == "" || r.Next.NB == "" || r.Description.EN == "" || r.Description.NB == "" {
				t.Errorf("%s: empty field in %+v", r.ID, r)
			}
		}
		rules[0].Name = "changed"
		if c.rules()[0].Name == "changed" {
			t.Errorf("the %s rules share their slice", c.prefix)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestConfigValidate(t *testing.T) {
	if err := gaps.DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []func(c *gaps.Config){
		func(c *gaps.Config) { c.WorkingTieDays = 0 },
		func(c *gaps.Config) { c.LongTermDays = -1 },
		func(c *gaps.Config) { c.PlanReviewDays = 0 },
		func(c *gaps.Config) { c.ColdServesDays = 0 },
		func(c *gaps.Config) { c.ColdCoordinatorDays = 0 },
		func(c *gaps.Config) { c.ParticipationMin = 0 },
		func(c *gaps.Config) { c.ParticipationMin = 6 },
		func(c *gaps.Config) { c.ParticipationGraceDays = 0 },
		func(c *gaps.Config) { c.TransitionWindowDays = 0 },
		func(c *gaps.Config) { c.TransitionReceiverDays = 0 },
		func(c *gaps.Config) { c.TransitionWindowDays = 1_000_000 },
		func(c *gaps.Config) { c.Disabled = map[string]bool{"P15": true} },
		func(c *gaps.Config) { c.Disabled = map[string]bool{"p1": true} },
		func(c *gaps.Config) { c.Disabled = map[string]bool{"P01": true} },
		func(c *gaps.Config) { c.Disabled = map[string]bool{"S1": true} },
	}
	for i, f := range bad {
		c := gaps.DefaultConfig()
		f(&c)
		err := c.Validate()
		if !errors.Is(err, gaps.ErrInvalidConfig) {
			t.Errorf("case %d: Validate() = %v, want ErrInvalidConfig", i, err)
		}
		if _, err := gaps.Citizen(good().d, c); !errors.Is(err, gaps.ErrInvalidConfig) {
			t.Errorf("case %d: Citizen accepted an invalid config: %v", i, err)
		}
	}
	var zero gaps.Config
	if err := zero.Validate(); err == nil || strings.Count(err.Error(), ";") < 8 {
		t.Errorf("the zero Config should list every problem: %v", err)
	}
	c := gaps.DefaultConfig()
	c.Disabled = map[string]bool{"P1": true, "P14": true, "P8": false}
	c.WorkingTieDays, c.ParticipationMin = 30, 5
	if err := c.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestThresholdsAreConfigured(t *testing.T) {
	m := good()
	m.r("s-dps").Contacts = []date.Date{ago(45)}
	if gs := evaluate(t, m.d, gaps.DefaultConfig()); len(gs) != 0 {
		t.Fatalf("defaults: %v", keys(gs))
	}
	c := gaps.DefaultConfig()
	c.ColdServesDays = 44
	c.ParticipationMin = 5
	gs := evaluate(t, m.d, c)
	if got, want := keys(gs), []string{"P10 c,dps", "P11 c"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if !strings.Contains(gs[0].Explanation.EN, "more than 44 days") {
		t.Errorf("explanation should give the configured threshold: %q", gs[0].Explanation.EN)
	}
}

func TestDisabled(t *testing.T) {
	m := good()
	m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2)
	c := gaps.DefaultConfig()
	c.Disabled = map[string]bool{"P1": true, "P5": true}
	if got, want := keys(evaluate(t, m.d, c)), []string{"P2 c"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	c.Disabled["P2"] = true
	if gs := evaluate(t, m.d, c); len(gs) != 0 {
		t.Errorf("got %v, want none", keys(gs))
	}
}

func TestNotCitizenMap(t *testing.T) {
	if _, err := gaps.Citizen(nil, gaps.DefaultConfig()); !errors.Is(err, gaps.ErrNotCitizenMap) {
		t.Errorf("nil: %v", err)
	}
	m := good()
	m.d.Focus.Kind = stakeholder.FocusMunicipality
	if _, err := gaps.Citizen(m.d, gaps.DefaultConfig()); !errors.Is(err, gaps.ErrNotCitizenMap) {
		t.Errorf("municipality map: %v", err)
	}
	m = good()
	m.d.Actors = m.d.Actors[1:]
	if _, err := gaps.Citizen(m.d, gaps.DefaultConfig()); !errors.Is(err, gaps.ErrNotCitizenMap) {
		t.Errorf("no citizen: %v", err)
	}
	m = good()
	m.d.AsOf = date.Date{}
	if _, err := gaps.Citizen(m.d, gaps.DefaultConfig()); !errors.Is(err, gaps.ErrNotCitizenMap) {
		t.Errorf("no asOf: %v", err)
	}
	gs, err := gaps.Citizen(newMap().d, gaps.DefaultConfig())
	if err != nil || gs == nil || len(gs) != 0 {
		t.Errorf("empty map: %v, %v (want an empty, non-nil list)", gs, err)
	}
}

func TestConcurrent(t *testing.T) {
	m := good()
	m.actor(stakeholder.SectorWelfareWork, "nav").serves("nav", 30, 2)
	doc := valid(t, m.d)
	want, _ := gaps.Citizen(doc, gaps.DefaultConfig())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := gaps.Citizen(doc, gaps.DefaultConfig())
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("concurrent evaluation differs: %v", err)
			}
		})
	}
	wg.Wait()
}
