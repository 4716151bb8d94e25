package mapimport

import (
	"strings"

	"github.com/samspill/samspill/pkg/stakeholder"
)

// The columns of the actor-mapping form.
type column int

const (
	colName column = iota
	colSector
	colKind
	colRelation
	colImportance
	colInfluence
	colNotes
	numColumns
)

// columnNames are the names the report uses for the columns.
var columnNames = [numColumns]string{"name", "sector", "kind", "relation", "importance", "influence", "notes"}

// headerWords maps folded header texts (see fold) to columns.
var headerWords = map[string]column{
	"navn": colName, "name": colName, "aktør": colName, "aktor": colName, "actor": colName,
	"aktørens navn": colName, "navn på aktør": colName, "actor name": colName,

	"sektor": colSector, "sector": colSector,

	"type": colKind, "kind": colKind, "art": colKind,

	"relasjon": colRelation, "relation": colRelation, "relasjon til personen": colRelation,
	"relation to the person": colRelation, "relasjon til brukeren": colRelation,
	"relation to the user": colRelation, "relationship": colRelation,

	"betydning": colImportance, "importance": colImportance,

	"påvirkning": colInfluence, "påvirkningskraft": colInfluence, "influence": colInfluence,

	"notater": colNotes, "notat": colNotes, "merknad": colNotes, "merknader": colNotes,
	"notes": colNotes, "note": colNotes, "kommentar": colNotes, "kommentarer": colNotes,
	"comment": colNotes, "comments": colNotes,
}

// sectorWord is what a word of the sector column means: the sector and
// the kind an actor of that word is when the kind column is empty.
type sectorWord struct {
	sector stakeholder.Sector
	kind   stakeholder.Kind
}

// defaultKind is the kind of an actor whose kind column is empty and whose
// sector was written as the wire id.
func defaultKind(s stakeholder.Sector) stakeholder.Kind {
	switch s {
	case stakeholder.SectorInformal, stakeholder.SectorPeer:
		return stakeholder.KindPerson
	case stakeholder.SectorUserOrg, stakeholder.SectorCivilSociety:
		return stakeholder.KindOrganisation
	}
	return stakeholder.KindService
}

// sectorWords maps folded words of the sector column to sectors. The wire
// ids are added by init, except citizen: the person in focus comes from
// the options, never from a row.
var sectorWords = map[string]sectorWord{}

func init() {
	add := func(sector stakeholder.Sector, kind stakeholder.Kind, words ...string) {
		for _, w := range words {
			if _, dup := sectorWords[w]; dup {
				panic("mapimport: sector word listed twice: " + w)
			}
			sectorWords[w] = sectorWord{sector, kind}
		}
	}
	for _, s := range stakeholder.Sectors() {
		if s != stakeholder.SectorCitizen {
			add(s, defaultKind(s), string(s))
		}
	}
	const (
		person  = stakeholder.KindPerson
		service = stakeholder.KindService
		org     = stakeholder.KindOrganisation
		forum   = stakeholder.KindForum
	)
	add(stakeholder.SectorPrimaryHealth, person, "fastlege", "fastlegen", "lege", "allmennlege", "gp",
		"general practitioner", "huslege", "praktiserende læge")
	add(stakeholder.SectorPrimaryHealth, service, "legekontor", "legekontoret", "legevakt", "legevakta",
		"legevakten", "primærhelsetjeneste", "primary care", "vårdcentral", "vårdcentralen")
	add(stakeholder.SectorSpecialistMH, service, "dps", "distriktspsykiatrisk senter", "psykiatri",
		"psykiatrisk sykehus", "psykisk helsevern", "fact", "fact-team", "act", "act-team", "psychiatry",
		"district psychiatric centre", "psykiatrisk poliklinikk")
	add(stakeholder.SectorSpecialistSU, service, "tsb", "lar", "rusbehandling", "avrusning", "rusklinikk",
		"tverrfaglig spesialisert rusbehandling", "substance use treatment", "detox", "opioid maintenance")
	add(stakeholder.SectorWelfareWork, service, "nav", "nav-kontor", "nav-kontoret", "nav kontor",
		"arbeids- og velferdsforvaltningen", "försäkringskassan", "arbetsförmedlingen", "jobcenter", "welfare")
	add(stakeholder.SectorSocial, service, "sosialtjeneste", "sosialtjenesten", "sosialkontor",
		"sosialkontoret", "økonomisk sosialhjelp", "socialtjänst", "socialtjänsten", "social services")
	add(stakeholder.SectorHousing, service, "bolig", "boligkontor", "boligkontoret", "boligtjeneste",
		"boligtjenesten", "bemannet bolig", "botiltak", "housing first", "housing office")
	add(stakeholder.SectorInformal, person, "pårørende", "familie", "venn", "venner", "nabo", "mor", "far",
		"søsken", "family", "friend", "next of kin", "neighbour", "privat nettverk", "uformell")
	add(stakeholder.SectorUserOrg, org, "brukerorganisasjon", "brukerorganisasjoner", "mental helse",
		"a-larm", "rio", "lpp", "rsmh", "sind", "lap", "user organisation", "user organization")
	add(stakeholder.SectorPeer, person, "likeperson", "likepersoner", "likemann", "erfaringskonsulent",
		"erfaringskonsulenter", "peer worker")
	add(stakeholder.SectorMunicipalMHSU, service, "kommunal psykisk helse og rus", "psykisk helse og rus",
		"rus og psykisk helse", "kommunal rus og psykisk helse", "kommunal psykisk helse",
		"psykisk helsetjeneste", "kommunal psykisk helsetjeneste", "psykisk helse- og rustjeneste",
		"psykisk helse- og rustjenesten", "rustjeneste", "rustjenesten", "ruskonsulent",
		"lavterskeltilbud", "psykisk helse")
	add(stakeholder.SectorMunicipalCare, service, "hjemmesykepleie", "hjemmesykepleien", "hjemmetjeneste",
		"hjemmetjenesten", "hjemmetjenester", "hjemmebaserte tjenester", "praktisk bistand", "home nursing",
		"home care", "hemtjänst")
	add(stakeholder.SectorJustice, service, "politi", "politiet", "kriminalomsorg", "kriminalomsorgen",
		"friomsorg", "friomsorgen", "fengsel", "police", "prison", "probation")
	add(stakeholder.SectorEducationWork, service, "skole", "skolen", "arbeidsgiver", "arbeidsplass",
		"utdanning", "school", "employer", "education")
	add(stakeholder.SectorCivilSociety, org, "frivillig", "frivillige", "frivillig organisasjon",
		"frivilligsentral", "frivilligsentralen", "kirke", "menighet", "fontenehus", "fontenehuset",
		"volunteer", "volunteers", "church")
	add(stakeholder.SectorGovernance, service, "koordinerende enhet", "koordinerende enhet i kommunen",
		"coordinating unit")
	add(stakeholder.SectorGovernance, org, "helseforetak", "helseforetaket", "health trust", "kommunestyre")
	add(stakeholder.SectorGovernance, forum, "ansvarsgruppe", "ansvarsgruppa", "ansvarsgruppen",
		"individuell plan", "responsibility group", "individual plan")
}

// sectorHint is the list of allowed sector values a rejection quotes.
func sectorHint() string {
	var ids []string
	for _, s := range stakeholder.Sectors() {
		if s != stakeholder.SectorCitizen {
			ids = append(ids, string(s))
		}
	}
	return strings.Join(ids, ", ") +
		", or a Norwegian word such as fastlege, DPS, TSB, LAR, NAV, sosialtjeneste, boligkontor, pårørende, " +
		"likeperson, brukerorganisasjon, hjemmesykepleie, politi, skole, frivillig, koordinerende enhet"
}

// kindWords maps folded words of the kind column to kinds.
var kindWords = map[string]stakeholder.Kind{
	"person": stakeholder.KindPerson, "personer": stakeholder.KindPerson,
	"tjeneste": stakeholder.KindService, "tjenester": stakeholder.KindService, "service": stakeholder.KindService,
	"organisasjon": stakeholder.KindOrganisation, "organisation": stakeholder.KindOrganisation,
	"organization": stakeholder.KindOrganisation, "virksomhet": stakeholder.KindOrganisation,
	"forum": stakeholder.KindForum, "ansvarsgruppe": stakeholder.KindForum,
}

const kindHint = "person, tjeneste (service), organisasjon (organisation) or forum"

// relationWords maps folded words of the relation column to relation
// types. Member-of is written from the person to the actor (the person is
// a member of a forum or an organisation); every other type from the actor
// to the person. Friends and neighbours support the person: serves, as
// domain.md defines it ("treats, supports or funds the person").
var relationWords = map[string]stakeholder.RelationType{}

func init() {
	add := func(t stakeholder.RelationType, words ...string) {
		for _, w := range words {
			if _, dup := relationWords[w]; dup {
				panic("mapimport: relation word listed twice: " + w)
			}
			relationWords[w] = t
		}
	}
	add(stakeholder.RelServes, "serves", "behandler", "behandling", "gir tjenester", "gir tjeneste",
		"yter tjenester", "tjenesteyter", "tjenester", "oppfølging", "følger opp", "saksbehandler",
		"hjelper", "støtte", "støtter", "treats", "treatment", "provides services", "supports", "support",
		"venn", "venninne", "venner", "nabo", "friend", "neighbour", "neighbor")
	add(stakeholder.RelCoordinates, "coordinates", "koordinator", "koordinerer", "coordinator")
	add(stakeholder.RelCollaborates, "collaborates", "samarbeider", "samarbeid", "samarbeidspartner")
	add(stakeholder.RelRefers, "refers", "henviser", "henvisning", "viser videre")
	add(stakeholder.RelInforms, "informs", "informerer", "informasjon", "gir informasjon")
	add(stakeholder.RelFamily, "family", "familie", "pårørende", "nærmeste pårørende", "next of kin",
		"mor", "far", "forelder", "foreldre", "bror", "søster", "søsken", "sønn", "datter", "barn",
		"ektefelle", "samboer", "kjæreste", "partner", "besteforelder", "mother", "father", "parent",
		"brother", "sister", "sibling", "son", "daughter", "child", "spouse")
	add(stakeholder.RelPeerSupport, "peer-support", "peer support", "likeperson", "likemann",
		"likepersonsarbeid", "erfaringskonsulent", "peer")
	add(stakeholder.RelMemberOf, "member-of", "member", "medlem", "medlemskap", "deltaker")
}

const relationHint = "behandler (serves), koordinator (coordinates), samarbeider (collaborates), " +
	"henviser (refers), informerer (informs), familie (family), likeperson (peer-support), medlem (member-of)"

// defaultRelation is the relation of an actor whose relation column is
// empty or not understood.
func defaultRelation(s stakeholder.Sector, k stakeholder.Kind) stakeholder.RelationType {
	switch {
	case k == stakeholder.KindForum:
		return stakeholder.RelMemberOf
	case s == stakeholder.SectorInformal:
		return stakeholder.RelFamily
	case s == stakeholder.SectorPeer:
		return stakeholder.RelPeerSupport
	}
	return stakeholder.RelServes
}

// scaleWords maps folded words of the importance and influence columns.
var scaleWords = map[string]stakeholder.Scale{
	"høy": stakeholder.High, "høg": stakeholder.High, "hoy": stakeholder.High, "stor": stakeholder.High,
	"high":    stakeholder.High,
	"middels": stakeholder.Medium, "middel": stakeholder.Medium, "moderat": stakeholder.Medium,
	"medium": stakeholder.Medium,
	"lav":    stakeholder.Low, "låg": stakeholder.Low, "liten": stakeholder.Low, "low": stakeholder.Low,
}

const scaleHint = "høy, middels, lav, or high, medium, low"
