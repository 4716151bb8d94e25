package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// A box drawn on a map, from a layout by Graphviz.
type drawnBox struct {
	id                     string
	minX, minY, maxX, maxY float64
}

func (a drawnBox) overlaps(b drawnBox) bool {
	return a.minX < b.maxX && b.minX < a.maxX && a.minY < b.maxY && b.minY < a.maxY
}

// background reports whether a node is drawn behind others on purpose:
// the importance circles of the person's map and the groups' boxes of the
// system map hold other nodes; the invisible ends of the legend's lines
// are points.
func background(id string) bool {
	return strings.HasPrefix(id, "ring:") || strings.HasPrefix(id, "cluster:")
}

// overlapping returns the pairs of boxes that overlap.
func overlapping(boxes []drawnBox) []string {
	var out []string
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.overlaps(b) {
				out = append(out, fmt.Sprintf("%s and %s", a.id, b.id))
			}
		}
	}
	return out
}

// maps are the pictures the layout tests draw: the person's map at 8 and
// at 40 actors (with their gaps), the fixture, the change map and the
// system map.
func layoutCases(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range []int{8, 40} {
		doc := bigMap(t, n)
		b, err := PersonMap(doc, citizenGaps(t, doc), Options{Lang: "nb"})
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("person map, %d actors", n)] = b
	}
	person, before := readDoc(t, "person.json"), readDoc(t, "before.json")
	b, err := PersonMap(person, citizenGaps(t, person), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out["person map fixture"] = b
	if b, err = ChangeMap(before, person, Options{}); err != nil {
		t.Fatal(err)
	}
	out["change map"] = b
	if b, err = SystemMap(readSystem(t), Options{}); err != nil {
		t.Fatal(err)
	}
	out["system map"] = b
	return out
}

// TestPinnedBoxesDoNotOverlap checks the layout's own promise on the
// DOT: the boxes it pins (pos, width and height as written) do not
// overlap, except the background circles and group boxes.
func TestPinnedBoxesDoNotOverlap(t *testing.T) {
	for name, src := range layoutCases(t) {
		t.Run(name, func(t *testing.T) {
			var boxes []drawnBox
			for _, s := range statements(t, src) {
				pos, ok := s.attrs["pos"]
				if len(s.ids) != 1 || !ok || background(s.ids[0]) {
					continue
				}
				var x, y, w, h float64
				if _, err := fmt.Sscanf(strings.TrimSuffix(pos, "!"), "%g,%g", &x, &y); err != nil {
					t.Fatalf("%s: pos %q", s.ids[0], pos)
				}
				w, _ = strconv.ParseFloat(s.attrs["width"], 64)
				h, _ = strconv.ParseFloat(s.attrs["height"], 64)
				if s.attrs["shape"] == "point" {
					h = w
				}
				w, h = w*72, h*72
				if w <= 0 || h <= 0 || math.IsNaN(w+h) {
					t.Fatalf("%s: no size", s.ids[0])
				}
				boxes = append(boxes, drawnBox{s.ids[0], x - w/2, y - h/2, x + w/2, y + h/2})
			}
			for _, p := range overlapping(boxes) {
				t.Errorf("overlap: %s", p)
			}
		})
	}
}
