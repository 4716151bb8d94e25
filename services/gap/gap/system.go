package gap

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/gaps"
)

// takeAreas returns the municipalities whose system-wide rules are due and
// marks them evaluated now: with all, every municipality with maps;
// otherwise those whose maps changed, once SystemInterval has passed since
// their last evaluation and the service has caught up with the log (or
// they have waited SystemInterval for it).
func (s *Service) takeAreas(all bool) []string {
	if s.cfg.SystemInterval < 0 {
		return nil
	}
	caught := s.caughtUp()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.directoryChanged.IsZero() {
		for _, m := range s.maps {
			s.areaChanged(m.municipality, s.directoryChanged)
		}
		s.directoryChanged = time.Time{}
	}
	var out []string
	if all {
		seen := map[string]bool{}
		for _, m := range s.maps {
			if m.municipality != "" && !seen[m.municipality] {
				seen[m.municipality] = true
				out = append(out, m.municipality)
			}
		}
	} else {
		for m, since := range s.areaDirty {
			if now.Sub(s.areaLast[m]) >= s.cfg.SystemInterval && (caught || now.Sub(since) >= s.cfg.SystemInterval) {
				out = append(out, m)
			}
		}
	}
	for _, m := range out {
		delete(s.areaDirty, m)
		s.areaLast[m] = now
	}
	if len(out) > 0 {
		s.busy++
	}
	slices.Sort(out)
	return out
}

// evaluateAreas evaluates the system-wide rules of the municipalities
// that are due (all: every one), a few at a time.
func (s *Service) evaluateAreas(ctx context.Context, all bool) error {
	s.areaMu.Lock()
	defer s.areaMu.Unlock()
	areas := s.takeAreas(all)
	if len(areas) == 0 {
		return nil
	}
	defer s.idle()
	today := s.today()
	o, c, began := s.opened.Load(), s.closed.Load(), time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(areas))
	sem := make(chan struct{}, s.cfg.Workers)
	for i, m := range areas {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := s.evaluateArea(ctx, m, today); err != nil {
				errs[i] = err
				s.cfg.Logger.Error("system-wide rules not evaluated; will retry", "municipality", m, "err", err)
				s.mu.Lock()
				if _, ok := s.areaDirty[m]; !ok {
					s.areaDirty[m] = time.Now()
				}
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if o, c := s.opened.Load()-o, s.closed.Load()-c; o+c > 0 || all {
		s.cfg.Logger.Info("system-wide rules evaluated", "municipalities", len(areas), "opened", o, "closed", c,
			"took", time.Since(began).Round(time.Millisecond))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// evaluateArea evaluates the system-wide rules S1–S10 on one municipality
// as it stands today: its citizen maps and its organisation map (closed
// maps are no longer part of the services' caseload; erased ones are, as
// structure), exported without names, with the whole directory. It publishes the
// difference to the municipality's open system-wide gaps.
func (s *Service) evaluateArea(ctx context.Context, municipality string, today date.Date) error {
	s.mu.Lock()
	position := s.applied
	var ids []string
	for id, m := range s.maps {
		if m.municipality == municipality {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return nil // handed to another instance
	}
	found, err := s.systemGaps(municipality, ids, today)
	// Handed to another instance while they were read, some of the maps
	// may have been read gone: the area is its new holder's to evaluate.
	if !s.holding(ids...) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.reconcile(ctx, s.ledger.openOfArea(municipality, true), found, event.GapResolved, today, position,
		func(gaps.Gap) *event.GapOpened {
			return &event.GapOpened{Scope: event.GapScopeSystem, Municipality: municipality}
		})
}

// systemGaps evaluates the system-wide rules on the maps ids of
// municipality.
func (s *Service) systemGaps(municipality string, ids []string, today date.Date) ([]gaps.Gap, error) {
	org, citizens := s.store.AreaMaps(municipality, ids, today, time.Time{})
	if len(citizens) == 0 {
		return nil, nil
	}
	b, err := export.StructureBundle(s.store, org, citizens, today, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("system-wide rules of %s: %w", municipality, err)
	}
	res, err := gaps.System(b, *s.cfg.System)
	if err != nil {
		return nil, fmt.Errorf("system-wide rules of %s: %w", municipality, err)
	}
	return res.Gaps, nil
}
