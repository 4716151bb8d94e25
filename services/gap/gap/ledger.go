package gap

import (
	"slices"
	"sync"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
)

// record is what the service knows of one gap: its last transition in
// SAMSPILL_GAPS.
type record struct {
	// n is the number of the last transition (1 the first opening).
	n int
	// seq is the stream sequence of the last transition.
	seq  uint64
	open bool
	// gap is the data of the last opening; a closing repeats its rule,
	// scope, map, municipality and actors.
	gap event.GapOpened
	// position and evaluatedAt are those of the last transition.
	position    uint64
	evaluatedAt date.Date
}

// newerThan reports whether the record's last transition rests on a later
// state than an evaluation at position on day at: then that evaluation is
// behind (another instance has read further) and must not override it.
func (r *record) newerThan(position uint64, at date.Date) bool {
	if r.position != position {
		return r.position > position
	}
	return r.evaluatedAt.After(at)
}

// ledger holds every gap's last transition, as SAMSPILL_GAPS has it, with
// indexes of the open gaps by map and by municipality. Safe for concurrent
// use.
type ledger struct {
	mu     sync.RWMutex
	gaps   map[string]*record
	byMap  map[string]map[string]bool // map id → open gap ids (map scope)
	byArea map[string]map[string]bool // municipality → open gap ids (both scopes)
}

func newLedger() *ledger {
	return &ledger{gaps: map[string]*record{}, byMap: map[string]map[string]bool{}, byArea: map[string]map[string]bool{}}
}

// apply records the n-th transition of a gap, stored at seq, unless the
// ledger already holds a later one. It reports whether it changed anything.
func (l *ledger) apply(seq uint64, n int, data event.Data) bool {
	var id string
	switch d := data.(type) {
	case *event.GapOpened:
		id = d.GapID
	case *event.GapClosed:
		id = d.GapID
	default:
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.gaps[id]
	if r == nil {
		r = &record{}
		l.gaps[id] = r
	} else if seq <= r.seq {
		return false
	}
	l.unindex(id, r)
	r.n, r.seq = n, seq
	switch d := data.(type) {
	case *event.GapOpened:
		r.open, r.gap, r.position, r.evaluatedAt = true, *d, d.Position, d.EvaluatedAt
	case *event.GapClosed:
		// A closed gap needs only its identity until it opens again:
		// keep no texts or details of it.
		r.open, r.position, r.evaluatedAt = false, d.Position, d.EvaluatedAt
		r.gap = event.GapOpened{GapID: d.GapID, Rule: d.Rule, Scope: d.Scope, MapID: d.MapID, Municipality: d.Municipality, Actors: d.Actors}
	}
	if r.open {
		l.index(id, r)
	}
	return true
}

func (l *ledger) index(id string, r *record) {
	add := func(m map[string]map[string]bool, key string) {
		if m[key] == nil {
			m[key] = map[string]bool{}
		}
		m[key][id] = true
	}
	if r.gap.MapID != "" {
		add(l.byMap, r.gap.MapID)
	}
	add(l.byArea, r.gap.Municipality)
}

func (l *ledger) unindex(id string, r *record) {
	if !r.open {
		return
	}
	del := func(m map[string]map[string]bool, key string) {
		delete(m[key], id)
		if len(m[key]) == 0 {
			delete(m, key)
		}
	}
	if r.gap.MapID != "" {
		del(l.byMap, r.gap.MapID)
	}
	del(l.byArea, r.gap.Municipality)
}

// get returns a copy of a gap's record.
func (l *ledger) get(id string) (record, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	r := l.gaps[id]
	if r == nil {
		return record{}, false
	}
	return *r, true
}

// openOfMap returns the open gaps of a map.
func (l *ledger) openOfMap(mapID string) []event.GapOpened {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.collect(l.byMap[mapID], func(*record) bool { return true })
}

// openOfArea returns the open gaps of a municipality; system restricts
// them to the system-wide ones.
func (l *ledger) openOfArea(municipality string, system bool) []event.GapOpened {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.collect(l.byArea[municipality], func(r *record) bool { return !system || r.gap.Scope == event.GapScopeSystem })
}

func (l *ledger) collect(ids map[string]bool, keep func(*record) bool) []event.GapOpened {
	out := make([]event.GapOpened, 0, len(ids))
	for id := range ids {
		if r := l.gaps[id]; r != nil && r.open && keep(r) {
			out = append(out, r.gap)
		}
	}
	sortGaps(out)
	return out
}

// counts returns how many gaps the ledger knows and how many are open.
func (l *ledger) counts() (known, open int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, r := range l.gaps {
		if r.open {
			open++
		}
	}
	return len(l.gaps), open
}

// sortGaps orders gaps by map, rule number and gap id.
func sortGaps(gs []event.GapOpened) {
	slices.SortFunc(gs, func(a, b event.GapOpened) int {
		if a.MapID != b.MapID {
			if a.MapID < b.MapID {
				return -1
			}
			return 1
		}
		if d := ruleOrder(a.Rule) - ruleOrder(b.Rule); d != 0 {
			return d
		}
		if a.GapID < b.GapID {
			return -1
		}
		if a.GapID > b.GapID {
			return 1
		}
		return 0
	})
}

// ruleOrder orders rule ids: P1 … P14, then S1 … S10.
func ruleOrder(rule string) int {
	if len(rule) < 2 {
		return 1 << 20
	}
	n := 0
	for _, c := range rule[1:] {
		if c < '0' || c > '9' {
			return 1 << 20
		}
		n = n*10 + int(c-'0')
	}
	if rule[0] == 'S' {
		n += 1000
	}
	return n
}
