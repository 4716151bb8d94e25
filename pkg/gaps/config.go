package gaps

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalidConfig is wrapped by every error of [Config.Validate].
var ErrInvalidConfig = errors.New("gaps: invalid configuration")

// ErrNotCitizenMap is wrapped by the error [Citizen] returns for a document
// that is not a citizen map (or is nil, or has no asOf).
var ErrNotCitizenMap = errors.New("gaps: not a citizen map")

// Config holds every threshold of the P-rules. The zero Config is not
// valid: start from [DefaultConfig] and change what differs. Every number
// is a count of whole days except ParticipationMin; "more than N days"
// is strict throughout (N days exactly does not fire).
type Config struct {
	// WorkingTieDays: a collaborates, coordinates, refers or informs
	// relation is a working tie while its last contact is at most this
	// many days before the map date. Default 90.
	WorkingTieDays int
	// LongTermDays: LT(C) holds the services whose serves relation began
	// more than this many days before the map date. Default 90.
	LongTermDays int
	// PlanReviewDays: an active plan is stale when its last review (or
	// creation) is more than this many days old (P4). Default 365.
	PlanReviewDays int
	// ColdServesDays: a serves relation is cold when its last contact is
	// more than this many days old (P10). Default 60.
	ColdServesDays int
	// ColdCoordinatorDays: the coordinator is cold when its latest contact
	// with the person is more than this many days old (P10). Default 30.
	ColdCoordinatorDays int
	// ParticipationMin: P11 fires when the latest participation level is
	// below this step of Shier's ladder (1–5). Default 3.
	ParticipationMin int
	// ParticipationGraceDays: with no participation recorded, P11 fires
	// once a serves relation began more than this many days ago.
	// Default 180.
	ParticipationGraceDays int
	// TransitionWindowDays: P12 looks at inpatient stays that ended at
	// most this many days ago. Default 90.
	TransitionWindowDays int
	// TransitionReceiverDays: a municipal service must have begun serving
	// at most this many days after discharge (P12). Default 7.
	TransitionReceiverDays int
	// Disabled switches rules off by id ("P8": true).
	Disabled map[string]bool
}

// DefaultConfig returns the defaults of domain.md.
func DefaultConfig() Config {
	return Config{
		WorkingTieDays:         90,
		LongTermDays:           90,
		PlanReviewDays:         365,
		ColdServesDays:         60,
		ColdCoordinatorDays:    30,
		ParticipationMin:       3,
		ParticipationGraceDays: 180,
		TransitionWindowDays:   90,
		TransitionReceiverDays: 7,
	}
}

// maxDays bounds every day threshold (about 100 years), so that date
// arithmetic stays far from overflow and a typo is caught.
const maxDays = 36600

// Validate reports every problem of c: each day threshold must be a
// positive whole number of days (at most 36,600), ParticipationMin a step
// of the ladder (1–5), and Disabled may name only known rules.
func (c Config) Validate() error {
	var problems []string
	days := []struct {
		name string
		v    int
	}{
		{"WorkingTieDays", c.WorkingTieDays},
		{"LongTermDays", c.LongTermDays},
		{"PlanReviewDays", c.PlanReviewDays},
		{"ColdServesDays", c.ColdServesDays},
		{"ColdCoordinatorDays", c.ColdCoordinatorDays},
		{"ParticipationGraceDays", c.ParticipationGraceDays},
		{"TransitionWindowDays", c.TransitionWindowDays},
		{"TransitionReceiverDays", c.TransitionReceiverDays},
	}
	for _, d := range days {
		if d.v < 1 || d.v > maxDays {
			problems = append(problems, fmt.Sprintf("%s is %d; want 1–%d days", d.name, d.v, maxDays))
		}
	}
	if c.ParticipationMin < 1 || c.ParticipationMin > 5 {
		problems = append(problems, fmt.Sprintf("ParticipationMin is %d; want a step of the ladder, 1–5", c.ParticipationMin))
	}
	var unknown []string
	for id := range c.Disabled {
		if ruleIndex(id) < 0 {
			unknown = append(unknown, fmt.Sprintf("%q", id))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		problems = append(problems, fmt.Sprintf("Disabled names unknown rules %s; the rules are P1–P14", strings.Join(unknown, ", ")))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return nil
}

// enabled reports whether rule id is switched on.
func (c Config) enabled(id string) bool { return !c.Disabled[id] }
