package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/schemas"
	"github.com/samspill/samspill/services/command/command"
)

// apiClient sends requests to a running samspill up and holds every
// answer against the OpenAPI document: the status must be documented for
// the operation, the Content-Type and body must match its schema (with
// format assertions), and a problem answer must be a problem of the same
// status. A request the test expects to succeed is validated too, so the
// document's parameters and request bodies accept what the services take.
type apiClient struct {
	t       *testing.T
	base    string
	model   *v3.Document
	v       validator.Validator
	opts    *config.ValidationOptions
	problem *base.Schema

	mu sync.Mutex
	// seen holds, per documented operation ("GET /v1/maps/{mapId}"), the
	// statuses it answered.
	seen map[string]map[int]bool
}

func newAPIClient(t *testing.T, base string) *apiClient {
	// The validator's JSON Schema compiler loads the schemas' absolute
	// $refs (https://schemas.samspill.no/common/v1/defs.json) with
	// net/http's default transport; it gets the embedded files, so that
	// nothing is fetched and exactly the published schemas are used. No
	// test of this package runs in parallel.
	old := http.DefaultTransport
	http.DefaultTransport = schemaTransport{next: old}
	t.Cleanup(func() { http.DefaultTransport = old })
	doc, model := openAPIDocument(t)
	opts := []config.Option{config.WithFormatAssertions()}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		t.Fatalf("OpenAPI validator: %v", errs)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("openapi.yaml: %v", errs)
	}
	prob, ok := model.Components.Schemas.Get("Problem")
	if !ok {
		t.Fatal("openapi.yaml has no Problem schema")
	}
	return &apiClient{t: t, base: base, model: model, v: v, opts: config.NewValidationOptions(opts...),
		problem: prob.Schema(), seen: map[string]map[int]bool{}}
}

// schemaTransport answers GETs of the JSON Schemas' $ids from the
// embedded files and passes every other request on.
type schemaTransport struct{ next http.RoundTripper }

func (s schemaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	u := r.URL.String()
	if !strings.HasPrefix(u, schemaHost) {
		return s.next.RoundTrip(r)
	}
	b, err := fs.ReadFile(schemas.FS, strings.TrimPrefix(u, schemaHost))
	if err != nil {
		return &http.Response{StatusCode: http.StatusNotFound, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: r}, nil
}

// apiAnswer is an answer that was checked against the document.
type apiAnswer struct {
	Status int
	Header http.Header
	Body   []byte
	// Problem is the problem body of an error answer.
	Problem problem.Problem
}

// JSON decodes the body into v.
func (a *apiAnswer) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %.300s", a.Status, err, a.Body)
	}
}

// apiRequest is one request of the test.
type apiRequest struct {
	method, path string
	// contentType defaults to application/json when there is a body.
	contentType string
	body        []byte
	header      http.Header
}

// do sends r and checks its answer against the document.
func (c *apiClient) do(r apiRequest) *apiAnswer {
	c.t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, c.base+r.path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.body != nil {
		req.Header.Set("Content-Type", cmpOr(r.contentType, "application/json"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	a := &apiAnswer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	where := fmt.Sprintf("%s %s → %d", r.method, r.path, resp.StatusCode)

	// The same request again, with a body to read, for the validator
	// (which reads the request's path, query and body).
	vreq, _ := http.NewRequest(r.method, c.base+r.path, bytes.NewReader(r.body))
	vreq.Header = req.Header.Clone()
	vresp := &http.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(b)), Request: vreq}

	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			c.t.Errorf("%s: Content-Type %q, want application/problem+json: %.300s", where, ct, b)
		}
		if ok, errs := schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaBytes(c.problem, b); !ok {
			c.t.Errorf("%s: not a problem of the document's schema:\n%s", where, explain(errs))
		}
		if err := json.Unmarshal(b, &a.Problem); err != nil {
			c.t.Errorf("%s: %v", where, err)
		}
		if a.Problem.Status != resp.StatusCode || a.Problem.Type != problem.TypeBase+a.Problem.Code || a.Problem.Instance != req.URL.Path {
			c.t.Errorf("%s: problem %+v does not match its answer", where, a.Problem)
		}
	}

	item, errs, template := paths.FindPath(vreq, c.model, c.opts)
	if item == nil || len(errs) > 0 {
		// Not a documented operation: the mux's own 404 or 405.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			c.t.Errorf("%s: an undocumented request answered: %.300s", where, b)
		}
		if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
			c.t.Errorf("%s: no Allow header", where)
		}
		return a
	}
	op := r.method + " " + template
	c.mu.Lock()
	if c.seen[op] == nil {
		c.seen[op] = map[int]bool{}
	}
	c.seen[op][resp.StatusCode] = true
	c.mu.Unlock()
	if ok, errs := c.v.ValidateHttpResponse(vreq, vresp); !ok {
		c.t.Errorf("%s: the answer does not match openapi.yaml:\n%s\n%.500s", where, explain(errs), b)
	}
	if resp.StatusCode < 300 {
		vreq, _ = http.NewRequest(r.method, c.base+r.path, bytes.NewReader(r.body))
		vreq.Header = req.Header.Clone()
		if ok, errs := c.v.ValidateHttpRequest(vreq); !ok {
			c.t.Errorf("%s: the service took a request that openapi.yaml refuses:\n%s", where, explain(errs))
		}
	}
	return a
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func explain(errs []*liberrors.ValidationError) string {
	var sb strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&sb, "  %s: %s\n", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&sb, "    %s at %s\n", f.Reason, f.FieldPath)
		}
	}
	return sb.String()
}

// get sends a GET.
func (c *apiClient) get(path string) *apiAnswer {
	c.t.Helper()
	return c.do(apiRequest{method: http.MethodGet, path: path})
}

// command posts a command as the test's coordinator.
func (c *apiClient) command(name string, body any) *apiAnswer {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/" + name, body: b,
		header: http.Header{command.HeaderPrincipal: {coordinator}}})
}

// ok posts a command that must succeed and returns its result.
func (c *apiClient) ok(name string, body any) command.Result {
	c.t.Helper()
	a := c.command(name, body)
	if a.Status != http.StatusCreated {
		c.t.Fatalf("%s: %d %s", name, a.Status, a.Body)
	}
	var res command.Result
	a.JSON(c.t, &res)
	return res
}

// eventually GETs path until it answers want (the read side follows the
// log), and returns that answer.
func (c *apiClient) eventually(path string, want int, until func(*apiAnswer) bool) *apiAnswer {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := c.get(path)
		if a.Status == want && (until == nil || until(a)) {
			return a
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("GET %s: %d %.500s; want %d", path, a.Status, a.Body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// refused checks that a is a problem of status naming field.
func refused(t *testing.T, what string, a *apiAnswer, status int, field string) {
	t.Helper()
	if a.Status != status || a.Problem.Field != field {
		t.Errorf("%s: %d field %q (%s); want %d naming %q", what, a.Status, a.Problem.Field, a.Problem.Detail, status, field)
	}
}

const coordinator = "user:kari.nordmann"

// TestAPI drives every route of samspill up over HTTP, each to its answer
// and to every refusal it can give that a client can provoke, and holds
// each answer against schemas/openapi.yaml; at the end every documented
// operation must have succeeded at least once.
func TestAPI(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, stop := startUp(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	c := newAPIClient(t, base)

	// Operations.
	var index map[string]any
	c.get("/").JSON(t, &index)
	if index["openapi"] != "/openapi.yaml" {
		t.Errorf("the index does not list the OpenAPI document: %v", index)
	}
	if a := c.get("/openapi.yaml"); a.Status != http.StatusOK || !bytes.Equal(a.Body, schemas.OpenAPI()) {
		t.Errorf("GET /openapi.yaml: %d, %d bytes", a.Status, len(a.Body))
	}
	if a := c.get("/healthz"); a.Status != http.StatusOK {
		t.Errorf("GET /healthz: %d", a.Status)
	}
	if a := c.get("/metrics"); a.Status != http.StatusOK || !bytes.Contains(a.Body, []byte("# TYPE")) {
		t.Errorf("GET /metrics: %d %.200s", a.Status, a.Body)
	}
	var list struct{ Commands []command.Name }
	c.get("/v1/commands").JSON(t, &list)
	if !slices.Equal(list.Commands, command.Names()) {
		t.Errorf("GET /v1/commands: %v", list.Commands)
	}

	// The directory.
	const day = "2024-01-01"
	for _, e := range []struct{ id, name, sector string }{
		{"legekontor-asker", "Asker legekontor", "primary-health"},
		{"dps-asker", "DPS Asker", "specialist-mh"},
		{"nav-asker", "NAV Asker", "welfare-work"},
		{"rus-asker", "Asker rustjeneste", "municipal-mh-su"},
	} {
		c.ok("register_entry", map[string]any{"entryId": e.id, "kind": "service", "name": e.name, "sector": e.sector, "municipality": "3203", "validTime": day})
	}
	c.ok("update_entry", map[string]any{"entryId": "nav-asker", "name": "NAV Asker kommune", "validTime": day})
	c.ok("retire_entry", map[string]any{"entryId": "rus-asker", "validTime": "2024-02-01"})
	refused(t, "update_entry of a retired entry", c.command("update_entry", map[string]any{"entryId": "rus-asker", "name": "X"}), http.StatusGone, "entryId")
	refused(t, "register_entry again", c.command("register_entry", map[string]any{"entryId": "dps-asker", "kind": "service", "name": "DPS", "sector": "specialist-mh", "municipality": "3203"}), http.StatusConflict, "entryId")
	refused(t, "update_entry of an unknown entry", c.command("update_entry", map[string]any{"entryId": "no-such-entry", "name": "X"}), http.StatusNotFound, "entryId")

	// A citizen's map, through every command.
	opened := c.ok("open_map", map[string]any{"focus": "citizen", "label": "Ola N.", "municipality": "3203", "citizenName": "Ola Nordmann", "validTime": day,
		"commandId": "0b8f4a8e-7a57-4c3c-8f5e-2d9c1e7b6a01"})
	mapID, citizen := opened.IDs["mapId"], opened.IDs["citizenId"]
	again := c.command("open_map", map[string]any{"focus": "citizen", "label": "Ola N.", "municipality": "3203", "citizenName": "Ola Nordmann", "validTime": day,
		"commandId": "0b8f4a8e-7a57-4c3c-8f5e-2d9c1e7b6a01"})
	if again.Status != http.StatusOK || !strings.Contains(string(again.Body), `"duplicate":true`) {
		t.Errorf("open_map repeated: %d %s", again.Status, again.Body)
	}
	actor := func(kind, level, sector, name, directory string) string {
		body := map[string]any{"mapId": mapID, "kind": kind, "level": level, "sector": sector, "name": name, "validTime": day}
		if directory != "" {
			body["directory"] = directory
		}
		return c.ok("add_actor", body).IDs["actorId"]
	}
	gp := actor("service", "service", "primary-health", "Dr. Hansen", "legekontor-asker")
	dps := actor("service", "service", "specialist-mh", "DPS Asker", "dps-asker")
	nav := actor("service", "service", "welfare-work", "NAV Asker", "nav-asker")
	kin := actor("person", "individual", "informal", "Kari (sister)", "")
	plan := actor("forum", "individual", "governance", "Individual plan", "")
	c.ok("assess_actor", map[string]any{"mapId": mapID, "actorId": gp, "importance": "high", "influence": "medium", "problemRecognition": true,
		"constraintRecognition": false, "involvement": true, "linkage": "functional", "attitude": "supportive", "role": "GP", "whatMatters": "Knows me", "validTime": day})
	c.ok("update_actor", map[string]any{"mapId": mapID, "actorId": kin, "name": "Kari N.", "validTime": day})
	relation := func(from, to, typ string) string {
		return c.ok("add_relation", map[string]any{"mapId": mapID, "from": from, "to": to, "type": typ, "quality": "good", "validTime": day}).IDs["relationId"]
	}
	gpServes := relation(gp, citizen, "serves")
	relation(dps, citizen, "serves")
	navServes := relation(nav, citizen, "serves")
	relation(kin, citizen, "family")
	collab := relation(gp, dps, "collaborates")
	c.ok("update_relation", map[string]any{"mapId": mapID, "relationId": collab, "quality": "strained", "trust": 2, "validTime": "2024-02-01"})
	c.ok("record_contact", map[string]any{"mapId": mapID, "relationId": gpServes, "mode": "meeting", "note": "Reviewed medication", "validTime": "2024-02-01"})
	c.ok("offer_coordinator", map[string]any{"mapId": mapID, "actorId": gp, "validTime": "2024-02-01"})
	c.ok("decline_coordinator", map[string]any{"mapId": mapID, "validTime": "2024-02-02"})
	c.ok("assign_coordinator", map[string]any{"mapId": mapID, "actorId": gp, "validTime": "2024-02-03"})
	refused(t, "offer_coordinator with one assigned", c.command("offer_coordinator", map[string]any{"mapId": mapID, "actorId": dps}), http.StatusConflict, "mapId")
	c.ok("end_coordinator", map[string]any{"mapId": mapID, "validTime": "2024-02-04"})
	c.ok("create_plan", map[string]any{"mapId": mapID, "actorId": plan, "validTime": "2024-02-05"})
	c.ok("add_plan_member", map[string]any{"mapId": mapID, "actorId": dps, "validTime": "2024-02-05"})
	c.ok("review_plan", map[string]any{"mapId": mapID, "validTime": "2024-02-06"})
	c.ok("remove_plan_member", map[string]any{"mapId": mapID, "actorId": dps, "validTime": "2024-02-07"})
	c.ok("close_plan", map[string]any{"mapId": mapID, "validTime": "2024-02-08"})
	c.ok("decline_plan", map[string]any{"mapId": mapID, "validTime": "2024-02-09"})
	c.ok("record_participation", map[string]any{"mapId": mapID, "level": 3, "assessedBy": gp, "validTime": "2024-02-10"})
	c.ok("record_consent", map[string]any{"mapId": mapID, "actorId": kin, "status": "given", "validTime": "2024-02-10"})
	c.ok("end_relation", map[string]any{"mapId": mapID, "relationId": navServes, "validTime": "2024-03-01"})
	last := c.ok("remove_actor", map[string]any{"mapId": mapID, "actorId": nav, "validTime": "2024-03-01"})

	// The commands' refusals.
	t.Run("command refusals", func(t *testing.T) {
		refused(t, "malformed JSON", c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/add_actor", body: []byte(`{"mapId":`)}), http.StatusBadRequest, "")
		refused(t, "unknown field", c.command("add_actor", map[string]any{"mapId": mapID, "colour": "red"}), http.StatusBadRequest, "colour")
		refused(t, "wrong type", c.command("record_participation", map[string]any{"mapId": mapID, "level": "high"}), http.StatusBadRequest, "level")
		refused(t, "invalid sector", c.command("add_actor", map[string]any{"mapId": mapID, "kind": "service", "level": "service", "sector": "bakery", "name": "X"}), http.StatusUnprocessableEntity, "sector")
		refused(t, "missing name", c.command("add_actor", map[string]any{"mapId": mapID, "kind": "service", "level": "service", "sector": "housing"}), http.StatusUnprocessableEntity, "name")
		refused(t, "unknown map", c.command("add_actor", map[string]any{"mapId": "7e57c0de-0000-4000-8000-000000000001", "kind": "service", "level": "service", "sector": "housing", "name": "X"}), http.StatusNotFound, "mapId")
		refused(t, "unknown actor", c.command("remove_actor", map[string]any{"mapId": mapID, "actorId": "7e57c0de-0000-4000-8000-000000000002"}), http.StatusNotFound, "actorId")
		stale := c.command("review_plan", map[string]any{"mapId": mapID, "expectedVersion": 2})
		refused(t, "stale expectedVersion", stale, http.StatusConflict, "expectedVersion")
		if stale.Problem.Version != last.Version {
			t.Errorf("conflict: version %d, want the map's %d", stale.Problem.Version, last.Version)
		}
		refused(t, "too large", c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/add_actor",
			body: []byte(`{"mapId":"` + mapID + `","name":"` + strings.Repeat("x", command.MaxCommandSize) + `"}`)}), http.StatusRequestEntityTooLarge, "")
		refused(t, "not JSON", c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/add_actor", contentType: "text/plain", body: []byte(`mapId=1`)}), http.StatusUnsupportedMediaType, "Content-Type")
		refused(t, "unknown command", c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/paint_map", body: []byte(`{}`)}), http.StatusNotFound, "name")
	})

	// A closed map and an erased one refuse commands.
	closed := c.ok("open_map", map[string]any{"focus": "citizen", "label": "P. A.", "municipality": "3203", "validTime": day}).IDs["mapId"]
	c.ok("close_map", map[string]any{"mapId": closed, "reason": "moved"})
	refused(t, "add_actor on a closed map", c.command("add_actor", map[string]any{"mapId": closed, "kind": "service", "level": "service", "sector": "housing", "name": "X"}), http.StatusGone, "mapId")
	erased := c.ok("open_map", map[string]any{"focus": "citizen", "label": "E. R.", "municipality": "3203", "citizenName": "Erik R.", "validTime": day}).IDs["mapId"]
	c.ok("erase_map", map[string]any{"mapId": erased, "basis": "citizen-request"})
	refused(t, "add_actor on an erased map", c.command("add_actor", map[string]any{"mapId": erased, "kind": "service", "level": "service", "sector": "housing", "name": "X"}), http.StatusGone, "mapId")
	refused(t, "erase_map again", c.command("erase_map", map[string]any{"mapId": erased, "basis": "citizen-request"}), http.StatusGone, "mapId")
	org := c.ok("open_map", map[string]any{"focus": "municipality", "label": "Asker", "municipality": "3203", "validTime": day}).IDs["mapId"]

	// The read side.
	m := "/v1/maps/" + mapID
	var answer struct {
		Version  uint64
		Erased   bool
		Document struct {
			Actors []struct{ ID, Name, Sector string }
		}
	}
	c.eventually(m, http.StatusOK, func(a *apiAnswer) bool { a.JSON(t, &answer); return answer.Version == last.Version })
	gpLocal := ""
	for _, a := range answer.Document.Actors {
		if a.Name == "Dr. Hansen" {
			gpLocal = a.ID
		}
	}
	c.eventually("/v1/maps/"+org, http.StatusOK, nil)
	t.Run("maps", func(t *testing.T) {
		c.get(m + "?at=2024-02-01&knownAt=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339)))
		c.get(m + "?knownAt=2030-01-01")
		refused(t, "bad date", c.get(m+"?at=2024-13-01"), http.StatusBadRequest, "at")
		refused(t, "bad knownAt", c.get(m+"?knownAt=yesterday"), http.StatusBadRequest, "knownAt")
		refused(t, "unknown parameter", c.get(m+"?colour=red"), http.StatusBadRequest, "colour")
		refused(t, "not a map id", c.get("/v1/maps/ola"), http.StatusBadRequest, "mapId")
		refused(t, "unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001"), http.StatusNotFound, "mapId")
		refused(t, "before the map", c.get(m+"?at=2020-01-01"), http.StatusNotFound, "mapId")
		var er struct{ Erased bool }
		c.eventually("/v1/maps/"+erased, http.StatusOK, func(a *apiAnswer) bool { a.JSON(t, &er); return er.Erased })
		if a := c.get("/v1/maps/" + erased); strings.Contains(string(a.Body), "Erik") {
			t.Errorf("an erased map shows its citizen's name: %s", a.Body)
		}

		var maps []struct{ MapID, Label string }
		c.get("/v1/maps").JSON(t, &maps)
		if len(maps) < 4 {
			t.Errorf("GET /v1/maps: %d maps", len(maps))
		}
		c.get("/v1/maps?municipality=3203")
		c.get("/v1/maps?openedBy="+url.QueryEscape(coordinator)).JSON(t, &maps)
		if !slices.ContainsFunc(maps, func(s struct{ MapID, Label string }) bool { return s.MapID == mapID && s.Label == "Ola N." }) {
			t.Errorf("the coordinator's own list: %+v", maps)
		}
		refused(t, "bad municipality", c.get("/v1/maps?municipality=oslo"), http.StatusBadRequest, "municipality")
		refused(t, "bad principal", c.get("/v1/maps?openedBy=kari%20nordmann"), http.StatusBadRequest, "openedBy")

		c.get(m + "/changes?from=2024-01-15&to=2024-03-01")
		refused(t, "changes without from", c.get(m+"/changes"), http.StatusBadRequest, "from")
		refused(t, "changes backwards", c.get(m+"/changes?from=2024-03-01&to=2024-01-01"), http.StatusBadRequest, "to")
		refused(t, "changes of an unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001/changes?from=2024-01-01"), http.StatusNotFound, "mapId")

		var hist struct {
			Events []struct{ Version uint64 }
			Dates  []string
		}
		c.get(m+"/history").JSON(t, &hist)
		if len(hist.Events) < 25 || hist.Events[len(hist.Events)-1].Version != last.Version || len(hist.Dates) < 10 {
			t.Errorf("history: %d events, %d dates: %+v", len(hist.Events), len(hist.Dates), hist)
		}
		refused(t, "history of an unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001/history"), http.StatusNotFound, "mapId")
		refused(t, "history with a parameter", c.get(m+"/history?at=2024-01-01"), http.StatusBadRequest, "at")

		n := m + "/actors/" + gpLocal + "/neighbourhood"
		c.get(n + "?depth=2&at=2024-02-01")
		refused(t, "too deep", c.get(n+"?depth=9"), http.StatusBadRequest, "depth")
		refused(t, "depth not a number", c.get(n+"?depth=deep"), http.StatusBadRequest, "depth")
		refused(t, "unknown actor", c.get(m+"/actors/nobody/neighbourhood"), http.StatusNotFound, "actor")
	})

	t.Run("exports", func(t *testing.T) {
		for _, f := range []string{"export.json", "export.csv", "export.csv?table=actors", "export.graphml", "export.gexf", "careteam.json"} {
			if a := c.get(m + "/" + f); a.Status != http.StatusOK || !bytes.Contains(a.Body, []byte("Hansen")) {
				t.Errorf("%s: %d %.200s", f, a.Status, a.Body)
			}
		}
		refused(t, "unknown table", c.get(m+"/export.csv?table=colours"), http.StatusBadRequest, "table")
		refused(t, "table of json", c.get(m+"/export.json?table=actors"), http.StatusBadRequest, "table")
		refused(t, "careteam of an organisation map", c.get("/v1/maps/"+org+"/careteam.json"), http.StatusBadRequest, "mapId")
		refused(t, "export of an unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001/export.gexf"), http.StatusNotFound, "mapId")
		if a := c.get("/v1/maps/" + erased + "/export.json"); a.Status != http.StatusOK || strings.Contains(string(a.Body), "Erik") {
			t.Errorf("export of an erased map: %d %.300s", a.Status, a.Body)
		}
		for _, f := range []string{"export.graphml", "export.gexf"} {
			c.get("/v1/areas/3203/" + f + "?at=2024-03-01")
		}
		c.get("/v1/areas/3203/export.gexf?knownAt=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339)))
		refused(t, "area export with a bad knownAt", c.get("/v1/areas/3203/export.gexf?knownAt=soon"), http.StatusBadRequest, "knownAt")
		refused(t, "area export of no municipality", c.get("/v1/areas/oslo/export.graphml"), http.StatusBadRequest, "municipality")

		// A map's own document imports as a new map.
		var doc map[string]any
		c.get("/v1/maps/"+org+"/export.json").JSON(t, &doc)
		doc["id"] = "7e57c0de-0000-4000-8000-00000000000a"
		b, _ := json.Marshal(doc)
		imp := apiRequest{method: http.MethodPost, path: "/v1/imports", body: b, header: http.Header{command.HeaderPrincipal: {coordinator}}}
		if a := c.do(imp); a.Status != http.StatusCreated {
			t.Errorf("import: %d %s", a.Status, a.Body)
		}
		refused(t, "import again", c.do(imp), http.StatusConflict, "id")
		refused(t, "import not a document", c.do(apiRequest{method: http.MethodPost, path: "/v1/imports", body: []byte(`{"schema":"samspill.map/v1"}`)}), http.StatusBadRequest, "/actors")
		refused(t, "import as text", c.do(apiRequest{method: http.MethodPost, path: "/v1/imports", contentType: "text/csv", body: []byte("a,b")}), http.StatusUnsupportedMediaType, "Content-Type")
	})

	t.Run("areas and directory", func(t *testing.T) {
		var dir struct{ Entries []struct{ EntryID string } }
		c.get("/v1/directory?q=dps&municipality=3203&sector=specialist-mh&limit=5").JSON(t, &dir)
		if len(dir.Entries) != 1 || dir.Entries[0].EntryID != "dps-asker" {
			t.Errorf("directory search: %+v", dir)
		}
		c.get("/v1/directory")
		refused(t, "limit", c.get("/v1/directory?limit=500"), http.StatusBadRequest, "limit")
		refused(t, "sector", c.get("/v1/directory?sector=bakery"), http.StatusBadRequest, "sector")

		a := "/v1/areas/3203"
		c.get(a + "/system?at=2024-03-01&k=5")
		refused(t, "negative k", c.get(a+"/system?k=-1"), http.StatusBadRequest, "k")
		c.get(a + "/bundle?at=2024-03-01")
		refused(t, "bundle of no municipality", c.get("/v1/areas/oslo/bundle"), http.StatusBadRequest, "municipality")
		c.get(a + "/matrix?at=2024-03-01")
		c.get(a + "/matrix.csv?k=6")
		refused(t, "matrix with a bad date", c.get(a+"/matrix.csv?at=tomorrow"), http.StatusBadRequest, "at")
		c.eventually(a+"/prevalence?from=2024-01-01&to=2024-06-01&step=month", http.StatusOK, nil)
		c.get(a + "/prevalence.csv?step=quarter")
		refused(t, "prevalence step", c.get(a+"/prevalence?step=fortnight"), http.StatusBadRequest, "step")
		refused(t, "prevalence of no maps", c.get("/v1/areas/9999/prevalence"), http.StatusNotFound, "municipality")
	})

	t.Run("gaps", func(t *testing.T) {
		c.eventually(m+"/gaps?lang=nb", http.StatusOK, nil)
		c.eventually("/v1/areas/3203/gaps", http.StatusOK, nil)
		refused(t, "lang", c.get(m+"/gaps?lang=sv"), http.StatusBadRequest, "lang")
		refused(t, "unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001/gaps"), http.StatusNotFound, "mapId")
		refused(t, "bad map id", c.get("/v1/maps/ola/gaps"), http.StatusBadRequest, "mapId")
		refused(t, "no maps", c.get("/v1/areas/9999/gaps"), http.StatusNotFound, "municipality")
	})

	t.Run("pictures", func(t *testing.T) {
		for _, f := range []string{"svg", "png", "pdf", "dot"} {
			c.eventually(m+"/picture."+f+"?lang=nb&at=2024-02-01", http.StatusOK, nil)
			c.eventually(m+"/changes/picture."+f+"?from=2024-01-01", http.StatusOK, nil)
			c.eventually("/v1/areas/3203/picture."+f, http.StatusOK, nil)
		}
		refused(t, "lang", c.get(m+"/picture.svg?lang=sv"), http.StatusBadRequest, "lang")
		refused(t, "changes without from", c.get(m+"/changes/picture.svg"), http.StatusBadRequest, "from")
		refused(t, "unknown map", c.get("/v1/maps/7e57c0de-0000-4000-8000-000000000001/picture.png"), http.StatusNotFound, "mapId")
		refused(t, "bad municipality", c.get("/v1/areas/oslo/picture.svg"), http.StatusBadRequest, "municipality")
	})

	// Every documented path refuses another method with 405 and Allow,
	// and an unknown path is 404.
	t.Run("methods", func(t *testing.T) {
		for path := range c.model.Paths.PathItems.FromOldest() {
			p := strings.NewReplacer("{mapId}", mapID, "{municipality}", "3203", "{actor}", gpLocal).Replace(path)
			a := c.do(apiRequest{method: http.MethodDelete, path: p})
			if a.Status != http.StatusMethodNotAllowed || a.Header.Get("Allow") == "" {
				t.Errorf("DELETE %s: %d, Allow %q", p, a.Status, a.Header.Get("Allow"))
			}
		}
		refused(t, "unknown path", c.get("/v1/nothing"), http.StatusNotFound, "")
	})

	// Every documented operation answered with success at least once.
	for path, item := range c.model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			op := strings.ToUpper(method) + " " + path
			var statuses []int
			ok := false
			for st := range c.seen[op] {
				statuses = append(statuses, st)
				ok = ok || st < 300
			}
			slices.Sort(statuses)
			if !ok {
				t.Errorf("%s never answered with success (answered %v)", op, statuses)
			}
			if testing.Verbose() {
				t.Logf("%s: %v", op, statuses)
			}
		}
	}
}

// TestAPIOnTheDemoRegion holds the answers about the demo region (many
// maps, suppressed and unsuppressed cells, every kind of gap) against the
// document.
func TestAPIOnTheDemoRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo region")
	}
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval", demoSeed: 1}
	base, stop := startUp(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	c := newAPIClient(t, base)
	var maps []struct {
		MapID, Municipality, Focus string
	}
	c.get("/v1/maps").JSON(t, &maps)
	if len(maps) < 20 {
		t.Fatalf("demo: %d maps", len(maps))
	}
	areas := map[string]bool{}
	for i, m := range maps {
		if m.Municipality != "" {
			areas[m.Municipality] = true
		}
		if i%5 != 0 {
			continue
		}
		p := "/v1/maps/" + m.MapID
		c.get(p)
		c.get(p + "/history")
		c.get(p + "/changes?from=2020-01-01")
		c.get(p + "/export.csv?table=actors")
		if m.Focus == "citizen" {
			c.get(p + "/careteam.json")
			c.eventually(p+"/gaps", http.StatusOK, nil)
		}
	}
	for a := range areas {
		p := "/v1/areas/" + a
		c.get(p + "/system")
		c.get(p + "/matrix")
		c.get(p + "/bundle")
		c.get("/v1/directory?municipality=" + a + "&limit=100")
		c.eventually(p+"/gaps", http.StatusOK, nil)
		c.eventually(p+"/prevalence?step=quarter", http.StatusOK, nil)
	}
	if len(areas) == 0 || len(c.seen) < 12 {
		t.Errorf("only %d areas and %d operations checked", len(areas), len(c.seen))
	}
}
