package gaps

import "strconv"

// Severity of a gap.
type Severity string

// Severities, from the most to the least urgent. Advisory is a suggestion,
// not a shortcoming of the services.
const (
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityAdvisory Severity = "advisory"
)

// Text is a text in English and Norwegian bokmål.
type Text struct {
	EN string `json:"en"`
	NB string `json:"nb"`
}

// In returns the text in lang: "nb" (or "no", "nn") gives the Norwegian
// text, anything else the English one.
func (t Text) In(lang string) string {
	switch lang {
	case "nb", "no", "nn":
		return t.NB
	}
	return t.EN
}

// Rule describes one rule for documentation and the UI.
type Rule struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	// Next is the suggested next step, as in domain.md.
	Next Text `json:"next"`
	// Source is where the rule comes from.
	Source string `json:"source"`
	// Description says when the rule fires, with the default thresholds.
	Description Text `json:"description"`
}

// ruleCount is the number of P-rules.
const ruleCount = 14

// ruleIndex returns i for "P<i+1>", or -1 for anything else.
func ruleIndex(id string) int {
	if len(id) < 2 || id[0] != 'P' || id[1] == '0' || id[1] == '+' || id[1] == '-' {
		return -1
	}
	n, err := strconv.Atoi(id[1:])
	if err != nil || n < 1 || n > ruleCount {
		return -1
	}
	return n - 1
}

// Rules returns the citizen-map rules P1–P14 in order. The severities are
// a judgement of how urgent each gap is for the person:
//
//   - high: the person carries the coordination alone (P2), the legal
//     coordinator is missing (P3), or a discharge from inpatient care has
//     no receiver (P12) — the situations with the most risk of a person
//     falling between services;
//   - medium: a missing working tie, plan, GP, involvement of the person or
//     of next of kin, or a cold relation — shortcomings to mend in the
//     ordinary course of coordination;
//   - low: a plan that lacks one provider (P6) or a strained tie (P14) —
//     the structure is there and needs care;
//   - advisory: contact with user organisations or peers (P8), which
//     domain.md offers as advice, not a shortcoming.
func Rules() []Rule {
	return []Rule{
		{
			ID: "P1", Name: "uncoordinated co-providers", Severity: SeverityMedium,
			Next:   Text{"Convene a responsibility group or coordinated plan (SIP) meeting.", "Kall inn til et ansvarsgruppemøte eller SIP-møte."},
			Source: "Samspill rule after the learning network's actor mapping (Bakke, de Vibe & Vege, FHI 2016): services that do not talk to each other",
			Description: Text{
				"Two services of different sectors serve the person and have no working tie: no collaborates, coordinates, refers or informs relation with contact in the last 90 days, and no shared forum. One gap per pair.",
				"To tjenester fra ulike sektorer yter tjenester til personen uten å ha en arbeidsrelasjon: ingen relasjon for samarbeid, koordinering, henvisning eller informasjon med kontakt de siste 90 dagene, og ikke noe felles forum. Ett avvik per par.",
			},
		},
		{
			ID: "P2", Name: "citizen as broker", Severity: SeverityHigh,
			Next:   Text{"Name one contact person for each group of services.", "Utnevn én kontaktperson for hver gruppe av tjenester."},
			Source: "Burt 1992, Structural Holes (effective size, constraint); Samspill rule",
			Description: Text{
				"The person's services fall into two or more groups that are connected only through the person. The person's effective size and constraint (Burt) are reported.",
				"Tjenestene rundt personen faller i to eller flere grupper som bare henger sammen gjennom personen selv. Personens effektive størrelse og begrensning (Burt) rapporteres.",
			},
		},
		{
			ID: "P3", Name: "no coordinator", Severity: SeverityHigh,
			Next:   Text{"Ask the coordinating unit to appoint a coordinator.", "Be koordinerende enhet om å oppnevne en koordinator."},
			Source: "helse- og omsorgstjenesteloven § 7-2 (coordinator, offered to those who need long-term, coordinated services)",
			Description: Text{
				"At least two services have served the person for more than 90 days, and a coordinator has been neither assigned nor offered (an offer the person declined counts as offered).",
				"Minst to tjenester har gitt personen tjenester i mer enn 90 dager, og en koordinator er verken oppnevnt eller tilbudt (et tilbud personen har takket nei til, regnes som tilbudt).",
			},
		},
		{
			ID: "P4", Name: "no or stale plan", Severity: SeverityMedium,
			Next:   Text{"Start or review the individual plan.", "Start eller evaluer den individuelle planen."},
			Source: "helse- og omsorgstjenesteloven § 7-1, pasient- og brukerrettighetsloven § 2-5, NAV-loven § 15 (individual plan); the yearly review is Samspill's default, not a legal deadline",
			Description: Text{
				"At least two services have served the person for more than 90 days and there is neither an active nor a declined individual plan; or the active plan was last reviewed (or created) more than 365 days ago.",
				"Minst to tjenester har gitt personen tjenester i mer enn 90 dager, og det finnes verken en aktiv plan eller et avslag på plan; eller den aktive planen ble sist evaluert (eller opprettet) for mer enn 365 dager siden.",
			},
		},
		{
			ID: "P5", Name: "coordinator not connected", Severity: SeverityMedium,
			Next:   Text{"Contact the services the coordinator has no working tie with.", "Ta kontakt med tjenestene koordinatoren ikke har en arbeidsrelasjon til."},
			Source: "helse- og omsorgstjenesteloven § 7-2 (the coordinator secures follow-up and coordination of the services); Samspill rule",
			Description: Text{
				"A coordinator is assigned and another service that serves the person has no working tie with the coordinator. One gap per service.",
				"En koordinator er oppnevnt, og en annen tjeneste som yter tjenester til personen, har ingen arbeidsrelasjon til koordinatoren. Ett avvik per tjeneste.",
			},
		},
		{
			ID: "P6", Name: "plan lacks a provider", Severity: SeverityLow,
			Next:   Text{"Invite the service into the plan.", "Inviter tjenesten inn i planen."},
			Source: "helse- og omsorgstjenesteloven § 7-1 (the individual plan covers the person's services); Samspill rule",
			Description: Text{
				"The individual plan is active and a service that has served the person for more than 90 days is not an active member of it.",
				"Den individuelle planen er aktiv, og en tjeneste som har gitt personen tjenester i mer enn 90 dager, er ikke aktivt medlem av den.",
			},
		},
		{
			ID: "P7", Name: "no GP", Severity: SeverityMedium,
			Next:   Text{"Refer the person to a regular GP.", "Henvis personen til en fastlege."},
			Source: "the regular GP scheme (fastlegeordningen, pasient- og brukerrettighetsloven § 2-1 c); the learning network's user input: the GP is a key (FHI 2016)",
			Description: Text{
				"The person receives services, none of them from primary health care (a GP).",
				"Personen får tjenester, men ingen fra primærhelsetjenesten (fastlege).",
			},
		},
		{
			ID: "P8", Name: "no user-organisation or peer contact", Severity: SeverityAdvisory,
			Next:   Text{"Offer contact with a user organisation or a peer worker (advisory).", "Tilby kontakt med en brukerorganisasjon eller en erfaringskonsulent/likeperson (råd)."},
			Source: "the learning network's recommendations on peer work and user organisations (Bakke, de Vibe & Vege, FHI 2016); advisory",
			Description: Text{
				"Specialist mental health care or specialised substance-use treatment serves the person, and no user organisation or peer worker has an active relation with the person.",
				"Psykisk helsevern eller TSB i spesialisthelsetjenesten yter tjenester til personen, og ingen brukerorganisasjon eller erfaringskonsulent/likeperson har en aktiv relasjon til personen.",
			},
		},
		{
			ID: "P9", Name: "next of kin outside", Severity: SeverityMedium,
			Next:   Text{"Offer a next-of-kin conversation.", "Tilby en pårørendesamtale."},
			Source: "the national guideline for next of kin (pårørendeveilederen, Helsedirektoratet 2017); the learning network's work with next of kin (FHI 2016)",
			Description: Text{
				"A next of kin whom the person rates as highly important, and whose consent is not refused (none recorded counts as not refused), has no active relation with any of the person's services and is not an active member of an active plan.",
				"En pårørende som personen vurderer som svært viktig, og som ikke har nektet samtykke (manglende registrering regnes som ikke nektet), har ingen aktiv relasjon til noen av personens tjenester og er ikke aktivt medlem av en aktiv plan.",
			},
		},
		{
			ID: "P10", Name: "cold relation", Severity: SeverityMedium,
			Next:   Text{"Reach out to the person; consider an outreach team.", "Ta kontakt med personen; vurder et oppsøkende team."},
			Source: "Samspill's default contact intervals (configuration, not a legal requirement)",
			Description: Text{
				"A service's active serves relation with the person has had no contact for more than 60 days (a relation without contacts counts from its start); or the coordinator's latest contact with the person, over all their relations, is more than 30 days old. One gap per service.",
				"En aktiv tjenesterelasjon mellom en tjeneste og personen har ikke hatt kontakt på mer enn 60 dager (en relasjon uten kontakter regnes fra starten); eller koordinatorens siste kontakt med personen, over alle deres relasjoner, er mer enn 30 dager gammel. Ett avvik per tjeneste.",
			},
		},
		{
			ID: "P11", Name: "low participation", Severity: SeverityMedium,
			Next:   Text{"Plan a meeting led by the person.", "Planlegg et møte som personen selv leder."},
			Source: "pasient- og brukerrettighetsloven § 3-1 (participation); Shier 2001, pathways to participation, as used by the learning network (FHI 2016)",
			Description: Text{
				"The latest participation assessment is below step 3 (views taken into account); or none is recorded and a service began serving the person more than 180 days ago; or the plan is active and the person is not an active member of it.",
				"Siste vurdering av medvirkning er under trinn 3 (synspunktene tas hensyn til); eller ingen er registrert og en tjeneste begynte for mer enn 180 dager siden; eller planen er aktiv og personen er ikke aktivt medlem av den.",
			},
		},
		{
			ID: "P12", Name: "transition without receiver", Severity: SeverityHigh,
			Next:   Text{"Contact the municipal service.", "Ta kontakt med den kommunale tjenesten."},
			Source: "Samspill rule on discharge from inpatient specialist care to municipal follow-up; the learning network's user input: does the person have somewhere to come home to (FHI 2016)",
			Description: Text{
				"An inpatient stay in specialist mental health care or substance-use treatment ended within the last 90 days, and no municipal mental-health and substance-use service or municipal care served the person from at most 7 days after discharge.",
				"Et innleggelsesopphold i psykisk helsevern eller TSB ble avsluttet de siste 90 dagene, og ingen kommunal psykisk helse- og rustjeneste eller hjemmetjeneste ga personen tjenester senest 7 dager etter utskrivning.",
			},
		},
		{
			ID: "P13", Name: "single point of failure", Severity: SeverityMedium,
			Next:   Text{"Add a second link between the services that depend on it.", "Etabler en ekstra forbindelse mellom tjenestene som er avhengige av den."},
			Source: "articulation points of the professional network (Hopcroft & Tarjan 1973); Samspill rule",
			Description: Text{
				"An actor of the professional network (all actors and active relations except the person and the person's relations) is the only link between two of the person's services of different sectors. One gap per such actor.",
				"En aktør i det profesjonelle nettverket (alle aktører og aktive relasjoner unntatt personen og personens relasjoner) er eneste forbindelse mellom to av personens tjenester fra ulike sektorer. Ett avvik per slik aktør.",
			},
		},
		{
			ID: "P14", Name: "strained tie", Severity: SeverityLow,
			Next:   Text{"Facilitate a conversation about the relation.", "Tilrettelegg for en samtale om relasjonen."},
			Source: "the relation quality recorded in the actor mapping (FHI 2016); Samspill rule",
			Description: Text{
				"An active relation between two of the person's services, or between the person and one of them, is recorded as strained or broken. One gap per pair.",
				"En aktiv relasjon mellom to av personens tjenester, eller mellom personen og en av dem, er registrert som anstrengt eller brutt. Ett avvik per par.",
			},
		},
	}
}
