package netfile

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/region"
)

// XML namespaces of the formats.
const (
	GraphMLNamespace = "http://graphml.graphdrawing.org/xmlns"
	GEXFNamespace    = "http://gexf.net/1.3"
)

// Content types of the formats.
const (
	ContentTypeGraphML = "application/graphml+xml"
	ContentTypeGEXF    = "application/gexf+xml"
	ContentTypeCSV     = "text/csv; charset=utf-8; header=present"
)

func dateString(d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// MapGraphML writes a map document as GraphML.
func MapGraphML(w io.Writer, d *mapdoc.Document) error {
	n, err := fromMap(d)
	if err != nil {
		return err
	}
	return writeGraphML(w, n)
}

// AreaGraphML writes an organisation graph as GraphML.
func AreaGraphML(w io.Writer, g *region.Graph) error {
	n, err := fromArea(g)
	if err != nil {
		return err
	}
	return writeGraphML(w, n)
}

// MapGEXF writes a map document as GEXF 1.3.
func MapGEXF(w io.Writer, d *mapdoc.Document) error {
	n, err := fromMap(d)
	if err != nil {
		return err
	}
	return writeGEXF(w, n)
}

// AreaGEXF writes an organisation graph as GEXF 1.3.
func AreaGEXF(w io.Writer, g *region.Graph) error {
	n, err := fromArea(g)
	if err != nil {
		return err
	}
	return writeGEXF(w, n)
}

// GraphML documents (http://graphml.graphdrawing.org/specification.html).
type (
	gmlRoot struct {
		XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
		Desc    string   `xml:"desc,omitempty"`
		Keys    []gmlKey `xml:"key"`
		Graph   gmlGraph `xml:"graph"`
	}
	gmlKey struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	}
	gmlGraph struct {
		ID          string    `xml:"id,attr"`
		EdgeDefault string    `xml:"edgedefault,attr"`
		Nodes       []gmlNode `xml:"node"`
		Edges       []gmlEdge `xml:"edge"`
	}
	gmlNode struct {
		ID   string    `xml:"id,attr"`
		Data []gmlData `xml:"data"`
	}
	gmlEdge struct {
		ID     string    `xml:"id,attr"`
		Source string    `xml:"source,attr"`
		Target string    `xml:"target,attr"`
		Data   []gmlData `xml:"data"`
	}
	gmlData struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	}
)

// GraphML key ids: "v_" and "e_" and the attribute's name; label and
// weight are the names Gephi and Cytoscape take as the label and weight.
func gmlKeyID(forEdge bool, name string) string {
	if forEdge {
		return "e_" + name
	}
	return "v_" + name
}

func writeGraphML(w io.Writer, n *network) error {
	root := gmlRoot{Desc: n.description, Graph: gmlGraph{ID: n.id, EdgeDefault: "undirected"}}
	if n.directed {
		root.Graph.EdgeDefault = "directed"
	}
	nodeAttrs := append([]attr{{"label", typeString}}, n.nodeAttrs...)
	edgeAttrs := append([]attr{{"label", typeString}, {"weight", typeDouble}}, n.edgeAttrs...)
	for _, a := range nodeAttrs {
		root.Keys = append(root.Keys, gmlKey{ID: gmlKeyID(false, a.name), For: "node", Name: a.name, Type: string(a.typ)})
	}
	for _, a := range edgeAttrs {
		root.Keys = append(root.Keys, gmlKey{ID: gmlKeyID(true, a.name), For: "edge", Name: a.name, Type: string(a.typ)})
	}
	data := func(forEdge bool, attrs []attr, it item) []gmlData {
		var out []gmlData
		for _, a := range attrs {
			v, ok := it.values[a.name]
			switch a.name {
			case "label":
				v, ok = it.label, it.label != ""
			case "weight":
				v, ok = it.weight, it.weight != ""
			}
			if ok {
				out = append(out, gmlData{Key: gmlKeyID(forEdge, a.name), Value: v})
			}
		}
		return out
	}
	for _, it := range n.nodes {
		root.Graph.Nodes = append(root.Graph.Nodes, gmlNode{ID: it.id, Data: data(false, nodeAttrs, it)})
	}
	for _, it := range n.edges {
		root.Graph.Edges = append(root.Graph.Edges, gmlEdge{ID: it.id, Source: it.source, Target: it.target, Data: data(true, edgeAttrs, it)})
	}
	return encodeXML(w, root)
}

// GEXF 1.3 documents (https://gexf.net/schema.html).
type (
	gexfRoot struct {
		XMLName xml.Name  `xml:"http://gexf.net/1.3 gexf"`
		Version string    `xml:"version,attr"`
		Meta    gexfMeta  `xml:"meta"`
		Graph   gexfGraph `xml:"graph"`
	}
	gexfMeta struct {
		LastModified string `xml:"lastmodifieddate,attr,omitempty"`
		Creator      string `xml:"creator"`
		Description  string `xml:"description"`
	}
	gexfGraph struct {
		DefaultEdgeType string           `xml:"defaultedgetype,attr"`
		Mode            string           `xml:"mode,attr"`
		Attributes      []gexfAttributes `xml:"attributes"`
		Nodes           []gexfNode       `xml:"nodes>node"`
		Edges           []gexfEdge       `xml:"edges>edge"`
	}
	gexfAttributes struct {
		Class     string          `xml:"class,attr"`
		Mode      string          `xml:"mode,attr"`
		Attribute []gexfAttribute `xml:"attribute"`
	}
	gexfAttribute struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title,attr"`
		Type  string `xml:"type,attr"`
	}
	gexfNode struct {
		ID        string         `xml:"id,attr"`
		Label     string         `xml:"label,attr"`
		AttValues []gexfAttValue `xml:"attvalues>attvalue,omitempty"`
	}
	gexfEdge struct {
		ID        string         `xml:"id,attr"`
		Source    string         `xml:"source,attr"`
		Target    string         `xml:"target,attr"`
		Kind      string         `xml:"kind,attr,omitempty"`
		Label     string         `xml:"label,attr,omitempty"`
		Weight    string         `xml:"weight,attr,omitempty"`
		AttValues []gexfAttValue `xml:"attvalues>attvalue,omitempty"`
	}
	gexfAttValue struct {
		For   string `xml:"for,attr"`
		Value string `xml:"value,attr"`
	}
)

func gexfType(t attrType) string {
	if t == typeInt {
		return "integer"
	}
	return string(t)
}

func writeGEXF(w io.Writer, n *network) error {
	root := gexfRoot{Version: "1.3", Meta: gexfMeta{LastModified: n.date, Creator: "Samspill", Description: n.description},
		Graph: gexfGraph{DefaultEdgeType: "undirected", Mode: "static", Nodes: []gexfNode{}, Edges: []gexfEdge{}}}
	if n.directed {
		root.Graph.DefaultEdgeType = "directed"
	}
	declare := func(class string, attrs []attr) {
		as := gexfAttributes{Class: class, Mode: "static"}
		for _, a := range attrs {
			as.Attribute = append(as.Attribute, gexfAttribute{ID: a.name, Title: a.name, Type: gexfType(a.typ)})
		}
		root.Graph.Attributes = append(root.Graph.Attributes, as)
	}
	declare("node", n.nodeAttrs)
	declare("edge", n.edgeAttrs)
	values := func(attrs []attr, it item) []gexfAttValue {
		var out []gexfAttValue
		for _, a := range attrs {
			if v, ok := it.values[a.name]; ok {
				out = append(out, gexfAttValue{For: a.name, Value: v})
			}
		}
		return out
	}
	for _, it := range n.nodes {
		root.Graph.Nodes = append(root.Graph.Nodes, gexfNode{ID: it.id, Label: it.label, AttValues: values(n.nodeAttrs, it)})
	}
	for _, it := range n.edges {
		root.Graph.Edges = append(root.Graph.Edges, gexfEdge{ID: it.id, Source: it.source, Target: it.target,
			Kind: it.kind, Label: it.label, Weight: it.weight, AttValues: values(n.edgeAttrs, it)})
	}
	return encodeXML(w, root)
}

func encodeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("netfile: write: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("netfile: write XML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("netfile: write XML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("netfile: write: %w", err)
	}
	return nil
}
