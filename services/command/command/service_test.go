package command_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

var today = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv  *jsservertest.Server
	log  *eventlog.Log
	keys *seal.Keyring
	svc  *command.Service
	t    *testing.T
}

var master = make([]byte, seal.KeySize)

// The principals of the tests. The coordinator opens the fixture's maps.
var (
	coordinator = access.Principal{Subject: "test-user", Role: access.Coordinator, Via: "oidc"}
	admin       = access.Principal{Subject: "admin-1", Role: access.Admin, Via: "oidc"}
)

// as returns a context carrying p, with its role's default purpose.
func as(p access.Principal) context.Context {
	p, _ = p.WithPurpose("")
	return access.WithPrincipal(context.Background(), p)
}

// signer signs the tests' assertions with a fixed key.
func signer(tb testing.TB, now func() time.Time) *access.Signer { return accesstest.Signer(tb, 0, now) }

// auditStream makes the audit stream on srv, as the access service does.
func auditStream(t testing.TB, srv *jsservertest.Server) {
	t.Helper()
	if _, err := audit.EnsureStream(context.Background(), srv.JetStream(), 1, 0); err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := jsservertest.Start(t)
	auditStream(t, srv)
	f := &fixture{srv: srv, t: t}
	f.log, f.keys, f.svc = f.instance()
	return f
}

// ctxFor returns the context the fixture gives c with: the administrator's
// for the directory and assignments, the coordinator's for the rest.
func ctxFor(c command.Command) context.Context {
	switch c.(type) {
	case *command.RegisterEntry, *command.UpdateEntry, *command.RetireEntry, *command.GrantAccess, *command.RevokeAccess:
		return as(admin)
	}
	return as(coordinator)
}

// instance opens another service instance on the same server.
func (f *fixture) instance() (*eventlog.Log, *seal.Keyring, *command.Service) {
	ctx := context.Background()
	js := f.srv.JetStream()
	l, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		f.t.Fatal(err)
	}
	k, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		f.t.Fatal(err)
	}
	svc, err := command.NewService(l, k, command.Config{Clock: func() time.Time { return today }, Location: time.UTC,
		Audit: audit.NewWriter(js, "command", nil), Verifier: signer(f.t, nil).Verifier()})
	if err != nil {
		f.t.Fatal(err)
	}
	return l, k, svc
}

func (f *fixture) exec(c command.Command) command.Result {
	f.t.Helper()
	res, err := f.svc.Execute(ctxFor(c), c)
	if err != nil {
		f.t.Fatalf("%s: %v", c.CommandName(), err)
	}
	return res
}

func (f *fixture) head() uint64 {
	h, err := f.log.Head(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

func d(s string) date.Date { return date.MustParse(s) }

// citizenMap opens a map with a GP and a DPS serving the citizen.
func (f *fixture) citizenMap() (mapID, citizen, gp, dps string) {
	f.t.Helper()
	f.exec(&command.RegisterEntry{EntryID: "legekontor-sentrum", Kind: stakeholder.EntryService, Name: "Legekontoret Sentrum", Sector: stakeholder.SectorPrimaryHealth, Municipality: "3203"})
	res := f.exec(&command.OpenMap{Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3203", Meta: command.Meta{ValidTime: d("2026-01-10")}})
	mapID, citizen = res.IDs["mapId"], res.IDs["citizenId"]
	gp = f.exec(&command.AddActor{MapID: mapID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelService, Sector: stakeholder.SectorPrimaryHealth, Name: "Dr. Hansen", Directory: "legekontor-sentrum"}).IDs["actorId"]
	dps = f.exec(&command.AddActor{MapID: mapID, Kind: stakeholder.KindService, Level: stakeholder.LevelService, Sector: stakeholder.SectorSpecialistMH, Name: "DPS Nord"}).IDs["actorId"]
	f.exec(&command.AddRelation{MapID: mapID, From: gp, To: citizen, Type: stakeholder.RelServes, Quality: stakeholder.QualityGood, Meta: command.Meta{ValidTime: d("2024-02-01")}})
	f.exec(&command.AddRelation{MapID: mapID, From: dps, To: citizen, Type: stakeholder.RelServes, Meta: command.Meta{ValidTime: d("2026-03-01")}})
	return
}

func TestCoordinatorPathWritesOneEventPerCommand(t *testing.T) {
	f := newFixture(t)
	mapID, citizen, gp, dps := f.citizenMap()
	start := f.head()
	refers := f.exec(&command.AddRelation{MapID: mapID, From: gp, To: dps, Type: stakeholder.RelRefers, Meta: command.Meta{ValidTime: d("2026-02-20")}}).IDs["relationId"]
	yes, no := true, false
	steps := []command.Command{
		&command.RecordContact{MapID: mapID, RelationID: refers, Mode: "phone", Note: "Henvisning sendt", Meta: command.Meta{ValidTime: d("2026-10-12")}},
		&command.AssessActor{MapID: mapID, ActorID: gp, Importance: stakeholder.High, Influence: stakeholder.Medium, ProblemRecognition: &yes, ConstraintRecognition: &no, Involvement: &yes, Role: "fastlege", WhatMatters: "kjenner meg"},
		&command.OfferCoordinator{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-03-10")}},
		&command.AssignCoordinator{MapID: mapID, ActorID: gp, Meta: command.Meta{ValidTime: d("2026-03-15")}},
	}
	for _, c := range steps {
		f.exec(c)
	}
	plan := f.exec(&command.AddActor{MapID: mapID, Kind: stakeholder.KindForum, Level: stakeholder.LevelService, Sector: stakeholder.SectorGovernance, Name: "Individuell plan"}).IDs["actorId"]
	f.exec(&command.CreatePlan{MapID: mapID, ActorID: plan, Meta: command.Meta{ValidTime: d("2026-04-01")}})
	for _, a := range []string{gp, dps, citizen} {
		f.exec(&command.AddPlanMember{MapID: mapID, ActorID: a, Meta: command.Meta{ValidTime: d("2026-04-01")}})
	}
	f.exec(&command.ReviewPlan{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-09-01")}})
	f.exec(&command.RecordParticipation{MapID: mapID, Level: 3, AssessedBy: gp, Meta: command.Meta{ValidTime: d("2026-09-01")}})
	mother := f.exec(&command.AddActor{MapID: mapID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual, Sector: stakeholder.SectorInformal, Name: "Kari (mor)"}).IDs["actorId"]
	f.exec(&command.RecordConsent{MapID: mapID, ActorID: mother, Status: stakeholder.ConsentGiven})
	last := f.exec(&command.RemoveActor{MapID: mapID, ActorID: dps})

	const commands = 1 + 4 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1
	if got := f.head() - start; got != commands {
		t.Fatalf("%d events for %d commands", got, commands)
	}
	recs, version, err := f.log.Load(context.Background(), event.MapAggregate(mapID))
	if err != nil {
		t.Fatal(err)
	}
	if version != last.Version {
		t.Fatalf("result version %d, log version %d", last.Version, version)
	}
	// No personal data in plain text anywhere in the stored events.
	for _, r := range recs {
		raw, _ := event.Marshal(r.Envelope)
		for _, secret := range []string{"Ola", "Hansen", "DPS Nord", "Kari", "kjenner meg", "fastlege", "Henvisning"} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("event %s holds %q in plain text: %s", r.Envelope.Type, secret, raw)
			}
		}
		if r.Envelope.Principal != "test-user" || r.Envelope.Source != command.Source {
			t.Fatalf("envelope not stamped: %+v", r.Envelope)
		}
	}
	// The sealed name opens with the map's key.
	key, err := f.keys.Get(context.Background(), mapID)
	if err != nil {
		t.Fatal(err)
	}
	opened, _ := recs[0].Envelope.Decode()
	if name, _ := key.Open(opened.(*event.MapOpened).Citizen.Name); name != "Ola N." {
		t.Fatalf("citizen name opens to %q", name)
	}
	// Removing the DPS ended its relations: a new relation to it is refused.
	if _, err := f.svc.Execute(as(coordinator), &command.AddRelation{MapID: mapID, From: dps, To: gp, Type: stakeholder.RelInforms}); !errors.Is(err, command.ErrInvalid) {
		t.Fatalf("relation to a removed actor: %v", err)
	}
}

func TestRejectionsNameTheFieldAndWriteNothing(t *testing.T) {
	f := newFixture(t)
	mapID, citizen, gp, dps := f.citizenMap()
	serves := f.exec(&command.AddRelation{MapID: mapID, From: gp, To: dps, Type: stakeholder.RelCollaborates, Meta: command.Meta{ValidTime: d("2026-05-01")}}).IDs["relationId"]
	f.exec(&command.EndRelation{MapID: mapID, RelationID: serves, Meta: command.Meta{ValidTime: d("2026-06-01")}})
	ghost := uuid.NewString()
	erased := f.exec(&command.OpenMap{Focus: stakeholder.FocusCitizen, Label: "Per K.", Municipality: "3203"}).IDs["mapId"]
	f.exec(&command.EraseMap{MapID: erased, Basis: "citizen-request"})
	v := uint64(1)

	cases := []struct {
		name  string
		cmd   command.Command
		code  command.Code
		field string
	}{
		{"unknown map (not assigned: no oracle)", &command.AddActor{MapID: uuid.NewString(), Kind: "person", Level: "service", Sector: "peer", Name: "X"}, command.CodeForbidden, ""},
		{"map id is a name", &command.AddActor{MapID: "ola-nordmann", Kind: "person", Level: "service", Sector: "peer", Name: "X"}, command.CodeInvalid, "mapId"},
		{"unknown actor", &command.AddRelation{MapID: mapID, From: gp, To: ghost, Type: "refers"}, command.CodeNotFound, "to"},
		{"relation to itself", &command.AddRelation{MapID: mapID, From: gp, To: gp, Type: "refers"}, command.CodeInvalid, "to"},
		{"invalid enum", &command.AddRelation{MapID: mapID, From: gp, To: dps, Type: "friends"}, command.CodeInvalid, "type"},
		{"invalid quality", &command.AddRelation{MapID: mapID, From: gp, To: dps, Type: "refers", Quality: "meh"}, command.CodeInvalid, "quality"},
		{"duplicate relation", &command.AddRelation{MapID: mapID, From: citizen, To: gp, Type: "serves"}, command.CodeConflict, "type"},
		{"duplicate directory actor", &command.AddActor{MapID: mapID, Kind: "service", Level: "service", Sector: "primary-health", Name: "GP again", Directory: "legekontor-sentrum"}, command.CodeConflict, "directory"},
		{"unknown directory entry", &command.AddActor{MapID: mapID, Kind: "service", Level: "service", Sector: "welfare-work", Name: "NAV", Directory: "nav-nowhere"}, command.CodeNotFound, "directory"},
		{"second citizen", &command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "citizen", Name: "Other"}, command.CodeInvalid, "sector"},
		{"trust out of range", &command.AddRelation{MapID: mapID, From: gp, To: dps, Type: "informs", Trust: 9}, command.CodeInvalid, "trust"},
		{"inpatient on refers", &command.AddRelation{MapID: mapID, From: gp, To: dps, Type: "refers", Inpatient: true}, command.CodeInvalid, "inpatient"},
		{"contact in the future", &command.RecordContact{MapID: mapID, RelationID: serves, Meta: command.Meta{ValidTime: d("2027-01-01")}}, command.CodeInvalid, "validTime"},
		{"contact after the end", &command.RecordContact{MapID: mapID, RelationID: serves, Meta: command.Meta{ValidTime: d("2026-07-01")}}, command.CodeInvalid, "validTime"},
		{"contact before the start", &command.RecordContact{MapID: mapID, RelationID: serves, Meta: command.Meta{ValidTime: d("2026-04-01")}}, command.CodeInvalid, "validTime"},
		{"end an ended relation", &command.EndRelation{MapID: mapID, RelationID: serves}, command.CodeInvalid, "relationId"},
		{"end before start", &command.EndRelation{MapID: mapID, RelationID: mustRelation(f, mapID, gp, citizen), Meta: command.Meta{ValidTime: d("2023-01-01")}}, command.CodeInvalid, "validTime"},
		{"coordinator is next of kin", &command.AssignCoordinator{MapID: mapID, ActorID: f.exec(&command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Bror"}).IDs["actorId"]}, command.CodeInvalid, "actorId"},
		{"plan is not a forum", &command.CreatePlan{MapID: mapID, ActorID: gp}, command.CodeInvalid, "actorId"},
		{"member without plan", &command.AddPlanMember{MapID: mapID, ActorID: gp}, command.CodeNotFound, "mapId"},
		{"participation off the ladder", &command.RecordParticipation{MapID: mapID, Level: 6}, command.CodeInvalid, "level"},
		{"consent for a service", &command.RecordConsent{MapID: mapID, ActorID: gp, Status: "given"}, command.CodeInvalid, "actorId"},
		{"partial judgements", &command.AssessActor{MapID: mapID, ActorID: gp, Involvement: new(bool)}, command.CodeInvalid, "problemRecognition"},
		{"empty name", &command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer"}, command.CodeInvalid, "name"},
		{"control character", &command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer", Name: "A\x00B"}, command.CodeInvalid, "name"},
		{"national id in a name", &command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Kari 01019010046"}, command.CodeNationalID, "name"},
		{"national id in a note", &command.RecordContact{MapID: mapID, RelationID: mustRelation(f, mapID, gp, citizen), Note: "pnr 19121212-1212"}, command.CodeNationalID, "note"},
		{"stale expected version", &command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer", Name: "Likeperson", Meta: command.Meta{ExpectedVersion: &v}}, command.CodeConflict, "expectedVersion"},
		{"bad command id", &command.ReviewPlan{MapID: mapID, Meta: command.Meta{CommandID: "retry-1"}}, command.CodeInvalid, "commandId"},
		{"erased map", &command.AddActor{MapID: erased, Kind: "person", Level: "service", Sector: "peer", Name: "X"}, command.CodeGone, "mapId"},
		{"directory sector informal", &command.RegisterEntry{EntryID: "x-y", Kind: "service", Name: "X", Sector: "informal", Municipality: "3203"}, command.CodeInvalid, "sector"},
		{"directory duplicate", &command.RegisterEntry{EntryID: "legekontor-sentrum", Kind: "service", Name: "X", Sector: "primary-health", Municipality: "3203"}, command.CodeConflict, "entryId"},
		{"bad municipality", &command.RegisterEntry{EntryID: "nav-x", Kind: "service", Name: "NAV X", Sector: "welfare-work", Municipality: "Oslo"}, command.CodeInvalid, "municipality"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.head()
			_, err := f.svc.Execute(ctxFor(tc.cmd), tc.cmd)
			var ce *command.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *command.Error", err)
			}
			if ce.Code != tc.code || ce.Field != tc.field {
				t.Fatalf("got %s on %q (%s), want %s on %q", ce.Code, ce.Field, ce.Message, tc.code, tc.field)
			}
			if strings.Contains(ce.Error(), "01019010046") || strings.Contains(ce.Error(), "1212") {
				t.Fatalf("error repeats the national id: %s", ce)
			}
			if after := f.head(); after != before {
				t.Fatalf("rejected command wrote %d events", after-before)
			}
		})
	}
}

func mustRelation(f *fixture, mapID, a, b string) string {
	f.t.Helper()
	// The serves relation between a and b was added by citizenMap; find it in the log.
	recs, _, err := f.log.Load(context.Background(), event.MapAggregate(mapID))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range recs {
		if d, err := r.Envelope.Decode(); err == nil {
			if ra, ok := d.(*event.RelationAdded); ok && ((ra.From == a && ra.To == b) || (ra.From == b && ra.To == a)) {
				return ra.RelationID
			}
		}
	}
	f.t.Fatal("relation not found")
	return ""
}

func TestRetryIsIdempotentWithTheSameIDs(t *testing.T) {
	f := newFixture(t)
	mapID, _, _, _ := f.citizenMap()
	cmdID := uuid.NewString()
	first := f.exec(&command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer", Name: "Likeperson", Meta: command.Meta{CommandID: cmdID}})
	before := f.head()
	again := f.exec(&command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer", Name: "Likeperson", Meta: command.Meta{CommandID: cmdID}})
	if !again.Duplicate || again.IDs["actorId"] != first.IDs["actorId"] || again.Version != first.Version {
		t.Fatalf("retry: %+v, first: %+v", again, first)
	}
	if f.head() != before {
		t.Fatal("retry wrote events")
	}
}

func TestConcurrentWritersOneWinsNoUpdateLost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mapID, _, _, _ := f.citizenMap()
	// A second service instance on the same log: two coordinators behind
	// two servers, both looking at version v.
	_, _, other := f.instance()
	v, err := f.log.Version(ctx, event.MapAggregate(mapID))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, svc := range []*command.Service{f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Execute(as(coordinator), &command.AddActor{MapID: mapID, Kind: "person", Level: "service", Sector: "peer",
				Name: "Likeperson", Meta: command.Meta{ExpectedVersion: &v}})
		}()
	}
	wg.Wait()
	wins, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, command.ErrConflict):
			conflicts++
			var ce *command.Error
			errors.As(err, &ce)
			if ce.Version <= v {
				t.Fatalf("conflict reports version %d, want > %d", ce.Version, v)
			}
		default:
			t.Fatal(err)
		}
	}
	if wins != 1 || conflicts != 1 {
		t.Fatalf("%d wins, %d conflicts; want 1 and 1", wins, conflicts)
	}

	// Without an expected version each instance decides again on the fresh
	// state, so every command lands and none is lost.
	const each = 10
	for _, svc := range []*command.Service{f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := svc.Execute(as(coordinator), &command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Venn"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	recs, _, err := f.log.Load(ctx, event.MapAggregate(mapID))
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for _, r := range recs {
		if r.Envelope.Type == event.TypeActorAdded {
			added++
		}
	}
	if want := 2 + 1 + 2*each; added != want {
		t.Fatalf("%d actors added, want %d", added, want)
	}
}

func TestEraseShredsAndRefusesFurtherWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mapID, _, gp, _ := f.citizenMap()
	f.exec(&command.AddActor{MapID: mapID, Kind: "person", Level: "individual", Sector: "informal", Name: "Kari (mor)"})
	f.exec(&command.EraseMap{MapID: mapID, Basis: "citizen-request"})
	if _, err := f.keys.Get(ctx, mapID); !errors.Is(err, seal.ErrErased) {
		t.Fatalf("key after erase: %v", err)
	}
	// Every event still decodes (the structure remains for statistics),
	// and every personal field reads as erased, also on a fresh keyring.
	recs, _, err := f.log.Load(ctx, event.MapAggregate(mapID))
	if err != nil {
		t.Fatal(err)
	}
	_, freshKeys, _ := f.instance()
	sectors := 0
	for _, r := range recs {
		data, err := r.Envelope.Decode()
		if err != nil {
			t.Fatalf("erased map's %s no longer decodes: %v", r.Envelope.Type, err)
		}
		var sealed []event.Sealed
		switch d := data.(type) {
		case *event.MapOpened:
			sealed = append(sealed, d.Focus.Label, d.Citizen.Name)
		case *event.ActorAdded:
			sealed = append(sealed, d.Name)
			if d.Sector != "" {
				sectors++
			}
		}
		for _, s := range sealed {
			for _, ring := range []*seal.Keyring{f.keys, freshKeys} {
				if got, err := ring.Reveal(ctx, mapID, s); err != nil || got != seal.ErasedText {
					t.Fatalf("sealed field of %s reads %q, %v after erasure", r.Envelope.Type, got, err)
				}
			}
		}
	}
	if sectors != 3 {
		t.Fatalf("%d actors with a sector survive erasure, want 3", sectors)
	}
	_, err = f.svc.Execute(as(coordinator), &command.UpdateActor{MapID: mapID, ActorID: gp, Name: "Dr. Ny"})
	if !errors.Is(err, command.ErrGone) {
		t.Fatalf("write to erased map: %v", err)
	}
	// A fresh instance (restart) agrees.
	_, _, fresh := f.instance()
	if _, err := fresh.Execute(as(coordinator), &command.UpdateActor{MapID: mapID, ActorID: gp, Name: "Dr. Ny"}); !errors.Is(err, command.ErrGone) {
		t.Fatalf("write to erased map after restart: %v", err)
	}
	if _, err := fresh.Execute(as(coordinator), &command.OpenMap{MapID: mapID, Focus: "citizen", Label: "Ola N.", Municipality: "3203"}); !errors.Is(err, command.ErrConflict) && !errors.Is(err, command.ErrGone) {
		t.Fatalf("reopening an erased map id: %v", err)
	}
}
