package careteam

import (
	"fmt"
	"strconv"

	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// FHIRBundle is a FHIR R4 Bundle of type collection.
type FHIRBundle struct {
	ResourceType string  `json:"resourceType"`
	Type         string  `json:"type"`
	Entry        []Entry `json:"entry"`
}

// Entry is one entry of a Bundle.
type Entry struct {
	Resource any `json:"resource"`
}

// The resources that stand for the participants in a Bundle.
type (
	humanName struct {
		Text string `json:"text"`
	}
	patient struct {
		ResourceType string      `json:"resourceType"`
		ID           string      `json:"id"`
		Name         []humanName `json:"name"`
	}
	organization struct {
		ResourceType string            `json:"resourceType"`
		ID           string            `json:"id"`
		Name         string            `json:"name"`
		Type         []CodeableConcept `json:"type"`
	}
	practitioner struct {
		ResourceType string      `json:"resourceType"`
		ID           string      `json:"id"`
		Name         []humanName `json:"name"`
	}
	practitionerRole struct {
		ResourceType string            `json:"resourceType"`
		ID           string            `json:"id"`
		Practitioner Reference         `json:"practitioner"`
		Code         []CodeableConcept `json:"code"`
	}
	relatedPerson struct {
		ResourceType string            `json:"resourceType"`
		ID           string            `json:"id"`
		Patient      Reference         `json:"patient"`
		Relationship []CodeableConcept `json:"relationship"`
		Name         []humanName       `json:"name"`
	}
)

// sectorWords are Organization.type and PractitionerRole.code texts that
// mapimport's keyword rules read back as the same sector (peer workers as
// user-org, organisations of the informal sector as civil-society).
var sectorWords = map[stakeholder.Sector]string{
	stakeholder.SectorPrimaryHealth: "Fastlege",
	stakeholder.SectorMunicipalMHSU: "Kommunal psykisk helse og rus",
	stakeholder.SectorMunicipalCare: "Hjemmesykepleie",
	stakeholder.SectorSpecialistMH:  "DPS / psykiatri",
	stakeholder.SectorSpecialistSU:  "TSB / rusbehandling",
	stakeholder.SectorWelfareWork:   "NAV",
	stakeholder.SectorSocial:        "Sosialtjeneste",
	stakeholder.SectorHousing:       "Boligtjeneste",
	stakeholder.SectorUserOrg:       "Brukerorganisasjon",
	stakeholder.SectorPeer:          "Likeperson (brukerorganisasjon)",
	stakeholder.SectorJustice:       "Kriminalomsorg",
	stakeholder.SectorEducationWork: "Skole / arbeidsgiver",
	stakeholder.SectorCivilSociety:  "Frivillig organisasjon",
	stakeholder.SectorGovernance:    "Koordinerende enhet",
	stakeholder.SectorInformal:      "Frivillig (nettverk)",
}

func sectorType(s stakeholder.Sector) []CodeableConcept {
	return []CodeableConcept{{Coding: []Coding{{System: SectorSystem, Code: string(s)}}, Text: sectorWords[s]}}
}

// Bundle writes a citizen map document as a FHIR collection Bundle that
// package mapimport reads back (see the package documentation): the
// CareTeam of Build, whose members all reference resources of the bundle,
// the Patient, and a resource per participant.
func Bundle(d *mapdoc.Document, opts Options) (*FHIRBundle, error) {
	ct, err := Build(d, opts)
	if err != nil {
		return nil, err
	}
	c := d.Citizen()
	b := &FHIRBundle{ResourceType: "Bundle", Type: "collection"}
	pat := patient{ResourceType: "Patient", ID: fhirID(c.ID, "citizen"), Name: []humanName{{Text: ct.Subject.Display}}}
	b.Entry = append(b.Entry, Entry{Resource: pat})
	ct.Subject.Reference = "Patient/" + pat.ID
	used := map[string]bool{}
	unique := func(kind, id string) string {
		base := id
		for i := 2; used[kind+"/"+id]; i++ {
			id = base + "-" + strconv.Itoa(i)
		}
		used[kind+"/"+id] = true
		return id
	}
	ms := members(d, c.ID)
	if len(ms) != len(ct.Participant) {
		return nil, fmt.Errorf("careteam: %d participants for %d members", len(ct.Participant), len(ms))
	}
	for i, m := range ms {
		a := m.actor
		p := &ct.Participant[i]
		p.OnBehalfOf = nil // the directory's organisations are not in the bundle
		id := fhirID(a.ID, "actor-"+strconv.Itoa(i+1))
		switch {
		case a.Kind == stakeholder.KindPerson && a.Sector == stakeholder.SectorInformal:
			id = unique("RelatedPerson", id)
			rel := CodeableConcept{Text: "friend"}
			for _, t := range m.types {
				if t == stakeholder.RelFamily {
					rel = CodeableConcept{Coding: []Coding{{System: RoleCodeSystem, Code: "FAMMEMB", Display: "family member"}}}
				}
			}
			b.Entry = append(b.Entry, Entry{Resource: relatedPerson{ResourceType: "RelatedPerson", ID: id,
				Patient: Reference{Reference: "Patient/" + pat.ID}, Relationship: []CodeableConcept{rel}, Name: []humanName{{Text: a.Name}}}})
			p.Member.Reference = "RelatedPerson/" + id
		case a.Kind == stakeholder.KindPerson:
			id = unique("Practitioner", id)
			b.Entry = append(b.Entry,
				Entry{Resource: practitioner{ResourceType: "Practitioner", ID: id, Name: []humanName{{Text: a.Name}}}},
				Entry{Resource: practitionerRole{ResourceType: "PractitionerRole", ID: unique("PractitionerRole", id),
					Practitioner: Reference{Reference: "Practitioner/" + id}, Code: sectorType(a.Sector)}})
			p.Member.Reference = "Practitioner/" + id
		default:
			if a.Directory != "" {
				id = a.Directory
			}
			id = unique("Organization", id)
			b.Entry = append(b.Entry, Entry{Resource: organization{ResourceType: "Organization", ID: id, Name: a.Name, Type: sectorType(a.Sector)}})
			p.Member.Reference = "Organization/" + id
		}
	}
	ct.ManagingOrganization = nil // may name a directory organisation outside the bundle
	b.Entry = append(b.Entry, Entry{Resource: ct})
	return b, nil
}
