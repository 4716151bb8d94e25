package gap

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/samspill/samspill/pkg/netfile"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/query"
)

// PrevalenceSubject is the NATS micro subject of the prevalence query.
const PrevalenceSubject = "samspill.query.prevalence"

// MaxPeriods bounds the periods of one prevalence query.
const MaxPeriods = 60

// Steps between the period ends of a prevalence query.
const (
	StepWeek    = "week"
	StepMonth   = "month"
	StepQuarter = "quarter"
	StepYear    = "year"
)

// PrevalenceQuery asks how common each citizen-map gap (P1–P14) was in a
// municipality at the end of each period from From to To.
type PrevalenceQuery struct {
	Municipality string `json:"municipality"`
	// From and To bound the period ends: To is the last (default today),
	// and the others lie one Step apart before it, back to From (default:
	// the twelve months ending To).
	From date.Date `json:"from,omitzero"`
	To   date.Date `json:"to,omitzero"`
	// Step is week, month (the default), quarter or year.
	Step string `json:"step,omitempty"`
}

// RulePrevalence is how many of a period's citizen maps had a rule's gap
// open. A count from 1 to K−1 (K = 5 by default), and every count of a
// period with fewer than K maps, is suppressed: Maps is 0, Suppressed is
// true and there is no Share.
type RulePrevalence struct {
	Rule string `json:"rule"`
	Maps int    `json:"maps"`
	// Share is Maps over the period's maps, rounded to four decimals.
	Share      *float64 `json:"share,omitempty"`
	Suppressed bool     `json:"suppressed"`
}

// PrevalencePeriod is one period end: the municipality's citizen maps
// open on that date, and the prevalence of each enabled rule, P1 to P14.
type PrevalencePeriod struct {
	Date  date.Date        `json:"date"`
	Maps  int              `json:"maps"`
	Rules []RulePrevalence `json:"rules"`
}

// PrevalenceAnswer holds the periods in date order.
type PrevalenceAnswer struct {
	Municipality string             `json:"municipality"`
	Periods      []PrevalencePeriod `json:"periods"`
}

// Prevalence answers a PrevalenceQuery (the S9 table over time): on each
// period end, the municipality's citizen maps that were open (closed ones
// left out, erased ones counted by their structure) as known now, each
// evaluated with the service's rules on that date, without names. Only a
// principal who may read the municipality's aggregates gets it. A
// municipality of which the service has seen no map is not-found.
func (s *Service) Prevalence(ctx context.Context, q PrevalenceQuery) (*PrevalenceAnswer, error) {
	if _, err := s.guard.Check(ctx, opPrevalence, access.Read, access.Area(q.Municipality)); err != nil {
		return nil, err
	}
	if !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	ends, err := periodEnds(q, s.today())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var ids []string
	for id, m := range s.maps {
		if m.municipality == q.Municipality {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return nil, query.NotFound("municipality", "no maps in municipality %s", q.Municipality)
	}
	var rules []string
	for _, r := range gaps.Rules() {
		if !s.disabled(r.ID) {
			rules = append(rules, r.ID)
		}
	}
	out := &PrevalenceAnswer{Municipality: q.Municipality, Periods: make([]PrevalencePeriod, len(ends))}
	errs := make([]error, len(ends))
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Workers)
	for i, end := range ends {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			out.Periods[i], errs[i] = s.period(q.Municipality, ids, end, rules)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("gap: prevalence in %s: %w", q.Municipality, err)
	}
	return out, nil
}

// period counts the gaps of the citizen maps among ids open on end.
func (s *Service) period(municipality string, ids []string, end date.Date, rules []string) (PrevalencePeriod, error) {
	_, views := s.store.AreaViews(municipality, ids, end, time.Time{})
	with := make(map[string]int, len(rules))
	for _, v := range views {
		found, err := gaps.Citizen(export.Structure(v), *s.cfg.Gaps)
		if errors.Is(err, gaps.ErrNotCitizenMap) {
			continue // its citizen was removed: none of the rules holds, as when the map is evaluated
		}
		if err != nil {
			return PrevalencePeriod{}, fmt.Errorf("map %s on %s: %w", v.MapID, end, err)
		}
		seen := map[string]bool{}
		for _, g := range found {
			if !seen[g.Rule] {
				seen[g.Rule] = true
				with[g.Rule]++
			}
		}
	}
	k := s.cfg.System.K
	p := PrevalencePeriod{Date: end, Maps: len(views), Rules: make([]RulePrevalence, 0, len(rules))}
	for _, rule := range rules {
		n := with[rule]
		r := RulePrevalence{Rule: rule}
		switch {
		case p.Maps == 0:
		case p.Maps < k || n > 0 && n < k:
			r.Suppressed = true
		default:
			share := math.Round(float64(n)/float64(p.Maps)*1e4) / 1e4
			r.Maps, r.Share = n, &share
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// periodEnds returns the period ends of q in date order: To, and one Step
// before the other back to From.
func periodEnds(q PrevalenceQuery, today date.Date) ([]date.Date, error) {
	var back func(d date.Date, i int) date.Date
	switch q.Step {
	case StepWeek:
		back = func(d date.Date, i int) date.Date { return d.AddDays(-7 * i) }
	case "", StepMonth:
		back = func(d date.Date, i int) date.Date { return addMonths(d, -i) }
	case StepQuarter:
		back = func(d date.Date, i int) date.Date { return addMonths(d, -3*i) }
	case StepYear:
		back = func(d date.Date, i int) date.Date { return addMonths(d, -12*i) }
	default:
		return nil, query.Invalid("step", "%q is not week, month, quarter or year", q.Step)
	}
	to, from := q.To, q.From
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = addMonths(to, -12).AddDays(1)
	}
	if from.After(to) {
		return nil, query.Invalid("to", "%s is before from (%s)", to, from)
	}
	var ends []date.Date
	for i := 0; ; i++ {
		d := back(to, i)
		if d.Before(from) {
			break
		}
		if len(ends) == MaxPeriods {
			return nil, query.Invalid("from", "%s to %s by %s is more than %d periods", from, to, cmp.Or(q.Step, StepMonth), MaxPeriods)
		}
		ends = append(ends, d)
	}
	slices.Reverse(ends)
	return ends, nil
}

// addMonths moves d by n calendar months, keeping its day of the month
// where that month has it, else taking the month's last day; the last day
// of a month moves to the last day of the other.
func addMonths(d date.Date, n int) date.Date {
	y, m, day := d.Time().Date()
	daysIn := func(y int, m time.Month) int { return date.New(y, m+1, 0).Time().Day() }
	first := date.New(y, m+time.Month(n), 1).Time()
	last := daysIn(first.Year(), first.Month())
	if day == daysIn(y, m) || day > last {
		day = last
	}
	return date.New(first.Year(), first.Month(), day)
}

// PrevalenceCSV writes the answer as CSV (RFC 4180: CRLF line ends, a
// header row), one row per period and rule.
func PrevalenceCSV(a *PrevalenceAnswer) ([]byte, error) {
	var buf bytes.Buffer
	rows := [][]string{{"municipality", "date", "maps", "rule", "ruleMaps", "share", "suppressed"}}
	for _, p := range a.Periods {
		for _, r := range p.Rules {
			share := ""
			if r.Share != nil {
				share = strconv.FormatFloat(*r.Share, 'f', -1, 64)
			}
			rows = append(rows, []string{a.Municipality, p.Date.String(), strconv.Itoa(p.Maps), r.Rule, strconv.Itoa(r.Maps), share, strconv.FormatBool(r.Suppressed)})
		}
	}
	if err := netfile.WriteCSV(&buf, rows); err != nil {
		return nil, fmt.Errorf("gap: prevalence csv: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *Service) prevalenceFromRequest(r *http.Request) (*PrevalenceAnswer, error) {
	q := PrevalenceQuery{Municipality: r.PathValue("municipality")}
	if err := query.Params(r, map[string]any{"from": &q.From, "to": &q.To, "step": &q.Step}); err != nil {
		return nil, err
	}
	return s.Prevalence(r.Context(), q)
}

// servePrevalence serves GET /v1/areas/{municipality}/prevalence?from=&to=&step=.
func (s *Service) servePrevalence(w http.ResponseWriter, r *http.Request) {
	ans, err := s.prevalenceFromRequest(r)
	if err != nil {
		query.WriteError(w, r, err)
		return
	}
	query.WriteJSON(w, ans)
}

// servePrevalenceCSV serves GET /v1/areas/{municipality}/prevalence.csv?from=&to=&step=.
func (s *Service) servePrevalenceCSV(w http.ResponseWriter, r *http.Request) {
	ans, err := s.prevalenceFromRequest(r)
	if err == nil {
		var b []byte
		if b, err = PrevalenceCSV(ans); err == nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="prevalence-%s.csv"`, ans.Municipality))
			_, _ = w.Write(b)
			return
		}
	}
	query.WriteError(w, r, err)
}
