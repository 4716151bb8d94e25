package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// TestHistoryGivesEventsAndTimelineDates: a map's history lists its
// events in log order with both times and nothing of their content, and
// its dates are the distinct valid dates, sorted, so that a correction
// recorded last but valid in May is a stop in May.
func TestHistoryGivesEventsAndTimelineDates(t *testing.T) {
	e := setup(t)
	mapID, before := e.network()
	g, nc := e.running(before)
	v, err := g.Store().View(mapID, d("2026-06-01"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var gpServes string
	for _, r := range v.Relations {
		if r.Type == "serves" && r.ValidFrom == d("2024-02-01") {
			gpServes = r.ID
		}
	}
	// A correction recorded last: the GP relation was strained since May.
	last := e.do(&command.UpdateRelation{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}, RelationID: gpServes, Quality: "strained"}).Version
	if err := g.WaitFor(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())

	rec := fetch(t, h, "/v1/maps/"+mapID+"/history")
	var ans graph.HistoryAnswer
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &ans) != nil {
		t.Fatalf("history: %d %s", rec.Code, rec.Body)
	}
	if ans.MapID != mapID || len(ans.Events) != 8 {
		t.Fatalf("history has %d events, want the 8 commands' events: %s", len(ans.Events), rec.Body)
	}
	first, lastEv := ans.Events[0], ans.Events[len(ans.Events)-1]
	if first.Type != event.TypeMapOpened || first.ValidTime != d("2026-01-10") {
		t.Fatalf("first event: %+v", first)
	}
	if lastEv.Version != last || lastEv.ValidTime != d("2026-05-01") || !strings.HasSuffix(string(lastEv.Type), "relation_updated") {
		t.Fatalf("the correction is the last event, valid in May: %+v", lastEv)
	}
	for i := 1; i < len(ans.Events); i++ {
		if ans.Events[i].Version <= ans.Events[i-1].Version || ans.Events[i].RecordedAt.Before(ans.Events[i-1].RecordedAt) {
			t.Fatalf("events are not in log order: %s", rec.Body)
		}
	}
	want := []date.Date{d("2024-02-01"), d("2026-01-10"), d("2026-03-01"), d("2026-03-02"), d("2026-05-01"), d("2026-06-15")}
	if len(ans.Dates) != len(want) {
		t.Fatalf("dates %v, want %v", ans.Dates, want)
	}
	for i := range want {
		if ans.Dates[i] != want[i] {
			t.Fatalf("dates %v, want %v", ans.Dates, want)
		}
	}
	for _, secret := range []string{"Dr. Hansen", "DPS Nord", "Ola N.", "strained", `"s1.`} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("the history shows content (%s): %s", secret, rec.Body)
		}
	}

	// The coordinator is refused a map not assigned to them, whatever its
	// id; one who may read every map finds it missing or malformed.
	refused(t, h, "/v1/maps/6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c/history", 403, "")
	refused(t, h, "/v1/maps/not-a-map/history", 403, "")
	refused(t, accesstest.Bearer(t, signer(t), mapReader, g.Handler()), "/v1/maps/6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c/history", 404, "mapId")
	refused(t, accesstest.Bearer(t, signer(t), mapReader, g.Handler()), "/v1/maps/not-a-map/history", 400, "mapId")
	refused(t, h, "/v1/maps/"+mapID+"/history?at=2026-01-01", 400, "at")

	data, code, _ := ask(t, nc, opener, "samspill.query.history", `{"mapId":"`+mapID+`"}`)
	var viaNATS graph.HistoryAnswer
	if code != "" || json.Unmarshal(data, &viaNATS) != nil || len(viaNATS.Events) != 8 || len(viaNATS.Dates) != 6 {
		t.Fatalf("micro history: %s %s", code, data)
	}
	for body, want := range map[string][2]string{
		`{"mapId":"6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c"}`: {"404", "mapId"},
		`{"mapId":"x"}`: {"400", "mapId"},
		`{}`:            {"400", "mapId"},
	} {
		if _, code, field := ask(t, nc, mapReader, "samspill.query.history", body); code != want[0] || field != want[1] {
			t.Errorf("micro history %s: %s naming %q, want %s naming %q", body, code, field, want[0], want[1])
		}
	}
}
