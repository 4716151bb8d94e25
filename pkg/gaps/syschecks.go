package gaps

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/measures"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// On the organisation graph the group of an organisation is its sector
// group (primary care, psychiatry, NAV, user organisations, other
// services, voluntary organisations), not its sector: an area has only one
// or two organisations of most sectors, and a single organisation can be
// neither a silo (S2) nor a boundary spanner of its own sector (S6).
//
// Coordinating and governing bodies (sector governance: the municipality,
// the health trust, the coordinating unit) are left out of the
// organisation graph. Their agreements are the frame of the services'
// collaboration rather than part of it; with them in, the municipality,
// which signs an agreement with every GP office, would look like the hub
// of everything, and they would form a "silo" of three.

// groupText names a sector group.
func groupText(g stakeholder.Group) Text {
	switch g {
	case stakeholder.GroupPrimaryCare:
		return Text{"primary care and the municipal health and care services", "primærhelsetjenesten og de kommunale helse- og omsorgstjenestene"}
	case stakeholder.GroupPsychiatry:
		return Text{"specialist mental health and substance-use care", "psykisk helsevern og TSB i spesialisthelsetjenesten"}
	case stakeholder.GroupNAV:
		return Text{"NAV and the social services", "NAV og sosialtjenesten"}
	case stakeholder.GroupUserOrgs:
		return Text{"user organisations and peer workers", "brukerorganisasjoner og erfaringskonsulenter"}
	case stakeholder.GroupOtherService:
		return Text{"other services (housing, justice, school and work)", "andre tjenester (bolig, justis, skole og arbeid)"}
	case stakeholder.GroupInformal:
		return Text{"voluntary organisations", "frivillige organisasjoner"}
	case stakeholder.GroupSystem:
		return Text{"coordinating and governing bodies", "koordinerende og styrende organer"}
	}
	return Text{string(g), string(g)}
}

// measure computes the organisation graph's measures once: brokerage,
// per-group E-I and separations; no betweenness, which the rules do not
// use and which grows as n·m.
func (s *system) measure() {
	// The network is built from the area's own ids, so it is valid.
	s.m, _ = measures.ComputeWith(s.area.Network(), measures.Options{SkipBetweenness: true, SkipStructuralHoles: true, Separations: true})
}

// graphed reports whether an organisation is a vertex of the organisation
// graph.
func (s *system) graphed(id string) bool { return graphed(s.sector(id)) }

// cell shows a count of citizens: itself when 0 or at least K, else
// "fewer than K".
func (s *system) cell(n int) Text {
	if n > 0 && n < s.cfg.K {
		return fragf("fewer than %d", "færre enn %d", s.cfg.K)
	}
	return Text{strconv.Itoa(n), strconv.Itoa(n)}
}

// putCell adds a count to details, or marks it suppressed.
func (s *system) putCell(details map[string]any, key string, n int) {
	if n > 0 && n < s.cfg.K {
		details[key+"Suppressed"] = true
		return
	}
	details[key] = n
}

func percent(x float64) Text {
	p := strconv.Itoa(int(math.Round(100 * x)))
	return Text{p + " %", p + " %"}
}

// groups returns the organisations of the organisation graph by sector
// group.
func (s *system) groups() map[stakeholder.Group][]string {
	out := map[stakeholder.Group][]string{}
	for _, id := range s.orgs {
		if !s.graphed(id) {
			continue
		}
		g := s.sector(id).Group()
		out[g] = append(out[g], id)
	}
	return out
}

// sortedGroups returns the keys of m in the order of domain.md's sectors.
func sortedGroups(m map[stakeholder.Group][]string) []stakeholder.Group {
	var gs []stakeholder.Group
	for g := range m {
		gs = append(gs, g)
	}
	rank := func(g stakeholder.Group) int {
		for i, sec := range stakeholder.Sectors() {
			if sec.Group() == g {
				return i
			}
		}
		return len(stakeholder.Sectors())
	}
	slices.SortFunc(gs, func(a, b stakeholder.Group) int { return rank(a) - rank(b) })
	return gs
}

// s1: shared caseload without collaboration.
func (s *system) s1() {
	for _, p := range s.area.Pairs {
		if p.Shared == 0 {
			continue // none shared, or suppressed
		}
		share := float64(s.collab[[2]string{p.A, p.B}]) / float64(p.Shared)
		if share >= s.cfg.CollaborationShareMin {
			continue
		}
		c := s.collab[[2]string{p.A, p.B}]
		details := map[string]any{"shared": p.Shared}
		s.putCell(details, "collaborating", c)
		s.add("S1", []string{p.A, p.B}, nil, textf(
			"%s and %s serve %d of the same citizens; %s of those maps record a working tie between them (the rule asks for %s).",
			"%s og %s gir tjenester til %d av de samme innbyggerne; %s av disse kartene viser en arbeidsrelasjon mellom dem (regelen krever %s).",
			s.orgText(p.A), s.orgText(p.B), p.Shared, s.cell(c), percent(s.cfg.CollaborationShareMin)), details)
	}
}

// s2: a sector group whose E-I index is below its value under random
// mixing.
func (s *system) s2() {
	byGroup := s.groups()
	for _, g := range sortedGroups(byGroup) {
		orgs := byGroup[g]
		ei, ok := s.m.Network.EIByGroup[string(g)]
		exp := s.m.Network.EIExpectedByGroup[string(g)]
		// E-I indices are rationals rounded to 12 digits: compare with a
		// tolerance, so that exactly the margin (0.30 against 0.40) does
		// not fire on the rounding of 0.40 − 0.10.
		if len(orgs) < s.cfg.SectorMinOrganisations || !ok || exp-ei <= s.cfg.EIMargin+1e-9 {
			continue
		}
		s.add("S2", orgs, []string{"group:" + string(g)}, textf(
			"The organisations of %s (%d in the area) have relatively more ties among themselves than to other sectors: their E-I index is %s, below the %s expected if ties were formed at random.",
			"Virksomhetene i %s (%d i området) har relativt flere forbindelser seg imellom enn til andre sektorer: E-I-indeksen er %s, lavere enn %s, som er forventet om forbindelsene var tilfeldige.",
			groupText(g), len(orgs), number(ei), number(exp)),
			map[string]any{"group": string(g), "eiIndex": ei, "eiExpected": exp, "organisations": len(orgs)})
	}
}

// s3: required sector pairs with no tie across.
func (s *system) s3() {
	for _, rp := range s.cfg.RequiredPairs {
		var as, bs []string
		for _, id := range s.orgs {
			sec := s.sector(id)
			if slices.Contains(rp.A, sec) {
				as = append(as, id)
			}
			if slices.Contains(rp.B, sec) {
				bs = append(bs, id)
			}
		}
		if len(as) == 0 && len(bs) == 0 {
			continue
		}
		ties := 0
		for _, p := range s.area.Pairs {
			if p.Tie && rp.has(s.sector(p.A), s.sector(p.B)) {
				ties++
			}
		}
		if ties > 0 {
			continue
		}
		details := map[string]any{"pair": rp.Name.EN, "organisationsA": len(as), "organisationsB": len(bs), "density": 0}
		var why Text
		switch {
		case len(as) == 0 || len(bs) == 0:
			why = textf("The area has no organisation on one side of %s, so the two cannot work together.",
				"Området har ingen virksomhet på den ene siden av %s, så de to kan ikke samarbeide.", rp.Name)
		default:
			why = textf("No organisation of %s is tied to another across the pair (%d and %d organisations): none collaborates with the other side on at least %d citizens' maps, and there is no agreement.",
				"Ingen virksomhet i %s har en forbindelse over til den andre siden (%d og %d virksomheter): ingen samarbeider med den andre siden på minst %d innbyggeres kart, og det finnes ingen avtale.",
				rp.Name, len(as), len(bs), s.cfg.TieCitizens)
		}
		actors := slices.Compact(slices.Sorted(slices.Values(slices.Concat(as, bs))))
		s.add("S3", actors, []string{"pair:" + rp.Name.EN}, why, details)
	}
}

// s4: organisations and ties that are the only connection between two
// sector groups.
func (s *system) s4() {
	points := map[string]bool{}
	for _, sep := range s.m.Network.Separations {
		if len(sep.Cut) == 1 {
			points[sep.Cut[0]] = true
		}
	}
	for _, sep := range s.m.Network.Separations {
		lost := make([]string, len(sep.Lost))
		for i, p := range sep.Lost {
			lost[i] = p[0] + "–" + p[1]
		}
		between := lostText(sep.Lost)
		details := map[string]any{"lost": lost}
		switch len(sep.Cut) {
		case 1:
			s.add("S4", sep.Cut, nil, textf("%s is the only connection between %s.",
				"%s er eneste forbindelse mellom %s.",
				s.orgText(sep.Cut[0]), between), details)
		case 2:
			if points[sep.Cut[0]] || points[sep.Cut[1]] {
				continue // reported with the organisation at its end
			}
			s.add("S4", sep.Cut, nil, textf("The tie between %s and %s is the only connection between %s.",
				"Forbindelsen mellom %s og %s er eneste forbindelse mellom %s.",
				s.orgText(sep.Cut[0]), s.orgText(sep.Cut[1]), between), details)
		}
	}
}

// lostText names the group pairs a cut separates: "X and Y, Z" when one
// group is in every pair, else "X and Y; Z and W".
func lostText(lost [][2]string) Text {
	count := map[string]int{}
	for _, p := range lost {
		count[p[0]]++
		count[p[1]]++
	}
	for g, n := range count {
		if n < len(lost) || len(lost) < 2 {
			continue
		}
		var en, nb []string
		for _, p := range lost {
			o := p[0]
			if o == g {
				o = p[1]
			}
			t := groupText(stakeholder.Group(o))
			en, nb = append(en, t.EN), append(nb, t.NB)
		}
		return fragf("%s on one side and the other groups on the other (%s)", "%s på den ene siden og de andre gruppene på den andre (%s)", groupText(stakeholder.Group(g)),
			Text{joinList(en, "and"), joinList(nb, "og")})
	}
	var en, nb []string
	for _, p := range lost {
		t := fragf("%s on one side and %s on the other", "%s på den ene siden og %s på den andre", groupText(stakeholder.Group(p[0])), groupText(stakeholder.Group(p[1])))
		en, nb = append(en, t.EN), append(nb, t.NB)
	}
	return Text{strings.Join(en, "; "), strings.Join(nb, "; ")}
}

// s5: one organisation holds most of the liaison and gatekeeper brokerage.
func (s *system) s5() {
	total, best, bestID := 0, -1, ""
	for _, id := range s.orgs {
		b := s.m.Actors[id].Brokerage
		n := b.Liaison + b.Gatekeeper
		total += n
		if n > best {
			best, bestID = n, id
		}
	}
	if total < s.cfg.BrokerageMinPaths || bestID == "" {
		return
	}
	share := float64(best) / float64(total)
	if share <= s.cfg.BrokerageShareMax {
		return
	}
	s.add("S5", []string{bestID}, nil, textf(
		"%s brokers %s of the area's liaison and gatekeeper paths (%d of %d): the collaboration between the others depends on it.",
		"%s megler %s av områdets forbindelser som forbindelsesledd og portvakt (%d av %d): samarbeidet mellom de andre er avhengig av den.",
		s.orgText(bestID), percent(share), best, total),
		map[string]any{"brokered": best, "total": total, "share": share})
}

// s6: a sector group none of whose organisations is a gatekeeper or
// representative.
func (s *system) s6() {
	byGroup := s.groups()
	for _, g := range sortedGroups(byGroup) {
		orgs := byGroup[g]
		if len(orgs) < s.cfg.SectorMinOrganisations {
			continue
		}
		spans := 0
		for _, id := range orgs {
			b := s.m.Actors[id].Brokerage
			spans += b.Gatekeeper + b.Representative
		}
		if spans > 0 {
			continue
		}
		s.add("S6", orgs, []string{"group:" + string(g)}, textf(
			"None of the %d organisations of %s links the group to the others as a gatekeeper or representative.",
			"Ingen av de %d virksomhetene i %s knytter gruppen til de andre som portvakt eller representant.",
			len(orgs), groupText(g)), map[string]any{"group": string(g), "organisations": len(orgs)})
	}
}

// s7: user organisations without ties or outside every system forum.
func (s *system) s7() {
	hasMap := s.b.OrganisationMap != nil
	for _, o := range s.area.Organisations {
		if o.Sector != stakeholder.SectorUserOrg {
			continue
		}
		noForum := hasMap && o.Forums == 0
		if o.Ties > 0 && !noForum {
			continue
		}
		var why Text
		switch {
		case o.Ties == 0 && noForum:
			why = textf("%s has no tie to any other organisation and sits in no system-level forum.",
				"%s har ingen forbindelse til andre virksomheter og sitter ikke i noe forum på systemnivå.", s.orgText(o.ID))
		case o.Ties == 0:
			why = textf("%s has no tie to any other organisation.", "%s har ingen forbindelse til andre virksomheter.", s.orgText(o.ID))
		default:
			why = textf("%s sits in no system-level forum of the area.", "%s sitter ikke i noe forum på systemnivå i området.", s.orgText(o.ID))
		}
		s.add("S7", []string{o.ID}, nil, why, map[string]any{"ties": o.Ties, "forums": o.Forums})
	}
}

// s8: organisations that share citizens across a required sector pair
// that no valid agreement covers. An agreement between any organisation of
// one side and any of the other covers the pair for the whole area, as
// the agreements between a municipality and a health trust cover their
// services; a pair whose every agreement has ended is reported with the
// latest end.
func (s *system) s8() {
	uncovered := map[int]date.Date{} // index into RequiredPairs → latest end
	for i, rp := range s.cfg.RequiredPairs {
		covered, ended := false, date.Date{}
		for _, p := range s.area.Pairs {
			if !rp.has(s.sector(p.A), s.sector(p.B)) {
				continue
			}
			if p.Agreement {
				covered = true
				break
			}
			if p.AgreementEnded.After(ended) {
				ended = p.AgreementEnded
			}
		}
		if !covered {
			uncovered[i] = ended
		}
	}
	for _, p := range s.area.Pairs {
		if p.Shared == 0 {
			continue
		}
		for i, rp := range s.cfg.RequiredPairs {
			ended, ok := uncovered[i]
			if !ok || !rp.has(s.sector(p.A), s.sector(p.B)) {
				continue
			}
			details := map[string]any{"shared": p.Shared, "pair": rp.Name.EN}
			why := textf("%s and %s share %d citizens, and there is no agreement between %s in the area.",
				"%s og %s deler %d innbyggere, og det finnes ingen avtale mellom %s i området.",
				s.orgText(p.A), s.orgText(p.B), p.Shared, rp.Name)
			if !ended.IsZero() {
				details["ended"] = ended.String()
				why = textf("%s and %s share %d citizens; the last agreement between %s in the area ended on %s.",
					"%s og %s deler %d innbyggere; den siste avtalen mellom %s i området opphørte %s.",
					s.orgText(p.A), s.orgText(p.B), p.Shared, rp.Name, ended.String())
			}
			s.add("S8", []string{p.A, p.B}, nil, why, details)
			break
		}
	}
}

// s9: a citizen gap found on at least PrevalenceMax of a municipality's
// maps.
func (s *system) s9() {
	for _, row := range s.prevalence() {
		if row.Municipality == "" || row.Suppressed || row.WithGap < s.cfg.K || row.Share < s.cfg.PrevalenceMax {
			continue
		}
		r := Rules()[ruleIndex(row.Rule)]
		s.add("S9", nil, []string{"municipality:" + row.Municipality, row.Rule}, textf(
			"%d of the %d citizen maps of municipality %s (%s) have gap %s, %s.",
			"%d av de %d innbyggerkartene i kommune %s (%s) har avvik %s, %s.",
			row.WithGap, row.Maps, row.Municipality, percent(row.Share), row.Rule, Text{r.Name, r.Name}),
			map[string]any{"municipality": row.Municipality, "rule": row.Rule, "maps": row.Maps, "withGap": row.WithGap, "share": row.Share})
	}
}

// s10: referrals and information that flow mostly one way.
func (s *system) s10() {
	for _, p := range s.area.Pairs {
		if p.FlowsSuppressed || s.flowMaps[[2]string{p.A, p.B}] == 0 {
			continue
		}
		ab, ba := s.flows[[2]string{p.A, p.B}], s.flows[[2]string{p.B, p.A}]
		recip := 2 * float64(min(ab, ba)) / float64(ab+ba)
		if recip >= s.cfg.ReciprocityMin {
			continue
		}
		from, to, there, back := p.A, p.B, ab, ba
		if ba > ab {
			from, to, there, back = p.B, p.A, ba, ab
		}
		details := map[string]any{"from": from, "to": to}
		s.putCell(details, "flowsThere", there)
		s.putCell(details, "flowsBack", back)
		// With a count suppressed, the reciprocity would give it away
		// (2·4/19 = 0.42 with 15 there): say only that it is below.
		recipText := fragf("%s, below %s", "%s, under %s", number(recip), number(s.cfg.ReciprocityMin))
		if there < s.cfg.K || (back > 0 && back < s.cfg.K) {
			recipText = fragf("below %s", "under %s", number(s.cfg.ReciprocityMin))
		} else {
			details["reciprocity"] = recip
		}
		s.add("S10", []string{p.A, p.B}, nil, textf(
			"Referrals and information go from %s to %s on %s citizens' maps, and back on %s: reciprocity %s.",
			"Henvisninger og informasjon går fra %s til %s på %s innbyggeres kart, og tilbake på %s: gjensidighet %s.",
			s.orgText(from), s.orgText(to), s.cell(there), s.cell(back), recipText), details)
	}
}

// prevalence is the S9 table: per municipality, then per organisation
// with a caseload of at least K, each rule P1–P14 in order.
func (s *system) prevalence() []Prevalence {
	out := []Prevalence{}
	row := func(muni, org string, maps int, with map[string]int) {
		for _, r := range Rules() {
			w := with[r.ID]
			p := Prevalence{Municipality: muni, Organisation: org, Rule: r.ID, Maps: maps}
			if w > 0 && w < s.cfg.K {
				p.Suppressed = true
			} else {
				p.WithGap, p.Share = w, float64(w)/float64(maps)
			}
			out = append(out, p)
		}
	}
	for _, m := range sortedKeys(boolSet(s.muniMap)) {
		if n := s.muniMap[m]; n >= s.cfg.K {
			row(m, "", n, s.byRule[m])
		}
	}
	for _, o := range s.orgs {
		if n := s.caseload[o]; n >= s.cfg.K {
			row("", o, n, s.orgRule[o])
		}
	}
	return out
}

// String is a one-line summary, for logs.
func (r *SystemResult) String() string {
	return fmt.Sprintf("%s: %d organisations, %d citizen maps, %d system gaps", r.Area.Scope, len(r.Area.Organisations), r.Area.CitizenMaps, len(r.Gaps))
}
