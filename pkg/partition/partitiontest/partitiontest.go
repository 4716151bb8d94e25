// Package partitiontest checks, in the tests of the services that run as
// several instances (graph, gap, picture), that the instances have shared
// the maps as package partition says they must.
package partitiontest

import (
	"fmt"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/partition"
)

// Instance is one instance under test: its name, the maps its projection
// holds, and whether it serves a partition.
type Instance struct {
	Name    string
	Maps    func() []string
	Serving func(key string) bool
}

// Settled waits (at most 20 s) until every partition of maps (map ids by
// municipality) is served by the instance that owns it among ins, alone,
// and every map is held by its partition's owner alone; it fails the test
// with what is still wrong otherwise.
func Settled(tb testing.TB, maps map[string][]string, ins ...Instance) {
	tb.Helper()
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		problem := wrong(maps, names, ins)
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the instances did not settle in 20 s: %s", problem)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wrong says what is not yet as it must be, "" when nothing.
func wrong(maps map[string][]string, names []string, ins []Instance) string {
	held := map[string][]string{}
	for _, in := range ins {
		for _, id := range in.Maps() {
			held[id] = append(held[id], in.Name)
		}
	}
	for m, ids := range maps {
		owner := partition.Owner(names, m)
		for _, id := range ids {
			if h := held[id]; len(h) != 1 || h[0] != owner {
				return fmt.Sprintf("map %s of %s is held by %v, want %s alone", id, m, h, owner)
			}
		}
		for _, in := range ins {
			if serving := in.Serving(m); serving != (in.Name == owner) {
				return fmt.Sprintf("partition %s: %s serving %v, owner %s", m, in.Name, serving, owner)
			}
		}
	}
	return ""
}
