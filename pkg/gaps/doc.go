// Package gaps finds coordination gaps: the rules P1–P14 of domain.md
// ("Coordination gaps") on a citizen map, evaluated on a map document
// (package mapdoc) at its asOf date, and the system-wide rules S1–S10 on
// the organisations of a region bundle.
//
//	gs, err := gaps.Citizen(doc, gaps.DefaultConfig())
//	for _, g := range gs {
//		out = append(out, g.Output("nb")) // {"rule", "actors", "severity", "explanation", "next", "id"}
//	}
//
//	res, err := gaps.System(bundle, gaps.DefaultSystemConfig())
//	// res.Gaps (S1–S10), res.Citizen (P-gaps per map), res.Area, res.Prevalence
//
// A [Gap] names its rule, the document-local ids of the actors it concerns
// (sorted), a severity, an explanation and a next step in English and
// Norwegian, the source of the rule and, in Details, the figures behind it.
// Explanations name sectors and roles ("specialist mental health care",
// "the coordinator", "the individual plan"), never actors' names or
// document ids, which may be personal data. [Rules] describes every rule
// (name, severity, next step, source, description) for documentation and
// the UI.
//
// # Identity
//
// A gap's ID is [GapID] of the map id, the rule and the sorted actor ids,
// and nothing else, so a finding keeps its id from one evaluation to the
// next and the gap service can publish it opened and closed under one id.
// The actors are chosen for that: one gap per pair for P1 and P14, per
// (service, coordinator) for P5, per (service, plan) for P6, per next of
// kin for P9, per (person, service) for P10 and P12, per cut vertex for
// P13, and the person alone for the map-wide findings P2, P3, P4 (no
// plan), P7, P8 and P11. A stale plan (P4) names the plan's forum.
//
// # Definitions
//
// At T, the map's asOf date, with C the actor of sector citizen:
//
//   - a relation is active when validFrom ≤ T and validTo is absent or
//     after T (validTo is the first day it no longer holds);
//   - its last contact is its latest contact date, or validFrom when it
//     has none;
//   - A(C), the person's services, are the actors other than C, of any
//     sector but citizen and informal, with an active serves relation with
//     C in either direction;
//   - LT(C), long-term services, are those of A(C) with an active serves
//     relation with C that began more than LongTermDays (90) before T;
//   - a working tie between u and v is an active collaborates,
//     coordinates, refers or informs relation between them whose last
//     contact is at most WorkingTieDays (90) before T, or active
//     membership (member-of, from the member to an actor of kind forum)
//     of one forum by both; the plan's forum counts only while the plan is
//     active;
//   - the professional graph holds every actor but C and every active
//     relation not touching C, of any type, undirected, several relations
//     between one pair being one tie;
//   - the assigned coordinator is coordinator.actor when coordinator.assigned
//     is on or before T; a coordinator is offered when coordinator.offered
//     or coordinator.declined is (an offer the person declined counts as
//     offered, as hol. § 7-2 asks for the offer);
//   - the plan is active when plan.status is active; its members are the
//     actors with an active member-of relation to plan.actor.
//
// "More than N days" is strict: N days exactly does not fire.
//
// # The rules
//
//	P1  uncoordinated co-providers   two actors of A(C) of different sectors with no working tie; one gap per pair
//	P2  citizen as broker            A(C) lies in ≥ 2 components of the professional graph; Details: components,
//	                                 islands (A(C) per component), effectiveSize and constraint of C (Burt) in the
//	                                 whole network of active relations
//	P3  no coordinator               |LT(C)| ≥ 2 and no coordinator assigned or offered
//	P4  no or stale plan             |LT(C)| ≥ 2 and the plan is neither active nor declined (a closed or absent
//	                                 plan fires); or the active plan's last review, or its creation, is more than
//	                                 PlanReviewDays (365) before T; Details: reason "none" or "stale"
//	P5  coordinator not connected    an actor of A(C) other than the assigned coordinator has no working tie with it
//	P6  plan lacks a provider        the plan is active and an actor of LT(C) is not an active member
//	P7  no GP                        A(C) is not empty and holds no primary-health actor
//	P8  no peer contact              A(C) holds specialist-mh or specialist-su, and no user-org or peer actor has
//	                                 an active relation of any type with C (advisory)
//	P9  next of kin outside          an informal actor of importance high whose latest consent is not refused
//	                                 (none recorded is not refused) has no active relation with an actor of A(C)
//	                                 and is not an active member of the active plan
//	P10 cold relation                an active serves relation between C and an actor of A(C) has its last
//	                                 contact more than ColdServesDays (60) before T; or the coordinator's latest
//	                                 contact with C over all their relations, ended ones included, and never
//	                                 earlier than its assignment, is more than ColdCoordinatorDays (30) before T;
//	                                 one gap per actor; Details: days, relations, coordinatorDays
//	P11 low participation            the latest participation (by date) is below ParticipationMin (3); or none is
//	                                 recorded and an active serves relation between C and an actor of A(C) began
//	                                 more than ParticipationGraceDays (180) before T; or the plan is active and C
//	                                 is not an active member; Details: reasons, level
//	P12 transition without receiver  a serves relation between C and a specialist-mh or specialist-su actor,
//	                                 marked inpatient, ended on day D with T − TransitionWindowDays (90) ≤ D ≤ T,
//	                                 and no municipal-mh-su or municipal-care actor has a serves relation with C
//	                                 that began by D + TransitionReceiverDays (7) and had not ended before D;
//	                                 it fires from the day of discharge until a receiver is recorded
//	P13 single point of failure      removing one actor of the professional graph disconnects two actors of A(C)
//	                                 of different sectors that were connected; Details: separates (the pairs)
//	P14 strained tie                 an active relation between two actors of A(C), or between C and one, has
//	                                 quality strained or broken; one gap per pair; Details: quality, relations
//
// Facts dated after T (a participation assessment, a consent, a
// coordinator's assignment) are ignored; a document that mapdoc has
// validated holds none.
//
// # Configuration
//
// Every threshold is a field of [Config]; [DefaultConfig] returns
// domain.md's defaults and [Config.Validate] checks a changed one (day
// thresholds 1–36,600, ParticipationMin 1–5, only known rule ids in
// Disabled). Config.Disabled switches rules off by id. [Citizen] refuses
// an invalid Config. The system rules' thresholds are the fields of
// [SystemConfig]; [SystemConfig.Validate] names every problem (a K below 5
// is refused) and [System] refuses an invalid SystemConfig.
//
// # Severity
//
// See [Rules]: high for P2, P3 and P12; medium for P1, P4, P5, P7, P9, P10,
// P11 and P13; low for P6 and P14; advisory for P8. See [SystemRules]: high
// for S3; medium for S1, S4, S7, S8 and S9; low for S2, S5, S6 and S10.
//
// # System-wide rules
//
// [System] evaluates the citizen rules on every map of a bundle and the
// rules S1–S10 ([SystemRules]) on the area the bundle covers, with the
// thresholds of a [SystemConfig] ([DefaultSystemConfig]; the citizen
// rules' Config is its Citizen field). It returns a [SystemResult]:
//
//   - Area ([Area]): the organisations of the area (the directory entries
//     of its municipalities and those a map points at) and every pair of
//     them that shares citizens, has referral or information flows, or an
//     agreement: shared caseload and collaborating maps (a working tie
//     between their actors, as the citizen rules define it), flows per
//     direction, agreements from the organisation map. Two organisations
//     are tied in the organisation graph ([Area.Network]) when they
//     collaborate on at least TieCitizens maps or have an active
//     agreement; coordinating and governing bodies (sector governance)
//     are left out of the graph, whose groups are sector groups;
//   - Gaps: S1–S10, sorted by rule, then actors (directory ids);
//   - Citizen ([MapGaps]): the P-gaps of each citizen map;
//   - Prevalence ([Prevalence]): the S9 table, per municipality, then per
//     organisation, each rule P1–P14.
//
// Every count of 1 to K−1 citizens' maps (K at least 5) is suppressed
// wherever it would appear: 0 and a Suppressed flag in the area and the
// table, "fewer than K" in explanations and a <key>Suppressed detail in
// gaps. A system gap's id is [GapID] of the area's scope ("system/" and
// the municipalities joined by "+"), the rule and its keys: its actors,
// or for S2 and S6 the group, S3 the required pair, S9 the municipality
// and the rule. docs/gaps.md describes each rule with its thresholds.
//
// The organisation graph is measured once with [measures.ComputeWith]
// without betweenness and Burt's measures: brokerage, O(Σ deg²), and
// linear passes.
//
// # Concurrency
//
// Citizen and System only read the document or bundle and keep no state
// between calls; they may be called from several goroutines at once on
// one document or bundle.
//
// The structural-hole measures of P2 are a small private copy; they will
// be replaced by pkg/measures.
package gaps
