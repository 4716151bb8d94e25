package demo

import (
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Municipality is one municipality of the demo region.
type Municipality struct {
	Code string `json:"code"` // the official 4-digit municipality number
	Name string `json:"name"`
}

// role is what a directory entry does in the demo; the generator picks
// services by role.
type role string

const (
	roleKommune  role = "kommune"  // the municipality itself (governance)
	roleKE       role = "ke"       // koordinerende enhet (governance)
	roleGP       role = "gp"       // fastlegekontor (primary-health)
	roleLegevakt role = "legevakt" // emergency primary care (primary-health)
	roleMH       role = "mh"       // municipal mental health and substance use
	roleLow      role = "low"      // low-threshold service (municipal-mh-su)
	roleCare     role = "care"     // home nursing (municipal-care)
	roleNAV      role = "nav"      // NAV office (welfare-work)
	roleSocial   role = "social"   // social services (social-services)
	roleHousing  role = "housing"  // housing office (housing)
	roleUserOrg  role = "userorg"  // user organisation chapter (user-org)
	roleJustice  role = "justice"  // police or probation (justice)
	roleEdu      role = "edu"      // adult education (education-work)
	roleCivil    role = "civil"    // volunteer centre, clubhouse (civil-society)
	roleHF       role = "hf"       // the health trust (governance)
	roleDPS      role = "dps"      // district psychiatric centre (specialist-mh)
	roleFACT     role = "fact"     // FACT team (specialist-mh)
	roleTSB      role = "tsb"      // specialised substance-use treatment (specialist-su)
	roleLAR      role = "lar"      // opioid maintenance treatment (specialist-su)
)

// entry is a directory entry of the demo region.
type entry struct {
	id     string
	name   string
	kind   stakeholder.EntryKind
	sector stakeholder.Sector
	muni   string
	parent string
	role   role
}

// muni is one municipality with its organisations and services.
type muni struct {
	Municipality
	kommune, ke, legevakt, mh, low, care, nav, social, housing *entry
	gps                                                        []*entry
	userOrgs                                                   []*entry
	justice                                                    *entry // nil when the municipality has none of its own
	edu                                                        *entry
	civil                                                      *entry
	dps                                                        *entry // the DPS the municipality belongs to
	// agreements lists the formal agreements of the municipality map as
	// role pairs; expired ones ended some time ago.
	agreements []agreement
	// userOrgInForum says whether the user organisations sit in the
	// municipality's system-level forum (S7 looks for those that do not).
	userOrgInForum bool
}

type agreement struct {
	a, b    role
	expired bool
}

// region is the demo region: three municipalities of one health trust
// area (Vestre Viken HF) and the regional specialist services.
type region struct {
	munis []*muni
	hf    *entry
	dpsAB *entry
	dpsDr *entry
	fact  *entry
	tsb   *entry
	lar   *entry
	// entries in registration order: parents before children.
	entries []*entry
}

// regional returns the regional entries in a fixed order.
func (r *region) regional() []*entry {
	return []*entry{r.hf, r.dpsAB, r.dpsDr, r.fact, r.tsb, r.lar}
}

// muniEntries returns a municipality's own entries in a fixed order.
func (m *muni) entries() []*entry {
	out := []*entry{m.kommune, m.ke}
	out = append(out, m.gps...)
	out = append(out, m.legevakt, m.mh, m.low, m.care, m.nav, m.social, m.housing)
	out = append(out, m.userOrgs...)
	if m.justice != nil {
		out = append(out, m.justice)
	}
	out = append(out, m.edu, m.civil)
	return out
}

// byRole returns the municipality's entry, or a regional one, for a role
// that has a single entry.
func (r *region) byRole(m *muni, ro role) *entry {
	switch ro {
	case roleKommune:
		return m.kommune
	case roleKE:
		return m.ke
	case roleGP:
		return m.gps[0]
	case roleLegevakt:
		return m.legevakt
	case roleMH:
		return m.mh
	case roleLow:
		return m.low
	case roleCare:
		return m.care
	case roleNAV:
		return m.nav
	case roleSocial:
		return m.social
	case roleHousing:
		return m.housing
	case roleUserOrg:
		return m.userOrgs[0]
	case roleJustice:
		if m.justice != nil {
			return m.justice
		}
		// Asker shares the police station with Bærum.
		for _, o := range r.munis {
			if o.justice != nil {
				return o.justice
			}
		}
	case roleEdu:
		return m.edu
	case roleCivil:
		return m.civil
	case roleHF:
		return r.hf
	case roleDPS:
		return m.dps
	case roleFACT:
		return r.fact
	case roleTSB:
		return r.tsb
	case roleLAR:
		return r.lar
	}
	return nil
}

// newRegion builds the demo region. Names of organisations are fictional
// but plausible; municipality numbers and names are the real ones (from
// 2024: Bærum and Asker in Akershus, Drammen in Buskerud), all three in
// the catchment area of Vestre Viken HF.
func newRegion() *region {
	r := &region{}
	add := func(e *entry) *entry {
		r.entries = append(r.entries, e)
		return e
	}
	svc := stakeholder.EntryService
	org := stakeholder.EntryOrganisation

	r.hf = add(&entry{id: "vestre-viken-hf", name: "Vestre Viken HF", kind: org, sector: stakeholder.SectorGovernance, muni: "3301", role: roleHF})
	r.dpsAB = add(&entry{id: "dps-asker-baerum", name: "DPS Asker og Bærum", kind: svc, sector: stakeholder.SectorSpecialistMH, muni: "3201", parent: r.hf.id, role: roleDPS})
	r.dpsDr = add(&entry{id: "dps-drammen", name: "DPS Drammen", kind: svc, sector: stakeholder.SectorSpecialistMH, muni: "3301", parent: r.hf.id, role: roleDPS})
	r.fact = add(&entry{id: "fact-vestre-viken", name: "FACT-teamet Vestre Viken", kind: svc, sector: stakeholder.SectorSpecialistMH, muni: "3301", parent: r.hf.id, role: roleFACT})
	r.tsb = add(&entry{id: "tsb-vestre-viken", name: "Rusbehandling (TSB) Vestre Viken", kind: svc, sector: stakeholder.SectorSpecialistSU, muni: "3301", parent: r.hf.id, role: roleTSB})
	r.lar = add(&entry{id: "lar-vestre-viken", name: "LAR-poliklinikken Vestre Viken", kind: svc, sector: stakeholder.SectorSpecialistSU, muni: "3301", parent: r.hf.id, role: roleLAR})

	type spec struct {
		code, name, slug string
		gps              []string // GP office districts: "Sentrum" → "Fastlegekontor Sentrum, Asker"
		low              string
		userOrgs         [][2]string // slug suffix, name
		justice          [2]string   // slug, name; empty for none
		edu, civil       [2]string
		dps              *entry
		agreements       []agreement
		userOrgInForum   bool
	}
	full := []agreement{
		{roleKommune, roleHF, false},
		{roleMH, roleDPS, false},
		{roleMH, roleTSB, false},
		{roleMH, roleLAR, false},
		{roleMH, roleFACT, false},
		{roleNAV, roleDPS, false},
		{roleHousing, roleMH, false},
		{roleLegevakt, roleDPS, false},
		{roleCare, roleDPS, false},
		{roleMH, roleUserOrg, false},
	}
	specs := []spec{
		{
			code: "3201", name: "Bærum", slug: "baerum",
			gps:      []string{"Sandvika", "Bekkestua", "Stabekk", "Rud", "Fornebu"},
			low:      "Rask psykisk helsehjelp Bærum",
			userOrgs: [][2]string{{"mental-helse", "Mental Helse Bærum"}, {"a-larm", "A-larm Bærum"}},
			justice:  [2]string{"politiet-asker-baerum", "Asker og Bærum politistasjon"},
			edu:      [2]string{"voksenopplaeringen-baerum", "Bærum voksenopplæring"},
			civil:    [2]string{"frivilligsentralen-baerum", "Frivilligsentralen Bærum"},
			dps:      r.dpsAB,
			// The NAV–DPS agreement has expired (S8).
			agreements:     replaceAgreement(full, agreement{roleNAV, roleDPS, true}),
			userOrgInForum: true,
		},
		{
			code: "3203", name: "Asker", slug: "asker",
			gps:            []string{"Sentrum", "Heggedal", "Vollen", "Slemmestad"},
			low:            "Lavterskeltilbudet rus og psykisk helse, Asker",
			userOrgs:       [][2]string{{"mental-helse", "Mental Helse Asker"}},
			edu:            [2]string{"voksenopplaeringen-asker", "Asker voksenopplæring"},
			civil:          [2]string{"frivilligsentralen-asker", "Frivilligsentralen Asker"},
			dps:            r.dpsAB,
			agreements:     full,
			userOrgInForum: true,
		},
		{
			code: "3301", name: "Drammen", slug: "drammen",
			gps:      []string{"Bragernes", "Strømsø", "Åssiden", "Fjell", "Konnerud", "Mjøndalen"},
			low:      "Lavterskeltilbudet Drammen",
			userOrgs: [][2]string{{"mental-helse", "Mental Helse Drammen"}, {"rio", "RIO Drammen"}},
			justice:  [2]string{"friomsorgen-drammen", "Friomsorgskontoret Drammen"},
			edu:      [2]string{"voksenopplaeringen-drammen", "Drammen voksenopplæring"},
			civil:    [2]string{"fontenehuset-drammen", "Fontenehuset Drammen"},
			dps:      r.dpsDr,
			// No agreements on municipal–specialist substance use, mental
			// health–NAV, mental health–housing or with the user
			// organisations (S3, S8); user organisations outside the
			// forum (S7).
			agreements: []agreement{
				{roleKommune, roleHF, false},
				{roleMH, roleDPS, false},
				{roleMH, roleFACT, false},
				{roleLegevakt, roleDPS, false},
			},
			userOrgInForum: false,
		},
	}
	for _, s := range specs {
		m := &muni{Municipality: Municipality{Code: s.code, Name: s.name}, dps: s.dps, agreements: s.agreements, userOrgInForum: s.userOrgInForum}
		e := func(slug, name string, kind stakeholder.EntryKind, sector stakeholder.Sector, parent string, ro role) *entry {
			return add(&entry{id: slug, name: name, kind: kind, sector: sector, muni: s.code, parent: parent, role: ro})
		}
		m.kommune = e(s.slug+"-kommune", s.name+" kommune", org, stakeholder.SectorGovernance, "", roleKommune)
		m.ke = e("koordinerende-enhet-"+s.slug, "Koordinerende enhet, "+s.name+" kommune", svc, stakeholder.SectorGovernance, m.kommune.id, roleKE)
		for _, d := range s.gps {
			m.gps = append(m.gps, e("fastlege-"+s.slug+"-"+slugify(d), "Fastlegekontor "+d+", "+s.name, org, stakeholder.SectorPrimaryHealth, "", roleGP))
		}
		m.legevakt = e("legevakt-"+s.slug, s.name+" legevakt", svc, stakeholder.SectorPrimaryHealth, m.kommune.id, roleLegevakt)
		m.mh = e("psykisk-helse-rus-"+s.slug, "Psykisk helse og rus, "+s.name+" kommune", svc, stakeholder.SectorMunicipalMHSU, m.kommune.id, roleMH)
		m.low = e("lavterskel-"+s.slug, s.low, svc, stakeholder.SectorMunicipalMHSU, m.kommune.id, roleLow)
		m.care = e("hjemmesykepleien-"+s.slug, "Hjemmesykepleien "+s.name, svc, stakeholder.SectorMunicipalCare, m.kommune.id, roleCare)
		m.nav = e("nav-"+s.slug, "NAV "+s.name, org, stakeholder.SectorWelfareWork, "", roleNAV)
		m.social = e("sosialtjenesten-"+s.slug, "Sosialtjenesten, NAV "+s.name, svc, stakeholder.SectorSocial, m.nav.id, roleSocial)
		m.housing = e("boligkontoret-"+s.slug, "Boligkontoret, "+s.name+" kommune", svc, stakeholder.SectorHousing, m.kommune.id, roleHousing)
		for _, u := range s.userOrgs {
			m.userOrgs = append(m.userOrgs, e(u[0]+"-"+s.slug, u[1], org, stakeholder.SectorUserOrg, "", roleUserOrg))
		}
		if s.justice[0] != "" {
			m.justice = e(s.justice[0], s.justice[1], org, stakeholder.SectorJustice, "", roleJustice)
		}
		m.edu = e(s.edu[0], s.edu[1], svc, stakeholder.SectorEducationWork, m.kommune.id, roleEdu)
		m.civil = e(s.civil[0], s.civil[1], org, stakeholder.SectorCivilSociety, "", roleCivil)
		r.munis = append(r.munis, m)
	}
	return r
}

func replaceAgreement(list []agreement, a agreement) []agreement {
	out := make([]agreement, len(list))
	for i, x := range list {
		if x.a == a.a && x.b == a.b {
			x = a
		}
		out[i] = x
	}
	return out
}

// slugify lower-cases s and spells æ, ø, å the ASCII way.
func slugify(s string) string {
	var out []rune
	for _, r := range s {
		switch r {
		case 'æ', 'Æ':
			out = append(out, 'a', 'e')
		case 'ø', 'Ø':
			out = append(out, 'o')
		case 'å', 'Å':
			out = append(out, 'a')
		case ' ', ',':
			out = append(out, '-')
		default:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			out = append(out, r)
		}
	}
	return string(out)
}
