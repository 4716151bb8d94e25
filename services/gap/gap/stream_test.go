package gap

import (
	"testing"

	"github.com/google/uuid"
)

// TestTransitionNamespace checks the documented derivation of the
// namespace of transition ids, and the example ids of the schemas.
func TestTransitionNamespace(t *testing.T) {
	if got := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://schemas.samspill.no/gap/v1")).String(); got != TransitionNamespace {
		t.Fatalf("namespace %s, documented as %s", got, TransitionNamespace)
	}
	if TransitionID("405a100e50cd5544", 1) != "71aae892-a025-55d6-87f7-ad7799e862cb" || EventID("405a100e50cd5544", 1) != "7799b9b0-1b53-5ca5-9afa-f823b05df023" {
		t.Fatal("the ids of transition 1 of gap 405a100e50cd5544 differ from the schema example")
	}
}

func TestParseSubject(t *testing.T) {
	for subject, ok := range map[string]bool{
		Subject("0301", "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65", "P1", "405a100e50cd5544", Opened): true,
		Subject("", "", "S10", "405a100e50cd5544", Closed):                                        true,
		"samspill.gap._.system.S1.405a100e50cd5544.reopened":                                      false,
		"samspill.gap.Oslo.system.S1.405a100e50cd5544.opened":                                     false,
		"samspill.gap.0301.not-a-map.P1.405a100e50cd5544.opened":                                  false,
		"samspill.gap.0301.system.P1.405a100e50cd554.opened":                                      false,
		"samspill.gap.0301.system.X1.405a100e50cd5544.opened":                                     false,
		"samspill.map.0301.system.S1.405a100e50cd5544.opened":                                     false,
		"samspill.gap.0301.system.S1.405a100e50cd5544":                                            false,
	} {
		p, err := ParseSubject(subject)
		if (err == nil) != ok {
			t.Errorf("%s: %v", subject, err)
		}
		if ok && Subject(p.Municipality, p.MapID, p.Rule, p.GapID, p.Transition) != subject {
			t.Errorf("%s does not survive a round trip: %+v", subject, p)
		}
	}
}
