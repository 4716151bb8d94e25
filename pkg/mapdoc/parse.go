package mapdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// ParseReader reads at most MaxSize bytes from r and parses them as Parse
// does. A file larger than MaxSize is refused with a *ValidationError; an
// error reading r is returned as it is.
func (v *Validator) ParseReader(r io.Reader) (*Document, *Bundle, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("mapdoc: reading: %w", err)
	}
	return v.Parse(b)
}

// Parse reads a map document or a bundle, as its "schema" field says, and
// returns it if it passes every check; exactly one of the two results is
// non-nil then. Otherwise the error is a *ValidationError naming the
// problems of the first class of check that found any (see the package
// documentation for the order).
func (v *Validator) Parse(b []byte) (*Document, *Bundle, error) {
	kind := "document"
	if len(b) > MaxSize {
		return nil, nil, validationError(ClassJSON, kind, []Problem{{Path: "", Message: fmt.Sprintf("the file is larger than %d MiB", MaxSize>>20)}})
	}
	s := read(b)
	if !s.syntax.empty() {
		return nil, nil, validationError(ClassJSON, kind, s.syntax.problems)
	}

	// Schema.
	var sc collector
	obj, ok := s.root.(map[string]any)
	if !ok {
		sc.addAt("", "is not a JSON object; want a map document or a bundle")
		return nil, nil, validationError(ClassSchema, kind, sc.problems)
	}
	isBundle := false
	switch name, _ := obj["schema"].(string); {
	case name == SchemaMap:
		kind = "map document"
	case name == SchemaBundle:
		kind, isBundle = "bundle", true
	case obj["schema"] == nil:
		sc.addAt("/schema", "required property is missing; want %q or %q", SchemaMap, SchemaBundle)
	default:
		sc.addAt("/schema", "is not a known document type; want %q or %q", SchemaMap, SchemaBundle)
	}
	if !sc.empty() {
		return nil, nil, validationError(ClassSchema, kind, sc.problems)
	}
	sch := v.mapSchema
	if isBundle {
		sch = v.bundleSchema
	}
	if err := sch.Validate(s.root); err != nil {
		schemaProblems(err, &sc)
	}
	for _, p := range s.fractional {
		sc.add(p, "must be a whole number, written without a fraction or exponent")
	}
	if !sc.empty() {
		return nil, nil, validationError(ClassSchema, kind, documentOrder(b, sc.problems))
	}

	// Decode. The schema admits nothing the types cannot hold, so this
	// fails only if the two have drifted apart.
	var doc *Document
	var bundle *Bundle
	var err error
	if isBundle {
		bundle = &Bundle{}
		err = json.Unmarshal(b, bundle)
	} else {
		doc = &Document{}
		err = json.Unmarshal(b, doc)
	}
	if err != nil {
		return nil, nil, validationError(ClassSchema, kind, []Problem{{Path: "", Message: "does not fit the Go types of package mapdoc"}})
	}

	// References, dates.
	var rc, dc collector
	if isBundle {
		checkBundle(bundle, &rc)
		if bundle.OrganisationMap != nil {
			checkDates(bundle.OrganisationMap, path{"organisationMap"}, &dc)
		}
		for i := range bundle.Maps {
			checkDates(&bundle.Maps[i], path{"maps"}.index(i), &dc)
		}
	} else {
		checkRefs(doc, nil, nil, &rc)
		checkDates(doc, nil, &dc)
	}
	if !rc.empty() {
		return nil, nil, validationError(ClassReferences, kind, documentOrder(b, rc.problems))
	}
	if !dc.empty() {
		return nil, nil, validationError(ClassDates, kind, documentOrder(b, dc.problems))
	}

	// National identity numbers.
	if !s.nationalID.empty() {
		return nil, nil, validationError(ClassNationalID, kind, s.nationalID.problems)
	}

	if isBundle {
		if bundle.OrganisationMap != nil {
			bundle.OrganisationMap.buildIndex()
		}
		for i := range bundle.Maps {
			bundle.Maps[i].buildIndex()
		}
		return nil, bundle, nil
	}
	doc.buildIndex()
	return doc, nil, nil
}

// documentOrder sorts problems by where their paths lead in b: the value a
// path points to, or for a missing property the object that lacks it.
func documentOrder(b []byte, problems []Problem) []Problem {
	want := map[string]bool{}
	for _, p := range problems {
		for q := p.Path; ; q = parent(q) {
			want[q] = true
			if q == "" {
				break
			}
		}
	}
	pos := order(b, want)
	type keyed struct {
		pos int
		Problem
	}
	ks := make([]keyed, len(problems))
	for i, p := range problems {
		q := p.Path
		for {
			if _, ok := pos[q]; ok || q == "" {
				break
			}
			q = parent(q)
		}
		ks[i] = keyed{pos[q], p}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return strings.Compare(a.Path, b.Path)
	})
	out := make([]Problem, len(ks))
	for i, k := range ks {
		out[i] = k.Problem
	}
	return out
}

// parent returns the pointer one token up from p ("" stays "").
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// checkBundle checks the references of a bundle and of each of its maps.
func checkBundle(bd *Bundle, c *collector) {
	dir := make(map[string]int, len(bd.Directory))
	for i, e := range bd.Directory {
		if first, dup := dir[e.ID]; dup {
			c.add(path{"directory"}.index(i).key("id"), "duplicate directory id; the first is at %s", path{"directory"}.index(first))
			continue
		}
		dir[e.ID] = i
	}
	maps := map[string]path{}
	if om := bd.OrganisationMap; om != nil {
		at := path{"organisationMap"}
		maps[om.ID] = at
		if om.Focus.Kind != stakeholder.FocusMunicipality && om.Focus.Kind != stakeholder.FocusRegion {
			c.add(at.key("focus").key("kind"), "the organisation map's focus must be municipality or region")
		}
		checkRefs(om, at, dir, c)
	}
	for i := range bd.Maps {
		m := &bd.Maps[i]
		at := path{"maps"}.index(i)
		if first, dup := maps[m.ID]; dup {
			c.add(at.key("id"), "duplicate map id; the first is at %s", first)
		} else {
			maps[m.ID] = at
		}
		if m.Focus.Kind != stakeholder.FocusCitizen {
			c.add(at.key("focus").key("kind"), "maps holds citizen maps; a map of focus municipality or region belongs in organisationMap")
		}
		checkRefs(m, at, dir, c)
	}
}

// checkRefs checks the ids and references of one map at path at. dir holds
// the directory ids of the bundle, nil outside a bundle.
func checkRefs(d *Document, at path, dir map[string]int, c *collector) {
	actors := make(map[string]int, len(d.Actors))
	citizen := -1
	for i, a := range d.Actors {
		p := at.key("actors").index(i)
		if first, dup := actors[a.ID]; dup {
			c.add(p.key("id"), "duplicate actor id; the first is at %s", at.key("actors").index(first))
		} else {
			actors[a.ID] = i
		}
		if a.Sector == stakeholder.SectorCitizen {
			switch {
			case d.Focus.Kind != stakeholder.FocusCitizen:
				c.add(p.key("sector"), "sector citizen belongs only on a citizen map")
			case citizen >= 0:
				c.add(p.key("sector"), "a citizen map has exactly one actor of sector citizen; the first is at %s", at.key("actors").index(citizen))
			default:
				citizen = i
			}
			if a.Kind != stakeholder.KindPerson {
				c.add(p.key("kind"), "the citizen must be of kind person")
			}
		}
		if dir != nil && a.Directory != "" {
			if _, ok := dir[a.Directory]; !ok {
				c.add(p.key("directory"), "names no entry of the bundle's directory")
			}
		}
	}
	if d.Focus.Kind == stakeholder.FocusCitizen && citizen < 0 {
		c.add(at.key("actors"), "a citizen map needs one actor of sector citizen, the person in focus")
	}
	actor := func(p path, id string) *Actor {
		i, ok := actors[id]
		if !ok {
			c.add(p, "names no actor of this map")
			return nil
		}
		return &d.Actors[i]
	}

	relations := make(map[string]int, len(d.Relations))
	for i, r := range d.Relations {
		p := at.key("relations").index(i)
		if first, dup := relations[r.ID]; dup {
			c.add(p.key("id"), "duplicate relation id; the first is at %s", at.key("relations").index(first))
		} else {
			relations[r.ID] = i
		}
		actor(p.key("from"), r.From)
		actor(p.key("to"), r.To)
		if r.From == r.To {
			c.add(p.key("to"), "a relation joins two different actors; this one goes from an actor to itself")
		}
	}

	citizenOnly := func(p path) bool {
		if d.Focus.Kind != stakeholder.FocusCitizen {
			c.add(p, "belongs only on a citizen map")
			return false
		}
		return true
	}
	if co := d.Coordinator; co != nil && citizenOnly(at.key("coordinator")) && co.Actor != "" {
		actor(at.key("coordinator").key("actor"), co.Actor)
	}
	if pl := d.Plan; pl != nil && citizenOnly(at.key("plan")) && pl.Actor != "" {
		if a := actor(at.key("plan").key("actor"), pl.Actor); a != nil && a.Kind != stakeholder.KindForum {
			c.add(at.key("plan").key("actor"), "the plan is an actor of kind forum; this actor is not")
		}
	}
	if len(d.Participation) > 0 && citizenOnly(at.key("participation")) {
		for i, pa := range d.Participation {
			if pa.AssessedBy != "" {
				actor(at.key("participation").index(i).key("assessedBy"), pa.AssessedBy)
			}
		}
	}
	if len(d.Consent) > 0 && citizenOnly(at.key("consent")) {
		for i, co := range d.Consent {
			p := at.key("consent").index(i).key("actor")
			if a := actor(p, co.Actor); a != nil && a.Sector != stakeholder.SectorInformal {
				c.add(p, "consent is recorded for next of kin: the actor must be of sector informal")
			}
		}
	}
}

// checkDates checks the order of the dates of one map at path at.
func checkDates(d *Document, at path, c *collector) {
	asOf := d.AsOf
	notAfterAsOf := func(p path, t date.Date) {
		if !t.IsZero() && t.After(asOf) {
			c.add(p, "is after asOf")
		}
	}
	for i, r := range d.Relations {
		p := at.key("relations").index(i)
		notAfterAsOf(p.key("validFrom"), r.ValidFrom)
		if !r.ValidTo.IsZero() && r.ValidTo.Before(r.ValidFrom) {
			c.add(p.key("validTo"), "is before validFrom")
		}
		for j, t := range r.Contacts {
			q := p.key("contacts").index(j)
			switch {
			case t.Before(r.ValidFrom):
				c.add(q, "is before the relation began (validFrom)")
			case !r.ValidTo.IsZero() && t.After(r.ValidTo):
				c.add(q, "is after the relation ended (validTo)")
			case t.After(asOf):
				c.add(q, "is after asOf")
			}
		}
	}
	if co := d.Coordinator; co != nil {
		p := at.key("coordinator")
		notAfterAsOf(p.key("offered"), co.Offered)
		if !co.Assigned.IsZero() && !co.Offered.IsZero() && co.Assigned.Before(co.Offered) {
			c.add(p.key("assigned"), "is before offered")
		} else {
			notAfterAsOf(p.key("assigned"), co.Assigned)
		}
		notAfterAsOf(p.key("declined"), co.Declined)
	}
	if pl := d.Plan; pl != nil {
		p := at.key("plan")
		notAfterAsOf(p.key("created"), pl.Created)
		if !pl.LastReview.IsZero() && !pl.Created.IsZero() && pl.LastReview.Before(pl.Created) {
			c.add(p.key("lastReview"), "is before created")
		} else {
			notAfterAsOf(p.key("lastReview"), pl.LastReview)
		}
		notAfterAsOf(p.key("declined"), pl.Declined)
	}
	for i, pa := range d.Participation {
		notAfterAsOf(at.key("participation").index(i).key("date"), pa.Date)
	}
	for i, co := range d.Consent {
		notAfterAsOf(at.key("consent").index(i).key("date"), co.Date)
	}
}

// Canonical returns d in canonical form: the fields in struct order,
// indented by two spaces, HTML characters unescaped, with a trailing
// newline. A nil Actors is written as [].
func Canonical(d *Document) []byte {
	return encode(canonicalDoc(d))
}

// CanonicalBundle returns b in canonical form, as Canonical does for a
// document. A nil Directory or Maps is written as [].
func CanonicalBundle(b *Bundle) []byte {
	c := *b
	if c.Directory == nil {
		c.Directory = []Entry{}
	}
	if c.OrganisationMap != nil {
		c.OrganisationMap = canonicalDoc(c.OrganisationMap)
	}
	c.Maps = make([]Document, len(b.Maps))
	for i := range b.Maps {
		c.Maps[i] = *canonicalDoc(&b.Maps[i])
	}
	return encode(&c)
}

func canonicalDoc(d *Document) *Document {
	if d.Actors != nil {
		return d
	}
	c := *d
	c.Actors = []Actor{}
	return &c
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// The types hold nothing that fails to encode.
		panic("mapdoc: encoding: " + err.Error())
	}
	return buf.Bytes()
}
