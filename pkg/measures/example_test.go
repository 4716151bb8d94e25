package measures_test

import (
	"fmt"

	"github.com/samspill/samspill/pkg/measures"
)

// A GP who is the only link between a home-care nurse (same sector group)
// and two psychiatric services.
func ExampleCompute() {
	n := measures.Network{
		Nodes: []measures.Node{
			{ID: "gp", Group: "primary"},
			{ID: "nurse", Group: "primary"},
			{ID: "dps", Group: "psychiatry"},
			{ID: "tsb", Group: "psychiatry"},
		},
		Ties: []measures.Tie{
			{From: "gp", To: "nurse"},
			{From: "gp", To: "dps"},
			{From: "gp", To: "tsb"},
			{From: "dps", To: "gp"}, // the same tie again: counts once
		},
	}
	r, err := measures.Compute(n)
	if err != nil {
		fmt.Println(err)
		return
	}
	gp := r.Actors["gp"]
	fmt.Printf("gp: degree %d, betweenness %.2f, constraint %.3f, effective size %.1f\n",
		gp.Degree, gp.Betweenness, gp.Constraint, gp.EffectiveSize)
	fmt.Printf("gp brokerage: %+v\n", gp.Brokerage)
	fmt.Printf("articulation points %v, bridges %v\n",
		r.Network.ArticulationPoints, r.Network.Bridges)
	fmt.Printf("E-I %.2f, expected %.2f\n", r.Network.EIIndex, r.Network.EIExpected)
	// Output:
	// gp: degree 3, betweenness 1.00, constraint 0.333, effective size 3.0
	// gp brokerage: {Coordinator:0 Itinerant:2 Gatekeeper:2 Representative:2 Liaison:0}
	// articulation points [gp], bridges [[dps gp] [gp nurse] [gp tsb]]
	// E-I 0.33, expected 0.33
}
