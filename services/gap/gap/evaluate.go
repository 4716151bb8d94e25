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
	info, held := s.maps[mapID]
	s.mu.Unlock()
	if !held {
		return nil // handed to another instance
	}
	position := info.seq

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
		if errors.Is(err, gaps.ErrNotCitizenMap) {
			// The map cannot be read as a citizen map (its citizen was
			// removed): none of its rules holds.
			s.cfg.Logger.Warn("map not evaluated as a citizen map", "map", mapID, "err", err)
			found = nil
		} else if err != nil {
			return fmt.Errorf("evaluate %s: %w", mapID, err)
		}
	}

	// Handed to another instance while it was read, the map may have been
	// read gone: it is its new holder's to evaluate.
	if !s.holding(mapID) {
		return nil
	}
	return s.reconcile(ctx, s.ledger.openOfMap(mapID), found, reason, today, position, func(g gaps.Gap) *event.GapOpened {
		return &event.GapOpened{Scope: event.GapScopeMap, MapID: mapID, Municipality: info.municipality}
	})
}

// holding reports whether the instance evaluates every one of ids (a
// partitioned instance stops when it hands their partition over; the
// only instance always does).
func (s *Service) holding(ids ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.maps[id]; !ok {
			return false
		}
	}
	return true
}

// reconcile publishes the difference between the open gaps of a map or an
// area and the gaps an evaluation found: first the closings (with reason,
// in rule order), then the openings (in the order found). base gives the
// scope, map and municipality of a new gap. A rule switched off neither
// opens nor closes gaps.
func (s *Service) reconcile(ctx context.Context, open []event.GapOpened, found []gaps.Gap, reason event.GapCloseReason,
	today date.Date, position uint64, base func(gaps.Gap) *event.GapOpened) error {
	want := make(map[string]bool, len(found))
	for _, g := range found {
		want[g.ID] = true
	}
	isOpen := make(map[string]bool, len(open))
	for _, g := range open { // sorted by rule and id
		isOpen[g.GapID] = true
		if want[g.GapID] || reason == event.GapResolved && s.disabled(g.Rule) {
			continue
		}
		c := &event.GapClosed{GapID: g.GapID, Rule: g.Rule, Scope: g.Scope, MapID: g.MapID, Municipality: g.Municipality,
			Actors: g.Actors, Reason: reason, EvaluatedAt: today, Position: position}
		if err := s.publish(ctx, g.GapID, c); err != nil {
			return err
		}
	}
	for _, g := range found {
		if isOpen[g.ID] {
			continue
		}
		o := base(g)
		o.GapID, o.Rule, o.Actors, o.Severity = g.ID, g.Rule, slices.Clone(g.Actors), event.GapSeverity(g.Severity)
		o.Explanation = event.GapText{EN: g.Explanation.EN, NB: g.Explanation.NB}
		o.Next = event.GapText{EN: g.Next.EN, NB: g.Next.NB}
		o.Source, o.Details, o.EvaluatedAt, o.Position = g.Source, s.details(g.Rule, g.ID, g.Details), today, position
		if o.Actors == nil {
			o.Actors = []string{}
		}
		if err := s.publish(ctx, g.ID, o); err != nil {
			return err
		}
	}
	return nil
}

// disabled reports whether a rule is switched off.
func (s *Service) disabled(rule string) bool {
	return s.cfg.Gaps.Disabled[rule] || s.cfg.System.Disabled[rule]
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
