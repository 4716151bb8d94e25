package command_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/services/command/command"
)

// bearer returns an HTTP server of the fixture's handler behind
// access.HTTP, as the edge serves it, and a function that gives a request
// the bearer assertion of p.
func (f *fixture) bearer() (*httptest.Server, func(*http.Request, access.Principal)) {
	sg := signer(f.t, nil)
	srv := httptest.NewServer(access.HTTP(sg.Verifier(), f.svc.Handler()))
	f.t.Cleanup(srv.Close)
	return srv, func(r *http.Request, p access.Principal) {
		r.Header.Set("Authorization", "Bearer "+accesstest.Token(f.t, sg, p))
	}
}

// assertion returns NATS headers with the assertion of p.
func assertion(t testing.TB, p access.Principal) nats.Header {
	t.Helper()
	return nats.Header{access.HeaderAssertion: {accesstest.Token(t, signer(t, nil), p)}}
}

func TestMicroEndpoints(t *testing.T) {
	f := newFixture(t)
	nc := f.srv.Conn()
	svc, err := f.svc.AddMicro(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	if got := len(svc.Info().Endpoints); got != len(command.Names())+1 {
		t.Fatalf("%d endpoints for %d commands and the import", got, len(command.Names()))
	}
	req := nats.NewMsg("samspill.cmd.open_map")
	req.Data = []byte(`{"focus":"citizen","label":"Ola N.","municipality":"3203"}`)
	req.Header = assertion(t, coordinator)
	reply, err := nc.RequestMsg(req, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var res command.Result
	if err := json.Unmarshal(reply.Data, &res); err != nil || res.IDs["mapId"] == "" || res.Version == 0 {
		t.Fatalf("reply %s: %v", reply.Data, err)
	}
	for _, tc := range []struct{ subject, body, status, field string }{
		{"samspill.cmd.add_actor", `{"mapId":"` + res.IDs["mapId"] + `","kind":"person","level":"service","sector":"peer","name":"X","extra":1}`, "400", "extra"},
		{"samspill.cmd.add_actor", `{"mapId":"` + res.IDs["mapId"] + `","kind":"robot","level":"service","sector":"peer","name":"X"}`, "422", "kind"},
		{"samspill.cmd.add_actor", `{"mapId":"` + res.IDs["mapId"] + `","kind":"person","level":"service","sector":"peer","name":"Ola 01019010046"}`, "422", "name"},
		{"samspill.cmd.record_participation", `{"mapId":"` + res.IDs["mapId"] + `","level":"high"}`, "400", "level"},
	} {
		reply, err := nc.RequestMsg(&nats.Msg{Subject: tc.subject, Data: []byte(tc.body), Header: assertion(t, coordinator)}, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if reply.Header.Get("Nats-Service-Error-Code") != tc.status {
			t.Fatalf("%s: status %q, want %s (%s)", tc.body, reply.Header.Get("Nats-Service-Error-Code"), tc.status, reply.Header.Get("Nats-Service-Error"))
		}
		var e command.Error
		if err := json.Unmarshal(reply.Data, &e); err != nil || e.Field != tc.field {
			t.Fatalf("%s: error body %s, want field %s", tc.body, reply.Data, tc.field)
		}
	}
}

func TestHTTPCommandsAndProblems(t *testing.T) {
	f := newFixture(t)
	srv, sign := f.bearer()
	post := func(name, body string, hdr map[string]string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/commands/"+name, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sign(req, coordinator)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	key := "8d9e8a52-3c1f-4c61-9f3e-0b8f2a6b1c11"
	resp, out := post("open_map", `{"focus":"citizen","label":"Ola N.","municipality":"3203"}`, map[string]string{"Idempotency-Key": key})
	if resp.StatusCode != http.StatusCreated || out["commandId"] != key {
		t.Fatalf("open_map: %d %v", resp.StatusCode, out)
	}
	resp, again := post("open_map", `{"focus":"citizen","label":"Ola N.","municipality":"3203"}`, map[string]string{"Idempotency-Key": key})
	if resp.StatusCode != http.StatusOK || again["duplicate"] != true {
		t.Fatalf("retry: %d %v", resp.StatusCode, again)
	}
	mapID := out["ids"].(map[string]any)["mapId"].(string)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"add_actor", `{"mapId":"` + mapID + `","kind":"person","level":"service","sector":"peer"}`, 422, "name"},
		{"add_actor", `{"mapId":"` + mapID + `",`, 400, ""},
		{"add_relation", `{"mapId":"` + mapID + `","from":"` + key + `","to":"` + key + `","type":"refers"}`, 422, "to"},
		{"no_such_command", `{}`, 404, ""},
		{"add_actor", `{"mapId":"6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c","kind":"person","level":"service","sector":"peer","name":"X"}`, 403, ""},
	} {
		resp, p := post(tc.name, tc.body, nil)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s: %d %s", tc.name, tc.body, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if tc.field != "" && p["field"] != tc.field {
			t.Fatalf("%s: problem %v, want field %s", tc.body, p, tc.field)
		}
		if !strings.HasPrefix(p["type"].(string), command.ProblemType) || p["status"].(float64) != float64(tc.status) {
			t.Fatalf("not RFC 9457: %v", p)
		}
	}
	big := bytes.Repeat([]byte("a"), command.MaxCommandSize+1)
	resp, _ = post("add_actor", string(big), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize body: %d", resp.StatusCode)
	}
}

func TestHTTPImport(t *testing.T) {
	f := withDirectory(newFixture(t))
	srv, sign := f.bearer()
	src, err := os.ReadFile("../../../pkg/mapdoc/testdata/example-map.json")
	if err != nil {
		t.Fatal(err)
	}
	postAs := func(p access.Principal, body []byte) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/imports", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if p.Subject != "" {
			sign(req, p)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	post := func(body []byte) (int, map[string]any) { return postAs(coordinator, body) }
	before := f.head()
	// One map is opened by a coordinator, never by an administrator, and
	// nobody unauthenticated; the refusals come before the file is read.
	if status, p := postAs(admin, src); status != 403 || p["code"] != "forbidden" {
		t.Fatalf("an administrator imports a map: %d %v", status, p)
	}
	if status, p := postAs(access.Principal{}, src); status != 401 || p["code"] != "unauthenticated" {
		t.Fatalf("import without a principal: %d %v", status, p)
	}
	bad := bytes.Replace(src, []byte(`"primary-health"`), []byte(`"astrology"`), 1)
	if status, p := post(bad); status != 400 || p["field"] != "/actors/1/sector" {
		t.Fatalf("invalid sector: %d %v", status, p)
	}
	nid := bytes.Replace(src, []byte(`"Dr. Hansen"`), []byte(`"Dr. Hansen 01019010046"`), 1)
	if status, p := post(nid); status != 422 || p["code"] != "national-id" || strings.Contains(fmt.Sprint(p), "01019010046") {
		t.Fatalf("national id: %d %v", status, p)
	}
	if f.head() != before {
		t.Fatal("a refused import wrote events")
	}
	status, out := post(src)
	if status != 201 || len(out["steps"].([]any)) < 10 {
		t.Fatalf("import: %d %v", status, out)
	}
	if status, _ := post(src); status != 409 {
		t.Fatalf("second import of the same map: %d", status)
	}
}

// TestMicroAnswersOnceAdded: a request sent on another connection the
// moment AddMicro returns is answered (here: refused for want of an
// assertion), never "no responders" — AddMicro returns once the server has
// the endpoints' subscriptions.
func TestMicroAnswersOnceAdded(t *testing.T) {
	f := newFixture(t)
	client := f.srv.Conn()
	for i := range 50 {
		nc := f.srv.Conn()
		m, err := f.svc.AddMicro(context.Background(), nc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Request(command.SubjectPrefix+"."+string(command.CmdAddActor), []byte(`{}`), 5*time.Second)
		// Gone from the server before the next is added: a request
		// given to a member that is still listed would time out.
		_ = m.Stop()
		if ferr := nc.Flush(); ferr != nil {
			t.Fatal(ferr)
		}
		nc.Close()
		if err != nil {
			t.Fatalf("request %d right after AddMicro: %v", i, err)
		}
	}
}
