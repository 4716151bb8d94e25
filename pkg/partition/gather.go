package partition

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/query"
)

// BodyKey returns the partition a JSON query names: the partition of its
// "mapId" when it has one, else its "municipality"; "" when it names
// neither or the map is unknown (answered where asked). It reads nothing
// else, and a body that is not JSON names nothing: the local handler
// refuses it with its own message.
func (in *Instance) BodyKey(data []byte) string {
	var q struct {
		MapID        string `json:"mapId"`
		Municipality string `json:"municipality"`
	}
	_ = json.Unmarshal(data, &q)
	return in.key(q.MapID, q.Municipality)
}

// PathKey is BodyKey for an HTTP request: its {mapId} or {municipality}.
func (in *Instance) PathKey(r *http.Request) string {
	return in.key(r.PathValue("mapId"), r.PathValue("municipality"))
}

func (in *Instance) key(mapID, municipality string) string {
	if mapID != "" {
		k, _ := in.index.Key(mapID)
		return k
	}
	if validToken(municipality) {
		return municipality
	}
	return ""
}

// Merge joins the JSON answers of every instance to a gathered question
// into one.
type Merge func(answers [][]byte) ([]byte, error)

// GatherMicro returns the public handler of an endpoint that asks about
// every partition: local answers for this instance (and is what the
// others call), then every other member is asked the same, and merge
// joins the answers. A refusal from local is answered at once.
func (in *Instance) GatherMicro(endpoint string, local micro.Handler, merge Merge) micro.Handler {
	in.subMu.Lock()
	in.endpoints[endpoint] = local
	in.subMu.Unlock()
	return micro.HandlerFunc(func(req micro.Request) {
		if req.Headers().Get(HeaderForwarded) != "" {
			local.Handle(req)
			return
		}
		rec := &recorded{}
		local.Handle(recordingRequest{Request: req, rec: rec})
		if rec.code != "" {
			_ = req.Error(rec.code, rec.desc, rec.data)
			return
		}
		all, err := in.Gather(in.ctx, endpoint, req.Data(), nats.Header(req.Headers()))
		if err == nil {
			all = append([][]byte{rec.data}, all...)
			var out []byte
			if out, err = merge(all); err == nil {
				_ = req.Respond(out)
				return
			}
		}
		st, e := query.Status(err)
		body, _ := json.Marshal(e)
		_ = req.Error(strconv.Itoa(st), e.Error(), body)
	})
}

// GatherHTTP is GatherMicro for an HTTP route: the others are asked over
// NATS with the request's bearer assertion and purpose, and body returns
// the JSON query the route stands for.
func (in *Instance) GatherHTTP(endpoint string, body func(*http.Request) ([]byte, error), local http.HandlerFunc, merge Merge) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		local(rec, r)
		if rec.Code != http.StatusOK || r.Header.Get(HeaderForwarded) != "" {
			copyResponse(w, rec)
			return
		}
		q, err := body(r)
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		h := nats.Header{}
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			h.Set(access.HeaderAssertion, tok)
		}
		if p := r.Header.Get(access.HeaderPurpose); p != "" {
			h.Set(access.HeaderPurpose, p)
		}
		all, err := in.Gather(r.Context(), endpoint, q, h)
		var out []byte
		if err == nil {
			out, err = merge(append([][]byte{bytes.TrimSpace(rec.Body.Bytes())}, all...))
		}
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(out, '\n'))
	}
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// recorded is what a local handler answered.
type recorded struct {
	data       []byte
	code, desc string
}

// recordingRequest keeps the local handler's answer instead of sending it.
type recordingRequest struct {
	micro.Request
	rec *recorded
}

func (r recordingRequest) Respond(data []byte, _ ...micro.RespondOpt) error {
	r.rec.data = data
	return nil
}

func (r recordingRequest) RespondJSON(v any, _ ...micro.RespondOpt) error {
	b, err := json.Marshal(v)
	if err != nil {
		return micro.ErrMarshalResponse
	}
	r.rec.data = b
	return nil
}

func (r recordingRequest) Error(code, description string, data []byte, _ ...micro.RespondOpt) error {
	r.rec.code, r.rec.desc, r.rec.data = code, description, data
	return nil
}

// Route is a query.Routes wrapper: every route whose pattern names a
// {mapId} or a {municipality} is routed to the instance serving it
// (HTTP).
func (in *Instance) Route(pattern string, h http.Handler) http.Handler {
	if !strings.Contains(pattern, "{mapId}") && !strings.Contains(pattern, "{municipality}") {
		return h
	}
	return in.HTTP(in.PathKey, h.ServeHTTP)
}
