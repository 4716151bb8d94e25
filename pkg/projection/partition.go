package projection

// What a partitioned read side needs of a store (see package partition):
// a position that moves over events of maps another instance holds, maps
// taken over from a store built apart, and maps handed to another
// instance dropped.

// Advance moves the position to seq without applying anything: the event
// at seq belongs to a map this store does not hold. An earlier seq changes
// nothing.
func (s *Store) Advance(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.position {
		s.position = seq
	}
}

// Adopt takes the maps ids from from, a store built from the log up to
// this store's position with only those maps' events, and keeps them as
// its own. A map this store already holds is left as it is. The
// histories are shared, not copied: from must not be used afterwards.
// It reports how many maps it took.
func (s *Store) Adopt(from *Store, ids []string) int {
	from.mu.RLock()
	defer from.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		h := from.maps[id]
		if h == nil || s.maps[id] != nil {
			continue
		}
		s.maps[id] = h
		n++
	}
	return n
}

// Forget drops the maps ids, handed to another instance; the directory and
// the position stay. It reports how many it dropped.
func (s *Store) Forget(ids []string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		if _, ok := s.maps[id]; ok {
			delete(s.maps, id)
			n++
		}
	}
	return n
}
