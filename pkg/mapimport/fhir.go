package mapimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Limits of a FHIR bundle.
const (
	MaxFHIRSize    = 8 << 20 // bytes in the file
	MaxFHIREntries = 2000    // entries in the bundle
	MaxFHIRDepth   = 100     // nesting of JSON objects and arrays
)

// FHIROptions says what the bundle is imported as.
type FHIROptions struct {
	// AsOf is the map's date. A relation whose period has no start starts
	// on it; a period starting after it is rejected.
	AsOf date.Date
	// MapID is the map's id, a lower-case UUID the caller chooses.
	MapID string
	// Municipality is the municipality number of the map's focus.
	Municipality string
}

func (o FHIROptions) check() error {
	if err := checkMapID(o.MapID); err != nil {
		return err
	}
	if err := checkAsOf(o.AsOf); err != nil {
		return err
	}
	return checkMunicipality(o.Municipality)
}

func checkAsOf(d date.Date) error {
	if d.IsZero() {
		return optionsError("AsOf is missing")
	}
	if _, err := date.Parse(d.String()); err != nil {
		return optionsError("AsOf is outside the years 1900 to 2200")
	}
	return nil
}

// The FHIR R4 elements the importer reads; everything else, identifiers
// included, is never decoded and never copied.
type (
	fRef struct {
		Reference string `json:"reference"`
		Display   string `json:"display"`
	}
	fCoding struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	}
	fConcept struct {
		Coding []fCoding `json:"coding"`
		Text   string    `json:"text"`
	}
	fPeriod struct {
		Start string `json:"start"`
		End   string `json:"end"`
	}
	fName struct {
		Use    string   `json:"use"`
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	}
	fPatient struct {
		Name []fName `json:"name"`
	}
	fOrganization struct {
		Name string     `json:"name"`
		Type []fConcept `json:"type"`
	}
	fPractitioner struct {
		Name []fName `json:"name"`
	}
	fPractitionerRole struct {
		Practitioner *fRef      `json:"practitioner"`
		Organization *fRef      `json:"organization"`
		Period       *fPeriod   `json:"period"`
		Code         []fConcept `json:"code"`
		Specialty    []fConcept `json:"specialty"`
	}
	fRelatedPerson struct {
		Patient      *fRef      `json:"patient"`
		Relationship []fConcept `json:"relationship"`
		Name         []fName    `json:"name"`
		Period       *fPeriod   `json:"period"`
	}
	fParticipant struct {
		Member *fRef    `json:"member"`
		Period *fPeriod `json:"period"`
	}
	fCareTeam struct {
		Status      string         `json:"status"`
		Category    []fConcept     `json:"category"`
		Name        string         `json:"name"`
		Subject     *fRef          `json:"subject"`
		Period      *fPeriod       `json:"period"`
		Participant []fParticipant `json:"participant"`
	}
)

// The resource types the importer reads.
const (
	rtPatient          = "Patient"
	rtOrganization     = "Organization"
	rtPractitioner     = "Practitioner"
	rtPractitionerRole = "PractitionerRole"
	rtRelatedPerson    = "RelatedPerson"
	rtCareTeam         = "CareTeam"
)

// pActor is an actor under construction; its id is handed out at the end,
// in bundle order.
type pActor struct {
	id       string
	name     string
	fallback string // the id base when the name gives none
	kind     stakeholder.Kind
	sector   stakeholder.Sector
	role     string
}

// pRelation is a relation under construction.
type pRelation struct {
	from, to   *pActor
	typ        stakeholder.RelationType
	start, end date.Date // end is validTo, zero while it lasts
}

// fEntry is one entry of the bundle and what became of it.
type fEntry struct {
	idx      int
	where    string
	typ, id  string
	fullURL  string
	raw      json.RawMessage
	res      any // the decoded resource, nil if not read
	rejects  []string
	notes    []string
	skipped  string
	actor    *pActor
	rels     []pRelation
	plan     bool               // the CareTeam is the map's plan
	sectorOf stakeholder.Sector // for a PractitionerRole: the sector it gives
	// For a PractitionerRole naming both ends: the validity of member-of.
	from, to date.Date
	spanOK   bool
}

func (e *fEntry) reject(format string, args ...any) {
	e.rejects = append(e.rejects, fmt.Sprintf(format, args...))
}

func (e *fEntry) note(format string, args ...any) {
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
}

func (e *fEntry) bad() bool { return len(e.rejects) > 0 }

// fhirImport is the state of one FHIR import.
type fhirImport struct {
	asOf    date.Date
	entries []*fEntry
	byURL   map[string]*fEntry
	byKey   map[string]*fEntry    // "Type/id"
	roles   map[*fEntry][]*fEntry // a Practitioner's PractitionerRoles, in bundle order
	bundle  []Line                // lines about the bundle as a whole
	citizen *pActor
	patient *fEntry
	plan    *mapdoc.Plan
	planBy  *fEntry
}

// FHIR imports a FHIR R4 Bundle in JSON: its Patient is the person in
// focus, Organizations, Practitioners (with their PractitionerRoles) and
// RelatedPersons are actors, and each CareTeam is a forum whose
// participants are members of it; professional participants also serve
// the person. See the package documentation for the details.
//
// The report has a line for every entry. If any line is rejected, the
// document is nil and the error wraps ErrRejected; an error wrapping
// ErrOptions means the options are unusable; any other error is an I/O
// failure or a bug.
func FHIR(r io.Reader, opts FHIROptions) (*mapdoc.Document, Report, error) {
	if err := opts.check(); err != nil {
		return nil, Report{}, err
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxFHIRSize+1))
	if err != nil {
		return nil, Report{}, fmt.Errorf("mapimport: reading: %w", err)
	}
	var rep Report
	entries, ok := readBundle(b, &rep)
	if !ok {
		return nil, rep, rejected(rep)
	}
	im := &fhirImport{asOf: opts.AsOf, byURL: map[string]*fEntry{}, byKey: map[string]*fEntry{}, roles: map[*fEntry][]*fEntry{}}
	im.index(entries)
	im.decode()
	for _, run := range []func(*fEntry){im.patientEntry, im.organization, im.practitionerRole, im.practitioner, im.relatedPerson, im.careTeam} {
		for _, e := range im.entries {
			if e.res != nil {
				run(e)
			}
		}
	}
	if im.patient == nil {
		im.bundle = append(im.bundle, Line{Where: "Bundle", Rejected: true,
			Problem: "has no Patient; the bundle must hold exactly one Patient, the person in focus"})
	}
	doc := im.build(opts, &rep)
	if rep.Rejected > 0 {
		return nil, rep, rejected(rep)
	}
	out, err := finish(doc)
	if err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// readBundle checks the file and returns the raw entries of the Bundle.
func readBundle(b []byte, rep *Report) ([]json.RawMessage, bool) {
	if len(b) > MaxFHIRSize {
		rep.reject("file", "is larger than %d MiB", MaxFHIRSize>>20)
		return nil, false
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(b) {
		rep.reject("file", "is not UTF-8 text; FHIR JSON is UTF-8")
		return nil, false
	}
	if d := depth(b); d > MaxFHIRDepth {
		rep.reject("file", "is nested deeper than %d levels", MaxFHIRDepth)
		return nil, false
	}
	var root any
	if err := json.Unmarshal(b, &root); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			rep.reject("file", "is not valid JSON (at byte %d)", se.Offset)
		} else {
			rep.reject("file", "is not valid JSON")
		}
		return nil, false
	}
	obj, ok := root.(map[string]any)
	if !ok {
		rep.reject("file", "is not a JSON object; want a FHIR Bundle")
		return nil, false
	}
	switch rt, _ := obj["resourceType"].(string); {
	case rt == "Bundle":
	case rt == "":
		rep.reject("file", "has no resourceType; want a FHIR Bundle (resourceType \"Bundle\")")
		return nil, false
	default:
		rep.reject("file", "is a %s, not a Bundle; export the person's records as a FHIR Bundle", q(rt))
		return nil, false
	}
	var bundle struct {
		Entry []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		rep.reject("Bundle", "entry is not an array of entries")
		return nil, false
	}
	if len(bundle.Entry) > MaxFHIREntries {
		rep.reject("Bundle", "has %d entries; at most %d are imported", len(bundle.Entry), MaxFHIREntries)
		return nil, false
	}
	return bundle.Entry, true
}

// depth returns the deepest nesting of objects and arrays in JSON text b.
func depth(b []byte) int {
	d, most, str, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case str:
			switch c {
			case '\\':
				esc = true
			case '"':
				str = false
			}
		case c == '"':
			str = true
		case c == '{' || c == '[':
			d++
			most = max(most, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return most
}

var fhirID = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)

// show renders a resource type or id from the input for a report: as it is
// when it has the form of a FHIR id, quoted otherwise; national identity
// numbers masked either way.
func show(s string) string {
	if fhirID.MatchString(s) {
		return nationalid.Mask(s)
	}
	return q(s)
}

// index reads the head of every entry and indexes them by fullUrl and by
// type and id.
func (im *fhirImport) index(raw []json.RawMessage) {
	for i, r := range raw {
		e := &fEntry{idx: i, where: fmt.Sprintf("Bundle.entry[%d]", i)}
		im.entries = append(im.entries, e)
		var ent struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		}
		if err := json.Unmarshal(r, &ent); err != nil {
			e.reject("is not an entry object with fullUrl and resource")
			continue
		}
		if len(ent.Resource) == 0 || string(ent.Resource) == "null" {
			e.skipped = "has no resource; skipped"
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(ent.Resource, &head); err != nil {
			e.reject("the resource is not an object with resourceType and id")
			continue
		}
		e.typ, e.id, e.fullURL, e.raw = head.ResourceType, head.ID, ent.FullURL, ent.Resource
		switch {
		case e.typ == "":
			e.reject("the resource has no resourceType")
			continue
		case e.id != "":
			e.where += " (" + show(e.typ) + "/" + show(e.id) + ")"
		default:
			e.where += " (" + show(e.typ) + ")"
		}
		if e.fullURL != "" {
			if first, dup := im.byURL[e.fullURL]; dup {
				e.reject("has the same fullUrl as entry[%d]", first.idx)
				continue
			}
			im.byURL[e.fullURL] = e
		}
		if e.id != "" {
			key := e.typ + "/" + e.id
			if first, dup := im.byKey[key]; dup {
				e.reject("is the same resource (type and id) as entry[%d]", first.idx)
				continue
			}
			im.byKey[key] = e
		}
	}
}

// decode decodes every resource of a type the importer reads.
func (im *fhirImport) decode() {
	for _, e := range im.entries {
		if e.bad() || e.skipped != "" {
			continue
		}
		var v any
		switch e.typ {
		case rtPatient:
			v = &fPatient{}
		case rtOrganization:
			v = &fOrganization{}
		case rtPractitioner:
			v = &fPractitioner{}
		case rtPractitionerRole:
			v = &fPractitionerRole{}
		case rtRelatedPerson:
			v = &fRelatedPerson{}
		case rtCareTeam:
			v = &fCareTeam{}
		default:
			e.skipped = "resource type " + q(e.typ) + " is not imported; skipped"
			continue
		}
		if err := json.Unmarshal(e.raw, v); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				e.reject("does not fit FHIR R4: %s is %s", show(te.Field), te.Value)
			} else {
				e.reject("does not fit FHIR R4")
			}
			continue
		}
		e.res = v
	}
}

// resolve finds the entry a reference names, of one of the types want. It
// returns nil and rejects e (naming the element at) if the reference
// dangles or names the wrong type; it returns nil without a rejection when
// the reference is to an entry that was itself rejected or skipped.
func (im *fhirImport) resolve(e *fEntry, at string, ref *fRef, want ...string) *fEntry {
	s := ref.Reference
	switch {
	case s == "":
		e.reject("%s has no reference (a display text or identifier alone cannot be followed)", at)
		return nil
	case strings.HasPrefix(s, "#"):
		e.reject("%s refers to a contained resource; contained resources are not imported", at)
		return nil
	}
	t := im.lookup(s)
	if t == nil {
		e.reject("%s refers to %s, which is not in the bundle", at, show(s))
		return nil
	}
	ok := false
	for _, w := range want {
		ok = ok || t.typ == w
	}
	if !ok {
		e.reject("%s refers to a %s (entry[%d]); want %s", at, show(t.typ), t.idx, strings.Join(want, ", "))
		return nil
	}
	if t.bad() || t.res == nil {
		return nil
	}
	return t
}

// personName picks a HumanName (usual, then official, then the first that
// is not old) and spells it: its text, or given names and family name.
func personName(names []fName) string {
	pick := -1
	for _, use := range []string{"usual", "official", ""} {
		for i, n := range names {
			if pick < 0 && (n.Use == use || use == "" && n.Use != "old" && n.Use != "maiden") {
				pick = i
			}
		}
	}
	if pick < 0 {
		return ""
	}
	n := names[pick]
	if t, _ := cleanName(n.Text); t != "" {
		return t
	}
	s, _ := cleanName(strings.Join(append(append([]string{}, n.Given...), n.Family), " "))
	return s
}

// checkName checks a display name for an actor: not empty, not too long,
// no national identity number. It rejects e and returns false otherwise.
func checkName(e *fEntry, field, name string) bool {
	switch {
	case name == "":
		e.reject("has no name")
	case utf8.RuneCountInString(name) > maxName:
		e.reject("%s is longer than %d characters", field, maxName)
	default:
		if m := nidMessage("the "+field, name); m != "" {
			e.reject("%s", m)
			return false
		}
		return true
	}
	return false
}

func (im *fhirImport) patientEntry(e *fEntry) {
	p, ok := e.res.(*fPatient)
	if !ok {
		return
	}
	if im.patient != nil {
		e.reject("is a second Patient; the bundle must be about one person (the first is entry[%d])", im.patient.idx)
		return
	}
	im.patient = e
	name := personName(p.Name)
	if name == "" {
		name = "Person"
		e.note("has no name; the person is called %q until renamed", name)
	}
	if !checkName(e, "name", name) {
		return
	}
	im.citizen = &pActor{id: citizenID, name: name, kind: stakeholder.KindPerson, sector: stakeholder.SectorCitizen}
	e.actor = im.citizen
}

func (im *fhirImport) organization(e *fEntry) {
	o, ok := e.res.(*fOrganization)
	if !ok {
		return
	}
	name, _ := cleanName(o.Name)
	nameOK := checkName(e, "name", name)
	sector := guessSector(o.Type)
	if sector == "" {
		if len(o.Type) == 0 {
			e.reject("has no type; Samspill needs Organization.type to tell its sector (for example \"Fastlege\", \"DPS\", \"TSB\", \"NAV\")")
		} else {
			e.reject("its type %s does not tell its sector; give Organization.type a text such as \"Fastlege\", \"DPS\", \"TSB\" or \"NAV\"", q(strings.Join(conceptTexts(o.Type), ", ")))
		}
	}
	if !nameOK || e.bad() {
		return
	}
	e.actor = &pActor{name: name, fallback: "organisation", kind: stakeholder.KindOrganisation, sector: sector}
}

// practitionerRole checks a role's references and period, records the
// sector it gives its practitioner, and links the practitioner to the
// organization (member-of). The relation is made when the practitioner's
// actor exists, in practitioner().
func (im *fhirImport) practitionerRole(e *fEntry) {
	pr, ok := e.res.(*fPractitionerRole)
	if !ok {
		return
	}
	var org *fEntry
	if pr.Organization != nil {
		org = im.resolve(e, "organization", pr.Organization, rtOrganization)
	}
	if pr.Practitioner != nil {
		im.resolve(e, "practitioner", pr.Practitioner, rtPractitioner)
	}
	if org != nil && org.actor != nil {
		e.sectorOf = org.actor.sector
	} else if s := guessSector(append(append([]fConcept{}, pr.Code...), pr.Specialty...)); s != "" {
		e.sectorOf = s
	}
	if pr.Practitioner != nil && pr.Organization != nil {
		e.from, e.to, e.spanOK = im.span(e, "period", pr.Period, nil)
	} else {
		im.period(e, "period", pr.Period)
	}
	if pr.Practitioner != nil && !e.bad() {
		if p := im.lookup(pr.Practitioner.Reference); p != nil {
			im.roles[p] = append(im.roles[p], e)
		}
	}
}

func (im *fhirImport) practitioner(e *fEntry) {
	p, ok := e.res.(*fPractitioner)
	if !ok {
		return
	}
	name := personName(p.Name)
	nameOK := checkName(e, "name", name)
	// Its roles, in bundle order.
	var sectors []stakeholder.Sector
	roles := im.roles[e]
	for _, r := range roles {
		if r.sectorOf != "" && !slices.Contains(sectors, r.sectorOf) {
			sectors = append(sectors, r.sectorOf)
		}
	}
	switch len(sectors) {
	case 0:
		e.reject("has no PractitionerRole with an Organization (or a role code) that tells its sector")
	case 1:
	default:
		e.note("its roles are in several sectors; taken as %s, the sector of the first", sectors[0])
	}
	if !nameOK || e.bad() {
		return
	}
	e.actor = &pActor{name: name, fallback: "practitioner", kind: stakeholder.KindPerson, sector: sectors[0]}
	for _, r := range roles {
		pr := r.res.(*fPractitionerRole)
		if pr.Organization == nil || !r.spanOK {
			continue
		}
		if org := im.target(pr.Organization); org != nil && org.actor != nil {
			r.rels = append(r.rels, pRelation{from: e.actor, to: org.actor, typ: stakeholder.RelMemberOf, start: r.from, end: r.to})
		}
	}
}

// lookup finds the entry a reference names: by fullUrl, or by the type and
// id at its end (a relative reference, or an absolute one whose base is
// not a fullUrl of the bundle), with any /_history/… cut off.
func (im *fhirImport) lookup(s string) *fEntry {
	if t := im.byURL[s]; t != nil {
		return t
	}
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return nil
	}
	j := strings.LastIndexByte(s[:i], '/')
	return im.byKey[s[j+1:]]
}

// target is resolve without reports: the entry a reference names, if it
// was read and not rejected, or nil.
func (im *fhirImport) target(ref *fRef) *fEntry {
	t := im.lookup(ref.Reference)
	if t == nil || t.bad() || t.res == nil {
		return nil
	}
	return t
}

func (im *fhirImport) relatedPerson(e *fEntry) {
	rp, ok := e.res.(*fRelatedPerson)
	if !ok {
		return
	}
	if rp.Patient != nil {
		if t := im.resolve(e, "patient", rp.Patient, rtPatient); t != nil && t != im.patient {
			e.reject("is related to another Patient than the person in focus")
		}
	}
	rel, typ := relationshipOf(rp.Relationship)
	role, _ := cleanText(rel)
	if utf8.RuneCountInString(role) > maxText {
		e.reject("relationship is longer than %d characters", maxText)
	} else if m := nidMessage("the relationship", role); m != "" {
		e.reject("%s", m)
	}
	name := personName(rp.Name)
	if name == "" {
		if n, _ := cleanName(rel); n != "" && utf8.RuneCountInString(n) <= maxName {
			name = n
			e.note("has no name; named after the relationship")
		}
	}
	nameOK := checkName(e, "name", name)
	start, end, spanOK := im.span(e, "period", rp.Period, nil)
	if !nameOK || e.bad() || !spanOK || im.citizen == nil {
		return
	}
	e.actor = &pActor{name: name, fallback: "related-person", kind: stakeholder.KindPerson, sector: stakeholder.SectorInformal, role: role}
	e.rels = append(e.rels, pRelation{from: e.actor, to: im.citizen, typ: typ, start: start, end: end})
}

func (im *fhirImport) careTeam(e *fEntry) {
	ct, ok := e.res.(*fCareTeam)
	if !ok {
		return
	}
	if ct.Status == "entered-in-error" {
		e.skipped = "status entered-in-error; skipped"
		return
	}
	if ct.Subject != nil {
		if t := im.resolve(e, "subject", ct.Subject, rtPatient, "Group"); t != nil && t != im.patient {
			e.reject("is about another Patient than the person in focus")
		}
	}
	name, _ := cleanName(ct.Name)
	if name == "" {
		name = "Care team"
		if texts := conceptTexts(ct.Category); len(texts) > 0 {
			if n, _ := cleanName(texts[0]); n != "" && nationalid.Check("", n) == nil && utf8.RuneCountInString(n) <= maxName {
				name = n
			}
		}
		e.note("has no name; named %s", q(name))
	}
	nameOK := checkName(e, "name", name)
	teamStart, _, teamOK := im.period(e, "period", ct.Period)
	if teamOK && teamStart.After(im.asOf) {
		e.reject("period starts after asOf (%s)", im.asOf)
		teamOK = false
	}
	switch ct.Status {
	case "proposed", "suspended", "inactive":
		if ct.Period == nil || ct.Period.End == "" {
			e.note("status %s, but no period.end: its members are imported as members still", ct.Status)
		}
	}
	forum := &pActor{name: name, fallback: "care-team", kind: stakeholder.KindForum, sector: stakeholder.SectorGovernance}
	team := &fPeriod{}
	if ct.Period != nil {
		team = ct.Period
	}
	for j, p := range ct.Participant {
		at := fmt.Sprintf("participant[%d]", j)
		if p.Member == nil {
			e.note("%s has no member; skipped", at)
			continue
		}
		t := im.resolve(e, at+".member", p.Member, rtPractitioner, rtPractitionerRole, rtOrganization, rtRelatedPerson, rtPatient)
		var member *pActor
		professional := false
		switch {
		case t == nil:
		case t.typ == rtPractitionerRole:
			pr := t.res.(*fPractitionerRole)
			for _, ref := range []*fRef{pr.Practitioner, pr.Organization} {
				if ref != nil && member == nil {
					if x := im.target(ref); x != nil && x.actor != nil {
						member = x.actor
					}
				}
			}
			if member == nil && pr.Practitioner == nil && pr.Organization == nil {
				e.reject("%s.member is a PractitionerRole that names no practitioner or organization", at)
			}
			professional = true
		case t == im.patient:
			member = im.citizen
		case t.typ == rtPatient:
			e.reject("%s.member is another Patient than the person in focus", at)
		default:
			member = t.actor
			professional = t.typ != rtRelatedPerson
		}
		if !teamOK {
			continue
		}
		start, end, spanOK := im.span(e, at+".period", p.Period, team)
		if member == nil || !spanOK || !nameOK {
			continue
		}
		e.rels = append(e.rels, pRelation{from: member, to: forum, typ: stakeholder.RelMemberOf, start: start, end: end})
		if professional && im.citizen != nil {
			e.rels = append(e.rels, pRelation{from: member, to: im.citizen, typ: stakeholder.RelServes, start: start, end: end})
		}
	}
	if !nameOK || e.bad() {
		return
	}
	e.actor = forum
	if ct.Status == "active" && isPlanCategory(ct.Category) {
		switch {
		case teamStart.IsZero():
			e.note("an active individual plan without a start date (period.start); the plan is not recorded")
		case im.plan != nil:
			e.note("a second active individual plan; the map's plan is entry[%d]", im.planBy.idx)
		default:
			im.plan = &mapdoc.Plan{Status: stakeholder.PlanActive, Created: teamStart}
			im.planBy = e
			e.plan = true
		}
	}
}

// period reads a FHIR Period: the first day and the last day (inclusive),
// zero when absent. It rejects e (naming the element at) for a date that
// cannot be read or an end before the start.
func (im *fhirImport) period(e *fEntry, at string, p *fPeriod) (start, last date.Date, ok bool) {
	if p == nil {
		return start, last, true
	}
	ok = true
	if p.Start != "" {
		if start, _, ok = fhirDate(p.Start); !ok {
			e.reject("%s.start %s is not a FHIR date or dateTime in the years 1900 to 2200", at, q(p.Start))
		}
	}
	if p.End != "" {
		var endOK bool
		if _, last, endOK = fhirDate(p.End); !endOK {
			e.reject("%s.end %s is not a FHIR date or dateTime in the years 1900 to 2200", at, q(p.End))
			ok = false
		}
	}
	if ok && !start.IsZero() && !last.IsZero() && last.Before(start) {
		e.reject("%s ends (%s) before it starts (%s)", at, q(p.End), q(p.Start))
		ok = false
	}
	return start, last, ok
}

// span turns a period into the validity of a relation: validFrom and
// validTo (the day after the period's inclusive end; zero while it
// lasts). A start or end missing from p is taken from outer (the care
// team's period for a participant). With no start, the relation starts on
// asOf, or on its last day if that is earlier. A start after asOf is
// rejected: nothing in a map begins after its date.
func (im *fhirImport) span(e *fEntry, at string, p, outer *fPeriod) (from, to date.Date, ok bool) {
	merged := fPeriod{}
	if outer != nil {
		merged = *outer
	}
	if p != nil {
		if p.Start != "" {
			merged.Start = p.Start
		}
		if p.End != "" {
			merged.End = p.End
		}
	}
	label := at
	if p != nil && outer != nil && (p.Start == "" && outer.Start != "" || p.End == "" && outer.End != "") {
		label = at + " (completed from the care team's period)"
	}
	start, last, ok := im.period(e, label, &merged)
	if !ok {
		return from, to, false
	}
	switch {
	case !start.IsZero():
		from = start
	case !last.IsZero() && last.Before(im.asOf):
		from = last
		e.note("%s has no start; taken as its end", at)
	default:
		from = im.asOf
		e.note("%s has no start; taken as asOf", at)
	}
	if from.After(im.asOf) {
		e.reject("%s starts after asOf (%s)", at, im.asOf)
		return from, to, false
	}
	if !last.IsZero() {
		to = last.AddDays(1)
		if to.Time().Year() > 2200 {
			to = date.Date{}
		}
	}
	return from, to, true
}

// build hands out ids in bundle order, assembles the document and writes
// the report.
func (im *fhirImport) build(opts FHIROptions, rep *Report) *mapdoc.Document {
	for _, l := range im.bundle {
		rep.add(l)
	}
	ids := newIDs(citizenID)
	doc := &mapdoc.Document{
		Schema: mapdoc.SchemaMap,
		ID:     opts.MapID,
		AsOf:   opts.AsOf,
	}
	if im.citizen != nil {
		doc.Focus = mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: im.citizen.name, Municipality: opts.Municipality}
		doc.Actors = append(doc.Actors, mapdoc.Actor{ID: citizenID, Kind: stakeholder.KindPerson,
			Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: im.citizen.name})
	}
	for _, e := range im.entries {
		a := e.actor
		if a == nil || a == im.citizen || e.bad() {
			continue
		}
		a.id = ids.next(a.name, a.fallback)
		act := mapdoc.Actor{ID: a.id, Kind: a.kind, Sector: a.sector, Level: levelFor(a.sector), Name: a.name}
		if a.role != "" {
			act.Assessment = &mapdoc.Assessment{Role: a.role}
		}
		doc.Actors = append(doc.Actors, act)
	}
	type relKey struct {
		from, to string
		typ      stakeholder.RelationType
		start    date.Date
		end      date.Date
	}
	seen := map[relKey]bool{}
	for _, e := range im.entries {
		first := len(doc.Relations) + 1
		for _, r := range e.rels {
			if r.from.id == "" || r.to.id == "" || r.from == r.to {
				continue // an end that was rejected
			}
			k := relKey{r.from.id, r.to.id, r.typ, r.start, r.end}
			if seen[k] {
				continue
			}
			seen[k] = true
			doc.Relations = append(doc.Relations, mapdoc.Relation{
				ID: "r" + strconv.Itoa(len(doc.Relations)+1), From: r.from.id, To: r.to.id, Type: r.typ,
				Quality: stakeholder.QualityUnknown, ValidFrom: r.start, ValidTo: r.end,
			})
		}
		var took []string
		if e.actor != nil && !e.bad() {
			took = append(took, fmt.Sprintf("actor %q (%s, %s)", e.actor.id, e.actor.sector, e.actor.kind))
		}
		switch last := len(doc.Relations); {
		case last == first:
			r := doc.Relations[last-1]
			took = append(took, fmt.Sprintf("relation %s: %s %s %s", r.ID, r.From, r.Type, r.To))
		case last > first:
			took = append(took, fmt.Sprintf("relations r%d to r%d", first, last))
		}
		if e.plan {
			im.plan.Actor = e.actor.id
			took = append(took, "the map's individual plan")
		}
		l := Line{Where: e.where}
		switch {
		case e.bad():
			l.Problem, l.Rejected = strings.Join(e.rejects, "; "), true
		case e.skipped != "":
			l.Problem = e.skipped
		default:
			l.Took = strings.Join(took, "; ")
			l.Problem = strings.Join(e.notes, "; ")
			if l.Took == "" && l.Problem == "" {
				l.Problem = "nothing to import from it"
			}
		}
		rep.add(l)
	}
	doc.Plan = im.plan
	return doc
}
