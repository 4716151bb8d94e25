package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/eventlog"
	mapexport "github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/seal"
)

// lockedBuffer is a log sink shared by up's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// TestErasureLeavesNoNames erases a citizen map whose names and texts were
// drawn, exported and cached, restarts samspill up (the gap and render
// services rebuild from the whole log, the graph from its snapshot), and
// also replays the whole log into a fresh projection and exports every map
// from it. None of the map's names or texts may appear anywhere: in any
// API answer (map, history, gaps, every export format, pictures, the
// area's bundle and graphs), in the fresh replay's documents, in the logs
// (debug level), or in any file of the data folder (streams, key-value
// store, object stores, snapshots).
func TestErasureLeavesNoNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs samspill up twice")
	}
	secrets := []string{"Zelda", "Quistgaard", "Xanthippe", "Vorlund", "Ygritte", "Zebrafinker", "Kvistbrygga"}
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, _, stop := startUpLogging(t, cfg, logger)
	admin := mustAdminToken(t, cfg.data)
	// The coordinator who opens the map, and an integration that reads
	// the area's aggregates and bundle, where the map's structure stays.
	coordinator, coordSub := mustToken(t, base, admin, tokenSpec{Name: "Coordinator", Role: "coordinator", Municipality: "3203"})
	integration, _ := mustToken(t, base, admin, tokenSpec{Name: "Statistics", Role: "integration", Grants: []string{"area.3203.read", "bundle.3203.read"}})

	ok := func(name, body string) map[string]any {
		t.Helper()
		status, res := postAs(t, base, coordinator, name, body)
		if status != http.StatusCreated {
			t.Fatalf("%s: %d %v", name, status, res)
		}
		return res
	}
	id := func(res map[string]any, key string) string { return res["ids"].(map[string]any)[key].(string) }
	opened := ok("open_map", `{"focus":"citizen","label":"Zelda Q.","citizenName":"Zelda Quistgaard","municipality":"3203"}`)
	mapID, citizen := id(opened, "mapId"), id(opened, "citizenId")
	gp := id(ok("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"person","level":"service","sector":"primary-health","name":"Dr. Xanthippe Vorlund"}`, mapID)), "actorId")
	dps := id(ok("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"specialist-mh","name":"DPS Kvistbrygga"}`, mapID)), "actorId")
	kin := id(ok("add_actor", fmt.Sprintf(`{"mapId":%q,"kind":"person","level":"individual","sector":"informal","name":"Ygritte Q."}`, mapID)), "actorId")
	ok("add_relation", fmt.Sprintf(`{"mapId":%q,"from":%q,"to":%q,"type":"serves"}`, mapID, gp, citizen))
	ok("add_relation", fmt.Sprintf(`{"mapId":%q,"from":%q,"to":%q,"type":"serves"}`, mapID, dps, citizen))
	ok("add_relation", fmt.Sprintf(`{"mapId":%q,"from":%q,"to":%q,"type":"family"}`, mapID, kin, citizen))
	ok("assess_actor", fmt.Sprintf(`{"mapId":%q,"actorId":%q,"importance":"high","whatMatters":"Zebrafinker og turer med Ygritte"}`, mapID, citizen))

	// Before the erasure the names are there (so the scans below could
	// fail), and the picture and exports are drawn and cached.
	get := func(path string) []byte {
		t.Helper()
		token := coordinator
		if strings.HasPrefix(path, "/v1/areas/") {
			token = integration
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			status, b := getAs(t, base, token, path)
			if status == http.StatusOK {
				return b
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %d %s", path, status, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor := func(path, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !bytes.Contains(get(path), []byte(want)) {
			if time.Now().After(deadline) {
				t.Fatalf("GET %s never showed %q", path, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("/v1/maps/"+mapID, "Zebrafinker")
	if svg := get("/v1/maps/" + mapID + "/picture.svg"); !bytes.Contains(svg, []byte("Vorlund")) {
		t.Fatalf("the picture before erasure lacks the names:\n%s", svg)
	}
	paths := []string{
		"/v1/maps/" + mapID,
		"/v1/maps/" + mapID + "?ids=machine",
		"/v1/maps/" + mapID + "/history",
		"/v1/maps/" + mapID + "/gaps",
		"/v1/maps/" + mapID + "/gaps?lang=nb",
		"/v1/maps/" + mapID + "/export.json",
		"/v1/maps/" + mapID + "/export.csv",
		"/v1/maps/" + mapID + "/export.csv?table=actors",
		"/v1/maps/" + mapID + "/export.graphml",
		"/v1/maps/" + mapID + "/export.gexf",
		"/v1/maps/" + mapID + "/careteam.json",
		"/v1/maps/" + mapID + "/picture.svg",
		"/v1/maps/" + mapID + "/picture.dot",
		"/v1/maps/" + mapID + "/picture.svg?lang=nb",
		"/v1/maps/" + mapID + "/actors/" + citizen + "/neighbourhood",
		"/v1/areas/3203/bundle",
		"/v1/areas/3203/system",
		"/v1/areas/3203/export.graphml",
		"/v1/maps?municipality=3203",
	}
	for _, p := range paths[5:12] {
		get(p) // drawn and cached before the erasure
	}

	// Only a coordinator the map is assigned to erases it; the
	// administrator is refused, and both are in the audit trail.
	if status, res := postAs(t, base, admin, "erase_map", fmt.Sprintf(`{"mapId":%q,"basis":"citizen-request"}`, mapID)); status != http.StatusForbidden {
		t.Fatalf("erase_map by the administrator: %d %v", status, res)
	}
	ok("erase_map", fmt.Sprintf(`{"mapId":%q,"basis":"citizen-request"}`, mapID))
	waitFor("/v1/maps/"+mapID, `"erased":true`)
	status, trail := getAs(t, base, admin, "/v1/audit?service=command&kind=map&resource="+mapID)
	var records struct {
		Records []struct{ Subject, Role, Operation, Action, Outcome string }
	}
	if err := json.Unmarshal(trail, &records); err != nil || status != http.StatusOK {
		t.Fatalf("GET /v1/audit: %d %v %.300s", status, err, trail)
	}
	var erasures []string
	for _, r := range records.Records {
		if r.Operation == "cmd.erase_map" {
			erasures = append(erasures, r.Role+" "+r.Action+" "+r.Outcome)
			if r.Role == "coordinator" && r.Subject != coordSub {
				t.Errorf("the erasure is audited as %s, not the coordinator %s", r.Subject, coordSub)
			}
		}
	}
	if !slices.Equal(erasures, []string{"admin erase denied", "coordinator erase allowed"}) {
		t.Errorf("the erasures in the audit trail: %v", erasures)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	// Start again: the gap and render services replay the whole log.
	base, _, stop = startUpLogging(t, cfg, logger)
	waitFor("/v1/maps/"+mapID, `"erased":true`)
	leaks := func(where string, b []byte) {
		t.Helper()
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				i := bytes.Index(b, []byte(s))
				t.Errorf("%s shows %q after the erasure: …%s…", where, s, b[max(0, i-80):min(len(b), i+80)])
			}
		}
	}
	for _, p := range paths {
		leaks("GET "+p, get(p))
	}

	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	// A fresh projection of the whole log, on the same store, and every
	// map exported from it with the keyring.
	srv := jsservertest.StartIn(t, filepath.Join(cfg.data, "jetstream"))
	js := srv.JetStream()
	ctx := context.Background()
	log, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := seal.LoadOrCreateMasterKey(filepath.Join(cfg.data, "keys", "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: key})
	if err != nil {
		t.Fatal(err)
	}
	head, err := log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := projection.NewStore()
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f, err := log.Follow(fctx, eventlog.FollowConfig{From: 1}, func(_ context.Context, r eventlog.Record) error {
		if err := st.Apply(r); err != nil {
			t.Errorf("replay at %d: %v", r.Seq, err)
		}
		if r.Seq >= head {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	<-fctx.Done()
	f.Stop()
	if st.Position() != head {
		t.Fatalf("the replay reached %d of %d", st.Position(), head)
	}
	for _, id := range st.Maps() {
		v, err := st.View(id, date.Of(time.Now()), time.Time{})
		if err != nil {
			continue
		}
		doc, err := mapexport.Map(ctx, v, keys)
		if err != nil {
			t.Fatalf("export %s from the replay: %v", id, err)
		}
		leaks("the replayed export of "+id, mapdoc.Canonical(doc))
	}

	srv.Shutdown()

	// The logs and every file of the data folder.
	leaks("the logs", logs.Bytes())
	err = filepath.WalkDir(cfg.data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		leaks(strings.TrimPrefix(path, cfg.data), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
