package netfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/region"
)

// attrType is the type of an attribute, by its GraphML name; GEXF names
// differ only for whole numbers (integer).
type attrType string

const (
	typeString  attrType = "string"
	typeInt     attrType = "int"
	typeDouble  attrType = "double"
	typeBoolean attrType = "boolean"
)

// attr declares one attribute of nodes or edges.
type attr struct {
	name string
	typ  attrType
}

// item is a node or an edge; values holds the attribute values that are
// present, keyed by attribute name.
type item struct {
	id, label      string
	source, target string // edges only
	kind           string // edges only: the GEXF edge kind (parallel edges of different kinds stay apart)
	weight         string // edges only; "" for none
	values         map[string]string
}

// network is what every format writes.
type network struct {
	id          string
	directed    bool
	date        string // the date the network is as of (YYYY-MM-DD)
	description string
	nodeAttrs   []attr
	edgeAttrs   []attr
	nodes       []item
	edges       []item
}

// The attributes of a map's actors and relations, in the order they are
// declared.
var (
	mapNodeAttrs = []attr{
		{"kind", typeString}, {"sector", typeString}, {"sectorGroup", typeString}, {"level", typeString},
		{"directory", typeString}, {"importance", typeString}, {"influence", typeString}, {"public", typeString},
		{"linkage", typeString}, {"attitude", typeString}, {"role", typeString}, {"whatMatters", typeString},
	}
	mapEdgeAttrs = []attr{
		{"type", typeString}, {"quality", typeString}, {"formalised", typeBoolean}, {"validFrom", typeString},
		{"validTo", typeString}, {"active", typeBoolean}, {"lastContact", typeString}, {"contacts", typeInt},
		{"trust", typeInt}, {"value", typeInt}, {"inpatient", typeBoolean},
	}
	areaNodeAttrs = []attr{
		{"kind", typeString}, {"sector", typeString}, {"sectorGroup", typeString}, {"municipality", typeString},
		{"parent", typeString}, {"citizens", typeInt}, {"suppressed", typeBoolean},
	}
	areaEdgeAttrs = []attr{
		{"sharedCitizens", typeInt}, {"collaborationMaps", typeInt}, {"collaborationShare", typeDouble},
		{"agreement", typeBoolean}, {"suppressed", typeBoolean},
	}
)

// set puts v under name when it is not empty.
func set(m map[string]string, name, v string) {
	if v != "" {
		m[name] = v
	}
}

func setInt(m map[string]string, name string, n int) {
	if n != 0 {
		m[name] = strconv.Itoa(n)
	}
}

// actorValues lists an actor's attribute values.
func actorValues(a mapdoc.Actor) map[string]string {
	v := map[string]string{}
	set(v, "kind", string(a.Kind))
	set(v, "sector", string(a.Sector))
	set(v, "sectorGroup", string(a.Sector.Group()))
	set(v, "level", string(a.Level))
	set(v, "directory", a.Directory)
	if s := a.Assessment; s != nil {
		set(v, "importance", string(s.Importance))
		set(v, "influence", string(s.Influence))
		set(v, "public", string(s.Public))
		set(v, "linkage", string(s.Linkage))
		set(v, "attitude", string(s.Attitude))
		set(v, "role", s.Role)
		set(v, "whatMatters", s.WhatMatters)
	}
	return v
}

// relationValues lists a relation's attribute values on the document's date.
func relationValues(d *mapdoc.Document, r mapdoc.Relation) map[string]string {
	v := map[string]string{}
	set(v, "type", string(r.Type))
	set(v, "quality", string(r.Quality))
	v["formalised"] = strconv.FormatBool(r.Formalised)
	set(v, "validFrom", dateString(r.ValidFrom))
	set(v, "validTo", dateString(r.ValidTo))
	v["active"] = strconv.FormatBool(d.ActiveAt(r, d.AsOf))
	set(v, "lastContact", dateString(d.LastContact(r)))
	v["contacts"] = strconv.Itoa(len(r.Contacts))
	setInt(v, "trust", r.Trust)
	setInt(v, "value", r.Value)
	v["inpatient"] = strconv.FormatBool(r.Inpatient)
	return v
}

// fromMap builds the network of a map document.
func fromMap(d *mapdoc.Document) (*network, error) {
	if d == nil {
		return nil, fmt.Errorf("netfile: no map document")
	}
	n := &network{id: d.ID, directed: true, date: dateString(d.AsOf),
		description: fmt.Sprintf("Samspill actor map %s (%s focus) as of %s", d.ID, d.Focus.Kind, dateString(d.AsOf)),
		nodeAttrs:   mapNodeAttrs, edgeAttrs: mapEdgeAttrs}
	for _, a := range d.Actors {
		n.nodes = append(n.nodes, item{id: a.ID, label: a.Name, values: actorValues(a)})
	}
	for _, r := range d.Relations {
		n.edges = append(n.edges, item{id: r.ID, label: string(r.Type), source: r.From, target: r.To,
			kind: string(r.Type), values: relationValues(d, r)})
	}
	n.sort()
	return n, nil
}

// fromArea builds the network of an organisation graph.
func fromArea(g *region.Graph) (*network, error) {
	if g == nil {
		return nil, fmt.Errorf("netfile: no organisation graph")
	}
	area := g.Municipality
	if area == "" {
		area = "all municipalities"
	}
	n := &network{id: "area-" + strings.ReplaceAll(area, " ", "-"), date: dateString(g.At),
		description: fmt.Sprintf("Samspill organisation graph of %s on %s from %d citizen maps; counts under k=%d are suppressed (%d cells)",
			area, dateString(g.At), g.CitizenMaps, g.K, g.SuppressedCells),
		nodeAttrs: areaNodeAttrs, edgeAttrs: areaEdgeAttrs}
	for _, o := range g.Organisations {
		v := map[string]string{}
		set(v, "kind", string(o.Kind))
		set(v, "sector", string(o.Sector))
		set(v, "sectorGroup", string(o.Sector.Group()))
		set(v, "municipality", o.Municipality)
		set(v, "parent", o.Parent)
		setInt(v, "citizens", o.Citizens)
		v["suppressed"] = strconv.FormatBool(o.Suppressed)
		n.nodes = append(n.nodes, item{id: o.ID, label: o.Name, values: v})
	}
	for _, e := range g.Edges {
		v := map[string]string{}
		if !e.Suppressed && e.SharedCitizens > 0 {
			v["sharedCitizens"] = strconv.Itoa(e.SharedCitizens)
			v["collaborationMaps"] = strconv.Itoa(e.CollaborationMaps)
			v["collaborationShare"] = strconv.FormatFloat(float64(e.CollaborationMaps)/float64(e.SharedCitizens), 'f', -1, 64)
		}
		v["agreement"] = strconv.FormatBool(e.Agreement)
		v["suppressed"] = strconv.FormatBool(e.Suppressed)
		it := item{id: e.A + ":" + e.B, source: e.A, target: e.B, values: v}
		if w, ok := v["sharedCitizens"]; ok {
			it.weight = w
		}
		if e.Agreement {
			it.label = "agreement"
		}
		n.edges = append(n.edges, it)
	}
	n.sort()
	return n, nil
}

func (n *network) sort() {
	by := func(a, b item) int { return naturalCompare(a.id, b.id) }
	slices.SortStableFunc(n.nodes, by)
	slices.SortStableFunc(n.edges, by)
}

// naturalCompare orders strings with their runs of digits compared as
// numbers ("r2" before "r10"), and otherwise byte by byte.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			x, y := strings.TrimLeft(a[si:i], "0"), strings.TrimLeft(b[sj:j], "0")
			if c := len(x) - len(y); c != 0 {
				return c
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
			continue
		}
		if a[i] != b[j] {
			return int(a[i]) - int(b[j])
		}
		i, j = i+1, j+1
	}
	if c := (len(a) - i) - (len(b) - j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
