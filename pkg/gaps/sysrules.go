package gaps

import "strconv"

// systemRuleCount is the number of S-rules.
const systemRuleCount = 10

// systemIndex returns i for "S<i+1>", or -1 for anything else.
func systemIndex(id string) int {
	if len(id) < 2 || id[0] != 'S' || id[1] < '1' || id[1] > '9' {
		return -1
	}
	n, err := strconv.Atoi(id[1:])
	if err != nil || n < 1 || n > systemRuleCount {
		return -1
	}
	return n - 1
}

// SystemRules returns the system-wide rules S1–S10 in order. Severities:
//
//   - high: two sectors that must work together do not (S3);
//   - medium: shared caseload without collaboration (S1), a fragile bridge
//     (S4), user organisations left out (S7), a missing or expired
//     agreement (S8), a citizen gap that is common in a municipality (S9);
//   - low: patterns to watch that need a closer look before action: a
//     sector that mostly keeps to itself (S2), dependence on one broker
//     (S5), no boundary spanners (S6), one-way flows (S10).
//
// The legal references were written from the statutes' common names and
// should be checked against Lovdata before they are shown to users.
func SystemRules() []Rule {
	return []Rule{
		{
			ID: "S1", Name: "shared caseload without collaboration", Severity: SeverityMedium,
			Next:   Text{"Agree how the two organisations work together on the citizens they share: joint meetings, named contacts.", "Avtal hvordan de to virksomhetene samarbeider om brukerne de deler: felles møter og faste kontaktpersoner."},
			Source: "Samspill rule (domain.md): shared caseload is where coordination is needed (Samhandlingsreformen, St.meld. nr. 47 (2008–2009))",
			Description: Text{
				"Two organisations serve at least 5 of the same citizens, and fewer than half of those citizens' maps record a working tie between them.",
				"To virksomheter gir tjenester til minst 5 av de samme innbyggerne, og færre enn halvparten av disse kartene viser en arbeidsrelasjon mellom dem.",
			},
		},
		{
			ID: "S2", Name: "sector silo", Severity: SeverityLow,
			Next:   Text{"Build ties from the sector to the others: joint training, shared meetings, secondments.", "Bygg forbindelser fra sektoren til de andre: felles opplæring, felles møter, hospitering."},
			Source: "Krackhardt & Stern 1988 (E-I index), compared with its value under random mixing",
			Description: Text{
				"The organisations of a sector group (at least 2) have relatively more ties among themselves than to other groups: the group's E-I index is more than 0.1 below the value expected if ties were formed at random.",
				"Virksomhetene i en sektorgruppe (minst 2) har relativt flere forbindelser seg imellom enn til andre grupper: gruppens E-I-indeks er mer enn 0,1 lavere enn forventet om forbindelsene var tilfeldige.",
			},
		},
		{
			ID: "S3", Name: "missing sector pair", Severity: SeverityHigh,
			Next:   Text{"Establish collaboration between the two sectors: an agreement, a joint forum or regular meetings.", "Etabler samarbeid mellom de to sektorene: en avtale, et felles forum eller faste møter."},
			Source: "domain.md's required sector pairs; the guideline for local mental-health and substance-use work, Sammen om mestring (Helsedirektoratet 2014)",
			Description: Text{
				"No tie (collaboration on at least 5 citizens' maps, or an agreement) joins any organisation of one side of a required sector pair with any of the other: primary care–psychiatry, municipal services–specialised substance-use treatment, mental health–NAV, mental health–housing, services–user organisations.",
				"Ingen forbindelse (samarbeid på minst 5 innbyggeres kart, eller en avtale) knytter noen virksomhet på den ene siden av et påkrevd sektorpar til noen på den andre: primærhelsetjenesten–psykisk helsevern/TSB, kommunale tjenester–TSB, psykisk helse–NAV, psykisk helse–bolig, tjenestene–brukerorganisasjonene.",
			},
		},
		{
			ID: "S4", Name: "fragile bridge", Severity: SeverityMedium,
			Next:   Text{"Add a second link between the sectors this organisation or tie connects.", "Etabler en ekstra forbindelse mellom sektorene denne virksomheten eller forbindelsen knytter sammen."},
			Source: "articulation points and bridges (Hopcroft & Tarjan 1973) of the organisation graph; Samspill rule",
			Description: Text{
				"An organisation (an articulation point) or a single tie (a bridge) is the only connection between two sectors: without it, no organisation of one could reach any of the other.",
				"En virksomhet (et artikulasjonspunkt) eller én enkelt forbindelse (en bro) er eneste forbindelse mellom to sektorer: uten den når ingen virksomhet i den ene noen i den andre.",
			},
		},
		{
			ID: "S5", Name: "broker dependence", Severity: SeverityLow,
			Next:   Text{"Spread the brokerage: help the organisations it connects build direct ties.", "Spre meglerrollen: hjelp virksomhetene den forbinder, med å knytte direkte bånd."},
			Source: "Gould & Fernandez 1989 (brokerage roles); Provan & Milward 1995: a centrally integrated network is not a gap by itself, dependence on one broker is",
			Description: Text{
				"One organisation holds more than half of the area's liaison and gatekeeper brokerage (at least 10 such brokered pairs in all).",
				"Én virksomhet står for mer enn halvparten av områdets megling som forbindelsesledd og portvakt (minst 10 slike meglede par i alt).",
			},
		},
		{
			ID: "S6", Name: "sector without boundary spanners", Severity: SeverityLow,
			Next:   Text{"Name boundary spanners: contact persons in the sector who link it to the others.", "Utpek grensekryssere: kontaktpersoner i sektoren som knytter den til de andre."},
			Source: "Gould & Fernandez 1989 (gatekeeper and representative roles)",
			Description: Text{
				"A sector group with at least 2 organisations in the area has no gatekeeper or representative brokerage: none of its organisations links the group to another.",
				"En sektorgruppe med minst 2 virksomheter i området har ingen megling som portvakt eller representant: ingen av virksomhetene knytter gruppen til andre.",
			},
		},
		{
			ID: "S7", Name: "user organisations not at the table", Severity: SeverityMedium,
			Next:   Text{"Invite the user organisation into the system-level forum and into the collaboration.", "Inviter brukerorganisasjonen inn i samhandlingsutvalget og i samarbeidet."},
			Source: "user participation at system level (helse- og omsorgstjenesteloven § 3-10); Samspill rule",
			Description: Text{
				"A user organisation of the area has no tie in the organisation graph, or is an active member of no system-level forum on the area's organisation map.",
				"En brukerorganisasjon i området har ingen forbindelse i virksomhetsnettverket, eller er ikke aktivt medlem av noe forum på systemnivå i områdets kart.",
			},
		},
		{
			ID: "S8", Name: "missing or expired agreement", Severity: SeverityMedium,
			Next:   Text{"Make or renew the agreement between the two organisations.", "Inngå eller forny avtalen mellom de to virksomhetene."},
			Source: "helse- og omsorgstjenesteloven § 6-1 and § 6-2 (agreements between municipality and health trust); Samspill rule",
			Description: Text{
				"Two organisations on opposite sides of a required sector pair share at least 5 citizens, and no valid agreement joins the two sides of that pair on the area's organisation map (none, or only ended ones).",
				"To virksomheter på hver sin side av et påkrevd sektorpar deler minst 5 innbyggere, og ingen gyldig avtale knytter de to sidene av sektorparet sammen i områdets kart (ingen, eller bare avsluttede).",
			},
		},
		{
			ID: "S9", Name: "gap prevalence", Severity: SeverityMedium,
			Next:   Text{"Find out why this gap is common here and address it at system level.", "Finn ut hvorfor dette avviket er vanlig her, og ta tak i det på systemnivå."},
			Source: "Samspill: prevalence of the citizen rules P1–P14 per municipality and organisation",
			Description: Text{
				"At least half of a municipality's citizen maps (at least 5 maps, at least 5 with the gap) have the same citizen gap. The prevalence table per municipality and organisation is reported beside the gaps.",
				"Minst halvparten av kommunens innbyggerkart (minst 5 kart, minst 5 med avviket) har det samme avviket. Tabellen over forekomst per kommune og virksomhet rapporteres sammen med avvikene.",
			},
		},
		{
			ID: "S10", Name: "one-way flows", Severity: SeverityLow,
			Next:   Text{"Agree on feedback: the receiving organisation refers and informs back.", "Avtal tilbakemelding: virksomheten som mottar, henviser og informerer tilbake."},
			Source: "weighted reciprocity (Squartini et al. 2013) of refers and informs relations; Samspill rule",
			Description: Text{
				"Referrals and information between two organisations (on at least 5 citizens' maps) flow mostly one way: the weighted reciprocity 2·min(a→b, b→a)/(a→b + b→a) is below 0.5.",
				"Henvisninger og informasjon mellom to virksomheter (på minst 5 innbyggeres kart) går stort sett én vei: den vektede gjensidigheten 2·min(a→b, b→a)/(a→b + b→a) er under 0,5.",
			},
		},
	}
}
