package gap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// evaluateMap evaluates the rules of one map on today's state and publishes
// the difference to the map's open gaps: closings first, then openings.
func (s *Service) evaluateMap(ctx context.Context, mapID string, today date.Date) error {
	s.mu.Lock()
	info := s.maps[mapID]
	s.mu.Unlock()
	position := info.seq
	open := s.ledger.openOfMap(mapID)

	var found []gaps.Gap
	reason := event.GapResolved
	v, err := s.store.View(mapID, today, time.Time{})
	switch {
	case errors.Is(err, projection.ErrNotFound):
		// Not open today (it opens on a later date): no gaps yet.
	case err != nil:
		return err
	case v.Erased:
		reason = event.GapMapErased
	case v.Closed:
		reason = event.GapMapClosed
	case v.Focus.Kind != stakeholder.FocusCitizen:
		// Municipality and region maps have no rules of their own.
	default:
		found, err = gaps.Citizen(export.Structure(v), *s.cfg.Gaps)
		if err != nil {
			return fmt.Errorf("evaluate %s: %w", mapID, err)
		}
	}

	want := make(map[string]bool, len(found))
	for _, g := range found {
		want[g.ID] = true
	}
	for _, g := range open { // sorted by rule and id
		if want[g.GapID] {
			continue
		}
		if reason == event.GapResolved && s.cfg.Gaps.Disabled[g.Rule] {
			continue // a rule switched off neither opens nor closes
		}
		c := &event.GapClosed{GapID: g.GapID, Rule: g.Rule, Scope: g.Scope, MapID: g.MapID, Municipality: g.Municipality,
			Actors: g.Actors, Reason: reason, EvaluatedAt: today, Position: position}
		if err := s.publish(ctx, g.GapID, c); err != nil {
			return err
		}
	}
	isOpen := make(map[string]bool, len(open))
	for _, g := range open {
		isOpen[g.GapID] = true
	}
	for _, g := range found { // in rule order
		if isOpen[g.ID] {
			continue
		}
		o := &event.GapOpened{GapID: g.ID, Rule: g.Rule, Scope: event.GapScopeMap, MapID: mapID, Municipality: info.municipality,
			Actors: slices.Clone(g.Actors), Severity: event.GapSeverity(g.Severity),
			Explanation: event.GapText{EN: g.Explanation.EN, NB: g.Explanation.NB}, Next: event.GapText{EN: g.Next.EN, NB: g.Next.NB},
			Source: g.Source, Details: s.details(g.Rule, g.ID, g.Details), EvaluatedAt: today, Position: position}
		if o.Actors == nil {
			o.Actors = []string{}
		}
		if err := s.publish(ctx, g.ID, o); err != nil {
			return err
		}
	}
	return nil
}

// details returns a gap's details as they will decode from the event
// (numbers as float64, arrays as []any), leaving out, with a warning, any
// entry the contract does not allow (a key that is not a camelCase name, a
// string that is not an id, code or date, a number that is not finite).
// The warning names the rule and key, never the value.
func (s *Service) details(rule, gapID string, in map[string]any) map[string]any {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		raw, err := json.Marshal(v)
		var back any
		if err == nil {
			err = json.Unmarshal(raw, &back)
		}
		if err == nil {
			err = event.CheckDetail(back)
		}
		if err == nil && !event.IsGapDetailKey(k) {
			err = errors.New("key is not a camelCase name")
		}
		if err != nil {
			s.cfg.Logger.Warn("gap detail left out", "rule", rule, "gap", gapID, "key", k, "err", err)
			continue
		}
		out[k] = back
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
