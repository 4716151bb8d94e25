// Package render draws Samspill's maps as Graphviz DOT (package dot): pure
// functions from documents to bytes, the same bytes for the same input.
// Package draw turns the bytes into SVG, PNG or PDF.
//
//	b, err := render.PersonMap(doc, openGaps, render.Options{Lang: "nb"})
//	b, err := render.SystemMap(res, render.Options{})            // res from gaps.System
//	b, err := render.ChangeMap(before, after, render.Options{})
//
// # The person's map
//
// [PersonMap] draws one citizen map in the tradition of ecomaps and network
// maps (Hartman's ecomap, easyNWK, the Net-Map toolkit): the person in the
// centre, every other actor in the angular sector of its sector group
// (primary care, psychiatry, NAV and social services, other services and
// forums, user organisations and peers, the informal network), at a
// distance by its importance to the person: high importance in the
// innermost band, then medium, low and not assessed, with a dashed circle
// between bands and the band's name in it. Each sector group has its
// colour (the Tableau colours of docs/gaps.md), drawn as a light fill and
// a full-colour border so that black text stays readable in colour and in
// greyscale, and its name at the outer edge of its sector, so the groups
// can be told apart without colour. The coordinator has a double border
// and a "coordinator" line; the plan's forum is a note with the plan's
// status. Relations active at asOf are straight lines, one per pair of
// actors (the type drawn is the first of coordinates, collaborates,
// refers, informs, agreement, member-of, serves, peer-support, family;
// the others are named in the line's tooltip): each relation type has its
// own dash pattern, thickness, line count or end marks, and the quality
// its colour plus a mark in the middle of the line (~ strained, ×
// broken; grey when not assessed); refers and informs have arrows. The
// legend beside the map explains the line styles, marks and groups the
// map shows, and only those.
//
// The open gaps are numbered in the order given and listed beside the map
// (rule, explanation and next step in the chosen language). On the map, a
// missing tie (P1, P5) is a dashed dark-red line between the two services
// with a badge holding the gap's number; the single point of failure (P13)
// and the person as broker (P2) are ringed in dark red and carry the
// badge; every other gap puts its number in a badge on the actors it
// names — the person's own gaps on the person, and for a gap naming the
// person and a service (P10, P12, P14) on the service only.
//
// # Layout
//
// The pictures are laid out here, not by a Graphviz engine: every node is
// pinned (neato, pos with "!", inputscale 72) at a place computed from an
// estimate of its label's size — Helvetica's widths, bold where bold,
// rounded up, wider than Graphviz's own estimate — and written with that
// size as its minimum width and height. On the person's map the actors are
// placed band by band from the centre, each at its place in its group's
// sector and pushed outwards along its ray until its box clears every box
// already placed; an actor with a line to the person moves a little
// sideways when that line would pass under another actor. The bands are
// ellipses half again as wide as high, which suits wide labels. Marks on
// lines (gap numbers, qualities, changes) and band names go to the free
// spot nearest the middle of their line or the top of their circle. The
// list of gaps and the legend go in columns to the right of the map. Lines
// are straight (splines=false) and drawn before the nodes. So no two
// boxes overlap by construction, at 8 actors as at 40, and the picture
// depends on no engine's iterations or random start.
//
// # The system map
//
// [SystemMap] draws the organisations of a [gaps.SystemResult] grouped by
// sector group: each group is a box (a pinned, unfilled node behind its
// organisations, with the group's name on top) holding its organisations
// in a grid, the boxes placed around an empty centre the way the person's
// map places actors. Graphviz's own clusters were tried and left: neato in
// Graphviz 12 (go-graphviz) does not draw them, fdp does not keep pinned
// nodes inside them, and dot's and osage's layouts of the demo region
// were a tangle of loops. A line joins two organisations that share at
// least k citizens: its width grows with the number shared, its colour and
// dash pattern give the share of those citizens whose maps record a
// collaboration tie (five steps from light orange to dark blue, monotone
// in lightness, dashed below 40 %), and an active agreement makes it a
// double line. A pair whose counts are suppressed is never a line, and
// only k-safe figures appear in labels and tooltips (a suppressed count
// reads "fewer than k"). An agreement shows only on a line, so a pair
// without k-safe shared caseload is not drawn even when it has one: the
// absence of a line cannot reveal a suppressed count. Gaps: shared
// caseload without collaboration
// (S1), a fragile tie (S4), a missing or expired agreement (S8) and
// one-way flows (S10, with an arrow; a line of its own when the pair
// shares no k-safe caseload) put their number on the line; sector silos
// (S2, the group's box dashed in dark red), missing sector pairs (S3) and
// sectors without boundary spanners (S6) on the groups' names; a fragile
// organisation (S4), broker dependence (S5) and user organisations left
// out (S7) on the organisation, ringed; prevalence (S9) is listed only.
// Coordinating and governing bodies, which the organisation graph leaves
// out, are drawn only when a gap names them.
//
// # The change map
//
// [ChangeMap] overlays two documents of one map: what was added is green
// and marked "new", what ended or was removed is grey, dashed and struck
// through, what changed is orange with what changed ("quality: good →
// strained"), the rest as on the person's map.
//
// # Texts
//
// Names come from the documents as they are (the coordinator needs them;
// an erased map's "[erased]" is drawn as such), with invalid UTF-8,
// control characters and line breaks made spaces, since DOT cannot hold
// the former and the layout wraps lines itself. Every other text is in
// the language of [Options] (English or bokmål): sector and group names,
// the gap list (the rules' names, package gaps' explanations and next
// steps), the legend, the title. [Options].Title replaces the title.
//
// # Determinism
//
// Everything is iterated in document order or sorted; maps are only looked
// up; numbers are written by package dot with at most three decimals. The
// same input gives byte-identical DOT.
package render
