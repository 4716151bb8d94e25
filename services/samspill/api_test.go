package main

import (
	"bytes"
	"encoding/json"
	"errors"
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
	"github.com/pb33f/libopenapi-validator/content"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/samspill/samspill/pkg/date"
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
//
// A client sends no credential; as gives one that signs in with a token
// and shares the record of what was seen.
type apiClient struct {
	t       *testing.T
	base    string
	model   *v3.Document
	v       validator.Validator
	opts    *config.ValidationOptions
	problem *base.Schema
	// token is sent as Authorization: Bearer, purpose as
	// Samspill-Purpose, when not empty.
	token, purpose string

	mu *sync.Mutex
	// seen holds, per documented operation ("GET /v1/maps/{mapId}"), the
	// statuses it answered.
	seen map[string]map[int]bool
}

// as returns a client that signs in with token (and the purpose of use,
// when given).
func (c *apiClient) as(token string, purpose ...string) *apiClient {
	cp := *c
	cp.token, cp.purpose = token, strings.Join(purpose, "")
	return &cp
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
	// JSON Lines (the audit trail's export) are read as the array of
	// their lines, which is how the document describes them.
	opts := []config.Option{config.WithFormatAssertions(), config.WithBodyDecoder("application/jsonl", content.DecoderFunc(jsonLines))}
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
		problem: prob.Schema(), mu: new(sync.Mutex), seen: map[string]map[int]bool{}}
}

// jsonLines decodes a JSON Lines body into the array of its values.
func jsonLines(in *content.DecodeInput) (any, error) {
	out := []any{}
	dec := json.NewDecoder(in.Body)
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", len(out)+1, err)
		}
		out = append(out, v)
	}
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
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.purpose != "" {
		req.Header.Set("Samspill-Purpose", c.purpose)
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

// command posts a command.
func (c *apiClient) command(name string, body any) *apiAnswer {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(apiRequest{method: http.MethodPost, path: "/v1/commands/" + name, body: b})
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

// forbidden checks that a is a refusal of the principal's rights: 403,
// code forbidden.
func forbidden(t *testing.T, what string, a *apiAnswer) {
	t.Helper()
	if a.Status != http.StatusForbidden || a.Problem.Code != "forbidden" {
		t.Errorf("%s: %d %q (%s); want 403 forbidden", what, a.Status, a.Problem.Code, a.Problem.Detail)
	}
}

// unauthenticated checks that a asks to sign in: 401, code
// unauthenticated.
func unauthenticated(t *testing.T, what string, a *apiAnswer) {
	t.Helper()
	if a.Status != http.StatusUnauthorized || a.Problem.Code != "unauthenticated" {
		t.Errorf("%s: %d %q (%s); want 401 unauthenticated", what, a.Status, a.Problem.Code, a.Problem.Detail)
	}
}

// challenged is unauthenticated with the Bearer challenge (RFC 6750) in
// WWW-Authenticate.
func challenged(t *testing.T, what string, a *apiAnswer) {
	t.Helper()
	unauthenticated(t, what, a)
	if !strings.HasPrefix(a.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", what, a.Header.Get("WWW-Authenticate"))
	}
}

// newToken makes an API token through POST /v1/tokens and returns its
// credential and its principal's subject.
func (c *apiClient) newToken(spec tokenSpec) (credential, subject string) {
	c.t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		c.t.Fatal(err)
	}
	a := c.do(apiRequest{method: http.MethodPost, path: "/v1/tokens", body: b})
	if a.Status != http.StatusCreated {
		c.t.Fatalf("POST /v1/tokens %s: %d %s", spec.Name, a.Status, a.Body)
	}
	var out struct{ Token, Subject string }
	a.JSON(c.t, &out)
	return out.Token, out.Subject
}

// unknownMap is a map id nobody opened.
const unknownMap = "7e57c0de-0000-4000-8000-000000000001"

// TestAPI drives every route of samspill up over HTTP, each to its answer
// and to every refusal it can give that a client can provoke, and holds
// each answer against schemas/openapi.yaml; at the end every documented
// operation must have succeeded at least once.
//
// Each request is made as the role that may make it: the administrator
// (the token up wrote) manages the directory, tokens and assignments and
// reads the audit trail; a coordinator opens and works on the maps; an
// analyst of 3203 reads its aggregates; an integration whose grants cover
// every map, area and bundle provokes the refusals that lie behind the
// access decision (a map that does not exist, a malformed id), which a
// coordinator is refused before.
func TestAPI(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, stop := startUp(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	api := newAPIClient(t, base) // no credential
	adm := api.as(mustAdminToken(t, cfg.data))
	coordTok, coordSub := adm.newToken(tokenSpec{Name: "Coordinator A", Role: "coordinator", Municipality: "3203"})
	otherTok, otherSub := adm.newToken(tokenSpec{Name: "Coordinator B", Role: "coordinator", Municipality: "3203"})
	analystTok, _ := adm.newToken(tokenSpec{Name: "Analyst of Asker", Role: "analyst", Municipality: "3203"})
	integTok, integSub := adm.newToken(tokenSpec{Name: "Statistics integration", Role: "integration", Grants: []string{"area.*.read", "bundle.*.read", "map.*.read"}})
	c := api.as(coordTok)
	other := api.as(otherTok)
	analyst := api.as(analystTok, "HOPERAT")
	integ := api.as(integTok)

	// Operations: public, no credential needed.
	var index map[string]any
	api.get("/").JSON(t, &index)
	if index["openapi"] != "/openapi.yaml" {
		t.Errorf("the index does not list the OpenAPI document: %v", index)
	}
	if a := api.get("/openapi.yaml"); a.Status != http.StatusOK || !bytes.Equal(a.Body, schemas.OpenAPI()) {
		t.Errorf("GET /openapi.yaml: %d, %d bytes", a.Status, len(a.Body))
	}
	if a := api.get("/healthz"); a.Status != http.StatusOK {
		t.Errorf("GET /healthz: %d", a.Status)
	}
	if a := api.get("/metrics"); a.Status != http.StatusOK || !bytes.Contains(a.Body, []byte("# TYPE")) {
		t.Errorf("GET /metrics: %d %.200s", a.Status, a.Body)
	}
	var list struct{ Commands []command.Name }
	api.get("/v1/commands").JSON(t, &list)
	if !slices.Equal(list.Commands, command.Names()) {
		t.Errorf("GET /v1/commands: %v", list.Commands)
	}
	if a := api.get("/v1/auth/key"); a.Status != http.StatusOK || !bytes.Contains(a.Body, []byte("-----BEGIN PUBLIC KEY-----")) {
		t.Errorf("GET /v1/auth/key: %d %.200s", a.Status, a.Body)
	}

	// The directory: the administrator's.
	const day = "2024-01-01"
	for _, e := range []struct{ id, name, sector string }{
		{"legekontor-asker", "Asker legekontor", "primary-health"},
		{"dps-asker", "DPS Asker", "specialist-mh"},
		{"nav-asker", "NAV Asker", "welfare-work"},
		{"rus-asker", "Asker rustjeneste", "municipal-mh-su"},
	} {
		adm.ok("register_entry", map[string]any{"entryId": e.id, "kind": "service", "name": e.name, "sector": e.sector, "municipality": "3203", "validTime": day})
	}
	adm.ok("update_entry", map[string]any{"entryId": "nav-asker", "name": "NAV Asker kommune", "validTime": day})
	adm.ok("retire_entry", map[string]any{"entryId": "rus-asker", "validTime": "2024-02-01"})
	refused(t, "update_entry of a retired entry", adm.command("update_entry", map[string]any{"entryId": "rus-asker", "name": "X"}), http.StatusGone, "entryId")
	refused(t, "register_entry again", adm.command("register_entry", map[string]any{"entryId": "dps-asker", "kind": "service", "name": "DPS", "sector": "specialist-mh", "municipality": "3203"}), http.StatusConflict, "entryId")
	refused(t, "update_entry of an unknown entry", adm.command("update_entry", map[string]any{"entryId": "no-such-entry", "name": "X"}), http.StatusNotFound, "entryId")
	forbidden(t, "register_entry by a coordinator", c.command("register_entry", map[string]any{"entryId": "x-asker", "kind": "service", "name": "X", "sector": "housing", "municipality": "3203"}))

	// A citizen's map, through every command, by the coordinator who
	// opens it.
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
		// A map the coordinator is not assigned to is forbidden whether
		// or not it exists; the administrator, who may assign any map,
		// learns that it does not.
		forbidden(t, "a coordinator's command on an unknown map", c.command("add_actor", map[string]any{"mapId": unknownMap, "kind": "service", "level": "service", "sector": "housing", "name": "X"}))
		refused(t, "grant_access on an unknown map", adm.command("grant_access", map[string]any{"mapId": unknownMap, "principal": otherSub}), http.StatusNotFound, "mapId")
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
		refused(t, "unknown purpose", c.as(coordTok, "GOSSIP").command("review_plan", map[string]any{"mapId": mapID}), http.StatusBadRequest, "Samspill-Purpose")
	})

	// A closed map and an erased one refuse commands.
	closed := c.ok("open_map", map[string]any{"focus": "citizen", "label": "P. A.", "municipality": "3203", "validTime": day}).IDs["mapId"]
	c.ok("close_map", map[string]any{"mapId": closed, "reason": "moved"})
	refused(t, "add_actor on a closed map", c.command("add_actor", map[string]any{"mapId": closed, "kind": "service", "level": "service", "sector": "housing", "name": "X"}), http.StatusGone, "mapId")
	erased := c.ok("open_map", map[string]any{"focus": "citizen", "label": "E. R.", "municipality": "3203", "citizenName": "Erik R.", "validTime": day}).IDs["mapId"]
	forbidden(t, "erase_map by the administrator", adm.command("erase_map", map[string]any{"mapId": erased, "basis": "citizen-request"}))
	c.as(coordTok, "PATRQT").ok("erase_map", map[string]any{"mapId": erased, "basis": "citizen-request"})
	refused(t, "add_actor on an erased map", c.command("add_actor", map[string]any{"mapId": erased, "kind": "service", "level": "service", "sector": "housing", "name": "X"}), http.StatusGone, "mapId")
	refused(t, "erase_map again", c.command("erase_map", map[string]any{"mapId": erased, "basis": "citizen-request"}), http.StatusGone, "mapId")
	refused(t, "grant_access on an erased map", adm.command("grant_access", map[string]any{"mapId": erased, "principal": otherSub}), http.StatusGone, "mapId")
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
		forbidden(t, "a coordinator's unknown map", c.get("/v1/maps/"+unknownMap))
		refused(t, "not a map id", integ.get("/v1/maps/ola"), http.StatusBadRequest, "mapId")
		refused(t, "unknown map", integ.get("/v1/maps/"+unknownMap), http.StatusNotFound, "mapId")
		refused(t, "before the map", c.get(m+"?at=2020-01-01"), http.StatusNotFound, "mapId")
		var er struct{ Erased bool }
		c.eventually("/v1/maps/"+erased, http.StatusOK, func(a *apiAnswer) bool { a.JSON(t, &er); return er.Erased })
		if a := c.get("/v1/maps/" + erased); strings.Contains(string(a.Body), "Erik") {
			t.Errorf("an erased map shows its citizen's name: %s", a.Body)
		}

		// A coordinator's list is the maps assigned to them, with labels.
		type summary struct {
			MapID, Label, OpenedBy string
			Assigned               []string
		}
		var maps []summary
		c.get("/v1/maps").JSON(t, &maps)
		if len(maps) != 4 || !slices.ContainsFunc(maps, func(s summary) bool { return s.MapID == mapID && s.Label == "Ola N." }) {
			t.Errorf("the coordinator's own list: %+v", maps)
		}
		other.get("/v1/maps").JSON(t, &maps)
		if len(maps) != 0 {
			t.Errorf("another coordinator's list holds maps not assigned to them: %+v", maps)
		}
		c.get("/v1/maps?municipality=3203")
		// The administrator's list is every map, without labels, with
		// whom each is assigned to.
		adm.get("/v1/maps?openedBy="+url.QueryEscape(coordSub)).JSON(t, &maps)
		if !slices.ContainsFunc(maps, func(s summary) bool {
			return s.MapID == mapID && s.Label == "" && s.OpenedBy == coordSub && slices.Equal(s.Assigned, []string{coordSub})
		}) {
			t.Errorf("the administrator's list: %+v", maps)
		}
		refused(t, "bad municipality", c.get("/v1/maps?municipality=oslo"), http.StatusBadRequest, "municipality")
		refused(t, "bad principal", adm.get("/v1/maps?openedBy=kari%20nordmann"), http.StatusBadRequest, "openedBy")
		forbidden(t, "an analyst's list of maps", analyst.get("/v1/maps"))

		c.get(m + "/changes?from=2024-01-15&to=2024-03-01")
		refused(t, "changes without from", c.get(m+"/changes"), http.StatusBadRequest, "from")
		refused(t, "changes backwards", c.get(m+"/changes?from=2024-03-01&to=2024-01-01"), http.StatusBadRequest, "to")
		refused(t, "changes of an unknown map", integ.get("/v1/maps/"+unknownMap+"/changes?from=2024-01-01"), http.StatusNotFound, "mapId")

		var hist struct {
			Events []struct{ Version uint64 }
			Dates  []string
		}
		c.get(m+"/history").JSON(t, &hist)
		if len(hist.Events) < 25 || hist.Events[len(hist.Events)-1].Version != last.Version || len(hist.Dates) < 10 {
			t.Errorf("history: %d events, %d dates: %+v", len(hist.Events), len(hist.Dates), hist)
		}
		refused(t, "history of an unknown map", integ.get("/v1/maps/"+unknownMap+"/history"), http.StatusNotFound, "mapId")
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
		refused(t, "export of an unknown map", integ.get("/v1/maps/"+unknownMap+"/export.gexf"), http.StatusNotFound, "mapId")
		if a := c.get("/v1/maps/" + erased + "/export.json"); a.Status != http.StatusOK || strings.Contains(string(a.Body), "Erik") {
			t.Errorf("export of an erased map: %d %.300s", a.Status, a.Body)
		}
		for _, f := range []string{"export.graphml", "export.gexf"} {
			analyst.get("/v1/areas/3203/" + f + "?at=2024-03-01")
		}
		analyst.get("/v1/areas/3203/export.gexf?knownAt=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339)))
		refused(t, "area export with a bad knownAt", analyst.get("/v1/areas/3203/export.gexf?knownAt=soon"), http.StatusBadRequest, "knownAt")
		refused(t, "area export of no municipality", integ.get("/v1/areas/oslo/export.graphml"), http.StatusBadRequest, "municipality")

		// A map's own document imports as a new map, which is assigned to
		// the coordinator who imports it.
		var doc map[string]any
		c.get("/v1/maps/"+org+"/export.json").JSON(t, &doc)
		doc["id"] = "7e57c0de-0000-4000-8000-00000000000a"
		b, _ := json.Marshal(doc)
		imp := apiRequest{method: http.MethodPost, path: "/v1/imports", body: b}
		if a := c.do(imp); a.Status != http.StatusCreated {
			t.Errorf("import: %d %s", a.Status, a.Body)
		}
		c.eventually("/v1/maps/7e57c0de-0000-4000-8000-00000000000a", http.StatusOK, nil)
		refused(t, "import again", c.do(imp), http.StatusConflict, "id")
		forbidden(t, "import by an analyst", analyst.do(imp))
		refused(t, "import not a document", c.do(apiRequest{method: http.MethodPost, path: "/v1/imports", body: []byte(`{"schema":"samspill.map/v1"}`)}), http.StatusBadRequest, "/actors")
		refused(t, "import as text", c.do(apiRequest{method: http.MethodPost, path: "/v1/imports", contentType: "text/csv", body: []byte("a,b")}), http.StatusUnsupportedMediaType, "Content-Type")
	})

	t.Run("areas and directory", func(t *testing.T) {
		var dir struct{ Entries []struct{ EntryID string } }
		analyst.get("/v1/directory?q=dps&municipality=3203&sector=specialist-mh&limit=5").JSON(t, &dir)
		if len(dir.Entries) != 1 || dir.Entries[0].EntryID != "dps-asker" {
			t.Errorf("directory search: %+v", dir)
		}
		c.get("/v1/directory")
		refused(t, "limit", c.get("/v1/directory?limit=500"), http.StatusBadRequest, "limit")
		refused(t, "sector", c.get("/v1/directory?sector=bakery"), http.StatusBadRequest, "sector")

		a := "/v1/areas/3203"
		analyst.get(a + "/system?at=2024-03-01&k=5")
		refused(t, "negative k", analyst.get(a+"/system?k=-1"), http.StatusBadRequest, "k")
		// The bundle is every map's structure, not an aggregate: only an
		// integration granted it reads it.
		integ.get(a + "/bundle?at=2024-03-01")
		forbidden(t, "an analyst's bundle", analyst.get(a+"/bundle"))
		refused(t, "bundle of no municipality", integ.get("/v1/areas/oslo/bundle"), http.StatusBadRequest, "municipality")
		analyst.get(a + "/matrix?at=2024-03-01")
		analyst.get(a + "/matrix.csv?k=6")
		refused(t, "matrix with a bad date", analyst.get(a+"/matrix.csv?at=tomorrow"), http.StatusBadRequest, "at")
		analyst.eventually(a+"/prevalence?from=2024-01-01&to=2024-06-01&step=month", http.StatusOK, nil)
		analyst.get(a + "/prevalence.csv?step=quarter")
		refused(t, "prevalence step", analyst.get(a+"/prevalence?step=fortnight"), http.StatusBadRequest, "step")
		refused(t, "prevalence of no maps", integ.get("/v1/areas/9999/prevalence"), http.StatusNotFound, "municipality")
	})

	t.Run("gaps", func(t *testing.T) {
		c.eventually(m+"/gaps?lang=nb", http.StatusOK, nil)
		analyst.eventually("/v1/areas/3203/gaps", http.StatusOK, nil)
		refused(t, "lang", c.get(m+"/gaps?lang=sv"), http.StatusBadRequest, "lang")
		refused(t, "unknown map", integ.get("/v1/maps/"+unknownMap+"/gaps"), http.StatusNotFound, "mapId")
		refused(t, "bad map id", integ.get("/v1/maps/ola/gaps"), http.StatusBadRequest, "mapId")
		refused(t, "no maps", integ.get("/v1/areas/9999/gaps"), http.StatusNotFound, "municipality")
	})

	t.Run("pictures", func(t *testing.T) {
		for _, f := range []string{"svg", "png", "pdf", "dot"} {
			c.eventually(m+"/picture."+f+"?lang=nb&at=2024-02-01", http.StatusOK, nil)
			c.eventually(m+"/changes/picture."+f+"?from=2024-01-01", http.StatusOK, nil)
			analyst.eventually("/v1/areas/3203/picture."+f, http.StatusOK, nil)
		}
		refused(t, "lang", c.get(m+"/picture.svg?lang=sv"), http.StatusBadRequest, "lang")
		refused(t, "changes without from", c.get(m+"/changes/picture.svg"), http.StatusBadRequest, "from")
		refused(t, "unknown map", integ.get("/v1/maps/"+unknownMap+"/picture.png"), http.StatusNotFound, "mapId")
		refused(t, "bad municipality", integ.get("/v1/areas/oslo/picture.svg"), http.StatusBadRequest, "municipality")
	})

	// Who may do what: no credential or a bad one is 401; a principal
	// whose role or assignments do not allow the request, 403.
	t.Run("access", func(t *testing.T) {
		unauthenticated(t, "a map without a token", api.get(m))
		challenged(t, "a command without a token", api.command("review_plan", map[string]any{"mapId": mapID}))
		unauthenticated(t, "an area without a token", api.get("/v1/areas/3203/system"))
		challenged(t, "a map with an unknown token", api.as("ssp_"+strings.Repeat("0", 32)+"_"+strings.Repeat("A", 43)).get(m))
		challenged(t, "a map with a token that is no token", api.as("not-a-token").get(m))
		challenged(t, "a map with a Basic credential", api.do(apiRequest{method: http.MethodGet, path: m, header: http.Header{"Authorization": {"Basic a2FyaTpzZWNyZXQ="}}}))

		forbidden(t, "another coordinator's map", other.get(m))
		forbidden(t, "another coordinator's picture", other.get(m+"/picture.svg"))
		forbidden(t, "another coordinator's command", other.command("review_plan", map[string]any{"mapId": mapID}))
		forbidden(t, "another coordinator's erasure", other.command("erase_map", map[string]any{"mapId": mapID, "basis": "citizen-request"}))
		forbidden(t, "an analyst's map", analyst.get(m))
		forbidden(t, "an analyst's map export", analyst.get(m+"/export.json"))
		forbidden(t, "an analyst's map gaps", analyst.get(m+"/gaps"))
		forbidden(t, "an analyst's command", analyst.command("open_map", map[string]any{"focus": "citizen", "label": "X", "municipality": "3203"}))
		forbidden(t, "an analyst of another municipality", analyst.get("/v1/areas/3201/system"))
		forbidden(t, "a coordinator's area", c.get("/v1/areas/3203/system"))
		forbidden(t, "a coordinator's area gaps", c.get("/v1/areas/3203/gaps"))
		forbidden(t, "a coordinator's area picture", c.get("/v1/areas/3203/picture.svg"))
		forbidden(t, "the administrator's map", adm.get(m))
		forbidden(t, "the administrator's map history", adm.get(m+"/history"))
		forbidden(t, "the administrator's map picture", adm.get(m+"/picture.svg"))
		forbidden(t, "the administrator's command on a map", adm.command("review_plan", map[string]any{"mapId": mapID}))
		forbidden(t, "the administrator's area", adm.get("/v1/areas/3203/system"))
		forbidden(t, "an integration's command", integ.command("review_plan", map[string]any{"mapId": mapID}))
		forbidden(t, "an integration's audit trail", integ.get("/v1/audit"))
		forbidden(t, "a coordinator's tokens", c.get("/v1/tokens"))
	})

	// The administrator assigns a map to another coordinator, who may
	// then read and write it, and ends the assignment.
	t.Run("assignments", func(t *testing.T) {
		forbidden(t, "grant_access by a coordinator", c.command("grant_access", map[string]any{"mapId": mapID, "principal": otherSub}))
		adm.ok("grant_access", map[string]any{"mapId": mapID, "principal": otherSub})
		refused(t, "grant_access again", adm.command("grant_access", map[string]any{"mapId": mapID, "principal": otherSub}), http.StatusUnprocessableEntity, "principal")
		refused(t, "grant_access to no principal", adm.command("grant_access", map[string]any{"mapId": mapID, "principal": "kari nordmann"}), http.StatusUnprocessableEntity, "principal")
		other.eventually(m, http.StatusOK, nil)
		other.eventually(m+"/gaps", http.StatusOK, nil)
		other.eventually(m+"/picture.svg", http.StatusOK, nil)
		other.ok("update_actor", map[string]any{"mapId": mapID, "actorId": kin, "name": "Kari Nordmann", "validTime": "2024-03-02"})
		adm.ok("revoke_access", map[string]any{"mapId": mapID, "principal": otherSub})
		refused(t, "revoke_access again", adm.command("revoke_access", map[string]any{"mapId": mapID, "principal": otherSub}), http.StatusUnprocessableEntity, "principal")
		forbidden(t, "revoke_access by a coordinator", c.command("revoke_access", map[string]any{"mapId": mapID, "principal": coordSub}))
		forbidden(t, "a command after the revocation", other.command("review_plan", map[string]any{"mapId": mapID}))
		other.eventually(m, http.StatusForbidden, nil)
		other.eventually(m+"/gaps", http.StatusForbidden, nil)
		other.eventually(m+"/picture.svg", http.StatusForbidden, nil)
	})

	t.Run("tokens", func(t *testing.T) {
		type token struct {
			ID, Name, Role, Subject, CreatedBy, Token string
			Grants                                    []string
		}
		var tokens struct{ Tokens []token }
		adm.get("/v1/tokens").JSON(t, &tokens)
		if len(tokens.Tokens) != 5 || !slices.ContainsFunc(tokens.Tokens, func(k token) bool {
			return k.Subject == integSub && k.Role == "integration" && len(k.Grants) == 3 && k.Token == "" && k.CreatedBy != ""
		}) {
			t.Errorf("GET /v1/tokens: %+v", tokens)
		}
		if a := adm.get("/v1/tokens"); bytes.Contains(a.Body, []byte(coordTok)) || bytes.Contains(a.Body, []byte(`"token"`)) {
			t.Errorf("GET /v1/tokens shows a credential: %.300s", a.Body)
		}
		refused(t, "list with a parameter", adm.get("/v1/tokens?role=admin"), http.StatusBadRequest, "role")

		post := func(body string) *apiAnswer {
			return adm.do(apiRequest{method: http.MethodPost, path: "/v1/tokens", body: []byte(body)})
		}
		refused(t, "no such role", post(`{"name":"X","role":"doctor"}`), http.StatusUnprocessableEntity, "role")
		refused(t, "no name", post(`{"name":" ","role":"admin"}`), http.StatusUnprocessableEntity, "name")
		refused(t, "an analyst without a municipality", post(`{"name":"X","role":"analyst"}`), http.StatusUnprocessableEntity, "municipality")
		refused(t, "an integration's grant of the audit trail", post(`{"name":"X","role":"integration","grants":["audit.read"]}`), http.StatusUnprocessableEntity, "grants")
		refused(t, "a coordinator's grants", post(`{"name":"X","role":"coordinator","grants":["area.3203.read"]}`), http.StatusUnprocessableEntity, "grants")
		refused(t, "expired already", post(`{"name":"X","role":"admin","expiresAt":"2020-01-01T00:00:00Z"}`), http.StatusUnprocessableEntity, "expiresAt")
		refused(t, "unknown field", post(`{"name":"X","role":"admin","colour":"red"}`), http.StatusBadRequest, "")
		refused(t, "not JSON", post(`{"name":`), http.StatusBadRequest, "")
		forbidden(t, "a token made by a coordinator", c.do(apiRequest{method: http.MethodPost, path: "/v1/tokens", body: []byte(`{"name":"X","role":"admin"}`)}))
		challenged(t, "a token made without a token", api.do(apiRequest{method: http.MethodPost, path: "/v1/tokens", body: []byte(`{"name":"X","role":"admin"}`)}))

		// A revoked token is refused at once.
		short, shortSub := adm.newToken(tokenSpec{Name: "Short-lived analyst", Role: "analyst", Municipality: "3203"})
		if a := api.as(short).get("/v1/areas/3203/system"); a.Status != http.StatusOK {
			t.Fatalf("a fresh token: %d %s", a.Status, a.Body)
		}
		id := strings.TrimPrefix(shortSub, "token:")
		var revoked struct {
			ID      string
			Revoked bool
		}
		adm.do(apiRequest{method: http.MethodDelete, path: "/v1/tokens/" + id}).JSON(t, &revoked)
		if revoked.ID != id || !revoked.Revoked {
			t.Errorf("DELETE /v1/tokens/%s: %+v", id, revoked)
		}
		challenged(t, "a revoked token", api.as(short).get("/v1/areas/3203/system"))
		refused(t, "revoke again", adm.do(apiRequest{method: http.MethodDelete, path: "/v1/tokens/" + id}), http.StatusNotFound, "id")
		refused(t, "revoke no token id", adm.do(apiRequest{method: http.MethodDelete, path: "/v1/tokens/xyz"}), http.StatusBadRequest, "id")
		forbidden(t, "revoke by an analyst", analyst.do(apiRequest{method: http.MethodDelete, path: "/v1/tokens/" + strings.TrimPrefix(coordSub, "token:")}))
	})

	t.Run("audit", func(t *testing.T) {
		type record struct {
			Subject, Role, Purpose, Operation, Action, Kind, Resource, Outcome, Reason, Service string
		}
		var trail struct {
			Records []record
			Limit   int
		}
		adm.get("/v1/audit?outcome=denied&limit=1000").JSON(t, &trail)
		if trail.Limit != 1000 || !slices.ContainsFunc(trail.Records, func(r record) bool {
			return r.Subject == otherSub && r.Operation == "query.map" && r.Resource == mapID && r.Kind == "map" && r.Outcome == "denied" && r.Reason != ""
		}) {
			t.Errorf("the refusals in the trail: %+v", trail)
		}
		adm.get("/v1/audit?service=graph&kind=map&outcome=allowed&resource="+mapID+"&subject="+url.QueryEscape(coordSub)).JSON(t, &trail)
		if len(trail.Records) == 0 || slices.ContainsFunc(trail.Records, func(r record) bool {
			return r.Subject != coordSub || r.Resource != mapID || r.Service != "graph" || r.Outcome != "allowed" || r.Purpose != "COC"
		}) {
			t.Errorf("the coordinator's reads of the map: %+v", trail)
		}
		// A date means a day in Norway (date.HomeLocation): after 23:00
		// UTC, UTC's date is yesterday there.
		today := time.Now().In(date.HomeLocation()).Format(time.DateOnly)
		if a := adm.get("/v1/audit.csv?from=" + today + "&to=" + today + "&kind=tokens"); a.Status != http.StatusOK ||
			!bytes.HasPrefix(a.Body, []byte("id,time,service,subject,")) || !bytes.Contains(a.Body, []byte("auth.tokens.create")) {
			t.Errorf("GET /v1/audit.csv: %d %.300s", a.Status, a.Body)
		}
		if a := adm.get("/v1/audit.jsonl?from=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)) + "&outcome=denied&limit=5"); a.Status != http.StatusOK ||
			bytes.Count(a.Body, []byte("\n")) != 5 {
			t.Errorf("GET /v1/audit.jsonl: %d %.300s", a.Status, a.Body)
		}
		refused(t, "limit", adm.get("/v1/audit?limit=100000"), http.StatusBadRequest, "limit")
		refused(t, "outcome", adm.get("/v1/audit?outcome=maybe"), http.StatusBadRequest, "outcome")
		refused(t, "from", adm.get("/v1/audit.csv?from=yesterday"), http.StatusBadRequest, "from")
		refused(t, "to before from", adm.get("/v1/audit.jsonl?from=2024-02-01&to=2024-01-01"), http.StatusBadRequest, "to")
		refused(t, "unknown parameter", adm.get("/v1/audit?colour=red"), http.StatusBadRequest, "colour")
		forbidden(t, "a coordinator's audit trail", c.get("/v1/audit"))
		forbidden(t, "an analyst's audit CSV", analyst.get("/v1/audit.csv"))
		challenged(t, "the audit trail without a token", api.get("/v1/audit.jsonl"))
	})

	// Every documented path refuses another method with 405 and Allow,
	// and an unknown path is 404.
	t.Run("methods", func(t *testing.T) {
		for path, item := range c.model.Paths.PathItems.FromOldest() {
			p := strings.NewReplacer("{mapId}", mapID, "{municipality}", "3203", "{actor}", gpLocal, "{id}", strings.TrimPrefix(coordSub, "token:")).Replace(path)
			method := http.MethodDelete
			if item.Delete != nil {
				method = http.MethodPut
			}
			a := c.do(apiRequest{method: method, path: p})
			if a.Status != http.StatusMethodNotAllowed || a.Header.Get("Allow") == "" {
				t.Errorf("%s %s: %d, Allow %q", method, p, a.Status, a.Header.Get("Allow"))
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
// document. The administrator lists every map and assigns every fifth to
// a coordinator, who reads them; each municipality's analyst reads its
// aggregates, and an integration its bundle.
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
	api := newAPIClient(t, base)
	adm := api.as(mustAdminToken(t, cfg.data))
	coordTok, coordSub := adm.newToken(tokenSpec{Name: "Demo reader", Role: "coordinator"})
	c := api.as(coordTok)
	integTok, _ := adm.newToken(tokenSpec{Name: "Demo bundles", Role: "integration", Grants: []string{"bundle.*.read"}})
	integ := api.as(integTok)
	var maps []struct {
		MapID, Municipality, Focus string
		Erased                     bool
		Assigned                   []string
	}
	adm.get("/v1/maps").JSON(t, &maps)
	if len(maps) < 20 {
		t.Fatalf("demo: %d maps", len(maps))
	}
	areas := map[string]bool{}
	var granted []string
	for i, m := range maps {
		if m.Municipality != "" {
			areas[m.Municipality] = true
		}
		if i%5 != 0 || m.Erased {
			continue
		}
		if len(m.Assigned) == 0 {
			t.Errorf("demo map %s is assigned to no one", m.MapID)
		}
		adm.ok("grant_access", map[string]any{"mapId": m.MapID, "principal": coordSub})
		granted = append(granted, m.MapID)
		p := "/v1/maps/" + m.MapID
		c.eventually(p, http.StatusOK, nil)
		c.get(p + "/history")
		c.get(p + "/changes?from=2020-01-01")
		c.get(p + "/export.csv?table=actors")
		if m.Focus == "citizen" {
			c.get(p + "/careteam.json")
			c.eventually(p+"/gaps", http.StatusOK, nil)
		}
	}
	var own []struct{ MapID string }
	c.get("/v1/maps").JSON(t, &own)
	if len(own) != len(granted) {
		t.Errorf("the coordinator's list has %d maps, %d were assigned to them", len(own), len(granted))
	}
	for a := range areas {
		analystTok, _ := adm.newToken(tokenSpec{Name: "Analyst of " + a, Role: "analyst", Municipality: a})
		analyst := api.as(analystTok)
		p := "/v1/areas/" + a
		analyst.get(p + "/system")
		analyst.get(p + "/matrix")
		integ.get(p + "/bundle")
		analyst.get("/v1/directory?municipality=" + a + "&limit=100")
		analyst.eventually(p+"/gaps", http.StatusOK, nil)
		analyst.eventually(p+"/prevalence?step=quarter", http.StatusOK, nil)
	}
	if len(areas) == 0 || len(granted) == 0 || len(c.seen) < 12 {
		t.Errorf("only %d areas, %d maps and %d operations checked", len(areas), len(granted), len(c.seen))
	}
}
