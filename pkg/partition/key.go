package partition

import (
	"hash/fnv"
	"slices"

	"github.com/samspill/samspill/pkg/event"
)

// Key returns the partition of a map about focus: its municipality, or
// "region-<region>" for a map about a region, "none" when it names
// neither. Keys are single NATS subject tokens.
func Key(f event.Focus) string {
	switch {
	case event.IsMunicipality(f.Municipality):
		return f.Municipality
	case f.Region != "" && validToken(f.Region):
		return "region-" + f.Region
	}
	return "none"
}

// validToken reports whether s may be a subject token as it is: letters,
// digits and '-', at most 64.
func validToken(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Owner returns the member that owns key among members, by rendezvous
// (highest random weight) hashing: the member whose hash with the key is
// highest. Every instance that sees the same members finds the same
// owner; a member that joins takes about 1/n of the keys, one that leaves
// gives its keys to the others evenly, and no other key moves. It returns
// "" for no members.
func Owner(members []string, key string) string {
	best, owner := uint64(0), ""
	for _, m := range members {
		h := weight(m, key)
		if owner == "" || h > best || h == best && m < owner {
			best, owner = h, m
		}
	}
	return owner
}

func weight(member, key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(member))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(key))
	// fnv's low bits mix poorly for short, similar inputs: finish with
	// a 64-bit mixer (splitmix64's) so that weights are well spread.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Owned returns the keys of keys that member owns among members, sorted.
func Owned(members []string, member string, keys []string) []string {
	var out []string
	for _, k := range keys {
		if Owner(members, k) == member {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
