// Package careteam writes a citizen's map document as a FHIR R4 CareTeam
// resource: the team of services, next of kin and others around the
// person, for electronic health records and case-management systems.
//
// # Mapping
//
//	CareTeam element      from the map document
//	id, identifier        the map id (identifier urn:uuid:<mapId>); never a national id
//	status                active, or inactive when the map is closed or erased (Options)
//	category              LOINC LA28865-6 "Longitudinal care-coordination focused care
//	                      team"; and "Individual plan" while the map's plan is active
//	name                  the plan forum's name, or "Samspill actor map"
//	subject               display only: the citizen's name (no reference: Samspill has
//	                      no patient id to share, and never a national id)
//	period.start          the earliest start of the participants' relations
//	participant           one per actor with a relation (of any type, active or ended)
//	                      to or from the citizen, sorted by actor id; not the citizen
//	  .role               one concept per relation type with the citizen, coded in
//	                      https://samspill.no/fhir/CodeSystem/relation-type (family also
//	                      as HL7 v3 RoleCode FAMMEMB), and the coordinator role
//	                      (https://samspill.no/fhir/CodeSystem/care-role#coordinator);
//	                      the assessment's role text is the first concept's text
//	  .member             display = the actor's name; for an organisation, service or
//	                      forum with a directory entry also reference Organization/<id>
//	  .onBehalfOf         for a person with a directory entry: Organization/<id>
//	  .period             start = earliest validFrom of its relations with the citizen;
//	                      end = the last day of the latest validTo when all have ended
//	                      or have an end (FHIR ends are inclusive, validTo is not)
//	managingOrganization  the assigned coordinator's directory entry, when it has one
//
// An erased map's document reads "[erased]" in every name, so its CareTeam
// does too.
//
// # Reading it back
//
// Package mapimport reads CareTeams inside a FHIR Bundle whose references
// resolve. [Bundle] writes such a collection Bundle: the CareTeam, a
// Patient for the citizen, and one Organization, Practitioner (with a
// PractitionerRole) or RelatedPerson per participant, each typed so that
// the importer finds its sector again. Importing it gives back the actors
// (names, kinds and sectors, except that peer workers come back as
// user-org, and organisations of the informal sector as civil-society),
// each a member of a forum named like the CareTeam, professionals serving
// the person and next of kin as family, for the participants' periods; the
// relation types between services and the assessment do not survive.
package careteam

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Code systems and the content type.
const (
	RelationTypeSystem = "https://samspill.no/fhir/CodeSystem/relation-type"
	CareRoleSystem     = "https://samspill.no/fhir/CodeSystem/care-role"
	SectorSystem       = "https://samspill.no/fhir/CodeSystem/sector"
	RoleCodeSystem     = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
	LOINCSystem        = "http://loinc.org"
	ContentType        = "application/fhir+json"
)

// The FHIR R4 elements this package writes.
type (
	// CareTeam is the FHIR R4 CareTeam resource.
	CareTeam struct {
		ResourceType         string            `json:"resourceType"`
		ID                   string            `json:"id,omitempty"`
		Identifier           []Identifier      `json:"identifier,omitempty"`
		Status               string            `json:"status"`
		Category             []CodeableConcept `json:"category,omitempty"`
		Name                 string            `json:"name,omitempty"`
		Subject              *Reference        `json:"subject,omitempty"`
		Period               *Period           `json:"period,omitempty"`
		Participant          []Participant     `json:"participant,omitempty"`
		ManagingOrganization []Reference       `json:"managingOrganization,omitempty"`
	}
	// Participant is CareTeam.participant.
	Participant struct {
		Role       []CodeableConcept `json:"role,omitempty"`
		Member     *Reference        `json:"member,omitempty"`
		OnBehalfOf *Reference        `json:"onBehalfOf,omitempty"`
		Period     *Period           `json:"period,omitempty"`
	}
	// Identifier is a FHIR Identifier.
	Identifier struct {
		System string `json:"system"`
		Value  string `json:"value"`
	}
	// Reference is a FHIR Reference.
	Reference struct {
		Reference string `json:"reference,omitempty"`
		Display   string `json:"display,omitempty"`
	}
	// CodeableConcept is a FHIR CodeableConcept.
	CodeableConcept struct {
		Coding []Coding `json:"coding,omitempty"`
		Text   string   `json:"text,omitempty"`
	}
	// Coding is a FHIR Coding.
	Coding struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display,omitempty"`
	}
	// Period is a FHIR Period (dates; end inclusive).
	Period struct {
		Start string `json:"start,omitempty"`
		End   string `json:"end,omitempty"`
	}
)

// Options says what the document does not: the map's state.
type Options struct {
	// Inactive is true when the map is closed or erased.
	Inactive bool
}

// relationDisplay spells the relation types in the role codings.
var relationDisplay = map[stakeholder.RelationType]string{
	stakeholder.RelServes: "Serves (treats, supports or funds the person)", stakeholder.RelCoordinates: "Coordinates",
	stakeholder.RelCollaborates: "Collaborates", stakeholder.RelRefers: "Refers", stakeholder.RelInforms: "Informs",
	stakeholder.RelFamily: "Family", stakeholder.RelPeerSupport: "Peer support", stakeholder.RelMemberOf: "Member of",
	stakeholder.RelAgreement: "Agreement",
}

// member is a participant under construction.
type member struct {
	actor *mapdoc.Actor
	types []stakeholder.RelationType
	start date.Date
	end   date.Date // the latest validTo; zero when some relation has none
}

// members lists the actors with a relation to the citizen, sorted by id.
func members(d *mapdoc.Document, citizen string) []*member {
	by := map[string]*member{}
	for _, r := range d.Relations {
		other := ""
		switch citizen {
		case r.From:
			other = r.To
		case r.To:
			other = r.From
		default:
			continue
		}
		a := d.Actor(other)
		if a == nil {
			continue
		}
		m := by[other]
		if m == nil {
			m = &member{actor: a, start: r.ValidFrom, end: r.ValidTo}
			by[other] = m
		}
		if !slices.Contains(m.types, r.Type) {
			m.types = append(m.types, r.Type)
		}
		if r.ValidFrom.Before(m.start) {
			m.start = r.ValidFrom
		}
		if r.ValidTo.IsZero() || m.end.IsZero() {
			m.end = date.Date{}
		} else if r.ValidTo.After(m.end) {
			m.end = r.ValidTo
		}
	}
	out := make([]*member, 0, len(by))
	for _, m := range by {
		slices.Sort(m.types)
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int { return cmp.Compare(a.actor.ID, b.actor.ID) })
	return out
}

func dateString(d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// period is a relation's validity as a FHIR Period.
func period(start, validTo date.Date) *Period {
	p := &Period{Start: dateString(start)}
	if !validTo.IsZero() {
		p.End = validTo.AddDays(-1).String()
	}
	return p
}

// organisational reports whether an actor is referenced as an Organization
// (every kind but person).
func organisational(a *mapdoc.Actor) bool { return a.Kind != stakeholder.KindPerson }

// Build writes a citizen map document as a CareTeam. It refuses a map
// that is not a citizen's or has no citizen actor.
func Build(d *mapdoc.Document, opts Options) (*CareTeam, error) {
	if d == nil {
		return nil, fmt.Errorf("careteam: no map document")
	}
	if d.Focus.Kind != stakeholder.FocusCitizen {
		return nil, fmt.Errorf("careteam: map %s is about a %s, not a citizen", d.ID, d.Focus.Kind)
	}
	c := d.Citizen()
	if c == nil {
		return nil, fmt.Errorf("careteam: map %s has no citizen actor", d.ID)
	}
	ct := &CareTeam{ResourceType: "CareTeam", ID: fhirID(d.ID, "map"), Status: "active", Name: "Samspill actor map",
		Identifier: []Identifier{{System: "urn:ietf:rfc:3986", Value: "urn:uuid:" + d.ID}},
		Category: []CodeableConcept{{Coding: []Coding{{System: LOINCSystem, Code: "LA28865-6",
			Display: "Longitudinal care-coordination focused care team"}}}},
		Subject: &Reference{Display: cmp.Or(c.Name, d.Focus.Label)}}
	if opts.Inactive {
		ct.Status = "inactive"
	}
	if p := d.Plan; p != nil {
		if f := d.Actor(p.Actor); f != nil && f.Name != "" {
			ct.Name = f.Name
		}
		if p.Status == stakeholder.PlanActive {
			ct.Category = append(ct.Category, CodeableConcept{Text: "Individual plan (individuell plan, SIP, koordinerende indsatsplan)"})
		}
	}
	coordinator := ""
	if co := d.Coordinator; co != nil && !co.Assigned.IsZero() {
		coordinator = co.Actor
		if a := d.Actor(co.Actor); a != nil && a.Directory != "" {
			ref := Reference{Reference: "Organization/" + a.Directory}
			if organisational(a) {
				ref.Display = a.Name
			}
			ct.ManagingOrganization = []Reference{ref}
		}
	}
	var teamStart date.Date
	for _, m := range members(d, c.ID) {
		a := m.actor
		p := Participant{Member: &Reference{Display: a.Name}, Period: period(m.start, m.end)}
		if a.Directory != "" {
			if organisational(a) {
				p.Member.Reference = "Organization/" + a.Directory
			} else {
				p.OnBehalfOf = &Reference{Reference: "Organization/" + a.Directory}
			}
		}
		for _, t := range m.types {
			cc := CodeableConcept{Coding: []Coding{{System: RelationTypeSystem, Code: string(t), Display: relationDisplay[t]}}}
			if t == stakeholder.RelFamily {
				cc.Coding = append(cc.Coding, Coding{System: RoleCodeSystem, Code: "FAMMEMB", Display: "family member"})
			}
			p.Role = append(p.Role, cc)
		}
		if a.ID == coordinator {
			p.Role = append(p.Role, CodeableConcept{Coding: []Coding{{System: CareRoleSystem, Code: "coordinator", Display: "Coordinator (koordinator)"}}})
		}
		if s := a.Assessment; s != nil && s.Role != "" && len(p.Role) > 0 {
			p.Role[0].Text = s.Role
		}
		if teamStart.IsZero() || m.start.Before(teamStart) {
			teamStart = m.start
		}
		ct.Participant = append(ct.Participant, p)
	}
	if !teamStart.IsZero() {
		ct.Period = &Period{Start: teamStart.String()}
	}
	return ct, nil
}

// Marshal writes a resource as JSON: two-space indentation, no HTML
// escaping, a trailing newline.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("careteam: write JSON: %w", err)
	}
	return buf.Bytes(), nil
}

var fhirIDPattern = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)

// fhirID returns id if it is a valid FHIR id, else a valid id made from
// it (underscores become hyphens), else fallback.
func fhirID(id, fallback string) string {
	if fhirIDPattern.MatchString(id) {
		return id
	}
	if s := strings.ReplaceAll(id, "_", "-"); fhirIDPattern.MatchString(s) {
		return s
	}
	return fallback
}
