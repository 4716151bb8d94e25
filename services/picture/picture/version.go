package picture

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/render"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// RendererVersion is part of every cache key: raise it when what Graphviz
// makes of the same DOT changes (package draw, or the version of
// Graphviz it runs), so that no picture drawn before is served again.
//
// Changes to the DOT itself need no raise: the version the service uses
// (Service.Version) adds a fingerprint of the DOT that packages render and
// gaps write for a small probe map, its change map and its area, and of
// the gap rules' configuration.
const RendererVersion = "1"

// rendererVersion returns RendererVersion with the fingerprint of the
// DOT written for the probe and of the gap configurations.
func rendererVersion(cfg gaps.Config, sys gaps.SystemConfig) (string, error) {
	h := sha256.New()
	for _, c := range []any{cfg, sys} {
		b, err := json.Marshal(c)
		if err != nil {
			return "", fmt.Errorf("picture: fingerprint the gap configuration: %w", err)
		}
		h.Write(b)
	}
	before, after := probe(false), probe(true)
	open, err := gaps.Citizen(after, cfg)
	if err != nil {
		return "", fmt.Errorf("picture: fingerprint: %w", err)
	}
	person, err := render.PersonMap(after, open, render.Options{})
	if err != nil {
		return "", fmt.Errorf("picture: fingerprint: %w", err)
	}
	changes, err := render.ChangeMap(before, after, render.Options{Lang: "nb"})
	if err != nil {
		return "", fmt.Errorf("picture: fingerprint: %w", err)
	}
	res, err := gaps.System(&mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Maps: []mapdoc.Document{*after}, Directory: []mapdoc.Entry{
		{ID: "legekontor", Name: "Legekontoret", Sector: stakeholder.SectorPrimaryHealth, Kind: stakeholder.EntryService, Municipality: "0301"},
		{ID: "dps", Name: "DPS Nord", Sector: stakeholder.SectorSpecialistMH, Kind: stakeholder.EntryService, Municipality: "0301"},
	}}, sys)
	if err != nil {
		return "", fmt.Errorf("picture: fingerprint: %w", err)
	}
	system, err := render.SystemMap(res, render.Options{})
	if err != nil {
		return "", fmt.Errorf("picture: fingerprint: %w", err)
	}
	for _, b := range [][]byte{person, changes, system} {
		h.Write(b)
	}
	return RendererVersion + "+" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// probe is a small citizen map; with more, the GP and the DPS work
// together and the DPS's service is strained.
func probe(more bool) *mapdoc.Document {
	start := date.New(2026, 1, 5)
	doc := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "0b9a3a52-3f1e-4c34-9a57-2a8c1d2e3f40",
		Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Åse Ø.", Municipality: "0301"}, AsOf: date.New(2026, 3, 1),
		Actors: []mapdoc.Actor{
			{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "Åse Ødegård"},
			{ID: "gp", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorPrimaryHealth, Level: stakeholder.LevelService, Name: "Dr. Bjørnstad", Directory: "legekontor",
				Assessment: &mapdoc.Assessment{Importance: stakeholder.High}},
			{ID: "dps", Kind: stakeholder.KindService, Sector: stakeholder.SectorSpecialistMH, Level: stakeholder.LevelService, Name: "DPS Nord", Directory: "dps"},
			{ID: "kin", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorInformal, Level: stakeholder.LevelIndividual, Name: "Jörgen"},
		},
		Relations: []mapdoc.Relation{
			{ID: "r1", From: "gp", To: "c", Type: stakeholder.RelServes, Quality: stakeholder.QualityGood, ValidFrom: start},
			{ID: "r2", From: "dps", To: "c", Type: stakeholder.RelServes, ValidFrom: start},
			{ID: "r3", From: "kin", To: "c", Type: stakeholder.RelFamily, ValidFrom: start, ValidTo: date.New(2026, 2, 1)},
		},
	}
	if more {
		doc.Relations[1].Quality = stakeholder.QualityStrained
		doc.Relations = append(doc.Relations, mapdoc.Relation{ID: "r4", From: "gp", To: "dps", Type: stakeholder.RelCollaborates, ValidFrom: date.New(2026, 2, 10)})
		doc.Coordinator = &mapdoc.Coordinator{Actor: "gp", Assigned: date.New(2026, 2, 12)}
	}
	return doc
}
