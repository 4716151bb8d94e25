package gaps

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/stakeholder"
)

// Explanations name sectors and roles, never actors: an actor's name and
// the free-text role of its assessment are personal data (domain.md), and
// document-local ids may be names too.

// sectorText is how an explanation names an actor of a sector.
func sectorText(s stakeholder.Sector) Text {
	switch s {
	case stakeholder.SectorCitizen:
		return Text{"the person", "personen"}
	case stakeholder.SectorInformal:
		return Text{"a next of kin or friend", "en pårørende eller venn"}
	case stakeholder.SectorPrimaryHealth:
		return Text{"primary health care (the GP)", "primærhelsetjenesten (fastlegen)"}
	case stakeholder.SectorMunicipalMHSU:
		return Text{"the municipal mental-health and substance-use service", "den kommunale psykisk helse- og rustjenesten"}
	case stakeholder.SectorMunicipalCare:
		return Text{"municipal home care", "den kommunale hjemmetjenesten"}
	case stakeholder.SectorSpecialistMH:
		return Text{"specialist mental health care", "psykisk helsevern i spesialisthelsetjenesten"}
	case stakeholder.SectorSpecialistSU:
		return Text{"specialised substance-use treatment", "tverrfaglig spesialisert rusbehandling (TSB)"}
	case stakeholder.SectorWelfareWork:
		return Text{"the labour and welfare service (NAV)", "NAV"}
	case stakeholder.SectorSocial:
		return Text{"municipal social services", "sosialtjenesten"}
	case stakeholder.SectorHousing:
		return Text{"the housing service", "boligtjenesten"}
	case stakeholder.SectorUserOrg:
		return Text{"a user organisation", "en brukerorganisasjon"}
	case stakeholder.SectorPeer:
		return Text{"a peer worker", "en erfaringskonsulent eller likeperson"}
	case stakeholder.SectorJustice:
		return Text{"the justice sector (police, prison or probation)", "justissektoren (politi, fengsel eller friomsorg)"}
	case stakeholder.SectorEducationWork:
		return Text{"school or employer", "skole eller arbeidsgiver"}
	case stakeholder.SectorCivilSociety:
		return Text{"a voluntary organisation", "en frivillig organisasjon"}
	case stakeholder.SectorGovernance:
		return Text{"a coordinating or governing body", "et koordinerende eller styrende organ"}
	}
	return Text{"an actor", "en aktør"}
}

// sectorRank orders sectors as domain.md lists them.
func sectorRank(s stakeholder.Sector) int {
	for i, x := range stakeholder.Sectors() {
		if x == s {
			return i
		}
	}
	return len(stakeholder.Sectors())
}

// sectorsText names the distinct sectors of ss in domain.md's order,
// joined as "a, b and c".
func sectorsText(ss []stakeholder.Sector) Text {
	seen := map[stakeholder.Sector]bool{}
	var uniq []stakeholder.Sector
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	sortSectors(uniq)
	en := make([]string, len(uniq))
	nb := make([]string, len(uniq))
	for i, s := range uniq {
		t := sectorText(s)
		en[i], nb[i] = t.EN, t.NB
	}
	return Text{joinList(en, "and"), joinList(nb, "og")}
}

func sortSectors(ss []stakeholder.Sector) {
	slices.SortStableFunc(ss, func(a, b stakeholder.Sector) int { return cmp.Compare(sectorRank(a), sectorRank(b)) })
}

// joinList joins "a", "a and b", "a, b and c".
func joinList(xs []string, and string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + and + " " + xs[len(xs)-1]
}

// qualityText names a relation quality.
func qualityText(q stakeholder.Quality) Text {
	if q == stakeholder.QualityBroken {
		return Text{"broken", "brutt"}
	}
	return Text{"strained", "anstrengt"}
}

// ladderText names a step of Shier's ladder.
func ladderText(level int) Text {
	switch level {
	case 1:
		return Text{"listened to", "blir lyttet til"}
	case 2:
		return Text{"supported to express views", "får støtte til å uttrykke synspunkter"}
	case 3:
		return Text{"views taken into account", "synspunktene tas hensyn til"}
	case 4:
		return Text{"involved in decisions", "er med på beslutninger"}
	case 5:
		return Text{"shares power and responsibility", "deler makt og ansvar"}
	}
	return Text{"unknown step", "ukjent trinn"}
}

// number formats x with two decimals: a decimal point in English, a comma
// in Norwegian.
func number(x float64) Text {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	return Text{s, strings.Replace(s, ".", ",", 1)}
}

// capital upper-cases the first letter of s.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// textf is fragf for a sentence: the result starts with a capital letter.
func textf(en, nb string, args ...any) Text {
	t := fragf(en, nb, args...)
	return Text{capital(t.EN), capital(t.NB)}
}

// fragf formats en and nb with their own arguments: each argument may be a
// Text (its language is used) or any other value (used in both).
func fragf(en, nb string, args ...any) Text {
	pick := func(nbLang bool) []any {
		out := make([]any, len(args))
		for i, a := range args {
			if t, ok := a.(Text); ok {
				if nbLang {
					out[i] = t.NB
				} else {
					out[i] = t.EN
				}
				continue
			}
			out[i] = a
		}
		return out
	}
	return Text{fmt.Sprintf(en, pick(false)...), fmt.Sprintf(nb, pick(true)...)}
}

// join concatenates texts with a space between sentences.
func join(ts ...Text) Text {
	var en, nb []string
	for _, t := range ts {
		en, nb = append(en, t.EN), append(nb, t.NB)
	}
	return Text{strings.Join(en, " "), strings.Join(nb, " ")}
}
