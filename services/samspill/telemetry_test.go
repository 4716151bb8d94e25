package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// samspill up serves one registry for the whole process at GET /metrics:
// commands by name and outcome, HTTP requests by route pattern, and never
// a map id from a path.
func TestUpServesMetrics(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, stop := startUp(t, cfg)
	defer stop()
	coordinator, _ := mustToken(t, base, mustAdminToken(t, cfg.data), tokenSpec{Name: "Coordinator", Role: "coordinator", Municipality: "3203"})
	status, res := postAs(t, base, coordinator, "open_map", `{"focus":"citizen","label":"Test T.","municipality":"3203"}`)
	if status != http.StatusCreated {
		t.Fatalf("open_map: %d %v", status, res)
	}
	mapID := res["ids"].(map[string]any)["mapId"].(string)
	if status, _ := postAs(t, base, coordinator, "add_actor", `{"mapId":"`+mapID+`","kind":"robot","level":"service","sector":"peer","name":"X"}`); status != http.StatusUnprocessableEntity {
		t.Fatalf("add_actor with a bad kind: %d", status)
	}
	getAs(t, base, coordinator, "/v1/maps/"+mapID+"/gaps")
	// A refusal is labelled by its route too.
	if status, _ := getAs(t, base, coordinator, "/v1/areas/3203/system"); status != http.StatusForbidden {
		t.Fatalf("a coordinator's area: %d", status)
	}
	// The graph service reports its position once it has applied an
	// event, which happens after the command is acknowledged: scrape
	// until it has.
	var out string
	for deadline := time.Now().Add(20 * time.Second); ; {
		r, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		out = string(body)
		if strings.Contains(out, `samspill_projection_position{projection="samspill-graph"}`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`samspill_commands_total{command="open_map",outcome="ok"} 1`,
		`samspill_commands_total{command="add_actor",outcome="invalid"} 1`,
		`samspill_http_requests_total{method="POST",route="/v1/commands/{name}",status_class="2xx"} 1`,
		`samspill_http_requests_total{method="POST",route="/v1/commands/{name}",status_class="4xx"} 1`,
		`route="/v1/maps/{mapId}/gaps"`,
		`samspill_http_requests_total{method="GET",route="/v1/areas/{municipality}/system",status_class="4xx"} 1`,
		`samspill_http_requests_total{method="POST",route="/v1/tokens",status_class="2xx"} 1`,
		`samspill_projection_position{projection="samspill-graph"}`,
		"go_goroutines",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(out, mapID) {
		t.Errorf("/metrics shows the map id %s", mapID)
	}
}
