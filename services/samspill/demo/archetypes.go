package demo

import (
	"math/rand/v2"
	"sort"
)

// How a map's services are tied to each other.
type tieMode int

const (
	// tiePlan: every service is a member of the active individual plan,
	// and a ring of direct relations keeps the network whole without it.
	tiePlan tieMode = iota
	// tieGroup: a responsibility group (ansvarsgruppe, a forum that is not
	// the plan) with every service, and the ring.
	tieGroup
	// tieDirect: every pair of services has a direct working relation.
	tieDirect
	// tieIslands: health services and welfare services are each tied
	// among themselves, but not to each other (P2).
	tieIslands
	// tieBridge: like tieIslands, but one professional is tied to both
	// sides and is the only link between them (P13).
	tieBridge
)

// The state of the individual plan.
type planMode int

const (
	planActive   planMode = iota // created, all members, reviewed within a year
	planStale                    // active, last review more than a year ago (P4)
	planDeclined                 // the person declined a plan
	planNone                     // never offered (P4 when two long-term services)
	planClosed                   // an earlier plan was closed, none since (P4)
)

// The coordinator.
type coordMode int

const (
	coordService  coordMode = iota // a long-term service is assigned, tied to all
	coordOffered                   // offered, not (yet) assigned
	coordDeclined                  // offered and declined by the person
	coordNone                      // never offered (P3)
	coordExternal                  // a new coordinator from the coordinating unit, tied to some services only (P5)
)

// Peer or user-organisation contact.
type peerMode int

const (
	peerAuto  peerMode = iota // present whenever a specialist service is, sometimes otherwise
	peerNone                  // none (P8 with a specialist service)
	peerEnded                 // there was one, it ended (P8)
)

// Participation of the person.
type partMode int

const (
	partGood      partMode = iota // latest level 3–5 (4–5 in well-coordinated maps)
	partLow                       // latest level 1–2 (P11)
	partNone                      // never recorded (P11)
	partNotMember                 // the person is not a member of the active plan (P11)
)

// Inpatient episodes.
type dischargeMode int

const (
	dischargeAuto     dischargeMode = iota // maybe an old episode, or a recent one with municipal follow-up
	dischargeGapNone                       // recent discharge, no municipal service at all (P12)
	dischargeGapLate                       // recent discharge, municipal service came too late (P12)
	dischargeGapEnded                      // recent discharge, home nursing had ended before it (P12)
)

// Strained relations.
type strainMode int

const (
	strainNone    strainMode = iota
	strainServes             // a serves relation is strained or broken from the start (P14)
	strainUpdated            // a serves relation became strained later (P14)
	strainTie                // a tie between two of the person's services is broken (P14)
)

// design is what a citizen map is built to show.
type design struct {
	name      string
	rules     []string
	tie       tieMode
	plan      planMode
	coord     coordMode
	peer      peerMode
	part      partMode
	discharge dischargeMode
	strain    strainMode
	healthy   bool
	noGP      bool // P7
	// specialist forces a specialist service (P8).
	specialist bool
	// outsider adds a new service outside the plan that is tied to the
	// coordinator and one more service only (P1).
	outsider bool
	// nonMemberLT leaves a long-term service out of the active plan; it is
	// tied directly to every other service (P6).
	nonMemberLT bool
	// kinOutside adds a next of kin of high importance with no tie to any
	// service (P9).
	kinOutside bool
	coldServes bool // a serves relation without contact for over 60 days (P10)
	coldCoord  bool // the coordinator's last contact is 31–58 days ago (P10)
	minK, maxK int  // number of current services
	noLarge    bool
	tinyOK     bool // may have a single service (and then no plan or coordinator)
}

// archetype is one kind of citizen map with its share of the data set.
type archetype struct {
	name   string
	weight int // out of 240
	rules  []string
	setup  func(d *design, r *rand.Rand)
}

// archetypes lists the kinds of citizen maps. Weights add up to 240: 72
// well-coordinated maps (30 %) and 168 maps that each show one or two gaps.
func archetypes() []archetype {
	return []archetype{
		{"well-coordinated", 72, nil, func(d *design, r *rand.Rand) { d.healthy = true }},
		{"new-service-outside", 10, []string{"P1"}, func(d *design, r *rand.Rand) {
			d.outsider = true
			d.minK = 3
		}},
		{"islands", 10, []string{"P1", "P2"}, func(d *design, r *rand.Rand) {
			d.tie, d.plan = tieIslands, planDeclined
			d.coord = coordOffered
			if r.IntN(2) == 0 {
				d.coord = coordDeclined
			}
			d.minK, d.maxK, d.noLarge = 3, 6, true
		}},
		{"no-coordinator", 10, []string{"P3"}, func(d *design, r *rand.Rand) {
			d.coord = coordNone
			if r.IntN(2) == 0 {
				d.tie, d.plan = tieGroup, planDeclined
			}
		}},
		{"no-or-stale-plan", 12, []string{"P4"}, func(d *design, r *rand.Rand) {
			switch r.IntN(3) {
			case 0:
				d.tie, d.plan = tieGroup, planNone
			case 1:
				d.plan = planStale
			default:
				d.tie, d.plan = tieGroup, planClosed
			}
		}},
		{"no-coordinator-no-plan", 8, []string{"P3", "P4"}, func(d *design, r *rand.Rand) {
			d.tie, d.plan, d.coord = tieGroup, planNone, coordNone
		}},
		{"coordinator-not-connected", 10, []string{"P5"}, func(d *design, r *rand.Rand) {
			d.coord = coordExternal
		}},
		{"plan-lacks-provider", 10, []string{"P6"}, func(d *design, r *rand.Rand) {
			d.nonMemberLT = true
			d.minK = 3
		}},
		{"no-gp", 10, []string{"P7"}, func(d *design, r *rand.Rand) {
			d.noGP, d.tinyOK = true, true
		}},
		{"no-peer", 10, []string{"P8"}, func(d *design, r *rand.Rand) {
			d.specialist = true
			d.peer = peerNone
			if r.IntN(3) == 0 {
				d.peer = peerEnded
			}
		}},
		{"next-of-kin-outside", 10, []string{"P9"}, func(d *design, r *rand.Rand) {
			d.kinOutside, d.tinyOK = true, true
		}},
		{"cold-relation", 10, []string{"P10"}, func(d *design, r *rand.Rand) {
			if r.IntN(5) < 3 {
				d.coldServes, d.tinyOK = true, true
			} else {
				d.coldCoord = true
			}
		}},
		{"low-participation", 10, []string{"P11"}, func(d *design, r *rand.Rand) {
			d.part = []partMode{partLow, partNone, partNotMember}[r.IntN(3)]
			d.tinyOK = d.part != partNotMember
		}},
		{"transition-without-receiver", 10, []string{"P12"}, func(d *design, r *rand.Rand) {
			d.tie, d.plan = tieDirect, planDeclined
			d.coord = coordOffered
			if r.IntN(2) == 0 {
				d.coord = coordService
			}
			d.discharge = []dischargeMode{dischargeGapNone, dischargeGapLate, dischargeGapEnded}[r.IntN(3)]
			d.minK, d.maxK, d.noLarge = 2, 4, true
		}},
		{"single-point-of-failure", 10, []string{"P1", "P13"}, func(d *design, r *rand.Rand) {
			d.tie, d.plan = tieBridge, planDeclined
			d.minK, d.maxK, d.noLarge = 2, 6, true
		}},
		{"strained-tie", 10, []string{"P14"}, func(d *design, r *rand.Rand) {
			d.strain = []strainMode{strainServes, strainUpdated, strainTie}[r.IntN(3)]
			d.tinyOK = d.strain != strainTie
		}},
		{"no-gp-kin-outside", 6, []string{"P7", "P9"}, func(d *design, r *rand.Rand) {
			d.noGP, d.kinOutside, d.tinyOK = true, true, true
		}},
		{"specialist-alone-strained", 6, []string{"P8", "P14"}, func(d *design, r *rand.Rand) {
			d.specialist, d.peer = true, peerNone
			d.strain = []strainMode{strainServes, strainUpdated, strainTie}[r.IntN(3)]
		}},
		{"cold-and-passive", 6, []string{"P10", "P11"}, func(d *design, r *rand.Rand) {
			d.coldServes = true
			d.part = partLow
		}},
	}
}

// deck returns the archetype of each of n citizen maps: counts in fixed
// proportions (largest remainder), order shuffled by r.
func deck(n int, r *rand.Rand) []int {
	as := archetypes()
	total := 0
	for _, a := range as {
		total += a.weight
	}
	counts := make([]int, len(as))
	type rem struct {
		i    int
		frac int
	}
	var rems []rem
	sum := 0
	for i, a := range as {
		counts[i] = n * a.weight / total
		sum += counts[i]
		rems = append(rems, rem{i, n * a.weight % total})
	}
	sort.SliceStable(rems, func(x, y int) bool { return rems[x].frac > rems[y].frac })
	for k := 0; sum < n; k++ {
		counts[rems[k%len(rems)].i]++
		sum++
	}
	out := make([]int, 0, n)
	for i, c := range counts {
		for range c {
			out = append(out, i)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
