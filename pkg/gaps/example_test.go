package gaps_test

import (
	"fmt"
	"os"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
)

// Evaluate domain.md's example map and print its gaps as samspill analyse
// would, in English.
func ExampleCitizen() {
	v, err := mapdoc.NewValidator()
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := os.ReadFile("../mapdoc/testdata/example-map.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _, err := v.Parse(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	gs, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range gs {
		o := g.Output("en")
		fmt.Printf("%s %v %s: %s %s\n", o.Rule, o.Actors, o.Severity, o.Explanation, o.Next)
	}
	// Output:
	// P1 [dps gp] medium: Primary health care (the GP) and specialist mental health care both serve the person but have no working tie: no collaboration, coordination, referral or information relation with contact in the last 90 days, and no shared forum. Convene a responsibility group or coordinated plan (SIP) meeting.
	// P5 [dps gp] medium: The coordinator, from primary health care (the GP), has no working tie with specialist mental health care, which serves the person. Contact the services the coordinator has no working tie with.
	// P6 [dps plan] low: Specialist mental health care has served the person for more than 90 days but is not a member of the person's active individual plan. Invite the service into the plan.
	// P8 [ola] advisory: The person is followed up by specialist mental health care, but has no contact with a user organisation or a peer worker. Offer contact with a user organisation or a peer worker (advisory).
	// P11 [ola] medium: The person is not a member of their own active individual plan. Plan a meeting led by the person.
}
