package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/samspill/samspill/pkg/devidp"
	"github.com/samspill/samspill/schemas"
	"github.com/samspill/samspill/services/auth/auth"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/picture/picture"
)

// schemaHost is the origin of the JSON Schemas' $ids.
const schemaHost = "https://schemas.samspill.no/"

// openAPIDocument loads the embedded OpenAPI document with libopenapi.
// Its relative $refs (mapdoc/v1/map.json) and the schema files' absolute
// ones (https://schemas.samspill.no/common/v1/defs.json) are both read
// from the embedded files: nothing is fetched.
func openAPIDocument(t testing.TB) (libopenapi.Document, *v3.Document) {
	t.Helper()
	cfg := datamodel.NewDocumentConfiguration()
	cfg.LocalFS = schemas.FS
	cfg.BasePath = "."
	cfg.SpecFilePath = schemas.OpenAPIPath
	cfg.AllowFileReferences = true
	cfg.AllowRemoteReferences = true
	cfg.RemoteURLHandler = func(url string) (*http.Response, error) {
		b, err := fs.ReadFile(schemas.FS, strings.TrimPrefix(url, schemaHost))
		if err != nil || !strings.HasPrefix(url, schemaHost) {
			t.Errorf("the OpenAPI document refers to %s, which is not a file in schemas/", url)
			return &http.Response{StatusCode: http.StatusNotFound, Body: io.NopCloser(strings.NewReader(""))}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(b))}, nil
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(schemas.OpenAPI(), cfg)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("openapi.yaml model: %v", err)
	}
	return doc, &model.Model
}

// templated matches a path segment's {name} (and {name...}) parameters.
var templated = regexp.MustCompile(`\{[^}]*\}`)

// routeKey is "METHOD /path" with every parameter written {}: the same
// route whatever its parameters are called.
func routeKey(method, path string) string {
	return strings.ToUpper(method) + " " + templated.ReplaceAllString(path, "{}")
}

// commandsPrefix is the path of a command; the document has one path per
// command (/v1/commands/open_map …), the mux one pattern for all.
const commandsPrefix = "/v1/commands/"

// TestRoutesAndOpenAPIDocumentAgree holds the routes samspill up registers
// against the OpenAPI document, both ways: every route is documented and
// every documented operation is a route. Two groups of routes that up
// serves beside the API are not part of it: the web app's pages (/app/…)
// and the development OpenID Connect provider (/idp/…), whose routes are
// the OpenID Connect protocol's (discovery, keys, authorize, token,
// userinfo), for the web app and other relying parties, not Samspill's
// API.
func TestRoutesAndOpenAPIDocumentAgree(t *testing.T) {
	// Zero services: building the handlers calls none of them. Any
	// handler stands for the metrics; up serves its registry there, which
	// the API test checks on the running system.
	rt := apiRoutes(apiServices{commands: new(command.Service), graph: new(graph.Service), gaps: new(gap.Service),
		pictures: new(picture.Service), auth: new(auth.Service), metrics: http.NotFoundHandler()})
	// The development provider is mounted as up mounts it, so that the
	// skip below has routes to skip and nothing else under /idp/ slips by.
	idp, err := devidp.New(devidp.Config{Issuer: "http://127.0.0.1:8080/idp",
		Clients: []devidp.Client{{ID: webClientID, RedirectURIs: []string{"http://127.0.0.1:8080/app/callback"}}}, Users: devIdPUsers()})
	if err != nil {
		t.Fatal(err)
	}
	rt.Mount(idp.Routes())
	registered := map[string]bool{}
	skipped := 0
	for _, p := range rt.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "ANY", p
		}
		if path == "/app" || strings.HasPrefix(path, "/app/") || path == "/idp" || strings.HasPrefix(path, "/idp/") {
			skipped++
			continue
		}
		// "GET /{$}" is the exact path "/".
		registered[routeKey(method, strings.TrimSuffix(path, "{$}"))] = true
	}
	if len(registered) < 20 || skipped < 6 {
		t.Fatalf("only %d routes registered, %d of the identity provider skipped: %v", len(registered), skipped, rt.Patterns())
	}
	for _, k := range []string{"GET /v1/auth/key", "POST /v1/tokens", "DELETE /v1/tokens/{}", "GET /v1/audit.csv"} {
		if !registered[k] {
			t.Errorf("the access service's route %s is not registered", k)
		}
	}

	_, model := openAPIDocument(t)
	documented := map[string]bool{}
	var names []command.Name
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			if name, ok := strings.CutPrefix(path, commandsPrefix); ok && strings.ToUpper(method) == http.MethodPost {
				names = append(names, command.Name(name))
				path = commandsPrefix + "{name}"
			}
			documented[routeKey(method, path)] = true
		}
	}

	for _, k := range sortedKeys(registered) {
		if !documented[k] {
			t.Errorf("route %s is not in schemas/openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !registered[k] {
			t.Errorf("schemas/openapi.yaml documents %s, which samspill up does not serve", k)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, command.Names()) {
		t.Errorf("schemas/openapi.yaml documents the commands\n%v\nthe command service has\n%v", names, command.Names())
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
