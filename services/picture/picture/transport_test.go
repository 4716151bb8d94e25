package picture_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
)

// TestRefusals: every kind of bad request is an RFC 9457 problem with its
// status, code and field.
func TestRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// An integration that may read every map and area reaches every
	// refusal of a malformed or unknown request (TestAccessPerRole shows
	// who else may ask).
	e.who = &reader
	p := e.openPerson("0301")
	org := e.do(&command.OpenMap{Meta: cmdMeta("2026-01-01"), Focus: stakeholder.FocusMunicipality, Label: "Oslo kommune", Municipality: "0301"}).IDs["mapId"]
	const unknown = "5f0c7a4e-8d2b-4c1a-9e3f-0a1b2c3d4e5f"
	for _, c := range []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{mapPath(unknown, "svg"), 404, "not-found", "mapId"},
		{mapPath("ola", "svg"), 400, "invalid", "mapId"},
		// Only picture.svg, .png, .pdf and .dot are routes.
		{mapPath(p.mapID, "gif"), 404, "not-found", ""},
		{mapPath(p.mapID, ""), 404, "not-found", ""},
		{mapPath(p.mapID, "svg", "at=31.12.2026"), 400, "invalid", "at"},
		{mapPath(p.mapID, "svg", "at=2026-01-01"), 404, "not-found", "at"},
		{mapPath(p.mapID, "svg", "knownAt=yesterday"), 400, "invalid", "knownAt"},
		{mapPath(p.mapID, "svg", "lang=de"), 400, "invalid", "lang"},
		{mapPath(p.mapID, "svg", "k=5"), 400, "invalid", "k"},
		{mapPath(org, "svg"), 400, "invalid", "mapId"},
		{"/v1/maps/" + p.mapID + "/changes/picture.svg", 400, "invalid", "from"},
		{"/v1/maps/" + p.mapID + "/changes/picture.svg?from=2026-10-01&to=2026-09-01", 400, "invalid", "to"},
		{"/v1/maps/" + p.mapID + "/changes/picture.svg?from=2026-01-01", 404, "not-found", "from"},
		{"/v1/maps/" + org + "/changes/picture.svg?from=2026-10-01", 400, "invalid", "mapId"},
		{"/v1/maps/" + unknown + "/changes/picture.png?from=2026-10-01", 404, "not-found", "mapId"},
		{"/v1/areas/oslo/picture.svg", 400, "invalid", "municipality"},
		{"/v1/areas/9999/picture.svg", 404, "not-found", "municipality"},
		{"/v1/areas/0301/picture.svg?at=2025-01-01", 404, "not-found", "at"},
		{"/v1/areas/0301/picture.jpeg", 404, "not-found", ""},
		{"/v1/maps/" + p.mapID + "/drawing.svg", 404, "not-found", ""},
	} {
		w := e.get(c.path)
		var pr problem.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &pr); err != nil || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %q %s", c.path, w.Code, w.Header().Get("Content-Type"), w.Body)
			continue
		}
		if w.Code != c.status || pr.Status != c.status || pr.Code != c.code || pr.Field != c.field || pr.Detail == "" {
			t.Errorf("%s: %d %+v, want %d %s %s", c.path, w.Code, pr, c.status, c.code, c.field)
		}
	}
	// The municipality map is refused with a pointer to the area picture.
	var pr problem.Problem
	_ = json.Unmarshal(e.get(mapPath(org, "svg")).Body.Bytes(), &pr)
	if !bytes.Contains([]byte(pr.Detail), []byte("/v1/areas/0301/picture")) {
		t.Errorf("detail %q", pr.Detail)
	}
	if got := e.objects(""); len(got) != 0 {
		t.Errorf("refusals cached %v", got)
	}
}

// request sends a micro request as the asker and returns the reply.
func (e *env) request(subject string, q any) *nats.Msg {
	e.tb.Helper()
	body, err := json.Marshal(q)
	if err != nil {
		e.tb.Fatal(err)
	}
	var area struct {
		Municipality string `json:"municipality"`
	}
	_ = json.Unmarshal(body, &area)
	return accesstest.Request(e.tb, e.nc, accesstest.Token(e.tb, signer(e.tb), e.asker(area.Municipality)), "", subject, string(body))
}

// TestMicroAnswersTheSameBytesAsHTTP asks for each kind of picture over
// HTTP, then over NATS: the same bytes, from the cache, with the content
// type in a header; and refusals carry their status and the refusal.
func TestMicroAnswersTheSameBytesAsHTTP(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var p *person
	for range 5 {
		p = e.openPerson("3203")
	}
	for _, c := range []struct {
		path, subject string
		q             any
		contentType   string
	}{
		{mapPath(p.mapID, "svg", "at=2026-10-01", "lang=nb"), "samspill.render.map",
			picture.MapQuery{MapID: p.mapID, At: d("2026-10-01"), Format: "svg", Lang: "nb"}, "image/svg+xml"},
		{mapPath(p.mapID, "png"), "samspill.render.map", picture.MapQuery{MapID: p.mapID, Format: "png"}, "image/png"},
		{"/v1/maps/" + p.mapID + "/changes/picture.pdf?from=2026-05-20", "samspill.render.changes",
			picture.ChangesQuery{MapID: p.mapID, From: d("2026-05-20"), To: today, Format: "pdf"}, "application/pdf"},
		{"/v1/areas/3203/picture.dot?at=2026-11-01", "samspill.render.area",
			picture.AreaQuery{Municipality: "3203", At: d("2026-11-01"), Format: "dot", Lang: "en"}, "text/vnd.graphviz; charset=utf-8"},
	} {
		want := e.picture(c.path, picture.CacheMiss)
		m := e.request(c.subject, c.q)
		if code := m.Header.Get(micro.ErrorCodeHeader); code != "" {
			t.Fatalf("%s: error %s %s", c.subject, code, m.Data)
		}
		if !bytes.Equal(m.Data, want) {
			t.Errorf("%s %+v: %d bytes, HTTP gave %d", c.subject, c.q, len(m.Data), len(want))
		}
		if m.Header.Get(picture.HeaderContentType) != c.contentType || m.Header.Get(picture.HeaderCache) != picture.CacheHit {
			t.Errorf("%s: headers %v", c.subject, m.Header)
		}
	}

	for _, c := range []struct {
		subject string
		body    string
		status  int
		field   string
	}{
		{"samspill.render.map", `{"mapId": "` + p.mapID + `", "format": "gif"}`, 400, "format"},
		{"samspill.render.map", `{"mapId": "5f0c7a4e-8d2b-4c1a-9e3f-0a1b2c3d4e5f", "format": "svg"}`, 404, "mapId"},
		{"samspill.render.map", `{"mapId": "` + p.mapID + `", "format": "svg", "colour": "red"}`, 400, ""},
		{"samspill.render.changes", `{"mapId": "` + p.mapID + `", "format": "svg"}`, 400, "from"},
		{"samspill.render.area", `{"municipality": "3203", "format": "svg", "at": "yesterday"}`, 400, ""},
		{"samspill.render.area", `not json`, 400, ""},
	} {
		m := accesstest.Request(t, e.nc, accesstest.Token(t, signer(t), reader), "", c.subject, c.body)
		var qe query.Error
		_ = json.Unmarshal(m.Data, &qe)
		if m.Header.Get(micro.ErrorCodeHeader) != strconv.Itoa(c.status) || qe.Field != c.field || qe.Message == "" {
			t.Errorf("%s %s: %v %s", c.subject, c.body, m.Header, m.Data)
		}
	}
}

// TestMicroRefusesWhatOneMessageCannotCarry: on a server whose
// max_payload is smaller than a picture, the micro endpoint refuses it
// as too large (413) instead of leaving the caller to time out; HTTP
// still serves it.
func TestMicroRefusesWhatOneMessageCannotCarry(t *testing.T) {
	t.Parallel()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), MaxPayload: 64 << 10, NoSigs: true}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(ns.Shutdown)
	e := setupOn(t, opts.StoreDir, func() *nats.Conn {
		nc, err := nats.Connect(ns.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	})
	p := e.openPerson("0301")
	pic := e.picture(mapPath(p.mapID, "png"), picture.CacheMiss)
	if len(pic) <= 64<<10 {
		t.Skipf("the PNG has only %d bytes", len(pic))
	}
	m := e.request("samspill.render.map", picture.MapQuery{MapID: p.mapID, Format: "png"})
	var qe query.Error
	_ = json.Unmarshal(m.Data, &qe)
	if m.Header.Get(micro.ErrorCodeHeader) != strconv.Itoa(http.StatusRequestEntityTooLarge) || qe.Code != picture.CodeTooLarge {
		t.Fatalf("%v %s", m.Header, m.Data)
	}
	// The SVG fits.
	m = e.request("samspill.render.map", picture.MapQuery{MapID: p.mapID, Format: "svg"})
	if m.Header.Get(micro.ErrorCodeHeader) != "" || m.Header.Get(picture.HeaderContentType) != "image/svg+xml" {
		t.Fatalf("%v %.200s", m.Header, m.Data)
	}
}
