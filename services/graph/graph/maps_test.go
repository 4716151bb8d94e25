package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// doAs executes a command as the given principal.
func (e *env) doAs(p access.Principal, c command.Command) command.Result {
	e.t.Helper()
	r, err := e.cmd.Execute(access.WithPrincipal(context.Background(), p), c)
	if err != nil {
		e.t.Fatalf("%s: %v", c.CommandName(), err)
	}
	return r
}

// refused checks that url is answered with status and a problem naming
// field.
func refused(t *testing.T, h http.Handler, url string, status int, field string) {
	t.Helper()
	rec := fetch(t, h, url)
	var p struct {
		Status int    `json:"status"`
		Field  string `json:"field"`
	}
	if rec.Code != status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: %d %s, want %d problem: %s", url, rec.Code, rec.Header().Get("Content-Type"), status, rec.Body)
		return
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Field != field || p.Status != status {
		t.Errorf("%s: problem %s names field %q, want %q", url, rec.Body, p.Field, field)
	}
}

// ask sends a query over NATS micro as p: the answer's body, or the
// error's status code and the field it names.
func ask(t *testing.T, nc *nats.Conn, p access.Principal, subject, body string) (data []byte, code, field string) {
	t.Helper()
	msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), p), "", subject, body)
	if code = msg.Header.Get("Nats-Service-Error-Code"); code != "" {
		var e struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal(msg.Data, &e)
		return nil, code, e.Field
	}
	return msg.Data, "", ""
}

// TestMapsListsWhoOpenedThemAndLabelsOnlyAnOwnList: every map shows who
// opened it, when it was opened and last changed; a coordinator's list is
// the maps assigned to them, which alone shows the maps' labels; an
// administrator's is every map with the principals it is assigned to.
func TestMapsListsWhoOpenedThemAndLabelsOnlyAnOwnList(t *testing.T) {
	e := setup(t)
	kari := access.Principal{Subject: "user:kari.nordmann", Role: access.Coordinator}
	per := access.Principal{Subject: "user:per.hansen", Role: access.Coordinator}
	ola := e.doAs(kari, &command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3203"}).IDs["mapId"]
	siri := e.doAs(per, &command.OpenMap{Meta: command.Meta{ValidTime: d("2026-02-01")}, Focus: stakeholder.FocusCitizen, Label: "Siri S.", Municipality: "3203"}).IDs["mapId"]
	asker := e.doAs(kari, &command.OpenMap{Meta: command.Meta{ValidTime: d("2025-06-01")}, Focus: stakeholder.FocusMunicipality, Label: "Bærum kommune", Municipality: "3201"}).IDs["mapId"]
	// Per is granted Kari's map and adds to it: it stays Kari's, and its
	// last change is the latest.
	e.doAs(admin, &command.GrantAccess{MapID: ola, Principal: per.Subject})
	e.doAs(per, &command.AddActor{MapID: ola, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen"})
	last := e.doAs(per, &command.EraseMap{MapID: siri, Basis: "citizen-request"}).Version
	g, nc := e.running(last)

	list := func(p access.Principal, url string) (map[string]graph.MapSummary, string) {
		t.Helper()
		rec := fetch(t, accesstest.Bearer(t, signer(t), p, g.Handler()), url)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		var ms []graph.MapSummary
		if err := json.Unmarshal(rec.Body.Bytes(), &ms); err != nil {
			t.Fatal(err)
		}
		out := map[string]graph.MapSummary{}
		for _, m := range ms {
			out[m.MapID] = m
		}
		return out, rec.Body.String()
	}

	all, body := list(admin, "/v1/maps")
	if len(all) != 3 || all[ola].OpenedBy != kari.Subject || all[siri].OpenedBy != per.Subject || all[asker].OpenedBy != kari.Subject {
		t.Fatalf("all maps: %s", body)
	}
	if all[ola].Opened != d("2026-01-10") || all[asker].Opened != d("2025-06-01") || all[asker].Focus != stakeholder.FocusMunicipality {
		t.Fatalf("opened dates: %s", body)
	}
	// Recorded in the order: Ola, Siri, Bærum, Per's grant and Dr. Hansen on Ola's map, Siri's erasure.
	if !all[siri].UpdatedAt.After(all[ola].UpdatedAt) || !all[ola].UpdatedAt.After(all[asker].UpdatedAt) || all[ola].UpdatedAt.IsZero() {
		t.Fatalf("updatedAt is the record time of each map's last event: %s", body)
	}
	if !slices.Equal(all[ola].Assigned, []string{kari.Subject, per.Subject}) || !slices.Equal(all[siri].Assigned, []string{per.Subject}) ||
		!slices.Equal(all[asker].Assigned, []string{kari.Subject}) {
		t.Fatalf("an administrator's list shows whom each map is assigned to: %s", body)
	}
	for _, name := range []string{`"label"`, "Ola N.", "Siri S.", "Bærum kommune", "[erased]"} {
		if strings.Contains(body, name) {
			t.Errorf("the list of every map shows %s: %s", name, body)
		}
	}
	if m, body := list(admin, "/v1/maps?municipality=3203"); len(m) != 2 || m[asker].MapID != "" {
		t.Fatalf("maps of 3203: %s", body)
	}
	if m, body := list(admin, "/v1/maps?openedBy="+kari.Subject); len(m) != 2 || m[siri].MapID != "" || strings.Contains(body, `"label"`) {
		t.Fatalf("maps Kari opened, as an administrator sees them: %s", body)
	}

	own, body := list(kari, "/v1/maps")
	if len(own) != 2 || own[ola].Label != "Ola N." || own[asker].Label != "Bærum kommune" || strings.Contains(body, `"assigned"`) {
		t.Fatalf("Kari's own list: %s", body)
	}
	if own, body := list(kari, "/v1/maps?municipality=3203"); len(own) != 1 || own[ola].Label != "Ola N." {
		t.Fatalf("Kari's own maps in 3203: %s", body)
	}
	if own, body := list(per, "/v1/maps?openedBy="+kari.Subject); len(own) != 2 || own[siri].Label != "[erased]" || !own[siri].Erased || own[ola].Label != "Ola N." {
		t.Fatalf("Per's own list shows the map granted to him and his erased map without its name, whoever he names as opener: %s", body)
	}
	nobody := access.Principal{Subject: "user:nobody", Role: access.Coordinator}
	if none, body := list(nobody, "/v1/maps"); len(none) != 0 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("a coordinator with no maps: %s", body)
	}

	h := accesstest.Bearer(t, signer(t), admin, g.Handler())
	refused(t, h, "/v1/maps?openedBy=kari%20nordmann", 400, "openedBy")
	refused(t, h, "/v1/maps?openedBy=user:kari/../x", 400, "openedBy")
	refused(t, h, "/v1/maps?municipality=Asker", 400, "municipality")
	refused(t, h, "/v1/maps?colour=red", 400, "colour")
	refused(t, accesstest.Bearer(t, signer(t), analyst, g.Handler()), "/v1/maps", 403, "")

	data, code, _ := ask(t, nc, per, "samspill.query.maps", `{}`)
	var ms []graph.MapSummary
	if code != "" || json.Unmarshal(data, &ms) != nil || len(ms) != 2 {
		t.Fatalf("micro maps of Per: %s %s", code, data)
	}
	if data, code, _ = ask(t, nc, admin, "samspill.query.maps", `{}`); code != "" || strings.Contains(string(data), "label") || json.Unmarshal(data, &ms) != nil || len(ms) != 3 {
		t.Fatalf("micro maps: %s %s", code, data)
	}
	for body, want := range map[string][2]string{
		`{"openedBy":"kari nordmann"}`: {"400", "openedBy"},
		`{"municipality":"Oslo"}`:      {"400", "municipality"},
		`{"colour":"red"}`:             {"400", ""},
	} {
		if _, code, field := ask(t, nc, admin, "samspill.query.maps", body); code != want[0] || field != want[1] {
			t.Errorf("micro maps %s: %s naming %q, want %s naming %q", body, code, field, want[0], want[1])
		}
	}
	if _, code, _ := ask(t, nc, analyst, "samspill.query.maps", `{}`); code != "403" {
		t.Errorf("micro maps of an analyst: %s, want 403", code)
	}
}
