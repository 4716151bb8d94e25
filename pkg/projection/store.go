package projection

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// ErrNotFound is returned for a map or entry the store does not hold.
var ErrNotFound = errors.New("not found")

// Entry is a directory entry as it stands now.
type Entry struct {
	ID           string                `json:"id"`
	Kind         stakeholder.EntryKind `json:"kind"`
	Name         string                `json:"name"`
	Sector       stakeholder.Sector    `json:"sector"`
	Municipality string                `json:"municipality"`
	Parent       string                `json:"parent,omitempty"`
	OrgNumber    string                `json:"orgNumber,omitempty"`
	Registered   date.Date             `json:"registered"`
	Retired      date.Date             `json:"retired,omitzero"`
	ReplacedBy   string                `json:"replacedBy,omitempty"`
}

// Store holds the histories of every map and the directory.
type Store struct {
	mu       sync.RWMutex
	position uint64
	maps     map[string]*History
	entries  map[string]*Entry
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{maps: map[string]*History{}, entries: map[string]*Entry{}}
}

// Position is the sequence of the last event applied.
func (s *Store) Position() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.position
}

// Apply adds one event from the log. Events at or before Position are
// ignored, so a redelivered event changes nothing.
func (s *Store) Apply(r eventlog.Record) error {
	d := r.Data
	if d == nil {
		var err error
		if d, err = r.Envelope.Decode(); err != nil {
			return fmt.Errorf("projection: event %d: %w", r.Seq, err)
		}
	}
	agg, err := r.Envelope.Aggregate()
	if err != nil {
		return fmt.Errorf("projection: event %d: %w", r.Seq, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Seq <= s.position {
		return nil
	}
	s.position = r.Seq
	f := Fact{Seq: r.Seq, Recorded: r.Envelope.Time, Valid: r.Envelope.ValidTime, Data: d}
	switch agg.Kind {
	case event.AreaMap:
		h := s.maps[agg.ID]
		if h == nil {
			h = &History{MapID: agg.ID}
			s.maps[agg.ID] = h
		}
		switch d := d.(type) {
		case *event.MapOpened:
			if h.OpenedBy == "" {
				h.OpenedBy = r.Envelope.Principal
				h.Assigned = assign(h.Assigned, r.Envelope.Principal)
			}
		case *event.AccessGranted:
			h.Assigned = assign(h.Assigned, d.Principal)
			h.Access = append(h.Access, Mark{Seq: r.Seq, Recorded: f.Recorded, Valid: f.Valid})
			return nil
		case *event.AccessRevoked:
			h.Assigned = unassign(h.Assigned, d.Principal)
			h.Access = append(h.Access, Mark{Seq: r.Seq, Recorded: f.Recorded, Valid: f.Valid})
			return nil
		}
		h.Facts = append(h.Facts, f)
	case event.AreaDirectory:
		s.applyEntry(agg.ID, f)
	}
	return nil
}

// assign returns the sorted set as with principal in it. It makes a new
// slice, so that copies handed out by History stay as they were.
func assign(as []string, principal string) []string {
	i, found := slices.BinarySearch(as, principal)
	if found || principal == "" {
		return as
	}
	return slices.Insert(slices.Clone(as), i, principal)
}

// unassign returns the sorted set as without principal, in a new slice.
func unassign(as []string, principal string) []string {
	i, found := slices.BinarySearch(as, principal)
	if !found {
		return as
	}
	return slices.Delete(slices.Clone(as), i, i+1)
}

// Assigned reports whether the map mapID is assigned to principal now; false
// for a map the store does not hold.
func (s *Store) Assigned(mapID, principal string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := s.maps[mapID]
	return h != nil && h.IsAssigned(principal)
}

func (s *Store) applyEntry(id string, f Fact) {
	e := s.entries[id]
	switch d := f.Data.(type) {
	case *event.EntryRegistered:
		s.entries[id] = &Entry{ID: id, Kind: d.Kind, Name: d.Name, Sector: d.Sector, Municipality: d.Municipality,
			Parent: d.Parent, OrgNumber: d.OrgNumber, Registered: f.Valid}
	case *event.EntryUpdated:
		if e != nil {
			e.Name = or(d.Name, e.Name)
			e.Sector = or(d.Sector, e.Sector)
			e.Municipality = or(d.Municipality, e.Municipality)
			e.Parent = or(d.Parent, e.Parent)
			e.OrgNumber = or(d.OrgNumber, e.OrgNumber)
		}
	case *event.EntryRetired:
		if e != nil {
			e.Retired, e.ReplacedBy = f.Valid, d.ReplacedBy
		}
	}
}

// History returns a stable copy of a map's history: its facts as they are
// now, which later events do not change. The facts' data are shared and
// must not be modified.
func (s *Store) History(mapID string) (*History, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := s.maps[mapID]
	if h == nil {
		return nil, false
	}
	// Facts are append-only; a capped slice is a stable copy.
	return &History{MapID: h.MapID, OpenedBy: h.OpenedBy, Assigned: h.Assigned, Access: h.Access[:len(h.Access):len(h.Access)], Facts: h.Facts[:len(h.Facts):len(h.Facts)]}, true
}

// View returns a map on the valid date at as known at knownAt (zero: now).
func (s *Store) View(mapID string, at date.Date, knownAt time.Time) (*View, error) {
	h, ok := s.History(mapID)
	if !ok {
		return nil, fmt.Errorf("projection: map %s: %w", mapID, ErrNotFound)
	}
	v, ok := h.View(at, knownAt)
	if !ok {
		return nil, fmt.Errorf("projection: map %s was not open on %s as known then: %w", mapID, at, ErrNotFound)
	}
	return v, nil
}

// Maps lists the ids of every map, sorted.
func (s *Store) Maps() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.maps))
	for id := range s.maps {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// AreaMaps returns the maps of a municipality on date at as known at
// knownAt: its organisation map (the first municipality map by id, "" when
// none) and its citizen maps, sorted. It looks at candidates (every map
// when nil). Closed maps are left out; erased maps stay, since their
// structure still counts in aggregates.
func (s *Store) AreaMaps(municipality string, candidates []string, at date.Date, knownAt time.Time) (org string, citizens []string) {
	o, cs := s.AreaViews(municipality, candidates, at, knownAt)
	if o != nil {
		org = o.MapID
	}
	for _, v := range cs {
		citizens = append(citizens, v.MapID)
	}
	return org, citizens
}

// AreaViews is AreaMaps returning the views themselves (org nil when the
// municipality has no organisation map), for callers that go on to read
// them and should not fold every map twice.
func (s *Store) AreaViews(municipality string, candidates []string, at date.Date, knownAt time.Time) (org *View, citizens []*View) {
	if candidates == nil {
		candidates = s.Maps()
	} else {
		candidates = slices.Sorted(slices.Values(candidates))
	}
	for _, id := range candidates {
		v, err := s.View(id, at, knownAt)
		if err != nil || v.Closed || v.Focus.Municipality != municipality {
			continue
		}
		switch v.Focus.Kind {
		case stakeholder.FocusCitizen:
			citizens = append(citizens, v)
		case stakeholder.FocusMunicipality:
			if org == nil {
				org = v
			}
		}
	}
	return org, citizens
}

// Entry returns a directory entry.
func (s *Store) Entry(id string) (Entry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.entries[id]
	if e == nil {
		return Entry{}, false
	}
	return *e, true
}

// Directory returns every directory entry, sorted by id.
func (s *Store) Directory() []Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// SnapshotFormat numbers the snapshot layout. It goes up whenever the
// store keeps something new, so that an older snapshot is not read as if
// it held everything: UnmarshalSnapshot refuses it with ErrSnapshotFormat
// and the caller rebuilds from the log. 2: maps keep their openedBy.
// 3: maps keep the principals they are assigned to.
const SnapshotFormat = 3

// ErrSnapshotFormat is returned for a snapshot of another format.
var ErrSnapshotFormat = errors.New("projection: snapshot of another format")

// snapshot is the serialised form of a Store.
type snapshot struct {
	Format   int           `json:"format"`
	Position uint64        `json:"position"`
	Maps     []snapshotMap `json:"maps"`
	Entries  []Entry       `json:"entries"`
}

type snapshotMap struct {
	ID string `json:"id"`
	// OpenedBy is absent from snapshots written before it was kept; such
	// maps load with no principal.
	OpenedBy string         `json:"openedBy,omitempty"`
	Assigned []string       `json:"assigned,omitempty"`
	Access   []Mark         `json:"access,omitempty"`
	Facts    []snapshotFact `json:"facts"`
}

type snapshotFact struct {
	Seq      uint64          `json:"seq"`
	Recorded time.Time       `json:"recorded"`
	Valid    date.Date       `json:"valid"`
	Type     event.Type      `json:"type"`
	Data     json.RawMessage `json:"data"`
}

// MarshalSnapshot serialises the store deterministically: two stores that
// applied the same events give identical bytes.
func (s *Store) MarshalSnapshot() ([]byte, error) {
	// Only stable copies are taken under the lock (facts are append-only,
	// so a capped slice is one; entries change in place, so they are
	// copied); the encoding, the slow part, runs outside it. Held for the
	// encoding, the read lock kept Apply waiting, and every reader queued
	// behind Apply, for the whole snapshot (a map read's p99 was 120–256 ms
	// under load with the demo region; a snapshot is due every 5,000 events).
	s.mu.RLock()
	snap := snapshot{Format: SnapshotFormat, Position: s.position, Entries: make([]Entry, 0, len(s.entries))}
	maps := make([]History, 0, len(s.maps))
	for _, h := range s.maps {
		maps = append(maps, History{MapID: h.MapID, OpenedBy: h.OpenedBy, Assigned: h.Assigned,
			Access: h.Access[:len(h.Access):len(h.Access)], Facts: h.Facts[:len(h.Facts):len(h.Facts)]})
	}
	for _, e := range s.entries {
		snap.Entries = append(snap.Entries, *e)
	}
	s.mu.RUnlock()

	slices.SortFunc(maps, func(a, b History) int { return strings.Compare(a.MapID, b.MapID) })
	for _, h := range maps {
		m := snapshotMap{ID: h.MapID, OpenedBy: h.OpenedBy, Assigned: h.Assigned, Access: h.Access}
		for _, f := range h.Facts {
			raw, err := json.Marshal(f.Data)
			if err != nil {
				return nil, fmt.Errorf("projection: snapshot %s: %w", h.MapID, err)
			}
			m.Facts = append(m.Facts, snapshotFact{Seq: f.Seq, Recorded: f.Recorded, Valid: f.Valid, Type: f.Data.EventType(), Data: raw})
		}
		snap.Maps = append(snap.Maps, m)
	}
	slices.SortFunc(snap.Entries, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return json.Marshal(snap)
}

// UnmarshalSnapshot replaces the store's content with a snapshot.
func (s *Store) UnmarshalSnapshot(b []byte) error {
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("projection: snapshot: %w", err)
	}
	if snap.Format != SnapshotFormat {
		return fmt.Errorf("%w: format %d, this build reads %d", ErrSnapshotFormat, snap.Format, SnapshotFormat)
	}
	maps := make(map[string]*History, len(snap.Maps))
	for _, m := range snap.Maps {
		h := &History{MapID: m.ID, OpenedBy: m.OpenedBy, Assigned: m.Assigned, Access: m.Access, Facts: make([]Fact, 0, len(m.Facts))}
		if !slices.IsSorted(h.Assigned) {
			return fmt.Errorf("projection: snapshot of %s: assignments out of order", m.ID)
		}
		for _, f := range m.Facts {
			d, err := (event.Envelope{Type: f.Type, Data: f.Data}).Decode()
			if err != nil {
				return fmt.Errorf("projection: snapshot of %s at %d: %w", m.ID, f.Seq, err)
			}
			h.Facts = append(h.Facts, Fact{Seq: f.Seq, Recorded: f.Recorded, Valid: f.Valid, Data: d})
		}
		maps[m.ID] = h
	}
	entries := make(map[string]*Entry, len(snap.Entries))
	for i := range snap.Entries {
		entries[snap.Entries[i].ID] = &snap.Entries[i]
	}
	s.mu.Lock()
	s.position, s.maps, s.entries = snap.Position, maps, entries
	s.mu.Unlock()
	return nil
}
