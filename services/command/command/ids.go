package command

import (
	"strconv"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/nationalid"
)

// newUUID returns a random UUID that the national-id guard accepts.
func newUUID() string {
	return nationalid.Clean(func(int) string { return uuid.NewString() })
}

// derivedID returns the name-based UUID of name under the namespace ns (a
// command id), so that a retried command makes the same ids; should that
// UUID hold a digit run the national-id guard refuses, the next suffix of
// name is used instead, which is just as deterministic.
func derivedID(ns, name string) string {
	space := uuid.MustParse(ns)
	return nationalid.Clean(func(attempt int) string {
		n := name
		if attempt > 0 {
			n += "#" + strconv.Itoa(attempt)
		}
		return uuid.NewSHA1(space, []byte(n)).String()
	})
}
