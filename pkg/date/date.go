// Package date provides a calendar date without time of day or zone, the
// unit of valid time in Samspill ("the relation began on 3 March").
//
// Dates marshal to and from JSON as "YYYY-MM-DD". The zero Date is "no date"
// and marshals as an empty string only through omitempty-aware callers; use
// IsZero to test for it.
package date

import (
	"encoding/json"
	"fmt"
	"time"
)

// Layout is the wire form of a Date.
const Layout = "2006-01-02"

// Date is a calendar date. It is comparable and ordered by Before/After.
type Date struct {
	t time.Time // midnight UTC; zero means no date
}

// Of returns the date of t in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return New(y, m, d)
}

// New returns the given date; out-of-range days normalise as time.Date does.
func New(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// Parse reads a date in the form YYYY-MM-DD and rejects impossible dates.
func Parse(s string) (Date, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD: %w", s, err)
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return Date{}, fmt.Errorf("date %q: year out of range 1900–2200", s)
	}
	return Date{t}, nil
}

// MustParse is Parse for constants in tests and examples; it panics on error.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(Layout)
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return d.t }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns d moved n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// DaysSince returns the whole days from e to d (positive when d is later).
func (d Date) DaysSince(e Date) int { return int(d.t.Sub(e.t).Hours() / 24) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.t.Compare(e.t) }

// MarshalJSON implements json.Marshaler.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte(`null`), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: want a string YYYY-MM-DD: %w", err)
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// HomeZone is the time zone in which Samspill reckons "today" unless a
// service is told otherwise.
const HomeZone = "Europe/Oslo"

// HomeLocation returns the location of HomeZone, or UTC when the system
// has no time-zone database (a minimal container without tzdata).
func HomeLocation() *time.Location {
	if loc, err := time.LoadLocation(HomeZone); err == nil {
		return loc
	}
	return time.UTC
}
