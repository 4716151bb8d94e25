package picture_test

import (
	"bytes"
	"context"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
)

// TestCacheAnswersTheSameRequestUntilTheMapChanges is the acceptance test
// of the cache: the first request for a picture draws it, the second is
// answered from the cache without drawing, an event of another map
// changes nothing, and an event of the map makes the next request draw a
// new picture and the old one be deleted from the bucket.
func TestCacheAnswersTheSameRequestUntilTheMapChanges(t *testing.T) {
	e := setup(t)
	p := e.openPerson("0301")
	path := mapPath(p.mapID, "svg")

	n := renders(t)
	first := e.picture(path, picture.CacheMiss)
	if got := renders(t) - n; got != 1 {
		t.Fatalf("the first request drew %d pictures, want 1", got)
	}
	words := svgWords(t, first)
	for _, name := range p.names {
		if !shows(words, name) {
			t.Errorf("the SVG does not show %q", name)
		}
	}
	if w := e.get(path); w.Header().Get("Content-Type") != "image/svg+xml" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", w.Header())
	}

	n = renders(t)
	second := e.picture(path, picture.CacheHit)
	if !bytes.Equal(first, second) {
		t.Fatal("the cache answered other bytes than were drawn")
	}
	if got := renders(t) - n; got != 0 {
		t.Fatalf("a cache hit drew %d pictures", got)
	}

	// Another map's event leaves this map's picture as it is.
	other := e.openPerson("0301")
	e.do(&command.AddActor{MapID: other.mapID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual,
		Sector: stakeholder.SectorInformal, Name: "Sigrid Østby"})
	n = renders(t)
	e.picture(path, picture.CacheHit)
	if got := renders(t) - n; got != 0 {
		t.Fatalf("another map's event made the picture be drawn again (%d)", got)
	}
	if got := e.objects("person/" + p.mapID + "/"); len(got) != 1 {
		t.Fatalf("cached pictures of the map: %v, want one", got)
	}
	old := e.objects("person/" + p.mapID + "/")[0]

	// An event of the map: a new picture, and the old one is deleted.
	e.do(&command.AddActor{MapID: p.mapID, Meta: cmdMeta("2026-07-01"), Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual,
		Sector: stakeholder.SectorInformal, Name: "Kari Løvås"})
	n = renders(t)
	third := e.picture(path, picture.CacheMiss)
	if got := renders(t) - n; got != 1 {
		t.Fatalf("after an event of the map %d pictures were drawn, want 1", got)
	}
	if bytes.Equal(third, first) {
		t.Fatal("the picture did not change with the map")
	}
	if !shows(svgWords(t, third), "Kari Løvås") {
		t.Error("the new picture does not show the new actor")
	}
	eventually(t, "the stale picture is deleted", func() bool {
		got := e.objects("person/" + p.mapID + "/")
		return len(got) == 1 && got[0] != old
	})
	if !bytes.Equal(e.picture(path, picture.CacheHit), third) {
		t.Fatal("the new picture is not the cached one")
	}

	// The other formats are cached too; PNG decodes, PDF is a PDF, DOT is
	// the DOT Samspill writes.
	for _, f := range []string{"png", "pdf", "dot"} {
		path := mapPath(p.mapID, f, "lang=nb")
		pic := e.picture(path, picture.CacheMiss)
		n := renders(t)
		if !bytes.Equal(e.picture(path, picture.CacheHit), pic) {
			t.Fatalf("%s: the cache answered other bytes", f)
		}
		if renders(t) != n {
			t.Fatalf("%s: a hit drew", f)
		}
		switch f {
		case "png":
			img, err := png.Decode(bytes.NewReader(pic))
			if err != nil {
				t.Fatalf("PNG does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
				t.Errorf("PNG is only %v", b)
			}
		case "pdf":
			if !bytes.HasPrefix(pic, []byte("%PDF-")) {
				t.Errorf("PDF starts %q", pic[:min(len(pic), 16)])
			}
		case "dot":
			if !bytes.Contains(pic, []byte(`graph "samspill"`)) || !bytes.Contains(pic, []byte("Åse Ødegård — aktørkart")) {
				t.Errorf("DOT: %.200s", pic)
			}
		}
	}
	st := e.pics.Stats()
	if st.Hits < 6 || st.Misses < 5 || st.Deleted < 1 {
		t.Errorf("stats %+v", st)
	}
}

func cmdMeta(valid string) command.Meta { return command.Meta{ValidTime: d(valid)} }

// TestSameRequestsAtOnceDrawOnce sends eight requests for a picture that
// is not cached at the same moment: it is drawn once and all get it.
func TestSameRequestsAtOnceDrawOnce(t *testing.T) {
	e := setup(t)
	p := e.openPerson("0301")
	path := mapPath(p.mapID, "svg", "at=2026-10-01")
	n := renders(t)
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() { got[i] = e.picture(path, "") })
	}
	wg.Wait()
	if r := renders(t) - n; r != 1 {
		t.Fatalf("8 requests at once drew %d pictures, want 1", r)
	}
	for _, b := range got[1:] {
		if !bytes.Equal(b, got[0]) {
			t.Fatal("requests at once got different bytes")
		}
	}
}

// TestErasureDeletesCachedPictures: the cached pictures of a citizen map
// are sealed (no name in the bucket's files), map_erased deletes them, and
// the picture afterwards shows "[erased]" and is not cached.
func TestErasureDeletesCachedPictures(t *testing.T) {
	e := setup(t)
	p := e.openPerson("0301")
	for _, f := range []string{"svg", "png", "pdf", "dot"} {
		e.picture(mapPath(p.mapID, f), picture.CacheMiss)
	}
	e.picture("/v1/maps/"+p.mapID+"/changes/picture.svg?from=2026-05-15", picture.CacheMiss)
	if got := len(e.objects("")); got != 5 {
		t.Fatalf("%d cached pictures, want 5", got)
	}
	// Sealed: no name in any file of the bucket (nor elsewhere in the store).
	e.noNamesOnDisk(p.names)

	e.do(&command.EraseMap{MapID: p.mapID, Basis: string(event.ErasureCitizenRequest)})
	eventually(t, "the erased map's pictures are deleted", func() bool { return len(e.objects("")) == 0 })

	for _, f := range []string{"svg", "dot"} {
		pic := e.picture(mapPath(p.mapID, f), picture.CacheMiss)
		if !bytes.Contains(pic, []byte(seal.ErasedText)) {
			t.Errorf("%s: the erased map does not show %s", f, seal.ErasedText)
		}
		for _, name := range p.names {
			for _, w := range strings.Fields(name) {
				if bytes.Contains(pic, []byte(w)) {
					t.Errorf("%s: the erased map shows %q", f, w)
				}
			}
		}
	}
	e.picture(mapPath(p.mapID, "svg"), picture.CacheMiss) // never cached
	if got := e.objects(""); len(got) != 0 {
		t.Fatalf("an erased map's picture was cached: %v", got)
	}
	e.noNamesInBucket(p.names)
}

// noNamesOnDisk fails if any file of the JetStream store holds a word of
// the names.
func (e *env) noNamesOnDisk(names []string) {
	e.tb.Helper()
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range names {
			if bytes.Contains(b, []byte(n)) {
				e.tb.Errorf("%s holds %q", path, n)
			}
		}
		return nil
	})
	if err != nil {
		e.tb.Fatal(err)
	}
}

// noNamesInBucket fails if any message of the bucket's stream holds a
// word of the names.
func (e *env) noNamesInBucket(names []string) {
	e.tb.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, "OBJ_"+picture.Bucket)
	if err != nil {
		e.tb.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.tb.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue // deleted
		}
		for _, n := range names {
			for _, w := range strings.Fields(n) {
				if len(w) > 3 && bytes.Contains(m.Data, []byte(w)) {
					e.tb.Errorf("message %d of the bucket holds %q", seq, w)
				}
			}
		}
	}
}

// TestChangeAndAreaPictures draws a change map and a municipality's
// system-wide map; the latter shows organisations and no person's name,
// and is drawn again after an event of one of the municipality's maps or
// of the directory, not after one of another municipality's map.
func TestChangeAndAreaPictures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	elsewhere := e.openPerson("0301")
	var people []*person
	for range 6 {
		people = append(people, e.openPerson("3203"))
	}
	p := people[0]
	e.do(&command.AddRelation{MapID: p.mapID, Meta: cmdMeta("2026-09-01"), From: p.gp, To: p.dps, Type: stakeholder.RelCollaborates})
	e.do(&command.AddActor{MapID: p.mapID, Meta: cmdMeta("2026-09-01"), Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual,
		Sector: stakeholder.SectorInformal, Name: "Kari Løvås"})

	changes := "/v1/maps/" + p.mapID + "/changes/picture.svg?from=2026-06-15&to=2026-10-01"
	words := svgWords(t, e.picture(changes, picture.CacheMiss))
	for _, name := range append(p.names, "Kari Løvås", "new") {
		if !shows(words, name) {
			t.Errorf("the change map does not show %q", name)
		}
	}
	e.picture(changes, picture.CacheHit)

	area := "/v1/areas/3203/picture.svg"
	w := e.get(area)
	if w.Code != 200 || w.Header().Get(picture.HeaderCache) != picture.CacheMiss || w.Header().Get("Cache-Control") == "no-store" {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	words = svgWords(t, w.Body.Bytes())
	for _, org := range []string{"Bølgen legekontor", "Søndre DPS"} {
		if !shows(words, org) {
			t.Errorf("the system map does not show %q", org)
		}
	}
	for _, name := range append(p.names[:1], "Kari Løvås", "Bjørnstad", "Jörgen") {
		if bytes.Contains(w.Body.Bytes(), []byte(name)) {
			t.Errorf("the system map shows the person's name %q", name)
		}
	}
	e.picture(area, picture.CacheHit)

	// Another municipality's map: still a hit.
	e.do(&command.AddRelation{MapID: elsewhere.mapID, From: elsewhere.gp, To: elsewhere.dps, Type: stakeholder.RelCollaborates})
	e.picture(area, picture.CacheHit)
	// One of its maps: drawn again.
	e.do(&command.AddRelation{MapID: people[1].mapID, Meta: cmdMeta("2026-09-01"), From: people[1].gp, To: people[1].dps, Type: stakeholder.RelCollaborates})
	e.picture(area, picture.CacheMiss)
	e.picture(area, picture.CacheHit)
	// The directory: drawn again.
	e.do(&command.UpdateEntry{EntryID: "dps-3203", Name: "Søndre DPS, poliklinikk"})
	words = svgWords(t, e.picture(area, picture.CacheMiss))
	if !shows(words, "poliklinikk") {
		t.Error("the system map does not show the directory's new name")
	}
	eventually(t, "stale area pictures are deleted", func() bool { return len(e.objects("area/3203/")) == 1 })
}

// TestRestartKeepsTheCacheAndDropsWhatChanged: a new service on the same
// bucket answers unchanged maps from the cache, and deletes the pictures
// of maps that changed while no service ran.
func TestRestartKeepsTheCacheAndDropsWhatChanged(t *testing.T) {
	t.Parallel()
	e := setup(t)
	kept, changed := e.openPerson("0301"), e.openPerson("0301")
	keptPic := e.picture(mapPath(kept.mapID, "svg"), picture.CacheMiss)
	e.picture(mapPath(changed.mapID, "svg"), picture.CacheMiss)
	stale := e.objects("person/" + changed.mapID + "/")
	e.pics.Stop()

	r, err := e.cmd.Execute(access.WithPrincipal(context.Background(), opener), &command.AddActor{MapID: changed.mapID, Kind: stakeholder.KindPerson,
		Level: stakeholder.LevelIndividual, Sector: stakeholder.SectorInformal, Name: "Kari Løvås"})
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	if err := e.pics.WaitFor(context.Background(), r.Version); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the changed map's picture is deleted", func() bool {
		return !slices.Contains(e.objects("person/"+changed.mapID+"/"), stale[0])
	})
	if !bytes.Equal(e.picture(mapPath(kept.mapID, "svg"), picture.CacheHit), keptPic) {
		t.Fatal("the restarted service answers the unchanged map with other bytes")
	}
	e.picture(mapPath(changed.mapID, "svg"), picture.CacheMiss)
}

// TestVersionFingerprintsTheGapRules: the renderer version is the
// constant and a fingerprint, which changes with the gap configuration.
func TestVersionFingerprintsTheGapRules(t *testing.T) {
	t.Parallel()
	e := setup(t)
	v := e.pics.Version()
	if !strings.HasPrefix(v, picture.RendererVersion+"+") || len(v) < len(picture.RendererVersion)+13 {
		t.Fatalf("version %q", v)
	}
	js := e.js
	keys, err := seal.OpenKeyring(context.Background(), js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	cfg := picture.Config{Engine: engine(t), Keys: keys, Audit: audit.NewWriter(js, "picture", nil)}
	a, err := picture.New(context.Background(), js, e.log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := gaps.DefaultConfig()
	g.ColdServesDays++
	cfg.Gaps = &g
	b, err := picture.New(context.Background(), js, e.log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != v || b.Version() == v {
		t.Fatalf("versions %q, %q (default %q)", a.Version(), b.Version(), v)
	}
}

// TestCachedPictureIsBoundToItsName swaps the stored bytes of two cached
// pictures of one map (same key, other dates): neither is served under
// the other's name; both are drawn again.
func TestCachedPictureIsBoundToItsName(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.openPerson("0301")
	a := e.picture(mapPath(p.mapID, "svg", "at=2026-10-01"), picture.CacheMiss)
	b := e.picture(mapPath(p.mapID, "svg", "at=2026-11-01"), picture.CacheMiss)
	if bytes.Equal(a, b) {
		t.Fatal("the two dates give the same picture")
	}
	ctx := context.Background()
	obj, err := e.js.ObjectStore(ctx, picture.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	names := e.objects("person/" + p.mapID + "/")
	if len(names) != 2 {
		t.Fatalf("objects %v", names)
	}
	var raw [2][]byte
	var infos [2]*jetstream.ObjectInfo
	for i, n := range names {
		if raw[i], err = obj.GetBytes(ctx, n); err != nil {
			t.Fatal(err)
		}
		if infos[i], err = obj.GetInfo(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		meta := jetstream.ObjectMeta{Name: infos[i].Name, Metadata: infos[i].Metadata}
		if _, err := obj.Put(ctx, meta, bytes.NewReader(raw[1-i])); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(e.picture(mapPath(p.mapID, "svg", "at=2026-10-01"), picture.CacheMiss), a) ||
		!bytes.Equal(e.picture(mapPath(p.mapID, "svg", "at=2026-11-01"), picture.CacheMiss), b) {
		t.Fatal("a swapped picture was served")
	}
	e.picture(mapPath(p.mapID, "svg", "at=2026-10-01"), picture.CacheHit)
}
