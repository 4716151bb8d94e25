package demo

// Words and names of the demo. Functions, not variables: the package has
// no state.

func femaleNames() []string {
	return []string{"Kari", "Anne", "Ingrid", "Liv", "Marit", "Hilde", "Silje", "Ida", "Nora", "Emma",
		"Sara", "Hanne", "Randi", "Berit", "Solveig", "Ragnhild", "Eli", "Maja", "Thea", "Ingeborg",
		"Kristin", "Camilla", "Linn", "Sofie", "Guro", "Astrid", "Sigrid", "Tuva", "Vilde", "Amina"}
}

func maleNames() []string {
	return []string{"Ola", "Per", "Knut", "Lars", "Jon", "Erik", "Hans", "Bjørn", "Arne", "Geir",
		"Morten", "Magnus", "Henrik", "Sindre", "Eirik", "Håkon", "Anders", "Espen", "Trond", "Kjetil",
		"Odd", "Martin", "Sverre", "Aksel", "Even", "Stian", "Tobias", "Jakob", "Ali", "Emil"}
}

// initials are the letters a pseudonymous display name may end with.
func initials() []string {
	return []string{"A", "B", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "R", "S", "T", "V", "Ø", "Å"}
}

// kinRole is a kind of next of kin or friend.
type kinRole struct {
	label  string // shown after the name: "Kari (mor)"
	female bool
	family bool // family relation; friends and neighbours give informal support
	close  bool // usually of high importance
}

func kinRoles() []kinRole {
	return []kinRole{
		{"mor", true, true, true},
		{"far", false, true, true},
		{"søster", true, true, false},
		{"bror", false, true, false},
		{"kjæreste", true, true, true},
		{"samboer", false, true, true},
		{"datter", true, true, false},
		{"sønn", false, true, false},
		{"tante", true, true, false},
		{"onkel", false, true, false},
		{"bestemor", true, true, false},
		{"venninne", true, false, false},
		{"venn", false, false, false},
		{"nabo", false, false, false},
	}
}

// titles are professional titles by service role.
func titles(ro role) []string {
	switch ro {
	case roleGP:
		return []string{"fastlege"}
	case roleLegevakt:
		return []string{"legevaktslege"}
	case roleMH:
		return []string{"miljøterapeut", "psykiatrisk sykepleier", "ruskonsulent"}
	case roleLow:
		return []string{"veileder", "psykologspesialist"}
	case roleCare:
		return []string{"sykepleier", "helsefagarbeider"}
	case roleNAV:
		return []string{"NAV-veileder", "arbeidskonsulent"}
	case roleSocial:
		return []string{"sosionom", "økonomirådgiver"}
	case roleHousing:
		return []string{"boligkonsulent"}
	case roleJustice:
		return []string{"friomsorgskonsulent", "forebyggende politi"}
	case roleEdu:
		return []string{"lærer", "karriereveileder"}
	case roleCivil:
		return []string{"frivillig", "daglig leder"}
	case roleDPS:
		return []string{"psykolog", "psykiater", "behandler"}
	case roleFACT:
		return []string{"case manager", "psykiater"}
	case roleTSB:
		return []string{"ruskonsulent", "lege"}
	case roleLAR:
		return []string{"LAR-konsulent", "lege"}
	}
	return []string{"kontaktperson"}
}

// serviceRole describes what a service does for the person.
func serviceRole(ro role) string {
	switch ro {
	case roleGP:
		return "Fastlege, medisiner og henvisninger"
	case roleLegevakt:
		return "Akutthjelp ved krise"
	case roleMH:
		return "Oppfølging i hjemmet og samtaler"
	case roleLow:
		return "Samtaler uten henvisning"
	case roleCare:
		return "Medisinutdeling"
	case roleNAV:
		return "Arbeidsavklaringspenger og arbeidsrettet oppfølging"
	case roleSocial:
		return "Økonomisk rådgivning og sosialhjelp"
	case roleHousing:
		return "Kommunal bolig"
	case roleJustice:
		return "Oppfølging av samfunnsstraff"
	case roleEdu:
		return "Fullføre videregående"
	case roleCivil:
		return "Aktivitet og fellesskap"
	case roleDPS:
		return "Poliklinisk behandling"
	case roleFACT:
		return "Oppsøkende behandling"
	case roleTSB:
		return "Rusbehandling"
	case roleLAR:
		return "Legemiddelassistert rehabilitering"
	}
	return ""
}

// whatMatters are the person's own words about what matters to them.
func whatMatters() []string {
	return []string{"Vil ha jobb", "Trenger bolig", "Å få være sammen med barna", "Slippe å fortelle historien min på nytt",
		"Bli rusfri", "Ha noen å snakke med", "Fullføre skolen", "Få orden på økonomien",
		"Ha én fast person å forholde meg til", "Sove bedre", "En meningsfull hverdag", "Få hjelp uten å vente",
		"Bli trodd", "Klare meg selv", "Å ha venner igjen"}
}

// kinMatters are what matters to next of kin.
func kinMatters() []string {
	return []string{"Vil bli tatt med på råd", "Bekymret for hverdagen", "Trenger avlastning", "Vil vite hvem som har ansvaret", ""}
}

// contactNotes are short notes on contacts.
func contactNotes() []string {
	return []string{"Samtale om bolig", "Oppfølgingssamtale", "Telefon om medisiner", "Felles møte", "Epikrise sendt", "Avklaring om ytelser"}
}
