package render

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Errors the functions of this package wrap.
var (
	// ErrOptions is wrapped when Options are invalid.
	ErrOptions = errors.New("render: invalid options")
	// ErrInput is wrapped when a document or result cannot be drawn: not
	// a citizen map, a relation or gap naming an actor the map does not
	// have, two documents of different maps.
	ErrInput = errors.New("render: cannot draw this input")
)

// Options choose how a map is drawn.
type Options struct {
	// Lang is the language of every text: "en" (also when empty) or "nb"
	// (Norwegian bokmål). Names come from the documents as they are.
	Lang string
	// Title replaces the title the picture would have: the person's name
	// and the date; the area's municipality numbers and the date.
	Title string
}

// texts returns the words of the options' language.
func (o Options) texts() (*texts, error) {
	switch o.Lang {
	case "", "en":
		return textsEN(), nil
	case "nb":
		return textsNB(), nil
	}
	return nil, fmt.Errorf("%w: language %q (want en or nb)", ErrOptions, o.Lang)
}

// lang returns the language code for gaps.Text.In.
func (t *texts) in(x gaps.Text) string { return x.In(t.lang) }

// texts are the words of one language.
type texts struct {
	lang string

	groups      map[slot]string
	sectors     map[stakeholder.Sector]string
	relations   map[stakeholder.RelationType]string
	qualities   map[stakeholder.Quality]string
	importance  [levels]string // high, medium, low, not assessed
	scales      map[stakeholder.Scale]string
	kinds       map[stakeholder.Kind]string
	severity    map[gaps.Severity]string
	ruleNames   map[string]string
	planStatus  map[stakeholder.PlanStatus]string
	kindPerson  string
	noName      string
	coordinator string
	plan        string
	reviewed    string
	gapsTitle   string
	someGaps    string // "Open gaps: the %d most urgent of %d"
	noGaps      string
	legend      string
	lines       string
	colours     string
	title       string // "%s — actor map, %s"

	strained, broken, notAssessed string
	missingTie, ringed, badge     string
	closer                        string

	// The system map.
	systemTitle   string // "%s — organisations, %s"
	sharedTitle   string
	shareTitle    string
	citizens      string // "%d citizens"
	sharedTip     string // "%d shared citizens; %s with a collaboration tie"
	fewerThan     string // "fewer than %d"
	suppressedTip string
	agreement     string
	noAgreement   string
	oneWay        string
	sysRinged     string
	kNote         string // "Only groups of at least %d citizens are shown; %d cells suppressed."
	shareSteps    [5]string
	shareHidden   string

	// The change map.
	changeTitle string // "%s — changes %s → %s"
	added       string
	ended       string
	changed     string
	unchanged   string
	arrow       string
	fieldNames  map[string]string
}

// levels is the number of importance bands.
const levels = 4

func textsEN() *texts {
	return &texts{
		lang: "en",
		groups: map[slot]string{
			slotPrimary: "Primary care", slotPsychiatry: "Specialist mental health and TSB",
			slotNAV: "NAV and social services", slotOther: "Other services and forums",
			slotUserOrgs: "User organisations and peers", slotInformal: "Informal network",
		},
		sectors: map[stakeholder.Sector]string{
			stakeholder.SectorCitizen: "the person", stakeholder.SectorInformal: "next of kin, friends",
			stakeholder.SectorPrimaryHealth: "GP, primary health", stakeholder.SectorMunicipalMHSU: "municipal MH and SU",
			stakeholder.SectorMunicipalCare: "home care", stakeholder.SectorSpecialistMH: "specialist mental health",
			stakeholder.SectorSpecialistSU: "substance-use treatment", stakeholder.SectorWelfareWork: "NAV, welfare and work",
			stakeholder.SectorSocial: "social services", stakeholder.SectorHousing: "housing",
			stakeholder.SectorUserOrg: "user organisation", stakeholder.SectorPeer: "peer worker",
			stakeholder.SectorJustice: "justice", stakeholder.SectorEducationWork: "school, work",
			stakeholder.SectorCivilSociety: "voluntary", stakeholder.SectorGovernance: "coordination, governance",
		},
		relations: map[stakeholder.RelationType]string{
			stakeholder.RelServes: "serves", stakeholder.RelCollaborates: "collaborates", stakeholder.RelCoordinates: "coordinates",
			stakeholder.RelRefers: "refers", stakeholder.RelInforms: "informs", stakeholder.RelFamily: "family",
			stakeholder.RelPeerSupport: "peer support", stakeholder.RelMemberOf: "member of", stakeholder.RelAgreement: "agreement",
		},
		qualities: map[stakeholder.Quality]string{
			stakeholder.QualityGood: "good", stakeholder.QualityStrained: "strained",
			stakeholder.QualityBroken: "broken", stakeholder.QualityUnknown: "unknown",
		},
		importance: [levels]string{"high importance", "medium importance", "low importance", "importance not assessed"},
		scales:     map[stakeholder.Scale]string{stakeholder.High: "high", stakeholder.Medium: "medium", stakeholder.Low: "low", "": "not assessed"},
		kinds: map[stakeholder.Kind]string{stakeholder.KindPerson: "person", stakeholder.KindService: "service",
			stakeholder.KindOrganisation: "organisation", stakeholder.KindForum: "forum"},
		severity: map[gaps.Severity]string{
			gaps.SeverityHigh: "high", gaps.SeverityMedium: "medium", gaps.SeverityLow: "low", gaps.SeverityAdvisory: "advisory",
		},
		ruleNames: ruleNamesEN(),
		planStatus: map[stakeholder.PlanStatus]string{
			stakeholder.PlanActive: "active", stakeholder.PlanDeclined: "declined", stakeholder.PlanClosed: "closed",
		},
		kindPerson:  "person",
		noName:      "(no name)",
		coordinator: "COORDINATOR",
		plan:        "individual plan",
		reviewed:    "reviewed",
		gapsTitle:   "Open gaps",
		someGaps:    "Open gaps: the %d most urgent of %d",
		noGaps:      "No open gaps.",
		legend:      "Legend",
		lines:       "Lines",
		colours:     "Actors",
		title:       "%s — actor map, %s",
		strained:    "strained (~)",
		broken:      "broken (×)",
		notAssessed: "quality not assessed",
		missingTie:  "missing working tie (gap number)",
		ringed:      "single point of failure, or the person as the only link (ringed)",
		badge:       "gap number, see the list",
		closer:      "closer to the centre: more important to the person",

		systemTitle:   "%s — organisations, %s",
		sharedTitle:   "Line width: citizens shared",
		shareTitle:    "Colour: share with a collaboration tie",
		citizens:      "%d citizens",
		sharedTip:     "%d shared citizens; %s with a collaboration tie",
		fewerThan:     "fewer than %d",
		suppressedTip: "share not shown (fewer than %d)",
		agreement:     "agreement (double line)",
		noAgreement:   "no valid agreement",
		oneWay:        "one-way referrals and information",
		sysRinged:     "organisation a gap is about (ringed)",
		kNote:         "Only groups of at least %d citizens are shown (%d cells suppressed). Lines: organisations sharing at least %d citizens.",
		shareSteps:    [5]string{"under 20 %", "20–39 %", "40–59 %", "60–79 %", "80 % or more"},
		shareHidden:   "not shown (fewer than k)",

		changeTitle: "%s — changes %s → %s",
		added:       "new",
		ended:       "ended",
		changed:     "changed",
		unchanged:   "unchanged",
		arrow:       "→",
		fieldNames: map[string]string{
			"name": "name", "sector": "sector", "kind": "kind", "importance": "importance", "influence": "influence",
			"type": "type", "quality": "quality", "formalised": "formalised", "yes": "yes", "no": "no",
		},
	}
}

func textsNB() *texts {
	return &texts{
		lang: "nb",
		groups: map[slot]string{
			slotPrimary: "Primærhelse og kommune", slotPsychiatry: "Psykisk helsevern og TSB",
			slotNAV: "NAV og sosialtjenesten", slotOther: "Andre tjenester og fora",
			slotUserOrgs: "Brukerorganisasjoner og likepersoner", slotInformal: "Uformelt nettverk",
		},
		sectors: map[stakeholder.Sector]string{
			stakeholder.SectorCitizen: "personen", stakeholder.SectorInformal: "pårørende, venner",
			stakeholder.SectorPrimaryHealth: "fastlege, primærhelse", stakeholder.SectorMunicipalMHSU: "kommunal psykisk helse og rus",
			stakeholder.SectorMunicipalCare: "hjemmetjenester", stakeholder.SectorSpecialistMH: "psykisk helsevern",
			stakeholder.SectorSpecialistSU: "TSB, rusbehandling", stakeholder.SectorWelfareWork: "NAV, arbeid og velferd",
			stakeholder.SectorSocial: "sosialtjenesten", stakeholder.SectorHousing: "bolig",
			stakeholder.SectorUserOrg: "brukerorganisasjon", stakeholder.SectorPeer: "erfaringskonsulent",
			stakeholder.SectorJustice: "justis", stakeholder.SectorEducationWork: "skole, arbeid",
			stakeholder.SectorCivilSociety: "frivillig", stakeholder.SectorGovernance: "koordinering, styring",
		},
		relations: map[stakeholder.RelationType]string{
			stakeholder.RelServes: "yter tjenester", stakeholder.RelCollaborates: "samarbeider", stakeholder.RelCoordinates: "koordinerer",
			stakeholder.RelRefers: "henviser", stakeholder.RelInforms: "informerer", stakeholder.RelFamily: "familie",
			stakeholder.RelPeerSupport: "likepersonstøtte", stakeholder.RelMemberOf: "medlem av", stakeholder.RelAgreement: "avtale",
		},
		qualities: map[stakeholder.Quality]string{
			stakeholder.QualityGood: "god", stakeholder.QualityStrained: "anstrengt",
			stakeholder.QualityBroken: "brutt", stakeholder.QualityUnknown: "ukjent",
		},
		importance: [levels]string{"stor betydning", "middels betydning", "liten betydning", "betydning ikke vurdert"},
		scales:     map[stakeholder.Scale]string{stakeholder.High: "høy", stakeholder.Medium: "middels", stakeholder.Low: "lav", "": "ikke vurdert"},
		kinds: map[stakeholder.Kind]string{stakeholder.KindPerson: "person", stakeholder.KindService: "tjeneste",
			stakeholder.KindOrganisation: "virksomhet", stakeholder.KindForum: "forum"},
		severity: map[gaps.Severity]string{
			gaps.SeverityHigh: "høy", gaps.SeverityMedium: "middels", gaps.SeverityLow: "lav", gaps.SeverityAdvisory: "råd",
		},
		ruleNames: ruleNamesNB(),
		planStatus: map[stakeholder.PlanStatus]string{
			stakeholder.PlanActive: "aktiv", stakeholder.PlanDeclined: "avslått", stakeholder.PlanClosed: "avsluttet",
		},
		kindPerson:  "person",
		noName:      "(uten navn)",
		coordinator: "KOORDINATOR",
		plan:        "individuell plan",
		reviewed:    "evaluert",
		gapsTitle:   "Åpne avvik",
		someGaps:    "Åpne avvik: de %d mest alvorlige av %d",
		noGaps:      "Ingen åpne avvik.",
		legend:      "Tegnforklaring",
		lines:       "Linjer",
		colours:     "Aktører",
		title:       "%s — aktørkart, %s",
		strained:    "anstrengt (~)",
		broken:      "brutt (×)",
		notAssessed: "kvalitet ikke vurdert",
		missingTie:  "manglende arbeidsrelasjon (avviksnummer)",
		ringed:      "eneste bindeledd, eller personen som eneste forbindelse (ring)",
		badge:       "avviksnummer, se listen",
		closer:      "nærmere sentrum: viktigere for personen",

		systemTitle:   "%s — virksomheter, %s",
		sharedTitle:   "Linjebredde: felles innbyggere",
		shareTitle:    "Farge: andel med samarbeidsrelasjon",
		citizens:      "%d innbyggere",
		sharedTip:     "%d felles innbyggere; %s med samarbeidsrelasjon",
		fewerThan:     "færre enn %d",
		suppressedTip: "andel ikke vist (færre enn %d)",
		agreement:     "avtale (dobbel linje)",
		noAgreement:   "ingen gyldig avtale",
		oneWay:        "henvisninger og informasjon én vei",
		sysRinged:     "virksomhet et avvik gjelder (ring)",
		kNote:         "Bare grupper på minst %d innbyggere vises (%d celler skjult). Linjer: virksomheter som deler minst %d innbyggere.",
		shareSteps:    [5]string{"under 20 %", "20–39 %", "40–59 %", "60–79 %", "80 % eller mer"},
		shareHidden:   "ikke vist (færre enn k)",

		changeTitle: "%s — endringer %s → %s",
		added:       "ny",
		ended:       "avsluttet",
		changed:     "endret",
		unchanged:   "uendret",
		arrow:       "→",
		fieldNames: map[string]string{
			"name": "navn", "sector": "sektor", "kind": "type aktør", "importance": "betydning", "influence": "påvirkning",
			"type": "type", "quality": "kvalitet", "formalised": "formalisert", "yes": "ja", "no": "nei",
		},
	}
}

// ruleNamesEN are the names of the rules as package gaps gives them.
func ruleNamesEN() map[string]string {
	out := map[string]string{}
	for _, r := range gaps.Rules() {
		out[r.ID] = r.Name
	}
	for _, r := range gaps.SystemRules() {
		out[r.ID] = r.Name
	}
	return out
}

// ruleNamesNB are the rules' names in bokmål (package gaps names them in
// English only).
func ruleNamesNB() map[string]string {
	return map[string]string{
		"P1": "ukoordinerte tjenester", "P2": "personen som eneste bindeledd", "P3": "ingen koordinator",
		"P4": "manglende eller utdatert plan", "P5": "koordinator uten forbindelse", "P6": "tjeneste utenfor planen",
		"P7": "ingen fastlege", "P8": "ingen kontakt med bruker- eller likepersonorganisasjon", "P9": "pårørende utenfor",
		"P10": "kald relasjon", "P11": "lav medvirkning", "P12": "overgang uten mottaker",
		"P13": "sårbart bindeledd", "P14": "anstrengt relasjon",
		"S1": "felles brukere uten samarbeid", "S2": "sektorsilo", "S3": "manglende sektorpar", "S4": "sårbar bro",
		"S5": "avhengighet av én megler", "S6": "sektor uten grensekryssere", "S7": "brukerorganisasjoner ikke med",
		"S8": "manglende eller utløpt avtale", "S9": "utbredte avvik", "S10": "enveis flyt",
	}
}

// ruleName names a rule, or returns its id for an unknown one.
func (t *texts) ruleName(id string) string {
	if n, ok := t.ruleNames[id]; ok {
		return n
	}
	return id
}

// clean makes text from a document drawable: invalid UTF-8, control
// characters (line breaks included: the layout wraps) and non-characters
// become spaces or U+FFFD, and runs of space collapse; DOT would refuse the
// former, and they cannot be shown.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == 0xFFFE || r == 0xFFFF:
			r = utf8.RuneError
		case unicode.IsControl(r) || unicode.IsSpace(r):
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}
