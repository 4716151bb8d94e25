package measures

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// fixture is one testdata/*.json file written by testdata/gen_fixtures.py.
type fixture struct {
	Name               string             `json:"name"`
	Directed           bool               `json:"directed"`
	Nodes              []Node             `json:"nodes"`
	Ties               []Tie              `json:"ties"`
	Expected           Result             `json:"expected"`
	PerGroupEI         map[string]float64 `json:"perGroupEI"`
	PerGroupEIExpected map[string]float64 `json:"perGroupEIExpected"`
	// IgraphConstraint, on the igraph cases, is the constraint of nodes
	// "0", "1", … as igraph's own test expects it (6 significant digits).
	IgraphConstraint []float64 `json:"igraphConstraint"`
}

// tol is the agreement required with networkx and the reference script.
const tol = 1e-6

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	var fs []fixture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fs = append(fs, fx)
	}
	return fs
}

func (fx fixture) network() Network {
	return Network{Nodes: fx.Nodes, Ties: fx.Ties, Directed: fx.Directed}
}

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			got, err := Compute(fx.network())
			if err != nil {
				t.Fatal(err)
			}
			want := fx.Expected
			if len(got.Actors) != len(want.Actors) {
				t.Errorf("%d actors, want %d", len(got.Actors), len(want.Actors))
			}
			for id, w := range want.Actors {
				g, ok := got.Actors[id]
				if !ok {
					t.Errorf("actor %q missing", id)
					continue
				}
				if g.Degree != w.Degree {
					t.Errorf("%s degree = %d, want %d", id, g.Degree, w.Degree)
				}
				if !near(g.Betweenness, w.Betweenness) {
					t.Errorf("%s betweenness = %.9f, want %.9f", id, g.Betweenness, w.Betweenness)
				}
				if !near(g.Constraint, w.Constraint) {
					t.Errorf("%s constraint = %.9f, want %.9f", id, g.Constraint, w.Constraint)
				}
				if !near(g.EffectiveSize, w.EffectiveSize) {
					t.Errorf("%s effective size = %.9f, want %.9f", id, g.EffectiveSize, w.EffectiveSize)
				}
				if g.Brokerage != w.Brokerage {
					t.Errorf("%s brokerage = %+v, want %+v", id, g.Brokerage, w.Brokerage)
				}
			}

			gn, wn := got.Network, want.Network
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"density", gn.Density, wn.Density},
				{"degreeCentralization", gn.DegreeCentralization, wn.DegreeCentralization},
				{"betweennessCentralization", gn.BetweennessCentralization, wn.BetweennessCentralization},
				{"eiIndex", gn.EIIndex, wn.EIIndex},
				{"eiExpected", gn.EIExpected, wn.EIExpected},
			} {
				if !near(c.got, c.want) {
					t.Errorf("%s = %.9f, want %.9f", c.name, c.got, c.want)
				}
			}
			if gn.Components != wn.Components {
				t.Errorf("components = %d, want %d", gn.Components, wn.Components)
			}
			if !slices.Equal(gn.ArticulationPoints, wn.ArticulationPoints) {
				t.Errorf("articulation points = %q, want %q", gn.ArticulationPoints, wn.ArticulationPoints)
			}
			if !slices.Equal(gn.Bridges, wn.Bridges) {
				t.Errorf("bridges = %q, want %q", gn.Bridges, wn.Bridges)
			}

			for i, w := range fx.IgraphConstraint {
				id := strconv.Itoa(i)
				if g := got.Actors[id].Constraint; !near(g, w) {
					t.Errorf("%s constraint = %.9f, igraph's test expects %v", id, g, w)
				}
			}

			compareMaps(t, "PerGroupEI", PerGroupEI(fx.network()), fx.PerGroupEI)
			compareMaps(t, "PerGroupEIExpected", PerGroupEIExpected(fx.network()), fx.PerGroupEIExpected)
		})
	}
}

func compareMaps(t *testing.T, name string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d groups, want %d: %v, want %v", name, len(got), len(want), got, want)
	}
	for g, w := range want {
		if v, ok := got[g]; !ok || !near(v, w) {
			t.Errorf("%s[%q] = %v (present %t), want %v", name, g, v, ok, w)
		}
	}
}

// TestFixtureJSON checks that a result encodes with the field names of the
// metrics output in map-document.md, and that empty lists encode as [].
func TestFixtureJSON(t *testing.T) {
	res, err := Compute(Network{Nodes: []Node{{ID: "a", Group: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"actors":{"a":{"degree":0,"betweenness":0,"constraint":0,"effectiveSize":0,` +
		`"brokerage":{"coordinator":0,"itinerant":0,"gatekeeper":0,"representative":0,"liaison":0}}},` +
		`"network":{"density":0,"degreeCentralization":0,"betweennessCentralization":0,` +
		`"eiIndex":0,"eiExpected":0,"components":1,"articulationPoints":[],"bridges":[]}}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
}
