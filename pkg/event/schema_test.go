package event_test

// These tests tie the published JSON Schemas (module schemas) to the Go
// types of this package, so that neither can drift from the other: every
// registered type has a schema and every schema a type; the schemas compile
// offline; the Go fields and the schema properties (and required lists) are
// the same; every example in a schema validates, decodes and re-encodes to
// itself; and the schema and event.Unmarshal reject the same broken events.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/schemas"
)

// schemaBase is the URL below which every schema file is published; a file's
// $id is schemaBase followed by its path in schemas.FS.
const schemaBase = "https://schemas.samspill.no/"

const (
	defsURL     = schemaBase + "common/v1/defs.json"
	envelopeURL = schemaBase + "envelope/v1/envelope.json"
)

// catalogue is every JSON file of schemas.FS, parsed and compiled.
type catalogue struct {
	compiler *jsonschema.Compiler
	docs     map[string]any                // $id → parsed document
	ids      map[string]string             // path in schemas.FS → $id
	compiled map[string]*jsonschema.Schema // path in schemas.FS → compiled schema
}

var loadCatalogue = sync.OnceValues(func() (*catalogue, error) {
	c := &catalogue{
		compiler: jsonschema.NewCompiler(),
		docs:     map[string]any{},
		ids:      map[string]string{},
		compiled: map[string]*jsonschema.Schema{},
	}
	c.compiler.DefaultDraft(jsonschema.Draft2020)
	c.compiler.AssertFormat()
	paths, err := fs.Glob(schemas.FS, "*/*/*.json")
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		doc, err := readJSON(p)
		if err != nil {
			return nil, err
		}
		id := schemaBase + p
		if obj, ok := doc.(map[string]any); ok {
			if s, ok := obj["$id"].(string); ok {
				id = s
			}
		}
		if err := c.compiler.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		c.docs[id] = doc
		c.ids[p] = id
	}
	var errs []error
	for _, p := range paths {
		sch, err := c.compiler.Compile(c.ids[p])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		c.compiled[p] = sch
	}
	return c, errors.Join(errs...)
})

func mustCatalogue(t testing.TB) *catalogue {
	t.Helper()
	c, err := loadCatalogue()
	if err != nil {
		t.Fatalf("loading schemas: %v", err)
	}
	return c
}

// readJSON parses a file of schemas.FS the way the validator expects
// (numbers as json.Number).
func readJSON(path string) (any, error) {
	f, err := schemas.FS.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// doc returns the parsed schema of t.
func (c *catalogue) doc(t testing.TB, ty event.Type) map[string]any {
	t.Helper()
	id, ok := c.ids[ty.SchemaPath()]
	if !ok {
		t.Fatalf("no schema at %s", ty.SchemaPath())
	}
	return c.docs[id].(map[string]any)
}

// resolve follows $ref chains (absolute or local to base) until it reaches a
// node without $ref, and returns that node and the document URL it lives in.
func (c *catalogue) resolve(t testing.TB, base string, node map[string]any) (map[string]any, string) {
	t.Helper()
	for range 16 {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node, base
		}
		docURL, ptr, _ := strings.Cut(ref, "#")
		if docURL == "" {
			docURL = base
		}
		doc, ok := c.docs[docURL]
		if !ok {
			t.Fatalf("$ref %s: no document %s", ref, docURL)
		}
		target := doc
		for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
			if tok == "" {
				continue
			}
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			obj, ok := target.(map[string]any)
			if !ok {
				t.Fatalf("$ref %s: %q is not in an object", ref, tok)
			}
			if target, ok = obj[tok]; !ok {
				t.Fatalf("$ref %s: no %q", ref, tok)
			}
		}
		node, base = target.(map[string]any), docURL
	}
	t.Fatalf("$ref chain too long at %v", node)
	return nil, ""
}

// jsonType returns the "type" of a schema node, following $ref.
func (c *catalogue) jsonType(t testing.TB, base string, node map[string]any) string {
	t.Helper()
	for range 16 {
		if ty, ok := node["type"].(string); ok {
			return ty
		}
		ref, ok := node["$ref"].(string)
		if !ok {
			return ""
		}
		node, base = c.resolve(t, base, map[string]any{"$ref": ref})
	}
	return ""
}

// examples returns the examples of a schema document, each encoded as JSON.
func examples(t testing.TB, doc map[string]any) [][]byte {
	t.Helper()
	list, _ := doc["examples"].([]any)
	out := make([][]byte, 0, len(list))
	for _, ex := range list {
		b, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// allExamples returns every example of every event schema, without compiling
// anything (the fuzz target seeds its corpus from them).
func allExamples(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, ty := range event.Types() {
		doc, err := readJSON(ty.SchemaPath())
		if err != nil {
			t.Fatal(err)
		}
		obj, _ := doc.(map[string]any)
		out = append(out, examples(t, obj)...)
	}
	return out
}

// decodeAny decodes JSON with numbers kept as json.Number.
func decodeAny(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	return reflect.DeepEqual(decodeAny(t, a), decodeAny(t, b))
}

func TestEveryTypeHasASchemaAndEverySchemaAType(t *testing.T) {
	for _, ty := range event.Types() {
		if _, err := fs.Stat(schemas.FS, ty.SchemaPath()); err != nil {
			t.Errorf("%s: no schema: %v", ty, err)
		}
	}
	for _, area := range []event.Area{event.AreaMap, event.AreaDirectory, event.AreaGap} {
		paths, err := fs.Glob(schemas.FS, string(area)+"/*/*.json")
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Errorf("no schemas for area %s", area)
		}
		for _, p := range paths {
			parts := strings.Split(strings.TrimSuffix(p, ".json"), "/")
			ty := event.Type("no.samspill." + parts[0] + "." + parts[1] + "." + parts[2])
			if !ty.Valid() {
				t.Errorf("%s: no registered type %s", p, ty)
			} else if ty.SchemaPath() != p {
				t.Errorf("%s: type %s has its schema at %s", p, ty, ty.SchemaPath())
			}
		}
	}
}

func TestSchemasCompile(t *testing.T) {
	c := mustCatalogue(t)
	for _, p := range slices.Sorted(maps.Keys(c.ids)) {
		if strings.HasPrefix(p, "map/") || strings.HasPrefix(p, "directory/") || strings.HasPrefix(p, "gap/") ||
			strings.HasPrefix(p, "common/") || strings.HasPrefix(p, "envelope/") {
			if want := schemaBase + p; c.ids[p] != want {
				t.Errorf("%s: $id %q, want %q", p, c.ids[p], want)
			}
		}
		if c.compiled[p] == nil {
			t.Errorf("%s did not compile", p)
		}
	}
}

func TestAsyncAPINamesEverySchema(t *testing.T) {
	b, err := fs.ReadFile(schemas.FS, "asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		"asyncapi: 3.0.0",
		`address: "samspill.map.{mapId}.{event}"`,
		`address: "samspill.directory.{entryId}.{event}"`,
		`address: "samspill.cmd.{command}"`,
		`address: "samspill.gap.{municipality}.{mapId}.{rule}.{gapId}.{transition}"`,
		`address: "samspill.query.gaps"`,
		"SAMSPILL_EVENTS", "SAMSPILL_GAPS", "samspill-command", "samspill-gap",
		"Nats-Msg-Id", "Samspill-Command-Id",
		"Nats-Expected-Last-Subject-Sequence", "Nats-Expected-Last-Subject-Sequence-Subject",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("asyncapi.yaml does not contain %q", want)
		}
	}
	for _, ty := range event.Types() {
		if !strings.Contains(doc, `$ref: "./`+ty.SchemaPath()+`"`) {
			t.Errorf("asyncapi.yaml does not refer to ./%s", ty.SchemaPath())
		}
		// The last token of an event subject is the type's name; of a gap
		// subject, the transition (opened, closed).
		token := ty.Name()
		if ty.Area() == event.AreaGap {
			token = strings.TrimPrefix(token, "gap_")
		}
		if !strings.Contains(doc, "\n          - "+token+"\n") {
			t.Errorf("asyncapi.yaml does not list %s as the last token of its channel", token)
		}
	}
	for _, m := range regexp.MustCompile(`\$ref: "\./([^"#]+)"`).FindAllStringSubmatch(doc, -1) {
		if _, err := fs.Stat(schemas.FS, m[1]); err != nil {
			t.Errorf("asyncapi.yaml refers to a missing file: %v", err)
		}
	}
}

// TestNoNationalIDsInContracts guards the published files: no example or
// description may hold anything that looks like a national identity number.
func TestNoNationalIDsInContracts(t *testing.T) {
	err := fs.WalkDir(schemas.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(schemas.FS, path)
		if err != nil {
			return err
		}
		for _, m := range nationalid.Find(string(b)) {
			t.Errorf("%s: something that looks like a %s at bytes %d–%d", path, m.Kind, m.Start, m.End)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaShape(t *testing.T) {
	c := mustCatalogue(t)
	for _, ty := range event.Types() {
		t.Run(ty.Name(), func(t *testing.T) {
			doc := c.doc(t, ty)
			base := schemaBase + ty.SchemaPath()
			if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema is %v", doc["$schema"])
			}
			for _, k := range []string{"title", "description"} {
				if s, _ := doc[k].(string); s == "" {
					t.Errorf("no %s", k)
				}
			}
			if doc["additionalProperties"] != false {
				t.Errorf("top level: additionalProperties is %v, want false", doc["additionalProperties"])
			}
			props, _ := doc["properties"].(map[string]any)
			typ, _ := props["type"].(map[string]any)
			if typ["const"] != string(ty) {
				t.Errorf("properties.type.const is %v, want %q", typ["const"], ty)
			}
			subject, _ := props["subject"].(map[string]any)
			wantSubject := defsURL + "#/$defs/" + string(ty.Area()) + "Subject"
			if subject["$ref"] != wantSubject {
				t.Errorf("properties.subject is %v, want a $ref to %s", subject, wantSubject)
			}
			data, _ := props["data"].(map[string]any)
			if data == nil {
				t.Fatal("no properties.data")
			}
			data, _ = c.resolve(t, base, data)
			if data["type"] != "object" || data["additionalProperties"] != false {
				t.Errorf("data: type %v, additionalProperties %v; want object, false", data["type"], data["additionalProperties"])
			}
			want := []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "validtime", "commandid", "data"}
			if got := stringList(doc["required"]); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
				t.Errorf("required %v, want %v", got, want)
			}
		})
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestGoTypesMatchSchemas checks that the JSON field names of every Go data
// type are the data properties of its schema, that the fields without
// omitempty are exactly the required ones, and that the kinds agree (sealed
// fields refer to the sealed definition).
func TestGoTypesMatchSchemas(t *testing.T) {
	c := mustCatalogue(t)
	for _, ty := range event.Types() {
		t.Run(ty.Name(), func(t *testing.T) {
			d, err := event.NewData(ty)
			if err != nil {
				t.Fatal(err)
			}
			base := schemaBase + ty.SchemaPath()
			props := c.doc(t, ty)["properties"].(map[string]any)
			data, dataBase := c.resolve(t, base, props["data"].(map[string]any))
			c.compareStruct(t, reflect.TypeOf(d).Elem(), dataBase, data, "data")
		})
	}
}

var (
	sealedType = reflect.TypeFor[event.Sealed]()
	dateType   = reflect.TypeFor[date.Date]()
)

func (c *catalogue) compareStruct(t *testing.T, typ reflect.Type, base string, node map[string]any, where string) {
	t.Helper()
	if node["additionalProperties"] != false {
		t.Errorf("%s: additionalProperties is %v, want false", where, node["additionalProperties"])
	}
	props, _ := node["properties"].(map[string]any)
	required := stringList(node["required"])
	var fields, wantRequired []string
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, name)
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			wantRequired = append(wantRequired, name)
		}
		prop, ok := props[name].(map[string]any)
		if !ok {
			continue // reported below
		}
		path := where + "." + name
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var want string
		switch {
		case ft == sealedType:
			if prop["$ref"] != defsURL+"#/$defs/sealed" {
				t.Errorf("%s: Go type Sealed, but the schema does not refer to the sealed definition: %v", path, prop)
			}
			want = "string"
		case ft == dateType:
			if prop["$ref"] != defsURL+"#/$defs/date" {
				t.Errorf("%s: Go type date.Date, but the schema does not refer to the date definition: %v", path, prop)
			}
			want = "string"
		case ft.Kind() == reflect.String:
			want = "string"
		case ft.Kind() == reflect.Slice:
			want = "array"
		case ft.Kind() == reflect.Map:
			want = "object"
		case ft.Kind() == reflect.Bool:
			want = "boolean"
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64:
			want = "integer"
		case ft.Kind() == reflect.Struct:
			want = "object"
			sub, subBase := c.resolve(t, base, prop)
			c.compareStruct(t, ft, subBase, sub, path)
		default:
			t.Errorf("%s: unexpected Go kind %s", path, ft.Kind())
		}
		if got := c.jsonType(t, base, prop); got != want {
			t.Errorf("%s: schema type %q, Go type %s wants %q", path, got, f.Type, want)
		}
	}
	if got := slices.Sorted(maps.Keys(props)); !slices.Equal(got, sortedCopy(fields)) {
		t.Errorf("%s: schema properties %v, Go fields %v", where, got, sortedCopy(fields))
	}
	if !slices.Equal(sortedCopy(required), sortedCopy(wantRequired)) {
		t.Errorf("%s: schema requires %v, Go fields without omitempty are %v", where, sortedCopy(required), sortedCopy(wantRequired))
	}
}

// TestVocabulariesMatchGo checks the enums of the schemas against the Go
// constants, value for value and in the documented order.
func TestVocabulariesMatchGo(t *testing.T) {
	c := mustCatalogue(t)
	defs := c.docs[defsURL].(map[string]any)["$defs"].(map[string]any)
	want := map[string][]string{
		"sector":       strs(stakeholder.Sectors()...),
		"kind":         strs(stakeholder.Kinds()...),
		"level":        strs(stakeholder.Levels()...),
		"relationType": strs(stakeholder.RelationTypes()...),
		"quality":      strs(stakeholder.QualityGood, stakeholder.QualityStrained, stakeholder.QualityBroken, stakeholder.QualityUnknown),
		"scale":        strs(stakeholder.High, stakeholder.Medium, stakeholder.Low),
		"public":       strs(stakeholder.PublicNone, stakeholder.PublicLatent, stakeholder.PublicAware, stakeholder.PublicActive),
		"linkage":      strs(stakeholder.LinkageEnabling, stakeholder.LinkageFunctional, stakeholder.LinkageNormative, stakeholder.LinkageDiffused),
		"attitude":     strs(stakeholder.AttitudeSupportive, stakeholder.AttitudeNeutral, stakeholder.AttitudeOpposed),
		"consent":      strs(stakeholder.ConsentGiven, stakeholder.ConsentRefused, stakeholder.ConsentUnknown),
		"focusKind":    strs(stakeholder.FocusCitizen, stakeholder.FocusMunicipality, stakeholder.FocusRegion),
		"entryKind":    strs(stakeholder.EntryOrganisation, stakeholder.EntryService),
		"gapScope":     strs(event.GapScopeMap, event.GapScopeSystem),
		"gapSeverity":  strs(event.GapHigh, event.GapMedium, event.GapLow, event.GapAdvisory),
	}
	for name, w := range want {
		def, _ := defs[name].(map[string]any)
		if got := stringList(def["enum"]); !slices.Equal(got, w) {
			t.Errorf("defs %s: enum %v, Go has %v", name, got, w)
		}
	}
	// Event-local vocabularies.
	local := []struct {
		ty    event.Type
		field string
		want  []string
	}{
		{event.TypeMapClosed, "reason", strs(event.CloseFollowUpEnded, event.CloseMoved, event.CloseDeceased, event.CloseDuplicate, event.CloseOther)},
		{event.TypeMapErased, "basis", strs(event.ErasureCitizenRequest, event.ErasureRetentionExpired, event.ErasureEnteredInError)},
		{event.TypeContactRecorded, "mode", strs(event.ContactMeeting, event.ContactPhone, event.ContactDigital, event.ContactLetter)},
		{event.TypeGapClosed, "reason", strs(event.GapResolved, event.GapMapClosed, event.GapMapErased)},
	}
	for _, l := range local {
		data := c.doc(t, l.ty)["properties"].(map[string]any)["data"].(map[string]any)
		prop := data["properties"].(map[string]any)[l.field].(map[string]any)
		if got := stringList(prop["enum"]); !slices.Equal(got, l.want) {
			t.Errorf("%s %s: enum %v, Go has %v", l.ty.Name(), l.field, got, l.want)
		}
	}
}

// strs returns the wire values of a vocabulary.
func strs[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestExamples(t *testing.T) {
	c := mustCatalogue(t)
	envelope := c.compiled["envelope/v1/envelope.json"]
	seen := map[string]string{}
	for _, ty := range event.Types() {
		t.Run(ty.Name(), func(t *testing.T) {
			doc := c.doc(t, ty)
			sch := c.compiled[ty.SchemaPath()]
			exs := examples(t, doc)
			if len(exs) == 0 {
				t.Fatal("no examples")
			}
			checkExampleCoverage(t, c, ty, exs)
			for i, raw := range exs {
				if err := sch.Validate(decodeAny(t, raw)); err != nil {
					t.Errorf("example %d does not validate: %v", i, err)
				}
				if err := envelope.Validate(decodeAny(t, raw)); err != nil {
					t.Errorf("example %d does not validate against the generic envelope: %v", i, err)
				}
				env, data, err := event.Unmarshal(raw)
				if err != nil {
					t.Errorf("example %d: Unmarshal: %v", i, err)
					continue
				}
				if env.Type != ty || data.EventType() != ty {
					t.Errorf("example %d decoded as %s / %s", i, env.Type, data.EventType())
				}
				if other, dup := seen[env.ID]; dup {
					t.Errorf("example %d reuses the event id of %s", i, other)
				}
				seen[env.ID] = fmt.Sprintf("%s example %d", ty.Name(), i)
				out, err := event.Marshal(env)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, out, raw) {
					t.Errorf("example %d re-marshals differently:\n got %s\nwant %s", i, out, raw)
				}
				// Encoding the decoded Go value gives the example's data again:
				// the example holds nothing that the Go type would drop.
				env.Data, err = json.Marshal(data)
				if err != nil {
					t.Fatal(err)
				}
				out, err = event.Marshal(env)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, out, raw) {
					t.Errorf("example %d: data re-encoded from Go differs:\n got %s\nwant %s", i, out, raw)
				}
			}
		})
	}
}

// checkExampleCoverage requires, for an event with optional data fields, one
// minimal example (the required fields, plus one more where the data needs
// more than its required fields) and one with every field.
func checkExampleCoverage(t *testing.T, c *catalogue, ty event.Type, exs [][]byte) {
	t.Helper()
	data := c.doc(t, ty)["properties"].(map[string]any)["data"].(map[string]any)
	all := slices.Sorted(maps.Keys(data["properties"].(map[string]any)))
	required := sortedCopy(stringList(data["required"]))
	if slices.Equal(all, required) {
		return
	}
	least := len(required)
	if n, ok := data["minProperties"].(json.Number); ok {
		if m, _ := n.Int64(); int(m) > least {
			least = int(m)
		}
	}
	var minimal, full bool
	for _, raw := range exs {
		var env struct{ Data map[string]json.RawMessage }
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		keys := slices.Sorted(maps.Keys(env.Data))
		hasRequired := !slices.ContainsFunc(required, func(r string) bool { return !slices.Contains(keys, r) })
		minimal = minimal || (hasRequired && len(keys) <= least)
		full = full || slices.Equal(keys, all)
	}
	if !minimal || !full {
		t.Errorf("want a minimal and a full example (minimal %v, full %v)", minimal, full)
	}
}

// object decodes a JSON object for mutation.
func object(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	m, ok := decodeAny(t, raw).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", raw)
	}
	return m
}

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verdicts validates raw against the type's schema and decodes it with
// event.Unmarshal, returning whether each accepted it.
func verdicts(t *testing.T, sch *jsonschema.Schema, raw []byte) (schemaOK, goOK bool, detail string) {
	t.Helper()
	serr := sch.Validate(decodeAny(t, raw))
	_, _, gerr := event.Unmarshal(raw)
	if gerr != nil && !errors.Is(gerr, event.ErrMalformed) {
		t.Errorf("Unmarshal error does not wrap ErrMalformed: %v", gerr)
	}
	return serr == nil, gerr == nil, fmt.Sprintf("schema: %v\nUnmarshal: %v", serr, gerr)
}

// TestBrokenEventsRejected mutates the first example of every type in ways
// that break the contract and checks that both the schema and event.Unmarshal
// refuse the result.
func TestBrokenEventsRejected(t *testing.T) {
	c := mustCatalogue(t)
	for _, ty := range event.Types() {
		t.Run(ty.Name(), func(t *testing.T) {
			doc := c.doc(t, ty)
			sch := c.compiled[ty.SchemaPath()]
			first := examples(t, doc)[0]
			type mutation struct {
				name   string
				mutate func(env map[string]any)
			}
			muts := []mutation{
				{"extra data field", func(env map[string]any) { env["data"].(map[string]any)["unexpected"] = true }},
				{"extra attribute", func(env map[string]any) { env["unexpected"] = "x" }},
				{"unknown type", func(env map[string]any) { env["type"] = "no.samspill." + string(ty.Area()) + ".v1.not_an_event" }},
				{"type of the other area", func(env map[string]any) {
					for _, o := range event.Types() {
						if o.Area() != ty.Area() {
							env["type"] = string(o)
							return
						}
					}
				}},
				{"subject of the other area", func(env map[string]any) {
					if ty.Area() == event.AreaMap {
						env["subject"] = "directory/dps-nordre-aker"
					} else {
						env["subject"] = "map/" + "9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1b"
					}
				}},
				{"data not an object", func(env map[string]any) { env["data"] = []any{} }},
				{"upper-case id", func(env map[string]any) { env["id"] = strings.ToUpper(env["id"].(string)) }},
				{"specversion 0.3", func(env map[string]any) { env["specversion"] = "0.3" }},
				{"datacontenttype text/plain", func(env map[string]any) { env["datacontenttype"] = "text/plain" }},
				{"source outside /samspill/", func(env map[string]any) { env["source"] = "/other/command" }},
				{"time without zone", func(env map[string]any) { env["time"] = "2025-03-03T10:15:22" }},
				{"validtime not a day", func(env map[string]any) { env["validtime"] = "2025-02-30" }},
				{"validtime before 1900", func(env map[string]any) { env["validtime"] = "1899-12-31" }},
				{"validtime with time of day", func(env map[string]any) { env["validtime"] = "2025-03-03T00:00:00Z" }},
				{"principal with a space", func(env map[string]any) { env["principal"] = "a coordinator" }},
				{"commandid not a UUID", func(env map[string]any) { env["commandid"] = "retry-1" }},
			}
			for _, attr := range stringList(doc["required"]) {
				muts = append(muts, mutation{"missing " + attr, func(env map[string]any) { delete(env, attr) }})
			}
			base := schemaBase + ty.SchemaPath()
			data, dataBase := c.resolve(t, base, doc["properties"].(map[string]any)["data"].(map[string]any))
			for _, p := range requiredPaths(t, c, dataBase, data, nil) {
				muts = append(muts, mutation{"missing data." + strings.Join(p, "."), func(env map[string]any) {
					obj := env["data"].(map[string]any)
					for _, k := range p[:len(p)-1] {
						obj = obj[k].(map[string]any)
					}
					delete(obj, p[len(p)-1])
				}})
			}
			for _, p := range sealedPaths(t, c, dataBase, data, nil) {
				muts = append(muts, mutation{"plain text in sealed data." + strings.Join(p, "."), func(env map[string]any) {
					obj := env["data"].(map[string]any)
					for _, k := range p[:len(p)-1] {
						obj = obj[k].(map[string]any)
					}
					obj[p[len(p)-1]] = "name in plain text, not sealed"
				}})
			}
			for _, m := range muts {
				env := object(t, first)
				m.mutate(env)
				schemaOK, goOK, detail := verdicts(t, sch, encode(t, env))
				if schemaOK {
					t.Errorf("%s: the schema accepts it\n%s", m.name, detail)
				}
				if goOK {
					t.Errorf("%s: Unmarshal accepts it\n%s", m.name, detail)
				}
			}
		})
	}
}

// requiredPaths lists the required properties of a data schema, descending
// into nested objects.
func requiredPaths(t *testing.T, c *catalogue, base string, node map[string]any, prefix []string) [][]string {
	var out [][]string
	props, _ := node["properties"].(map[string]any)
	for _, name := range stringList(node["required"]) {
		p := append(slices.Clone(prefix), name)
		out = append(out, p)
		if prop, ok := props[name].(map[string]any); ok && c.jsonType(t, base, prop) == "object" {
			sub, subBase := c.resolve(t, base, prop)
			out = append(out, requiredPaths(t, c, subBase, sub, p)...)
		}
	}
	return out
}

// sealedPaths lists the required sealed properties of a data schema
// (present in every example), descending into nested objects.
func sealedPaths(t *testing.T, c *catalogue, base string, node map[string]any, prefix []string) [][]string {
	var out [][]string
	props, _ := node["properties"].(map[string]any)
	for _, name := range stringList(node["required"]) {
		prop, _ := props[name].(map[string]any)
		p := append(slices.Clone(prefix), name)
		switch {
		case prop["$ref"] == defsURL+"#/$defs/sealed":
			out = append(out, p)
		case c.jsonType(t, base, prop) == "object":
			sub, subBase := c.resolve(t, base, prop)
			out = append(out, sealedPaths(t, c, subBase, sub, p)...)
		}
	}
	return out
}

// sealedOf returns a syntactically valid sealed value of n base64 characters.
func sealedOf(n int) string { return "s1." + strings.Repeat("A", n) }

// TestCrossFieldRules checks the rules that join several fields, which the
// schemas express with if/then, dependentRequired and minProperties: each
// case changes the data of one example, and the schema and event.Unmarshal
// must agree on whether the result is valid.
func TestCrossFieldRules(t *testing.T) {
	c := mustCatalogue(t)
	type tc struct {
		ty      event.Type
		example int
		set     map[string]any // data fields to set; a nil value deletes the field
		valid   bool
	}
	label := sealedOf(40)
	const citizenID = "9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1b"
	cases := []tc{
		// actor_added: the citizen is a person.
		{event.TypeActorAdded, 0, map[string]any{"sector": "citizen", "kind": "service"}, false},
		{event.TypeActorAdded, 0, map[string]any{"sector": "citizen", "kind": "forum"}, false},
		{event.TypeActorAdded, 0, map[string]any{"sector": "citizen"}, true},
		{event.TypeActorAdded, 1, map[string]any{"sector": "citizen", "kind": "person"}, true},
		{event.TypeActorAdded, 0, map[string]any{"name": sealedOf(37)}, false},
		{event.TypeActorAdded, 0, map[string]any{"name": sealedOf(38)}, true},
		{event.TypeActorAdded, 0, map[string]any{"name": sealedOf(41)}, false},
		{event.TypeActorAdded, 0, map[string]any{"name": sealedOf(38) + "="}, false},
		{event.TypeActorAdded, 0, map[string]any{"name": "s1." + strings.Repeat("+", 40)}, false},
		{event.TypeActorAdded, 0, map[string]any{"directory": "DPS Nordre Aker"}, false},
		{event.TypeActorAdded, 0, map[string]any{"level": "national"}, false},
		// actor_updated: something to update; never into the citizen.
		{event.TypeActorUpdated, 0, map[string]any{"directory": nil}, false},
		{event.TypeActorUpdated, 0, map[string]any{"sector": "citizen"}, false},
		{event.TypeActorUpdated, 0, map[string]any{"directory": nil, "level": "system"}, true},
		// directory entries are never citizen or informal.
		{event.TypeEntryRegistered, 0, map[string]any{"sector": "citizen"}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"sector": "informal"}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"sector": "housing"}, true},
		{event.TypeEntryRegistered, 0, map[string]any{"municipality": "101"}, true},
		{event.TypeEntryRegistered, 0, map[string]any{"municipality": "03011"}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"orgNumber": "1234567"}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"name": "DPS\nNordre Aker"}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"name": strings.Repeat("x", 201)}, false},
		{event.TypeEntryRegistered, 0, map[string]any{"name": strings.Repeat("x", 200)}, true},
		{event.TypeEntryRegistered, 0, map[string]any{"parent": "-leading-hyphen"}, false},
		{event.TypeEntryUpdated, 0, map[string]any{"name": nil}, false},
		{event.TypeEntryUpdated, 0, map[string]any{"name": nil, "orgNumber": "999888777"}, true},
		{event.TypeEntryUpdated, 0, map[string]any{"sector": "informal"}, false},
		{event.TypeEntryRetired, 1, map[string]any{"replacedBy": "Not A Slug"}, false},
		// map_opened: the focus decides what else is needed; only a
		// citizen map has (and needs) a citizen.
		{event.TypeMapOpened, 0, map[string]any{"focus": map[string]any{"kind": "citizen", "label": label}}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": nil}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": map[string]any{"actorId": citizenID}}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": map[string]any{"actorId": citizenID, "name": "plain name"}}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": map[string]any{"actorId": citizenID, "name": label}}, true},
		{event.TypeMapOpened, 0, map[string]any{"citizen": map[string]any{"actorId": citizenID, "name": label, "sector": "citizen"}}, false},
		{event.TypeMapOpened, 0, map[string]any{"focus": map[string]any{"kind": "municipality", "label": label, "municipality": "0301"}}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": nil, "focus": map[string]any{"kind": "municipality", "label": label}}, false},
		{event.TypeMapOpened, 0, map[string]any{"citizen": nil, "focus": map[string]any{"kind": "municipality", "label": label, "municipality": "0301"}}, true},
		{event.TypeMapOpened, 1, map[string]any{"focus": map[string]any{"kind": "region", "label": label, "municipality": "0301"}}, false},
		{event.TypeMapOpened, 1, map[string]any{"focus": map[string]any{"kind": "region", "label": label, "region": "NO-03"}}, true},
		{event.TypeMapOpened, 1, map[string]any{"focus": map[string]any{"kind": "region", "label": label, "region": "helse sør"}}, false},
		{event.TypeMapOpened, 0, map[string]any{"focus": map[string]any{"kind": "citizen", "label": label, "municipality": "0301", "extra": 1}}, false},
		{event.TypeMapOpened, 0, map[string]any{"focus": map[string]any{"kind": "household", "label": label, "municipality": "0301"}}, false},
		// relation_added: scores 1–4; inpatient only on serves.
		{event.TypeRelationAdded, 0, map[string]any{"trust": 5}, false},
		{event.TypeRelationAdded, 0, map[string]any{"value": -1}, false},
		{event.TypeRelationAdded, 0, map[string]any{"trust": 1, "value": 4}, true},
		{event.TypeRelationAdded, 0, map[string]any{"trust": 2.5}, false},
		{event.TypeRelationAdded, 0, map[string]any{"inpatient": true}, true},
		{event.TypeRelationAdded, 1, map[string]any{"type": "refers"}, false},
		{event.TypeRelationAdded, 1, map[string]any{"type": "refers", "inpatient": nil}, true},
		{event.TypeRelationAdded, 0, map[string]any{"quality": "excellent"}, false},
		// relation_updated: something to update.
		{event.TypeRelationUpdated, 0, map[string]any{"quality": nil}, false},
		{event.TypeRelationUpdated, 0, map[string]any{"quality": nil, "formalised": false}, true},
		{event.TypeRelationUpdated, 0, map[string]any{"trust": 5}, false},
		// actor_assessed: at least one value.
		{event.TypeActorAssessed, 0, map[string]any{"importance": nil}, false},
		{event.TypeActorAssessed, 0, map[string]any{"importance": nil, "whatMatters": sealedOf(60)}, true},
		{event.TypeActorAssessed, 0, map[string]any{"importance": "very"}, false},
		// participation on a 1–5 ladder.
		{event.TypeParticipationAssessed, 0, map[string]any{"level": 0}, false},
		{event.TypeParticipationAssessed, 0, map[string]any{"level": 1}, true},
		{event.TypeParticipationAssessed, 0, map[string]any{"level": 5}, true},
		{event.TypeParticipationAssessed, 0, map[string]any{"level": 6}, false},
		{event.TypeParticipationAssessed, 0, map[string]any{"level": "3"}, false},
		{event.TypeConsentRecorded, 0, map[string]any{"status": "maybe"}, false},
		{event.TypeMapClosed, 0, map[string]any{"reason": "bored"}, false},
		{event.TypeMapErased, 0, map[string]any{"basis": "because"}, false},
		{event.TypeContactRecorded, 1, map[string]any{"mode": "fax"}, false},
		{event.TypeCoordinatorOffered, 1, map[string]any{"actorId": "not-a-uuid"}, false},
		{event.TypeCoordinatorOffered, 1, map[string]any{"actorId": "9B1F6A52-3C0E-4D7B-8A9E-2F4C6D8E0A1B"}, false},
		// gaps: the scope decides the map id, the rule's letter and the
		// form of the actors.
		{event.TypeGapOpened, 0, map[string]any{"mapId": nil}, false},
		{event.TypeGapOpened, 0, map[string]any{"municipality": nil}, true},
		{event.TypeGapOpened, 0, map[string]any{"details": nil}, true},
		{event.TypeGapOpened, 0, map[string]any{"scope": "system"}, false},
		{event.TypeGapOpened, 0, map[string]any{"rule": "S1"}, false},
		{event.TypeGapOpened, 0, map[string]any{"rule": "P14"}, true},
		{event.TypeGapOpened, 0, map[string]any{"rule": "P100"}, false},
		{event.TypeGapOpened, 0, map[string]any{"rule": "p1"}, false},
		{event.TypeGapOpened, 0, map[string]any{"rule": "X1"}, false},
		{event.TypeGapOpened, 0, map[string]any{"actors": []any{"gp", "dps"}}, false},
		{event.TypeGapOpened, 0, map[string]any{"actors": []any{}}, true},
		{event.TypeGapOpened, 0, map[string]any{"actors": []any{citizenID, citizenID}}, false},
		{event.TypeGapOpened, 0, map[string]any{"gapId": "405A100E50CD5544"}, false},
		{event.TypeGapOpened, 0, map[string]any{"gapId": "405a100e50cd554"}, false},
		{event.TypeGapOpened, 0, map[string]any{"municipality": "Oslo"}, false},
		{event.TypeGapOpened, 0, map[string]any{"severity": "critical"}, false},
		{event.TypeGapOpened, 0, map[string]any{"position": 0}, false},
		{event.TypeGapOpened, 0, map[string]any{"evaluatedAt": "2025-06-31"}, false},
		{event.TypeGapOpened, 0, map[string]any{"explanation": map[string]any{"en": "Found.", "nb": ""}}, false},
		{event.TypeGapOpened, 0, map[string]any{"explanation": map[string]any{"en": "Found.", "nb": "Funnet."}}, true},
		{event.TypeGapOpened, 0, map[string]any{"explanation": map[string]any{"en": "Found.", "nb": "Funnet.", "de": "Gefunden."}}, false},
		{event.TypeGapOpened, 0, map[string]any{"next": map[string]any{"en": "Two\nlines.", "nb": "To linjer."}}, false},
		{event.TypeGapOpened, 0, map[string]any{"source": ""}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"days": 75, "ratio": 0.5, "ok": true, "pairs": []any{[]any{"a", "b"}}, "on": "2025-06-02"}}, true},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"pair": "primary care – psychiatry"}}, true},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"note": "two\nlines"}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"note": ""}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"note": strings.Repeat("x", 201)}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"note": strings.Repeat("x", 200)}}, true},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"nested": map[string]any{"a": 1}}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"missing": nil}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"Days": 1}}, false},
		{event.TypeGapOpened, 0, map[string]any{"details": map[string]any{"list": []any{"ok", "not\tok"}}}, false},
		{event.TypeGapOpened, 2, map[string]any{"mapId": "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65"}, false},
		{event.TypeGapOpened, 2, map[string]any{"rule": "P1"}, false},
		{event.TypeGapOpened, 2, map[string]any{"actors": []any{"DPS Nordre Aker"}}, false},
		{event.TypeGapOpened, 2, map[string]any{"municipality": "0301"}, true},
		{event.TypeGapClosed, 0, map[string]any{"reason": "bored"}, false},
		{event.TypeGapClosed, 0, map[string]any{"reason": "map-closed"}, true},
		{event.TypeGapClosed, 0, map[string]any{"severity": "high"}, false},
		{event.TypeGapClosed, 2, map[string]any{"scope": "map"}, false},
	}
	// The public is derived from the three judgements: every combination
	// with its derived public is valid, every other public is not; the
	// judgements and the public come together or not at all.
	publics := []stakeholder.Public{stakeholder.PublicNone, stakeholder.PublicLatent, stakeholder.PublicAware, stakeholder.PublicActive}
	for _, pr := range []bool{false, true} {
		for _, cr := range []bool{false, true} {
			for _, inv := range []bool{false, true} {
				derived := stakeholder.DerivePublic(pr, cr, inv)
				for _, p := range publics {
					cases = append(cases, tc{event.TypeActorAssessed, 1, map[string]any{
						"problemRecognition": pr, "constraintRecognition": cr, "involvement": inv, "public": string(p),
					}, p == derived})
				}
				cases = append(cases, tc{event.TypeActorAssessed, 0, map[string]any{
					"problemRecognition": pr, "constraintRecognition": cr, "involvement": inv,
				}, false})
			}
		}
	}
	for _, drop := range []string{"problemRecognition", "constraintRecognition", "involvement", "public"} {
		cases = append(cases, tc{event.TypeActorAssessed, 1, map[string]any{drop: nil}, false})
	}
	cases = append(cases,
		tc{event.TypeActorAssessed, 0, map[string]any{"public": "aware"}, false},
		tc{event.TypeActorAssessed, 0, map[string]any{"problemRecognition": true}, false},
	)

	for i, k := range cases {
		sch := c.compiled[k.ty.SchemaPath()]
		env := object(t, examples(t, c.doc(t, k.ty))[k.example])
		data := env["data"].(map[string]any)
		for f, v := range k.set {
			if v == nil {
				delete(data, f)
			} else {
				data[f] = v
			}
		}
		raw := encode(t, env)
		schemaOK, goOK, detail := verdicts(t, sch, raw)
		if schemaOK != k.valid || goOK != k.valid {
			t.Errorf("case %d, %s %v: want valid=%v, schema says %v, Unmarshal says %v\n%s\ndata %s",
				i, k.ty.Name(), k.set, k.valid, schemaOK, goOK, detail, encode(t, data))
		}
	}
}

// TestDecoderOnlyRules lists the rules that a JSON Schema cannot express,
// which only event.Unmarshal (and the schema descriptions) enforce.
func TestDecoderOnlyRules(t *testing.T) {
	c := mustCatalogue(t)
	env := object(t, examples(t, c.doc(t, event.TypeRelationAdded))[0])
	data := env["data"].(map[string]any)
	data["to"] = data["from"] // a relation joins two different actors
	raw := encode(t, env)
	if err := c.compiled[event.TypeRelationAdded.SchemaPath()].Validate(decodeAny(t, raw)); err != nil {
		t.Errorf("the schema was expected to accept a relation from an actor to itself (it cannot compare fields): %v", err)
	}
	if _, _, err := event.Unmarshal(raw); err == nil {
		t.Error("Unmarshal accepts a relation from an actor to itself")
	}

	// A gap's actors are sorted (the gap id is computed over them sorted).
	env = object(t, examples(t, c.doc(t, event.TypeGapOpened))[0])
	data = env["data"].(map[string]any)
	actors := data["actors"].([]any)
	data["actors"] = []any{actors[1], actors[0]}
	raw = encode(t, env)
	if err := c.compiled[event.TypeGapOpened.SchemaPath()].Validate(decodeAny(t, raw)); err != nil {
		t.Errorf("the schema was expected to accept unsorted actors (it cannot check order): %v", err)
	}
	if _, _, err := event.Unmarshal(raw); err == nil {
		t.Error("Unmarshal accepts unsorted gap actors")
	}
}

// TestPatternsMatchGo checks the identifier patterns of the shared
// definitions against the Go functions that check the same values.
func TestPatternsMatchGo(t *testing.T) {
	c := mustCatalogue(t)
	compile := func(name string) *jsonschema.Schema {
		sch, err := c.compiler.Compile(defsURL + "#/$defs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return sch
	}
	check := func(name string, goValid func(string) bool, samples []string) {
		sch := compile(name)
		for _, s := range samples {
			if schemaOK, goOK := sch.Validate(s) == nil, goValid(s); schemaOK != goOK {
				t.Errorf("%s %q: schema says %v, Go says %v", name, s, schemaOK, goOK)
			}
		}
	}
	var sealedSamples []string
	for n := range 64 {
		sealedSamples = append(sealedSamples, sealedOf(n), "s1."+strings.Repeat("_", n), "s2."+strings.Repeat("A", n))
	}
	sealedSamples = append(sealedSamples, "", "s1.", "S1."+strings.Repeat("A", 40), "s1."+strings.Repeat("A", 38)+"==",
		"s1."+strings.Repeat("A", 38)+"/", "plain text that is long enough to be forty characters")
	check("sealed", func(s string) bool { return event.Sealed(s).Valid() }, sealedSamples)
	check("uuid", event.IsUUID, []string{
		"9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1b", "9B1F6A52-3C0E-4D7B-8A9E-2F4C6D8E0A1B", "9b1f6a523c0e4d7b8a9e2f4c6d8e0a1b",
		"{9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1b}", "9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1", "", "00000000-0000-0000-0000-000000000000",
		"9b1f6a52-3c0e-4d7b-8a9e-2f4c6d8e0a1b\n",
	})
	check("slug", event.IsSlug, []string{
		"dps-nordre-aker", "a", "0", "-a", "a-", "A", "dps_nordre", "", strings.Repeat("a", 64), strings.Repeat("a", 65), "nav-grorud\n",
	})
	check("municipality", event.IsMunicipality, []string{"0301", "101", "0180", "03", "03011", "03a1", "", "0301\n"})
	check("gapId", event.IsGapID, []string{"405a100e50cd5544", "405A100E50CD5544", "405a100e50cd554", "405a100e50cd55440", "405a100e50cd554g", "", "405a100e50cd5544\n"})
	check("gapRule", event.IsGapRule, []string{"P1", "P14", "S10", "S1", "P0", "P100", "p1", "X1", "P", "", "P1\n", "P-1"})
}
