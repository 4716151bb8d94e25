package date

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseRejectsImpossibleDates(t *testing.T) {
	for _, s := range []string{"2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "", "1800-01-01", "2026-01-01T00:00:00Z"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
	if d, err := Parse("2024-02-29"); err != nil || d.String() != "2024-02-29" {
		t.Errorf("Parse(leap day) = %v, %v", d, err)
	}
}

func TestJSONRoundTripAndOrder(t *testing.T) {
	a, b := MustParse("2026-03-01"), MustParse("2026-03-03")
	if !a.Before(b) || b.Before(a) || a.Compare(b) != -1 || b.DaysSince(a) != 2 {
		t.Fatalf("ordering wrong for %v and %v", a, b)
	}
	out, err := json.Marshal(struct{ D Date }{a})
	if err != nil || string(out) != `{"D":"2026-03-01"}` {
		t.Fatalf("marshal = %s, %v", out, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal(out, &back); err != nil || back.D != a {
		t.Fatalf("unmarshal = %v, %v", back.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2026-02-31"}`), &back); err == nil {
		t.Fatal("impossible date unmarshalled")
	}
	if Of(time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)) != a {
		t.Fatal("Of drops the time of day")
	}
	if a.AddDays(2) != b {
		t.Fatal("AddDays")
	}
}
