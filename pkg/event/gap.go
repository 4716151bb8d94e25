package event

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/date"
)

// ---- coordination gaps ----
//
// The gap service publishes these to its own stream, SAMSPILL_GAPS, under
// the aggregate gap/<gapId>: one event each time a gap opens or closes.
// They carry ids, sectors, rule texts and figures only: never a name, a
// label, free text or a document-local id, which are personal data.

var (
	gapIDPattern     = regexp.MustCompile(`^[0-9a-f]{16}$`)
	gapRulePattern   = regexp.MustCompile(`^[PS][0-9]{1,2}$`)
	detailKeyPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]{0,63}$`)
)

// IsGapID reports whether s is a gap id: 16 lower-case hex digits, the
// form gaps.GapID makes.
func IsGapID(s string) bool { return gapIDPattern.MatchString(s) }

// IsGapRule reports whether s has the form of a gap rule id: P (a citizen
// map's rule, P1–P14) or S (a system-wide rule, S1–S10) and one or two
// digits.
func IsGapRule(s string) bool { return gapRulePattern.MatchString(s) }

// IsGapDetailKey reports whether s may be a key of a gap's details: a
// camelCase name of at most 64 characters.
func IsGapDetailKey(s string) bool { return detailKeyPattern.MatchString(s) }

// GapScope says what a gap is found on.
type GapScope string

// Gap scopes.
const (
	// GapScopeMap is a gap of one citizen map (rules P…); its actors are
	// the map's actor ids.
	GapScopeMap GapScope = "map"
	// GapScopeSystem is a gap of a municipality's system of services
	// (rules S…); its actors are directory entry ids.
	GapScopeSystem GapScope = "system"
)

// GapSeverity is how urgent a gap is for the person.
type GapSeverity string

// Gap severities, from the most to the least urgent. Advisory is a
// suggestion, not a shortcoming of the services.
const (
	GapHigh     GapSeverity = "high"
	GapMedium   GapSeverity = "medium"
	GapLow      GapSeverity = "low"
	GapAdvisory GapSeverity = "advisory"
)

// GapCloseReason says why a gap closed.
type GapCloseReason string

// Reasons a gap closes.
const (
	// GapResolved: the rule no longer finds the gap on the current state.
	GapResolved GapCloseReason = "resolved"
	// GapMapClosed: the map was closed; its open gaps close with it.
	GapMapClosed GapCloseReason = "map-closed"
	// GapMapErased: the map was erased; its open gaps close with it.
	GapMapErased GapCloseReason = "map-erased"
)

// GapText is a text in English and Norwegian bokmål.
type GapText struct {
	EN string `json:"en"`
	NB string `json:"nb"`
}

// GapOpened records that a coordination gap was found: its rule, the actors
// it concerns, why and what to do. Details holds the figures behind the
// finding (numbers, ids, sectors and arrays of them; see docs/gaps.md).
type GapOpened struct {
	GapID string   `json:"gapId"`
	Rule  string   `json:"rule"`
	Scope GapScope `json:"scope"`
	// MapID is the citizen map of a map-scope gap; absent for system scope.
	MapID string `json:"mapId,omitempty"`
	// Municipality is the municipality of the map or system; absent when
	// there is none.
	Municipality string `json:"municipality,omitempty"`
	// Actors are the machine ids of the actors concerned (map scope) or
	// directory entry ids (system scope), sorted.
	Actors      []string       `json:"actors"`
	Severity    GapSeverity    `json:"severity"`
	Explanation GapText        `json:"explanation"`
	Next        GapText        `json:"next"`
	Source      string         `json:"source"`
	Details     map[string]any `json:"details,omitempty"`
	// EvaluatedAt is the date the rules were evaluated on.
	EvaluatedAt date.Date `json:"evaluatedAt"`
	// Position is the stream sequence of the last event of the map (or of
	// the log, for system scope) the evaluation saw.
	Position uint64 `json:"position"`
}

func (GapOpened) EventType() Type { return TypeGapOpened }

func (d GapOpened) Validate() error {
	var c checker
	checkGapHead(&c, d.GapID, d.Rule, d.Scope, d.MapID, d.Municipality, d.Actors, d.EvaluatedAt, d.Position)
	switch d.Severity {
	case GapHigh, GapMedium, GapLow, GapAdvisory:
	default:
		c.fail("severity %q is not one of high, medium, low, advisory", d.Severity)
	}
	checkGapText(&c, "explanation", d.Explanation)
	checkGapText(&c, "next", d.Next)
	checkText(&c, "source", d.Source, MaxGapSource)
	for _, k := range slices.Sorted(maps.Keys(d.Details)) {
		if !IsGapDetailKey(k) {
			c.fail("details key %q is not a camelCase name", k)
			continue
		}
		if err := CheckDetail(d.Details[k]); err != nil {
			c.fail("details.%s: %v", k, err)
		}
	}
	return c.err()
}

// GapClosed records that a coordination gap no longer holds, and why. It
// repeats the gap's rule, scope, map, municipality and actors, so that a
// consumer can route it without remembering the opening.
type GapClosed struct {
	GapID        string         `json:"gapId"`
	Rule         string         `json:"rule"`
	Scope        GapScope       `json:"scope"`
	MapID        string         `json:"mapId,omitempty"`
	Municipality string         `json:"municipality,omitempty"`
	Actors       []string       `json:"actors"`
	Reason       GapCloseReason `json:"reason"`
	EvaluatedAt  date.Date      `json:"evaluatedAt"`
	Position     uint64         `json:"position"`
}

func (GapClosed) EventType() Type { return TypeGapClosed }

func (d GapClosed) Validate() error {
	var c checker
	checkGapHead(&c, d.GapID, d.Rule, d.Scope, d.MapID, d.Municipality, d.Actors, d.EvaluatedAt, d.Position)
	switch d.Reason {
	case GapResolved, GapMapClosed, GapMapErased:
	default:
		c.fail("reason %q is not one of resolved, map-closed, map-erased", d.Reason)
	}
	return c.err()
}

// Limits of the texts of a gap, in bytes.
const (
	MaxGapText   = 4000
	MaxGapSource = 1000
)

// checkGapHead checks the fields gap_opened and gap_closed share.
func checkGapHead(c *checker, id, rule string, scope GapScope, mapID, municipality string, actors []string, at date.Date, position uint64) {
	if !IsGapID(id) {
		c.fail("gapId %q is not 16 lower-case hex digits", id)
	}
	if !IsGapRule(rule) {
		c.fail("rule %q is not P or S and one or two digits", rule)
	}
	switch scope {
	case GapScopeMap:
		c.uuid("mapId", mapID)
		if rule != "" && rule[0] != 'P' {
			c.fail("rule %s is not a map rule (P…)", rule)
		}
	case GapScopeSystem:
		if mapID != "" {
			c.fail("mapId is only for scope map")
		}
		if rule != "" && rule[0] != 'S' {
			c.fail("rule %s is not a system rule (S…)", rule)
		}
	default:
		c.fail("scope %q is not one of map, system", scope)
	}
	if municipality != "" {
		c.valid("municipality", IsMunicipality(municipality), municipality)
	}
	if actors == nil {
		c.fail("actors is missing")
	}
	for i, a := range actors {
		switch {
		case scope == GapScopeMap && !IsUUID(a):
			c.fail("actors[%d] %q is not an actor id (UUID)", i, a)
		case scope == GapScopeSystem && !IsSlug(a):
			c.fail("actors[%d] %q is not a directory id", i, a)
		case i > 0 && a <= actors[i-1]:
			c.fail("actors are not sorted and unique at %d", i)
		}
	}
	if at.IsZero() {
		c.fail("evaluatedAt is missing")
	}
	if position == 0 {
		c.fail("position is missing (the stream sequence of the last event seen, from 1)")
	}
}

func checkGapText(c *checker, field string, t GapText) {
	checkText(c, field+".en", t.EN, MaxGapText)
	checkText(c, field+".nb", t.NB, MaxGapText)
}

func checkText(c *checker, field, v string, max int) {
	switch {
	case v == "":
		c.fail("%s is missing", field)
	case len(v) > max:
		c.fail("%s is longer than %d bytes", field, max)
	case strings.ContainsAny(v, "\x00\r\n\t"):
		c.fail("%s contains control characters", field)
	}
}

// MaxGapDetail bounds a string in a gap's details, in bytes.
const MaxGapDetail = 200

// CheckDetail reports whether v may be a value of a gap's details: a
// finite number, a boolean, a short string (an id, a sector, a date, a
// reason, a pair of sector groups: 1–200 bytes without control
// characters), or an array of such values.
func CheckDetail(v any) error {
	return checkDetail(reflect.ValueOf(v))
}

func checkDetail(v reflect.Value) error {
	if !v.IsValid() {
		return fmt.Errorf("null is not allowed")
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return fmt.Errorf("null is not allowed")
		}
		return checkDetail(v.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return nil
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%v is not a finite number", f)
		}
		return nil
	case reflect.String:
		switch s := v.String(); {
		case s == "":
			return fmt.Errorf("an empty string is not allowed")
		case len(s) > MaxGapDetail:
			return fmt.Errorf("a string of %d bytes is longer than %d", len(s), MaxGapDetail)
		case strings.ContainsAny(s, "\x00\r\n\t"):
			return fmt.Errorf("a string with control characters is not allowed")
		}
		return nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return fmt.Errorf("null is not allowed")
		}
		for i := range v.Len() {
			if err := checkDetail(v.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("a %s is not allowed (numbers, booleans, ids and arrays of them)", v.Kind())
}
