package schemas_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/samspill/samspill/schemas"
)

// metaSchema is the official JSON Schema of OpenAPI 3.1 documents,
// https://spec.openapis.org/oas/3.1/schema/2022-10-07, vendored from the
// copy the Go module github.com/pb33f/libopenapi (v0.42.4,
// datamodel/schemas/oas31-schema.json) carries; its $id names the
// original.
const metaSchema = "testdata/oas-3.1-schema-2022-10-07.json"

// base is where the document stands among the JSON Schemas: its relative
// $refs ("mapdoc/v1/map.json") resolve to their $ids
// (https://schemas.samspill.no/mapdoc/v1/map.json).
const base = "https://schemas.samspill.no/"

// openAPI returns the embedded document as JSON values.
func openAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(schemas.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	// Through JSON, so that numbers and maps have the types a JSON
	// Schema validator expects.
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("openapi.yaml as JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenAPIIsValidAgainstTheOpenAPI31MetaSchema(t *testing.T) {
	doc := openAPI(t)
	c := jsonschema.NewCompiler()
	b, err := os.ReadFile(metaSchema)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("oas31.json", meta); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("oas31.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3.1 document:\n%v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi: %v, want 3.1.0", doc["openapi"])
	}
	// The meta-schema must be able to refuse: a document without info.
	delete(doc, "info")
	if err := sch.Validate(doc); err == nil {
		t.Error("the meta-schema accepts a document without info")
	}
}

// TestOpenAPIRefsResolve follows every $ref of the document: to a JSON
// pointer in the document itself, or to a JSON Schema file beside it and a
// pointer in that file.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openAPI(t)
	files := map[string]any{}
	n := 0
	walk(doc, "", func(at string, ref string) {
		n++
		file, frag, _ := strings.Cut(ref, "#")
		target := any(doc)
		if file != "" {
			if strings.Contains(file, "://") || strings.HasPrefix(file, "/") || strings.Contains(file, "..") {
				t.Errorf("%s: $ref %q: want a path relative to schemas/", at, ref)
				return
			}
			v, ok := files[file]
			if !ok {
				b, err := fs.ReadFile(schemas.FS, file)
				if err != nil {
					t.Errorf("%s: $ref %q: %v", at, ref, err)
					return
				}
				if err := json.Unmarshal(b, &v); err != nil {
					t.Errorf("%s: $ref %q: %v", at, ref, err)
					return
				}
				files[file] = v
			}
			target = v
		}
		if _, err := pointer(target, frag); err != nil {
			t.Errorf("%s: $ref %q: %v", at, ref, err)
		}
	})
	if n < 100 {
		t.Errorf("only %d $refs found; the walk is broken", n)
	}
	if _, err := pointer(doc, "/components/schemas/Nothing"); err == nil {
		t.Error("pointer resolves a missing name")
	}
}

// TestOpenAPISchemasCompile compiles every schema of the document as JSON
// Schema 2020-12, with every Samspill schema file loaded under its $id, so
// that each one is a valid schema and every reference into the other
// files, and from them onwards, resolves.
func TestOpenAPISchemasCompile(t *testing.T) {
	doc := openAPI(t)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	err := fs.WalkDir(schemas.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		b, err := fs.ReadFile(schemas.FS, p)
		if err != nil {
			return err
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return c.AddResource(base+p, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(base+"openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	var locations []string
	walkSchemas(doc, "", func(at string) { locations = append(locations, at) })
	if len(locations) < 100 {
		t.Fatalf("only %d schemas found; the walk is broken", len(locations))
	}
	for _, at := range locations {
		if _, err := c.Compile(base + "openapi.json#" + at); err != nil {
			t.Errorf("%s: %v", at, err)
		}
	}
}

// TestOpenAPIErrorsAreProblems checks that every operation has a unique
// operationId, a success answer, and that every 4xx or 5xx answer is the
// problem-details schema as application/problem+json.
func TestOpenAPIErrorsAreProblems(t *testing.T) {
	doc := openAPI(t)
	ids := map[string]string{}
	responses := doc["components"].(map[string]any)["responses"].(map[string]any)
	problem := map[string]any{"$ref": "#/components/schemas/Problem"}
	for p, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			where := strings.ToUpper(method) + " " + p
			o := op.(map[string]any)
			id, _ := o["operationId"].(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s: operationId %q missing or also on %s", where, id, ids[id])
			}
			ids[id] = where
			if o["description"] == nil && o["summary"] == nil {
				t.Errorf("%s: no summary or description", where)
			}
			ok := false
			for status, r := range o["responses"].(map[string]any) {
				code, err := strconv.Atoi(status)
				if err != nil {
					t.Errorf("%s: response %q: want a status code", where, status)
					continue
				}
				if code < 400 {
					ok = ok || code < 300
					continue
				}
				resp := r.(map[string]any)
				if ref, isRef := resp["$ref"].(string); isRef {
					resp = responses[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
				}
				content, _ := resp["content"].(map[string]any)
				media, _ := content["application/problem+json"].(map[string]any)
				if len(content) != 1 || media == nil || !equalJSON(media["schema"], problem) {
					t.Errorf("%s: %d answers %v, want only application/problem+json with the Problem schema", where, code, content)
				}
			}
			if !ok {
				t.Errorf("%s: no success answer", where)
			}
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// walk calls f with the location and value of every $ref in v.
func walk(v any, at string, f func(at, ref string)) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			f(at, ref)
		}
		for _, k := range sortedKeys(v) {
			walk(v[k], at+"/"+escape(k), f)
		}
	case []any:
		for i, e := range v {
			walk(e, at+"/"+strconv.Itoa(i), f)
		}
	}
}

// walkSchemas calls f with the JSON pointer of every Schema Object of an
// OpenAPI document that is not inside another: the named schemas, and the
// schemas of parameters, headers and media types.
func walkSchemas(v any, at string, f func(at string)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			p := at + "/" + escape(k)
			switch {
			case at == "/components/schemas":
				f(p)
			case k == "schema":
				f(p)
			default:
				walkSchemas(v[k], p, f)
			}
		}
	case []any:
		for i, e := range v {
			walkSchemas(e, at+"/"+strconv.Itoa(i), f)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// pointer resolves a JSON pointer (RFC 6901, as a URI fragment) in v.
func pointer(v any, frag string) (any, error) {
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, err
	}
	if frag == "" {
		return v, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("fragment %q is not a JSON pointer", frag)
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("no item %q", tok)
			}
			v = c[i]
		default:
			return nil, fmt.Errorf("%q inside a %T", tok, v)
		}
	}
	return v, nil
}
