// Package gap is Samspill's gap service: it keeps the coordination gaps of
// every citizen map (rules P1–P14) and of every municipality's system of
// services (S1–S10) current, and publishes each gap's opening and closing,
// exactly once, to its own stream SAMSPILL_GAPS.
//
// # What it reads and writes
//
// It follows the event log (SAMSPILL_EVENTS) with a durable consumer,
// samspill-gap, into its own projection of every map (package projection),
// and keeps the last transition of every gap it has published in a ledger
// rebuilt from SAMSPILL_GAPS when it starts. It never holds map keys: a map
// is evaluated on its structure only (export.Structure: machine ids, no
// names), so its events and logs carry ids, sectors, rule texts and
// figures, never names, labels, free text or document-local ids.
//
// # When it evaluates
//
// A map is evaluated on its current state at today's date, never on past
// states: while the service replays the log at start it only collects
// which maps changed, and evaluates every map once it has caught up. After
// that a changed map is evaluated as soon as the service has caught up with
// the log, or at most SettleDelay (100 ms) after it changed while events
// keep arriving (never in the middle of an import's atomic batch). Every
// map is evaluated again every Reevaluate (a day), since rules such as P10
// (cold relation) change as days pass.
//
// Each evaluation runs gaps.Citizen on the map and compares the gaps found
// with the map's open gaps: gaps no longer found close (reason resolved),
// new ones open; closings are published before openings. A closed or
// erased map closes its open gaps (map-closed, map-erased). Municipality
// and region maps have no P rules.
//
// The system-wide rules (gaps.System) are evaluated per municipality, on a
// bundle of its open citizen maps and its organisation map exported
// without names (export.StructureBundle): every municipality at start and
// with the daily re-evaluation, and a municipality whose maps changed once
// the service has caught up, at most every SystemInterval (a minute).
//
// # Exactly once
//
// A gap's n-th transition (1 its first opening, 2 its closing, 3 a
// reopening …) is published to
// samspill.gap.<municipality|_>.<mapId|system>.<rule>.<gapId>.<opened|closed>
// with Nats-Msg-Id <gapId>:<n>, event and command ids derived from the gap
// id and n, and a guard on the stream sequence of its previous transition
// over samspill.gap.<municipality|_>.<mapId|system>.<rule>.<gapId>.* (a gap
// keeps its municipality, map and rule). If another instance got there first,
// the service reads the gap's last transition and decides again; it never
// overrides a transition that rests on a later position of the map. So a
// restart, a replay from the beginning, or two instances at once publish
// nothing twice.
//
// # Access
//
// Every query is decided by package access and audited before it is
// answered, over NATS (the principal of the request's assertion, verified
// with Config.Verifier) and HTTP (the principal access.HTTP put in the
// request's context) alike: a map's gaps are for a coordinator the map is
// assigned to, refused before the map is looked up so that a refusal tells
// nothing of whether it exists; a municipality's gaps and prevalence for an
// analyst of that municipality or an integration granted its aggregates.
// The evaluation itself reads the service's own projection and needs no
// principal.
//
// # Concurrency
//
// A Service is safe for concurrent use: queries read the ledger while the
// follower applies events and the evaluation loop publishes.
package gap
