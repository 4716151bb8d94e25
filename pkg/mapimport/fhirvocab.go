package mapimport

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// sectorRule is one rule of the keyword heuristics that give an
// Organization its sector from Organization.type (and a practitioner with
// no organization its sector from PractitionerRole.code and .specialty).
// The rules are tried in order over all the type's texts, codes and
// displays together, and the first that matches wins.
type sectorRule struct {
	sector stakeholder.Sector
	words  []string // whole words
	parts  []string // substrings
}

var sectorRules = []sectorRule{
	{stakeholder.SectorMunicipalMHSU, nil, []string{"kommunal psykisk", "kommunal rus", "municipal mental",
		"municipal substance", "psykisk helse og rus", "rus og psykisk helse", "psykisk helsetjeneste"}},
	{stakeholder.SectorPrimaryHealth, []string{"gp"}, []string{"fastlege", "general practi", "allmennlege",
		"allmennpraksis", "legekontor", "legevakt", "primary care"}},
	{stakeholder.SectorSpecialistMH, []string{"dps"}, []string{"psychiatr", "psykiatr"}},
	{stakeholder.SectorSpecialistSU, []string{"rus", "tsb", "lar"}, []string{"substance", "rusbehandling",
		"avrus", "addiction"}},
	{stakeholder.SectorWelfareWork, []string{"nav"}, []string{"welfare", "velferd"}},
	{stakeholder.SectorSocial, nil, []string{"sosialtjeneste", "social service", "socialtjänst"}},
	{stakeholder.SectorHousing, nil, []string{"bolig", "housing"}},
	{stakeholder.SectorMunicipalCare, nil, []string{"hjemmesykepleie", "hjemmetjeneste", "home care",
		"home nursing", "home health"}},
	{stakeholder.SectorUserOrg, nil, []string{"brukerorganisasjon", "user organi"}},
	{stakeholder.SectorJustice, nil, []string{"politi", "police", "kriminalomsorg", "prison", "probation"}},
	{stakeholder.SectorEducationWork, nil, []string{"skole", "school", "education", "employer", "arbeidsgiver"}},
	{stakeholder.SectorCivilSociety, nil, []string{"frivillig", "volunteer", "religious", "community group"}},
	{stakeholder.SectorGovernance, nil, []string{"koordinerende enhet", "coordinating unit", "helseforetak",
		"health trust"}},
}

// conceptTexts lists the text, codes and displays of concepts.
func conceptTexts(cs []fConcept) []string {
	var out []string
	for _, c := range cs {
		if c.Text != "" {
			out = append(out, c.Text)
		}
		for _, k := range c.Coding {
			if k.Display != "" {
				out = append(out, k.Display)
			}
			if k.Code != "" {
				out = append(out, k.Code)
			}
		}
	}
	return out
}

// words splits lower-case s into its words (runs of letters and digits).
func words(s string) map[string]bool {
	w := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		w[f] = true
	}
	return w
}

// guessSector applies sectorRules to concepts; "" when none matches.
func guessSector(cs []fConcept) stakeholder.Sector {
	texts := conceptTexts(cs)
	if len(texts) == 0 {
		return ""
	}
	all := strings.ToLower(strings.Join(texts, " | "))
	ws := words(all)
	for _, r := range sectorRules {
		for _, w := range r.words {
			if ws[w] {
				return r.sector
			}
		}
		for _, p := range r.parts {
			if strings.Contains(all, p) {
				return r.sector
			}
		}
	}
	return ""
}

// isPlanCategory reports whether a CareTeam's category says it is the team
// of an individual plan: a text, display or code with the word "plan" or
// "SIP", or "indsatsplan".
func isPlanCategory(cs []fConcept) bool {
	all := strings.ToLower(strings.Join(conceptTexts(cs), " | "))
	ws := words(all)
	return ws["plan"] || ws["sip"] || strings.Contains(all, "indsatsplan") || strings.Contains(all, "careplan")
}

// roleCodes spells the HL7 v3 RoleCode codes of family and friends that
// RelatedPerson.relationship uses, when it has no text or display.
var roleCodes = map[string]string{
	"MTH": "mother", "FTH": "father", "PRN": "parent", "SIS": "sister", "BRO": "brother",
	"SIB": "sibling", "SON": "son", "DAU": "daughter", "CHILD": "child", "SPS": "spouse",
	"HUSB": "husband", "WIFE": "wife", "DOMPART": "domestic partner", "SIGOTHR": "significant other",
	"GRPRN": "grandparent", "GRMTH": "grandmother", "GRFTH": "grandfather", "AUNT": "aunt",
	"UNCLE": "uncle", "COUSN": "cousin", "FRND": "friend", "NBOR": "neighbour", "ROOM": "roommate",
	"N": "next of kin", "C": "emergency contact", "FAMMEMB": "family member",
}

// friendCodes are the relationships that are not family: serves, as
// domain.md defines it ("supports the person").
var friendCodes = map[string]bool{"FRND": true, "NBOR": true, "ROOM": true}

var friendWords = []string{"friend", "venn", "neighbour", "neighbor", "nabo", "roommate"}

// relationshipOf returns the text of a RelatedPerson's relationships and
// the relation type it gives: family, or serves for friends and neighbours.
func relationshipOf(cs []fConcept) (string, stakeholder.RelationType) {
	var texts []string
	friend := false
	for _, c := range cs {
		t := c.Text
		for _, k := range c.Coding {
			if friendCodes[k.Code] {
				friend = true
			}
			if t == "" {
				t = k.Display
			}
		}
		for _, k := range c.Coding {
			if t == "" {
				t = roleCodes[k.Code]
			}
		}
		if t != "" {
			texts = append(texts, t)
			ws := words(strings.ToLower(t))
			for _, f := range friendWords {
				if ws[f] {
					friend = true
				}
			}
		}
	}
	if friend {
		return strings.Join(texts, ", "), stakeholder.RelServes
	}
	return strings.Join(texts, ", "), stakeholder.RelFamily
}

// fhirDatePattern matches a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD) or
// dateTime (a full date, a time and a zone).
var fhirDatePattern = regexp.MustCompile(`^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,9})?(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)

// fhirDate reads a FHIR date or dateTime and returns the first and the last
// day it covers: the date part of a dateTime as written (no conversion
// between zones), a whole month or year for a partial date.
func fhirDate(s string) (first, last date.Date, ok bool) {
	m := fhirDatePattern.FindStringSubmatch(s)
	if m == nil {
		return first, last, false
	}
	switch {
	case m[3] != "":
		d, err := date.Parse(m[1] + "-" + m[2] + "-" + m[3])
		return d, d, err == nil
	case m[2] != "":
		d, err := date.Parse(m[1] + "-" + m[2] + "-01")
		if err != nil {
			return first, last, false
		}
		return d, date.Of(d.Time().AddDate(0, 1, -1)), true
	default:
		d, err := date.Parse(m[1] + "-01-01")
		if err != nil {
			return first, last, false
		}
		return d, date.Of(d.Time().AddDate(1, 0, -1)), true
	}
}
