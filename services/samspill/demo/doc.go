// Package demo generates a deterministic demo region for Samspill: the
// commands that build a directory, three municipality maps and a few
// hundred citizen maps, ready to be sent to the command service in order.
//
// # The region
//
// Three real municipalities (real numbers and names) in the catchment area
// of Vestre Viken HF: 3201 Bærum, 3203 Asker and 3301 Drammen. The
// organisations and services are fictional but plausible. Each municipality
// has 4–6 GP offices ("Fastlegekontor Sentrum, Asker"), an emergency
// primary care unit, a municipal mental-health and substance-use service, a
// low-threshold service, home nursing, a NAV office with its social
// services, a housing office, a coordinating unit, adult education, a
// volunteer centre or clubhouse and one or two user-organisation chapters
// (Mental Helse, A-larm, RIO); Bærum and Drammen have a police or probation
// unit (Asker shares Bærum's). Regional specialist services: two DPS (Asker
// and Bærum share one), a TSB unit, a LAR clinic and a FACT team, all under
// the health trust.
//
// Each municipality map holds the municipality's organisations and the
// regional ones, formal agreements (relation type agreement, formalised)
// and a system-level forum (Samhandlingsutvalget). Drammen is built to give
// the system-wide rules something to find: it lacks agreements between the
// municipality and specialist substance-use services, between mental
// health and NAV, between mental health and housing and with the user
// organisations (S3, S8), and its user organisations sit in no forum and
// have no ties (S7). Bærum's NAV–DPS agreement has expired (S8).
//
// # Citizen maps
//
// Every citizen map is built from an archetype, drawn in fixed proportions
// (largest remainder over Options.Citizens, order shuffled by the seed).
// Out of 240:
//
//	72  well coordinated: GP, coordinator assigned (a long-term service tied
//	    to every other directly and through the plan), an active plan
//	    reviewed within a year with every service and the person as members,
//	    recent contacts, participation 4–5, peer contact when a specialist
//	    service takes part; no gaps
//	10  P1         a new service outside the plan, tied to the coordinator and one more
//	10  P1+P2      health services and welfare services in separate islands
//	10  P3         no coordinator offered or assigned
//	12  P4         no plan, a plan not reviewed for over a year, or a closed plan
//	 8  P3+P4      a responsibility group, but neither coordinator nor plan
//	10  P5         a new coordinator from the coordinating unit tied to some services only
//	10  P6         a long-term service left out of the active plan
//	10  P7         no GP
//	10  P8         specialist services, no peer or user-organisation contact
//	10  P9         a close relative of high importance outside every service
//	10  P10        a serves relation without contact for 65–200 days, or a coordinator silent for 31–58 days
//	10  P11        participation 1–2, none recorded, or the person outside the plan
//	10  P12        discharged from DPS or TSB inpatient care with no municipal service by day 7
//	10  P1+P13     one professional is the only link between health and welfare services
//	10  P14        a strained or broken serves relation or tie between services
//	 6  P7+P9, 6 P8+P14, 6 P10+P11
//
// Dataset.Expect records, per citizen map, the rules it was built to show.
// The package's tests evaluate the P-rules of domain.md independently on
// every map and require exactly those gaps, no more and no fewer, so maps
// also carry near misses that must not fire: old inpatient stays, recent
// stays with a municipal service in place, relatives of high importance who
// refused consent, strained family relations, ended peer contacts.
//
// Networks vary from 3 actors (the person, one service, one relative) to
// about 25, with a few of 30–40. Relatives and friends have Norwegian first
// names and a role ("Kari (mor)"); relatives are joined to the person by
// family relations, friends and neighbours by peer-support (informal
// support). Named professionals are members of the service they work in.
// Serves relations run from the service to the person. People are shown by
// first name and initial ("Ola N."); no string holds anything like an
// identity number.
//
// # Determinism
//
// Every id is a name-based UUID derived from the seed (ids the national-id
// screen could mistake for a number are skipped), every random choice comes
// from a PCG stream of the seed and the map's index, and every command
// carries a command id, so loading the same data set twice writes nothing
// new. All valid times lie within the three years before Options.Today and
// before it; the commands of a map are in valid-time order.
package demo
