package web

// catalogue holds every text of the application in English (en) and
// Norwegian bokmål (nb). It is built once by newCatalogue and only read
// afterwards.
type catalogue struct {
	texts map[string]map[string]string // lang → key → text
}

// text returns key's text in lang, falling back to English and then to
// the key itself (a test keeps every key the templates use in both
// languages).
func (c *catalogue) text(lang, key string) string {
	return c.textOr(lang, key, key)
}

// textOr returns key's text in lang, or def when the key is unknown.
func (c *catalogue) textOr(lang, key, def string) string {
	if t, ok := c.texts[lang][key]; ok {
		return t
	}
	if t, ok := c.texts["en"][key]; ok {
		return t
	}
	return def
}

func newCatalogue() *catalogue {
	c := &catalogue{texts: map[string]map[string]string{"en": {}, "nb": {}}}
	add := func(key, en, nb string) {
		c.texts["en"][key] = en
		c.texts["nb"][key] = nb
	}
	// Frame.
	add("skip", "Skip to main content", "Hopp til hovedinnholdet")
	add("nav.label", "Main menu", "Hovedmeny")
	add("nav.maps", "My maps", "Mine kart")
	add("nav.area", "Region", "Region")
	add("nav.admin", "Administration", "Administrasjon")
	add("lang.switch", "Norsk", "English")
	add("signout", "Sign out", "Logg ut")
	add("footer", "Samspill maps the actors around a person and where services fail to work together. Every reading of a citizen map is recorded with who read it and why.",
		"Samspill kartlegger aktørene rundt en person og hvor tjenestene ikke samhandler. Hver lesing av et innbyggerkart registreres med hvem som leste og hvorfor.")
	add("role.coordinator", "Coordinator", "Koordinator")
	add("role.analyst", "Analyst", "Analytiker")
	add("role.admin", "Administrator", "Administrator")
	add("role.integration", "Integration", "Integrasjon")

	// Sign-in.
	add("signin.title", "Sign in", "Logg inn")
	add("signin.intro", "Sign in with your organisation's identity provider. Coordinators map the networks of the people assigned to them; analysts see their municipality's de-identified figures.",
		"Logg inn med virksomhetens identitetstilbyder. Koordinatorer kartlegger nettverket til personene de er tildelt; analytikere ser kommunens avidentifiserte tall.")
	add("signin.submit", "Sign in", "Logg inn")
	add("signin.expired", "Your session has expired. Please sign in again.", "Økten din er utløpt. Logg inn på nytt.")
	add("signin.idle", "You were signed out after 30 minutes without activity. Please sign in again.",
		"Du ble logget ut etter 30 minutter uten aktivitet. Logg inn på nytt.")
	add("signin.out", "You have signed out.", "Du er logget ut.")
	add("signin.cancelled", "The sign-in was cancelled.", "Innloggingen ble avbrutt.")
	add("signin.failed", "The sign-in could not be completed. Please try again.", "Innloggingen kunne ikke fullføres. Prøv igjen.")
	add("signin.state", "This sign-in did not start in this browser, or took too long. Please try again.",
		"Denne innloggingen startet ikke i denne nettleseren, eller tok for lang tid. Prøv igjen.")
	add("signin.refused", "You signed in, but your account has no role in Samspill. Ask your administrator for access.",
		"Du logget inn, men kontoen din har ingen rolle i Samspill. Be administratoren om tilgang.")
	add("signin.unavailable", "Sign-in is not available right now. Try again in a moment.", "Innlogging er ikke tilgjengelig akkurat nå. Prøv igjen om litt.")

	// The administrator's page.
	add("admin.title", "Administration", "Administrasjon")
	add("admin.intro", "You are signed in as an administrator. Administrators manage the directory and which coordinators a citizen map is assigned to; they do not see the contents of citizen maps.",
		"Du er logget inn som administrator. Administratorer forvalter katalogen og hvilke koordinatorer et innbyggerkart er tildelt; de ser ikke innholdet i innbyggerkart.")
	add("admin.cli", "These tasks are not in the web application yet: use the samspill command line.",
		"Disse oppgavene finnes ikke i webapplikasjonen ennå: bruk kommandolinjen samspill.")

	// Fields shared by forms.
	add("field.municipality", "Municipality", "Kommune")
	add("field.municipality.hint", "Four-digit municipality number, e.g. 3301 Drammen.", "Firesifret kommunenummer, f.eks. 3301 Drammen.")
	add("field.municipality.invalid", "Enter a four-digit municipality number.", "Skriv et firesifret kommunenummer.")
	add("field.required", "This field is required.", "Dette feltet må fylles ut.")
	add("field.date.invalid", "Enter a date as YYYY-MM-DD.", "Skriv en dato som ÅÅÅÅ-MM-DD.")
	add("select.choose", "Choose…", "Velg …")
	add("select.none", "Not assessed", "Ikke vurdert")
	add("yes", "Yes", "Ja")
	add("no", "No", "Nei")
	add("notjudged", "Not judged", "Ikke vurdert")

	// Start page.
	add("home.title", "My maps", "Mine kart")
	add("home.maps", "My citizen maps", "Mine innbyggerkart")
	add("home.maps.caption", "My citizen maps, most recently updated first", "Mine innbyggerkart, sist oppdatert først")
	add("home.nomaps", "You have no maps yet. Open one with the form.", "Du har ingen kart ennå. Åpne et med skjemaet.")
	add("home.col.label", "Person", "Person")
	add("home.col.opened", "Opened", "Åpnet")
	add("home.col.updated", "Updated", "Oppdatert")
	add("home.col.gaps", "Open gaps", "Åpne brudd")
	add("home.closed", "closed", "lukket")
	add("home.new", "New citizen map", "Nytt innbyggerkart")
	add("home.new.label", "Label of the map", "Kartets navn")
	add("home.new.label.hint", "First name and initial, e.g. \"Ola N.\". Never a national identity number.", "Fornavn og initial, f.eks. «Ola N.». Aldri fødselsnummer.")
	add("home.new.name", "The person's display name", "Personens visningsnavn")
	add("home.new.name.hint", "Shown in the middle of the map; may be left empty.", "Vises midt i kartet; kan stå tomt.")
	add("home.new.date", "Mapped from", "Kartlagt fra")
	add("home.new.date.hint", "The date the map starts; earlier facts cannot be entered.", "Datoen kartet starter; tidligere forhold kan ikke registreres.")
	add("home.new.submit", "Open map", "Åpne kart")

	// Map page.
	add("map.picture", "Picture", "Bilde")
	add("picture.alt", "Actor map of %s on %s. The same actors, relations and gaps are listed as text on this page.",
		"Aktørkart for %s %s. De samme aktørene, relasjonene og bruddene står som tekst på denne siden.")
	add("picture.caption", "The map as it stood on %s: the person in the centre, services around by sector, gaps numbered.",
		"Kartet slik det var %s: personen i midten, tjenestene rundt etter sektor, brudd nummerert.")
	add("picture.failed", "The picture could not be drawn.", "Bildet kunne ikke tegnes.")
	add("timeline.label", "Date shown", "Vist dato")
	add("timeline.show", "Show", "Vis")
	add("timeline.hint", "Drag to see the map on each of its %d dates.", "Dra for å se kartet på hver av de %d datoene.")
	add("timeline.unavailable", "The map's history is not available yet; the slider shows today only.", "Kartets historikk er ikke tilgjengelig ennå; glideren viser bare i dag.")
	add("map.downloads", "Download and export", "Last ned og eksporter")
	add("export.document", "Map document (JSON)", "Kartdokument (JSON)")
	add("export.csv.relations", "Relations (CSV)", "Relasjoner (CSV)")
	add("export.csv.actors", "Actors (CSV)", "Aktører (CSV)")
	add("export.careteam", "FHIR CareTeam", "FHIR CareTeam")
	add("map.gaps", "Open gaps", "Åpne brudd")
	add("map.gaps.count", "%d open gaps, most severe first.", "%d åpne brudd, de alvorligste først.")
	add("map.nogaps", "No open gaps.", "Ingen åpne brudd.")
	add("gap.next", "Next step", "Neste steg")
	add("gap.concerns", "Concerns", "Gjelder")
	add("gap.since", "since %s", "siden %s")
	add("map.actors", "Actors", "Aktører")
	add("map.actors.caption", "Actors around %s on %s", "Aktører rundt %s %s")
	add("map.noactors", "No actors yet besides the person. Add them with the forms below.", "Ingen aktører ennå utenom personen. Legg dem til med skjemaene nedenfor.")
	add("map.relations", "Relations", "Relasjoner")
	add("map.relations.caption", "Relations on the map of %s; active first", "Relasjoner i kartet til %s; aktive først")
	add("map.norelations", "No relations yet.", "Ingen relasjoner ennå.")
	add("map.update", "Update the map", "Oppdater kartet")
	add("map.coordinator", "Coordinator", "Koordinator")
	add("map.plan", "Individual plan", "Individuell plan")
	add("map.participation", "Participation", "Medvirkning")
	add("map.erased", "erased", "slettet")
	add("actor.name", "Name", "Navn")
	add("actor.sector", "Sector", "Sektor")
	add("actor.kind", "Kind", "Type")
	add("actor.level", "Level", "Nivå")
	add("actor.roles", "Role and what matters", "Rolle og hva som er viktig")
	add("actor.person", "the person", "personen")
	add("actor.directory", "From the directory", "Fra katalogen")
	add("actor.directory.short", "dir.", "kat.")
	add("actor.planmember", "plan member", "med i planen")
	add("relation.from", "From", "Fra")
	add("relation.to", "To", "Til")
	add("relation.type", "Relation", "Relasjon")
	add("relation.quality", "Quality", "Kvalitet")
	add("relation.since", "Since", "Siden")
	add("relation.lastcontact", "Last contact", "Siste kontakt")
	add("relation.status", "Status", "Status")
	add("relation.active", "active", "aktiv")
	add("relation.ended", "ended %s", "avsluttet %s")
	add("relation.formalised", "formalised (written agreement, plan)", "formalisert (skriftlig avtale, plan)")
	add("relation.inpatient", "inpatient stay", "innleggelse")
	add("relation.flags", "Details", "Detaljer")

	// Forms of the map page.
	add("form.directory.title", "Add from the directory", "Legg til fra katalogen")
	add("form.directory.search", "Search organisations and services", "Søk etter virksomheter og tjenester")
	add("form.directory.hint", "Type part of a name, e.g. \"NAV\" or \"DPS\", then choose an entry.", "Skriv en del av et navn, f.eks. «NAV» eller «DPS», og velg en oppføring.")
	add("form.directory.results", "Directory entries", "Katalogoppføringer")
	add("form.directory.searchbutton", "Search", "Søk")
	add("form.directory.none", "No entries match.", "Ingen oppføringer passer.")
	add("form.directory.choose", "Choose an entry", "Velg en oppføring")
	add("form.directory.submit", "Add to the map", "Legg til i kartet")
	add("form.directory.chosen", "Chosen: %s", "Valgt: %s")
	add("directory.choose", "Search and choose an entry from the directory.", "Søk og velg en oppføring fra katalogen.")
	add("directory.notfound", "That entry is no longer in the directory; search again.", "Oppføringen finnes ikke lenger i katalogen; søk på nytt.")
	add("directory.count", "%d entries; use the arrow keys to choose.", "%d oppføringer; bruk piltastene for å velge.")
	add("form.actor.relation", "Relation to the person", "Relasjon til personen")
	add("form.actor.since", "In the person's life since", "I personens liv siden")
	add("form.actor.relation.none", "None yet", "Ingen ennå")
	add("form.actor.relation.serves", "Serves the person", "Yter tjenester til personen")
	add("form.actor.relation.coordinates", "Coordinates for the person", "Koordinerer for personen")
	add("form.actor.relation.family", "Family or next of kin", "Familie eller pårørende")
	add("form.actor.relation.peer-support", "Peer support", "Likepersonsstøtte")
	add("form.private.title", "Add a private actor", "Legg til en privat aktør")
	add("form.private.name.hint", "A relative, friend or named professional; first name and initial is enough.", "En pårørende, venn eller navngitt fagperson; fornavn og initial holder.")
	add("form.private.submit", "Add actor", "Legg til aktør")
	add("form.relation.title", "Add a relation", "Legg til en relasjon")
	add("form.relation.submit", "Add relation", "Legg til relasjon")
	add("form.contact.title", "Record a contact", "Registrer en kontakt")
	add("form.contact.relation", "Over the relation", "I relasjonen")
	add("form.contact.mode", "How", "Hvordan")
	add("form.contact.date", "Date of the contact", "Dato for kontakten")
	add("form.contact.submit", "Record contact", "Registrer kontakt")
	add("form.assess.title", "Assess an actor", "Vurder en aktør")
	add("form.assess.submit", "Save assessment", "Lagre vurdering")
	add("form.actor", "Actor", "Aktør")
	add("form.from", "From", "Fra")
	add("form.date", "Date", "Dato")
	add("assess.importance", "Importance to the person", "Betydning for personen")
	add("assess.influence", "Influence", "Påvirkningskraft")
	add("assess.public", "Public", "Offentlighet")
	add("assess.attitude", "Attitude to the person's goals", "Holdning til personens mål")
	add("assess.linkage", "Linkage", "Kobling")
	add("assess.judgements", "Grunig & Hunt's judgements", "Grunig og Hunts vurderinger")
	add("assess.judgements.hint", "Together they give the actor's public: non-public, latent, aware or active.", "Sammen gir de aktørens offentlighet: ikke-offentlighet, latent, bevisst eller aktiv.")
	add("assess.judgements.all", "Judge all three, or none: the public follows from the three together.", "Vurder alle tre, eller ingen: offentligheten følger av de tre sammen.")
	add("assess.problemRecognition", "Recognises the problem", "Erkjenner problemet")
	add("assess.constraintRecognition", "Sees constraints on acting", "Ser hindringer for å handle")
	add("assess.involvement", "Is involved", "Er involvert")
	add("assess.role", "Role (what the actor does)", "Rolle (hva aktøren gjør)")
	add("assess.whatMatters", "What matters to the person, in their words", "Hva er viktig for personen, med egne ord")
	add("assess.empty", "Choose at least one value to record.", "Velg minst én verdi å registrere.")
	add("form.coordinator.title", "Assign the coordinator", "Tildel koordinator")
	add("form.coordinator.submit", "Assign coordinator", "Tildel koordinator")
	add("form.plan.title", "Create the individual plan", "Opprett individuell plan")
	add("form.plan.forum", "Forum of the plan", "Planens forum")
	add("form.plan.newforum", "A new forum (named below)", "Et nytt forum (navngitt nedenfor)")
	add("form.plan.forumname", "Name of the new forum", "Navn på det nye forumet")
	add("form.plan.forumname.default", "Individual plan", "Individuell plan")
	add("form.plan.submit", "Create plan", "Opprett plan")
	add("form.member.title", "Add a plan member", "Legg til et medlem i planen")
	add("form.member.submit", "Add member", "Legg til medlem")
	add("form.participation.title", "Record participation", "Registrer medvirkning")
	add("form.participation.level", "The person's participation (Shier's ladder)", "Personens medvirkning (Shiers stige)")
	add("form.participation.submit", "Record participation", "Registrer medvirkning")
	add("participation.choose", "Choose a level from 1 to 5.", "Velg et nivå fra 1 til 5.")
	add("participation.1", "is listened to", "blir lyttet til")
	add("participation.2", "is supported to express views", "får støtte til å si sin mening")
	add("participation.3", "views are taken into account", "synspunktene blir tatt hensyn til")
	add("participation.4", "is involved in decisions", "er med på beslutninger")
	add("participation.5", "shares power and responsibility", "deler makt og ansvar")
	add("error.nocitizen", "The map has no person to relate to.", "Kartet har ingen person å knytte til.")

	// After a form.
	add("done.open_map", "The map is open. Add the person's actors below.", "Kartet er åpnet. Legg til personens aktører nedenfor.")
	add("done.add_actor", "Actor added.", "Aktør lagt til.")
	add("done.add_actor_relation", "Actor and relation added.", "Aktør og relasjon lagt til.")
	add("done.add_relation", "Relation added.", "Relasjon lagt til.")
	add("done.record_contact", "Contact recorded.", "Kontakt registrert.")
	add("done.assess_actor", "Assessment saved.", "Vurdering lagret.")
	add("done.assign_coordinator", "Coordinator assigned.", "Koordinator tildelt.")
	add("done.create_plan", "Plan created.", "Plan opprettet.")
	add("done.add_plan_member", "Plan member added.", "Medlem lagt til i planen.")
	add("done.record_participation", "Participation recorded.", "Medvirkning registrert.")

	// Refusals and states.
	add("refused.malformed", "Not understood", "Ikke forstått")
	add("refused.invalid", "Check this value", "Sjekk denne verdien")
	add("refused.national-id", "This looks like a national identity number. Samspill never stores those: use a name or initials.",
		"Dette ser ut som et fødselsnummer. Samspill lagrer aldri slike: bruk navn eller initialer.")
	add("refused.not-found", "Not found", "Ikke funnet")
	add("refused.conflict", "Already there or changed meanwhile", "Finnes allerede eller er endret i mellomtiden")
	add("refused.gone", "The map is closed or erased", "Kartet er lukket eller slettet")
	add("refused.internal", "Nothing was saved", "Ingenting ble lagret")
	add("state.unavailable", "Not available right now: the service does not answer. Try again in a moment.",
		"Ikke tilgjengelig akkurat nå: tjenesten svarer ikke. Prøv igjen om litt.")
	add("state.none", "Nothing to show yet.", "Ingenting å vise ennå.")
	add("state.failed", "This could not be read. Try again in a moment.", "Dette kunne ikke leses. Prøv igjen om litt.")
	add("state.forbidden", "Not available to you: your role does not give access to this.", "Ikke tilgjengelig for deg: rollen din gir ikke tilgang til dette.")
	add("error.title", "Not possible", "Ikke mulig")
	add("error.back", "Back to the start page", "Tilbake til startsiden")
	add("error.csrf", "The form had expired or did not come from this page. Go back, reload and try again.",
		"Skjemaet var utløpt eller kom ikke fra denne siden. Gå tilbake, last inn siden på nytt og prøv igjen.")
	add("error.role", "Your role cannot open this page: analysts see aggregated figures, not citizen maps.",
		"Rollen din kan ikke åpne denne siden: analytikere ser samlede tall, ikke innbyggerkart.")
	add("error.role.admin", "Your role cannot open this page: an administrator manages the directory and assignments, not the contents of citizen maps or regions.",
		"Rollen din kan ikke åpne denne siden: en administrator forvalter katalogen og tildelinger, ikke innholdet i innbyggerkart eller regioner.")
	add("error.role.coordinator", "Your role cannot open this page: region figures are for analysts; a coordinator sees the citizen maps assigned to them.",
		"Rollen din kan ikke åpne denne siden: regionens tall er for analytikere; koordinatorer ser innbyggerkartene de er tildelt.")
	add("error.role.other", "Your role cannot use the web application.", "Rollen din kan ikke bruke webapplikasjonen.")
	add("error.area.other", "Analysts see the figures of their own municipality only.", "Analytikere ser bare tallene for sin egen kommune.")
	add("error.forbidden", "You do not have access to this. A citizen map opens only for the coordinators it is assigned to; the refusal has been recorded.",
		"Du har ikke tilgang til dette. Et innbyggerkart åpnes bare for koordinatorene det er tildelt; avvisningen er registrert.")
	add("error.unauthenticated", "Samspill could not confirm who you are. Sign out and sign in again.",
		"Samspill kunne ikke bekrefte hvem du er. Logg ut og logg inn på nytt.")
	add("error.nomap", "There is no such citizen map.", "Det finnes ikke noe slikt innbyggerkart.")
	add("error.noarea", "There is no such municipality.", "Det finnes ingen slik kommune.")

	// Live updates (the page's script).
	add("live.updated", "Map updated", "Kartet er oppdatert")
	add("live.opened", "Gap opened: %s", "Brudd åpnet: %s")
	add("live.closed", "Gap closed: %s", "Brudd lukket: %s")

	// Region page.
	add("area.title", "Municipality", "Kommune")
	add("area.k", "Figures for fewer than %d citizens are suppressed.", "Tall for færre enn %d innbyggere er skjult.")
	add("area.other", "Another municipality", "En annen kommune")
	add("area.show", "Show", "Vis")
	add("area.picture", "System map", "Systemkart")
	add("area.picture.alt", "System-wide map of municipality %s: organisations by sector, lines where they share citizens. The tables below hold the same figures.",
		"Systemkart for kommune %s: virksomheter etter sektor, linjer der de deler innbyggere. Tabellene nedenfor har de samme tallene.")
	add("area.picture.caption", "Organisations grouped by sector; a line's width is the number of shared citizens, its colour the share with a collaboration tie.",
		"Virksomheter gruppert etter sektor; linjens bredde er antall felles innbyggere, fargen andelen med samarbeid.")
	add("area.matrix", "Shared citizens between organisations", "Felles innbyggere mellom virksomheter")
	add("area.matrix.caption", "Organisation pairs of municipality %s; cells under %d citizens suppressed", "Par av virksomheter i kommune %s; celler under %d innbyggere skjult")
	add("area.matrix.none", "No organisation pairs share citizens.", "Ingen par av virksomheter deler innbyggere.")
	add("area.org", "Organisation", "Virksomhet")
	add("area.shared", "Shared citizens", "Felles innbyggere")
	add("area.collaborating", "With collaboration", "Med samarbeid")
	add("area.share", "Share", "Andel")
	add("area.suppressed", "fewer than %d: suppressed", "færre enn %d: skjult")
	add("area.prevalence", "Gap prevalence per month", "Forekomst av brudd per måned")
	add("area.prevalence.caption", "Share of municipality %s's citizen maps with each gap open, %s to %s; counts under %d suppressed",
		"Andel av innbyggerkartene i kommune %s med hvert brudd åpent, %s til %s; antall under %d skjult")
	add("area.prevalence.none", "No prevalence figures yet.", "Ingen tall for forekomst ennå.")
	add("area.rule", "Gap", "Brudd")
	add("area.trend", "Trend", "Utvikling")
	add("area.maps", "Citizen maps", "Innbyggerkart")
	add("area.csv.matrix", "Shared citizens (CSV)", "Felles innbyggere (CSV)")
	add("area.csv.prevalence", "Gap prevalence (CSV)", "Forekomst av brudd (CSV)")
	add("area.downloads", "Downloads", "Nedlastinger")

	c.vocabulary(add)
	return c
}

// vocabulary adds the labels of the model's values.
func (c *catalogue) vocabulary(add func(key, en, nb string)) {
	for _, v := range [][3]string{
		{"sector.citizen", "the person", "personen"},
		{"sector.informal", "next of kin, friends", "pårørende, venner"},
		{"sector.primary-health", "GP, primary health", "fastlege, primærhelse"},
		{"sector.municipal-mh-su", "municipal mental health and substance use", "kommunal psykisk helse og rus"},
		{"sector.municipal-care", "home care", "hjemmetjenester"},
		{"sector.specialist-mh", "specialist mental health", "psykisk helsevern"},
		{"sector.specialist-su", "specialised substance-use treatment", "TSB"},
		{"sector.welfare-work", "NAV, work and welfare", "NAV, arbeid og velferd"},
		{"sector.social-services", "social services", "sosialtjenester"},
		{"sector.housing", "housing", "bolig"},
		{"sector.user-org", "user organisation", "brukerorganisasjon"},
		{"sector.peer", "peer worker", "erfaringskonsulent"},
		{"sector.justice", "police, prison, probation", "politi, fengsel, friomsorg"},
		{"sector.education-work", "school, employer", "skole, arbeidsgiver"},
		{"sector.civil-society", "volunteers, civil society", "frivillige, sivilsamfunn"},
		{"sector.governance", "governance, coordinating unit", "styring, koordinerende enhet"},
		{"kind.person", "person", "person"},
		{"kind.service", "service", "tjeneste"},
		{"kind.organisation", "organisation", "virksomhet"},
		{"kind.forum", "forum (group, plan)", "forum (gruppe, plan)"},
		{"level.individual", "individual", "individ"},
		{"level.service", "service", "tjeneste"},
		{"level.system", "system", "system"},
		{"relation.serves", "serves", "yter tjenester til"},
		{"relation.coordinates", "coordinates", "koordinerer"},
		{"relation.collaborates", "collaborates with", "samarbeider med"},
		{"relation.refers", "refers to", "henviser til"},
		{"relation.informs", "informs", "informerer"},
		{"relation.family", "family of", "familie til"},
		{"relation.peer-support", "peer support", "likepersonsstøtte"},
		{"relation.member-of", "member of", "medlem av"},
		{"relation.agreement", "agreement with", "avtale med"},
		{"quality.good", "good", "god"},
		{"quality.strained", "strained", "anstrengt"},
		{"quality.broken", "broken", "brutt"},
		{"quality.unknown", "unknown", "ukjent"},
		{"scale.high", "high", "høy"},
		{"scale.medium", "medium", "middels"},
		{"scale.low", "low", "lav"},
		{"public.non-public", "non-public", "ikke-offentlighet"},
		{"public.latent", "latent", "latent"},
		{"public.aware", "aware", "bevisst"},
		{"public.active", "active", "aktiv"},
		{"linkage.enabling", "enabling", "muliggjørende"},
		{"linkage.functional", "functional", "funksjonell"},
		{"linkage.normative", "normative", "normativ"},
		{"linkage.diffused", "diffused", "diffus"},
		{"attitude.supportive", "supportive", "støttende"},
		{"attitude.neutral", "neutral", "nøytral"},
		{"attitude.opposed", "opposed", "motstridende"},
		{"mode.meeting", "meeting", "møte"},
		{"mode.phone", "phone", "telefon"},
		{"mode.digital", "digital", "digitalt"},
		{"mode.letter", "letter", "brev"},
		{"plan.active", "active", "aktiv"},
		{"plan.declined", "declined", "avslått"},
		{"plan.closed", "closed", "avsluttet"},
		{"severity.high", "high", "høy"},
		{"severity.medium", "medium", "middels"},
		{"severity.low", "low", "lav"},
		{"rule.P1", "uncoordinated co-providers", "tjenester uten samhandling"},
		{"rule.P2", "the person as broker", "personen som bindeledd"},
		{"rule.P3", "no coordinator", "ingen koordinator"},
		{"rule.P4", "no or stale plan", "ingen eller utdatert plan"},
		{"rule.P5", "coordinator not connected", "koordinator uten kontakt"},
		{"rule.P6", "plan lacks a provider", "planen mangler en tjeneste"},
		{"rule.P7", "no GP", "ingen fastlege"},
		{"rule.P8", "no user-organisation or peer contact", "ingen kontakt med brukerorganisasjon eller likeperson"},
		{"rule.P9", "next of kin outside", "pårørende utenfor"},
		{"rule.P10", "cold relation", "kald relasjon"},
		{"rule.P11", "low participation", "lav medvirkning"},
		{"rule.P12", "transition without receiver", "overgang uten mottaker"},
		{"rule.P13", "single point of failure", "enkeltpunkt for svikt"},
		{"rule.P14", "strained tie", "anstrengt relasjon"},
	} {
		add(v[0], v[1], v[2])
	}
}
