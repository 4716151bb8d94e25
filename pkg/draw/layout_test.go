package draw

import (
	"bytes"
	"context"
	"image/png"
	"slices"
	"strings"
	"testing"
)

func TestLayout(t *testing.T) {
	src, labels := mapDOT(10)
	lay, err := engine(t).Layout(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if lay.BB.Empty() || lay.Pad != (Point{4, 4}) {
		t.Fatalf("bb %v, pad %v", lay.BB, lay.Pad)
	}
	if len(lay.Nodes) != len(labels) {
		t.Errorf("%d nodes; want %d", len(lay.Nodes), len(labels))
	}
	inside := func(r Rect) bool {
		const slack = 1
		return r.Min.X >= lay.BB.Min.X-slack && r.Min.Y >= lay.BB.Min.Y-slack && r.Max.X <= lay.BB.Max.X+slack && r.Max.Y <= lay.BB.Max.Y+slack
	}
	for _, n := range lay.Nodes {
		if want, ok := labels[n.ID]; !ok || n.Label != want {
			t.Errorf("node %s: label %q; want %q", n.ID, n.Label, want)
		}
		if n.Width <= 0 || n.Height <= 0 || !inside(n.Box()) {
			t.Errorf("node %s: box %v outside the drawing %v", n.ID, n.Box(), lay.BB)
		}
	}
	for i, a := range lay.Nodes {
		for _, b := range lay.Nodes[i+1:] {
			if a.Box().Overlaps(b.Box()) {
				t.Errorf("nodes %s and %s overlap", a.ID, b.ID)
			}
		}
	}
	if len(lay.Clusters) != 5 || lay.Clusters[0].Name != "cluster_0" || lay.Clusters[0].Label != "Primærhelse" {
		t.Errorf("clusters %+v", lay.Clusters)
	}
	for _, c := range lay.Clusters {
		if !inside(c.BB) {
			t.Errorf("cluster %s outside the drawing", c.Name)
		}
	}
	labelled := 0
	for _, e := range lay.Edges {
		if e.Label == "" {
			continue
		}
		labelled++
		if !strings.HasPrefix(e.Label, "r") || e.Head != "person" || !inside(Rect{e.LabelPos, e.LabelPos}) {
			t.Errorf("edge %s->%s: label %q at %v", e.Tail, e.Head, e.Label, e.LabelPos)
		}
		if len(e.Spline) < 4 {
			t.Errorf("edge %s->%s: spline %v", e.Tail, e.Head, e.Spline)
		}
	}
	if labelled != 10 {
		t.Errorf("%d labelled edges; want 10", labelled)
	}
	kinds := map[LabelKind]int{}
	for _, l := range lay.Labels {
		kinds[l.Kind]++
		if l.Box.Empty() || !inside(l.Box) {
			t.Errorf("%s label %q of %s: box %v", l.Kind, l.Text, l.Owner, l.Box)
		}
	}
	// The graph's label, 5 clusters, 13 nodes and the coordinator's
	// xlabel, 10 edge labels.
	if kinds[LabelGraph] != 1 || kinds[LabelCluster] != 5 || kinds[LabelNode] != 13 || kinds[LabelEdge] != 10 {
		t.Errorf("labels by kind %v", kinds)
	}
	if !slices.ContainsFunc(lay.Labels, func(l Label) bool { return l.Owner == "a0" && strings.Contains(l.Text, "koordinator") }) {
		t.Error("the coordinator's xlabel is not among the labels")
	}
}

// TestShapes draws every shape, line style and text style the map
// builders use, in PDF and PNG, and checks that every text comes out.
func TestShapes(t *testing.T) {
	src := `digraph shapes {
	graph [fontname=Helvetica, label="Former og linjer", bgcolor="#fafafa"];
	node [fontname=Helvetica, style=filled, fillcolor="#ffffff"];
	subgraph cluster_psyk { label="Psykisk helsevern"; style="rounded,filled"; fillcolor="#fde0dd"; color="#e15759";
		dps [label="DPS Nordre Åsen", shape=box, style="rounded,filled", peripheries=2];
		tsb [label="TSB", shape=ellipse, fillcolor="#e15759:#ffffff", style=radial];
	}
	ola [label="Ola", shape=doublecircle, penwidth=3, color="#b00020"];
	gp [label="Fastlege", shape=circle, fillcolor="#4e79a7:#ffffff", gradientangle=90];
	plan [label="Individuell plan", shape=note, fillcolor="#f1ce63"];
	folder [label="Mappe", shape=folder];
	badge [label=<<FONT POINT-SIZE="9" COLOR="#ffffff"><B>7</B></FONT>>, shape=box, style="rounded,filled", fillcolor="#b00020", color="#b00020"];
	legend [shape=plaintext, style="", label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0">
		<TR><TD COLSPAN="2"><B>Tegnforklaring</B></TD></TR>
		<TR><TD BGCOLOR="#e15759"> </TD><TD ALIGN="LEFT"><I>kursiv</I> og <S>avsluttet</S></TD></TR>
		<TR><TD>x<SUB>2</SUB> y<SUP>3</SUP></TD><TD><U>understreket</U><BR/>to linjer</TD></TR></TABLE>>];
	invisible [style=invis, label="skjult"];
	gp -> ola [style=dashed, color="#b00020", penwidth=2.6, label="mangler"];
	dps -> ola [style=dotted, arrowhead=vee];
	tsb -> ola [style=bold, dir=both, arrowtail=odiamond];
	dps -> gp [color="#555555:#ffffff:#555555", penwidth=1.5, dir=none];
	plan -> ola [style=tapered, penwidth=4, arrowhead=none];
	folder -> ola [headlabel="h", taillabel="t", xlabel="x", fontcolor="#00000080"];
}`
	e := engine(t)
	texts := []string{"Former og linjer", "Psykisk helsevern", "DPS Nordre Åsen", "TSB", "Ola", "Fastlege", "Individuell plan",
		"Mappe", "7", "Tegnforklaring", "kursiv", "avsluttet", "understreket", "to linjer", "mangler", "h", "t", "x"}
	pdf, err := e.Render(context.Background(), []byte(src), PDF)
	if err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, pdf)
	for _, s := range texts {
		if !slices.Contains(doc.text, s) {
			t.Errorf("PDF text lacks %q: %q", s, doc.text)
		}
	}
	if slices.Contains(doc.text, "skjult") {
		t.Error("an invisible node's label is in the PDF")
	}
	// Bold and italic faces are embedded for <B> and <I>.
	for _, f := range []string{"utf8go", "utf8goB", "utf8goI"} {
		if !slices.ContainsFunc(doc.fonts, func(x string) bool { return strings.HasSuffix(x, f) }) {
			t.Errorf("font %s not embedded: %q", f, doc.fonts)
		}
	}
	out, err := e.Render(context.Background(), []byte(src), PNG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	lay, err := e.Layout(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lay.Labels {
		if l.Text == "skjult" {
			continue
		}
		if r := pixelBox(lay, l.Box, img.Bounds()); ink(img, r) < 0.03 {
			t.Errorf("PNG: %s label %q: no text drawn in %v", l.Kind, l.Text, r)
		}
	}
}
