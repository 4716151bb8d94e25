package picture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/seal"
)

// Kind is the kind of a picture.
type Kind string

// The kinds of picture.
const (
	KindPerson  Kind = "person"
	KindChanges Kind = "changes"
	KindArea    Kind = "area"
)

// Object metadata of a cached picture: what the janitor needs to tell
// whether it is stale after a restart.
const (
	metaKind     = "samspill-kind"
	metaSubject  = "samspill-subject"
	metaPosition = "samspill-position"
	metaFormat   = "samspill-format"
)

// entry is what the service knows of a cached picture: whose it is and
// the position of the state it shows (of the map, or of the municipality).
type entry struct {
	kind     Kind
	subject  string
	position uint64
}

func mapOwner(id string) string { return "map:" + id }
func areaOwner(m string) string { return "area:" + m }
func (e entry) isArea() bool    { return e.kind == KindArea }

// sealedFor returns the map whose key seals the picture: its own map,
// or none for a system-wide picture, which holds no personal data.
func (e entry) sealedFor() string {
	if e.isArea() {
		return ""
	}
	return e.subject
}

func (e entry) owner() string {
	if e.isArea() {
		return areaOwner(e.subject)
	}
	return mapOwner(e.subject)
}

func (e entry) metadata(f draw.Format) map[string]string {
	return map[string]string{metaKind: string(e.kind), metaSubject: e.subject,
		metaPosition: strconv.FormatUint(e.position, 10), metaFormat: string(f)}
}

func parseEntry(md map[string]string) (entry, bool) {
	pos, err := strconv.ParseUint(md[metaPosition], 10, 64)
	k := Kind(md[metaKind])
	if err != nil || md[metaSubject] == "" || (k != KindPerson && k != KindChanges && k != KindArea) {
		return entry{}, false
	}
	return entry{kind: k, subject: md[metaSubject], position: pos}, true
}

// objectName names the cached picture of a request: the kind and subject
// in clear (ids, never names) and a digest of everything that determines
// the picture.
func (s *Service) objectName(e entry, state string, params []string, f draw.Format, lang string) string {
	h := sha256.New()
	for _, p := range append([]string{s.version, string(e.kind), e.subject, strconv.FormatUint(e.position, 10), state, string(f), lang}, params...) {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return string(e.kind) + "/" + e.subject + "/" + hex.EncodeToString(h.Sum(nil)[:16])
}

// currentLocked returns the position pictures of e's owner are drawn at
// now, and whether they may be cached. s.mu is held.
func (s *Service) currentLocked(e entry) (uint64, bool) {
	if e.isArea() {
		return max(s.areaPos[e.subject], s.dirPos), true
	}
	return s.pos[e.subject], !s.erased[e.subject]
}

func (s *Service) indexLocked(name string, e entry) {
	names := s.index[e.owner()]
	if names == nil {
		names = map[string]entry{}
		s.index[e.owner()] = names
	}
	names[name] = e
}

func (s *Service) unindexLocked(name string, e entry) {
	if names := s.index[e.owner()]; names != nil {
		delete(names, name)
		if len(names) == 0 {
			delete(s.index, e.owner())
		}
	}
}

// loadIndex lists the bucket. Objects that are not cached pictures are
// deleted.
func (s *Service) loadIndex(ctx context.Context) error {
	infos, err := s.obj.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("picture: list %s: %w", Bucket, err)
	}
	s.mu.Lock()
	var strays []string
	for _, info := range infos {
		if info.Deleted {
			continue
		}
		e, ok := parseEntry(info.Metadata)
		if !ok {
			strays = append(strays, info.Name)
			continue
		}
		s.indexLocked(info.Name, e)
	}
	s.mu.Unlock()
	for _, name := range strays {
		s.cfg.Logger.Warn("deleting an object that is no cached picture", "bucket", Bucket, "name", name)
		s.remove(ctx, name)
	}
	return nil
}

// janitorLoop deletes the cached pictures that became stale, each time
// the follower wakes it, from the moment the projection has caught up.
func (s *Service) janitorLoop() {
	defer s.janitor.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stopped
		cancel()
	}()
	for {
		select {
		case <-s.stopped:
			return
		case <-s.wake:
		}
		select {
		case <-s.caughtUp:
			s.sweep(ctx)
		default:
		}
	}
}

// sweep deletes the cached pictures of the owners marked dirty (of all
// owners after a start or a directory event) whose position is no longer
// the current one, and those of erased maps.
func (s *Service) sweep(ctx context.Context) {
	s.mu.Lock()
	owners, all := s.dirty, s.dirtyAll
	s.dirty, s.dirtyAll = map[string]bool{}, false
	type doomed struct {
		name string
		e    entry
	}
	var stale []doomed
	check := func(names map[string]entry) {
		for name, e := range names {
			if cur, ok := s.currentLocked(e); !ok || e.position != cur {
				stale = append(stale, doomed{name, e})
			}
		}
	}
	if all {
		for _, names := range s.index {
			check(names)
		}
	} else {
		for owner := range owners {
			check(s.index[owner])
		}
	}
	for _, d := range stale {
		s.unindexLocked(d.name, d.e)
	}
	s.mu.Unlock()
	for _, d := range stale {
		if !s.remove(ctx, d.name) {
			// Keep it known, so that the next sweep of its owner tries again.
			s.mu.Lock()
			s.indexLocked(d.name, d.e)
			s.mu.Unlock()
		}
	}
	if len(stale) > 0 {
		s.cfg.Logger.Debug("stale pictures deleted", "count", len(stale))
	}
}

// remove deletes a cached picture; it reports false when that failed.
func (s *Service) remove(ctx context.Context, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.obj.Delete(ctx, name)
	switch {
	case err == nil:
		s.deleted.Add(1)
	case errors.Is(err, jetstream.ErrObjectNotFound):
	default:
		s.cfg.Logger.Warn("cached picture not deleted", "name", name, "err", err)
		return false
	}
	return true
}

// load returns a cached picture, opened with its map's key when it is
// sealed. Anything that keeps it from being served (absent, erased key,
// does not open) is a miss; a picture that cannot be opened is deleted.
func (s *Service) load(ctx context.Context, name string, e entry) ([]byte, bool) {
	data, err := s.obj.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		// Never stored, deleted, or expired (TTL): forget it.
		s.mu.Lock()
		s.unindexLocked(name, e)
		s.mu.Unlock()
		return nil, false
	}
	if err != nil {
		s.cfg.Logger.Warn("cached picture not read", "name", name, "err", err)
		return nil, false
	}
	// Know it, so that the janitor deletes it when it becomes stale even
	// if another instance stored it.
	s.mu.Lock()
	if cur, ok := s.currentLocked(e); ok && cur == e.position {
		s.indexLocked(name, e)
	}
	s.mu.Unlock()
	mapID := e.sealedFor()
	if mapID == "" {
		return data, true
	}
	key, err := s.cfg.Keys.Get(ctx, mapID)
	if err != nil {
		if !errors.Is(err, seal.ErrErased) {
			s.cfg.Logger.Warn("cached picture not opened: no key", "name", name, "err", err)
			return nil, false
		}
		s.remove(ctx, name)
		return nil, false
	}
	plain, err := key.Open(event.Sealed(data))
	var ok bool
	if err == nil {
		// The name is sealed with the picture, so that a picture cannot
		// be served under another name.
		plain, ok = strings.CutPrefix(plain, name+"\x00")
	}
	if !ok {
		s.cfg.Logger.Warn("cached picture does not open with its map's key; deleting it", "name", name, "err", err)
		s.remove(ctx, name)
		return nil, false
	}
	return []byte(plain), true
}

// save stores a picture drawn at e.position, sealed with its map's key
// when it belongs to a map, unless the owner has moved on meanwhile. A
// failure to store is logged: the picture is served anyway.
func (s *Service) save(ctx context.Context, name string, e entry, f draw.Format, pic []byte) {
	s.mu.Lock()
	if cur, ok := s.currentLocked(e); !ok || cur != e.position {
		s.mu.Unlock()
		return
	}
	s.indexLocked(name, e)
	s.mu.Unlock()
	err := s.put(ctx, name, e, f, pic)
	s.mu.Lock()
	cur, ok := s.currentLocked(e)
	current := ok && cur == e.position
	if err != nil || !current {
		s.unindexLocked(name, e)
	}
	s.mu.Unlock()
	if err != nil {
		s.cfg.Logger.Warn("picture not cached", "name", name, "err", err)
		return
	}
	s.stored.Add(1)
	if !current {
		// The janitor may have looked before the object existed.
		s.remove(ctx, name)
	}
}

func (s *Service) put(ctx context.Context, name string, e entry, f draw.Format, pic []byte) error {
	data := pic
	if mapID := e.sealedFor(); mapID != "" {
		key, err := s.cfg.Keys.Get(ctx, mapID)
		if err != nil {
			return fmt.Errorf("key of %s: %w", mapID, err)
		}
		sealed, err := key.Seal(name + "\x00" + string(pic))
		if err != nil {
			return err
		}
		data = []byte(sealed)
	}
	if _, err := s.obj.Put(ctx, jetstream.ObjectMeta{Name: name, Metadata: e.metadata(f)}, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}
