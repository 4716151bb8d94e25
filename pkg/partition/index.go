package partition

import (
	"slices"
	"sync"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
)

// Index knows the partition of every map it has seen opened.
type Index struct {
	mu       sync.RWMutex
	key      map[string]string   // map id -> partition
	maps     map[string][]string // partition -> map ids
	position uint64              // the last map_opened event observed
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{key: map[string]string{}, maps: map[string][]string{}}
}

// Observe notes the partition of a map_opened event's map, and returns the
// partition of r's map and whether r is a map's event at all. The
// partition is "" for a map never seen opened.
func (ix *Index) Observe(r eventlog.Record) (key string, isMap bool) {
	agg, err := r.Envelope.Aggregate()
	if err != nil || agg.Kind != event.AreaMap {
		return "", false
	}
	if r.Envelope.Type == event.TypeMapOpened {
		d := r.Data
		if d == nil {
			d, _ = r.Envelope.Decode()
		}
		if o, ok := d.(*event.MapOpened); ok {
			ix.add(agg.ID, Key(o.Focus), r.Seq)
		}
	}
	k, _ := ix.Key(agg.ID)
	return k, true
}

func (ix *Index) add(id, key string, seq uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if seq > ix.position {
		ix.position = seq
	}
	if _, ok := ix.key[id]; ok {
		return
	}
	ix.key[id] = key
	ix.maps[key] = append(ix.maps[key], id)
}

// Key returns the partition of map id.
func (ix *Index) Key(id string) (string, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	k, ok := ix.key[id]
	return k, ok
}

// Known reports whether some map is in partition key.
func (ix *Index) Known(key string) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.maps[key]) > 0
}

// Keys returns every partition that has a map, sorted.
func (ix *Index) Keys() []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]string, 0, len(ix.maps))
	for k := range ix.maps {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// MapsOf returns the maps of partition key.
func (ix *Index) MapsOf(key string) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return slices.Clone(ix.maps[key])
}

// Position is the sequence of the last map_opened event observed.
func (ix *Index) Position() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.position
}
