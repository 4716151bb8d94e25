package mapdoc_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/schemas"
)

const (
	exampleMap    = "testdata/example-map.json"
	exampleBundle = "testdata/example-bundle.json"

	// Checksum-valid national identity numbers (verified in TestNationalIDFixtures).
	fodselsnummer = "01019010046"   // Norwegian
	personnummer  = "19121212-1212" // Swedish, long form
	cprNumber     = "211062-5629"   // Danish
	cprContiguous = "2110625629"    // Danish, as a bare number
)

// idDigitRuns are pieces of the numbers above that no error may contain.
var idDigitRuns = []string{"01019010046", "010190", "10046", "19121212", "121212", "1212-1212", "211062", "5629", "2110625629"}

func TestNationalIDFixtures(t *testing.T) {
	for s, want := range map[string]nationalid.Kind{
		fodselsnummer: nationalid.NorwegianBirthNumber,
		personnummer:  nationalid.SwedishPersonnummer,
		cprNumber:     nationalid.DanishCPR,
		cprContiguous: nationalid.DanishCPR,
	} {
		if m, ok := nationalid.Contains(s); !ok || m.Kind != want {
			t.Errorf("%s: got %v %q, want a %s", s, ok, m.Kind, want)
		}
	}
}

func TestExampleRoundTrip(t *testing.T) {
	v := validator(t)
	for _, name := range []string{exampleMap, exampleBundle} {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, name)
			d, b, err := v.Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			switch {
			case d != nil && b == nil && name == exampleMap:
				out = mapdoc.Canonical(d)
			case b != nil && d == nil && name == exampleBundle:
				out = mapdoc.CanonicalBundle(b)
			default:
				t.Fatalf("Parse returned document %v, bundle %v", d != nil, b != nil)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("canonical form differs from %s:\n%s", name, out)
			}
		})
	}
}

func TestExampleContent(t *testing.T) {
	d, _, err := validator(t).Parse(readFile(t, exampleMap))
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema != mapdoc.SchemaMap || d.ID != "5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10" || d.AsOf != date.MustParse("2026-11-01") {
		t.Errorf("header: %+v", d)
	}
	if len(d.Actors) != 5 || len(d.Relations) != 5 {
		t.Fatalf("%d actors, %d relations", len(d.Actors), len(d.Relations))
	}
	gp := d.Actor("gp")
	if gp == nil || gp.Assessment == nil || gp.Assessment.ConstraintRecognition == nil || *gp.Assessment.ConstraintRecognition ||
		gp.Assessment.Public != stakeholder.PublicActive || gp.Directory != "legekontor-grorud" {
		t.Errorf("gp: %+v", gp)
	}
	if d.Coordinator == nil || d.Coordinator.Actor != "gp" || d.Coordinator.Assigned != date.MustParse("2026-03-15") || !d.Coordinator.Declined.IsZero() {
		t.Errorf("coordinator: %+v", d.Coordinator)
	}
	if d.Plan == nil || d.Plan.Status != stakeholder.PlanActive || d.Plan.LastReview != date.MustParse("2026-09-01") {
		t.Errorf("plan: %+v", d.Plan)
	}
	if len(d.Participation) != 1 || d.Participation[0].Level != 3 || len(d.Consent) != 1 || d.Consent[0].Status != stakeholder.ConsentGiven {
		t.Errorf("participation %+v, consent %+v", d.Participation, d.Consent)
	}
}

// The schemas' examples are the testdata files (map-document.md's example,
// with the next of kin its consent names added as an actor).
func TestSchemaExamples(t *testing.T) {
	v := validator(t)
	for file, testdata := range map[string]string{mapdoc.MapPath: exampleMap, mapdoc.BundlePath: exampleBundle} {
		raw, err := schemas.FS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var sch struct{ Examples []json.RawMessage }
		if err := json.Unmarshal(raw, &sch); err != nil {
			t.Fatal(err)
		}
		if len(sch.Examples) == 0 {
			t.Fatalf("%s has no examples", file)
		}
		wantD, wantB, err := v.Parse(readFile(t, testdata))
		if err != nil {
			t.Fatal(err)
		}
		for i, ex := range sch.Examples {
			d, b, err := v.Parse(ex)
			if err != nil {
				t.Errorf("%s example %d: %v", file, i, err)
				continue
			}
			if i == 0 && (!reflect.DeepEqual(d, wantD) || !reflect.DeepEqual(b, wantB)) {
				t.Errorf("%s example %d differs from %s", file, i, testdata)
			}
		}
	}
}

// The example as map-document.md prints it gives consent for "mother", who
// is not an actor of the map: it is refused, which is why the testdata and
// schema examples add her.
func TestSpecExampleAsPrinted(t *testing.T) {
	m := generic(t, readFile(t, exampleMap))
	m["actors"] = m["actors"].([]any)[:4]
	m["relations"] = m["relations"].([]any)[:4]
	obj(m, "relations", 1)["inpatient"] = false
	_, _, err := validator(t).Parse(encode(m))
	assertProblem(t, err, mapdoc.ClassReferences, "/consent/0/actor", "names no actor")
}

func assertProblem(t *testing.T, err error, class mapdoc.Class, path, msg string) {
	t.Helper()
	var ve *mapdoc.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	ps := ve.Problems()
	if len(ps) == 0 {
		t.Fatalf("no problems in %v", err)
	}
	if ve.Class != class || ps[0].Path != path || !strings.Contains(ps[0].Message, msg) {
		t.Errorf("first problem: %s %q %q, want %s %q containing %q\nerror: %v", ve.Class, ps[0].Path, ps[0].Message, class, path, msg, err)
	}
}

type invalid struct {
	name  string
	doc   func(t *testing.T) []byte
	class mapdoc.Class
	path  string
	msg   string
}

// onMap mutates the example map.
func onMap(f func(m map[string]any)) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		m := generic(t, readFile(t, exampleMap))
		f(m)
		return encode(m)
	}
}

// onBundle mutates the example bundle.
func onBundle(f func(m map[string]any)) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		m := generic(t, readFile(t, exampleBundle))
		f(m)
		return encode(m)
	}
}

// onRaw changes the bytes of the example map.
func onRaw(f func(b []byte) []byte) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return f(readFile(t, exampleMap)) }
}

func replaceOnce(old, new string) func(b []byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			panic("not in the example: " + old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// In the example map, actors are 0 ola (citizen), 1 gp, 2 dps, 3 plan,
// 4 mother (informal); relations are 0 r1 gp→ola, 1 r2 dps→ola, 2 r3
// gp→dps, 3 r4 gp→plan, 4 r5 mother→ola.
var invalidCases = []invalid{
	// ClassJSON
	{"truncated JSON", onRaw(func(b []byte) []byte { return b[:bytes.Index(b, []byte(`"kind": "person"`))] }),
		mapdoc.ClassJSON, "/actors/0", "unexpected end"},
	{"40 MiB file", func(*testing.T) []byte { return bytes.Repeat([]byte(" "), 40<<20) },
		mapdoc.ClassJSON, "", "larger than 32 MiB"},
	{"deep nesting", func(*testing.T) []byte {
		return []byte(`{"schema":"samspill.map/v1","x-deep":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}")
	}, mapdoc.ClassJSON, "/x-deep" + strings.Repeat("/0", 63), "nested deeper than 64"},
	{"duplicate property", onRaw(replaceOnce(`"asOf": "2026-11-01",`, `"asOf": "2026-11-01", "asOf": "2026-11-02",`)),
		mapdoc.ClassJSON, "/asOf", "duplicate property name"},
	{"syntax error", onRaw(replaceOnce(`"level": "service",`, `"level": "service",,`)),
		mapdoc.ClassJSON, "/actors/1", "malformed JSON"},
	{"invalid UTF-8", onRaw(replaceOnce("DPS Nord", "DPS \xffNord")),
		mapdoc.ClassJSON, "", "not valid UTF-8"},
	{"trailing value", onRaw(func(b []byte) []byte { return append(b, "{}"...) }),
		mapdoc.ClassJSON, "", "more than one top-level value"},
	{"empty file", func(*testing.T) []byte { return nil },
		mapdoc.ClassJSON, "", "empty file"},

	// ClassSchema
	{"not an object", func(*testing.T) []byte { return []byte(`[]`) },
		mapdoc.ClassSchema, "", "not a JSON object"},
	{"wrong schema string", onMap(func(m map[string]any) { m["schema"] = "samspill.map/v2" }),
		mapdoc.ClassSchema, "/schema", "not a known document type"},
	{"schema missing", onMap(func(m map[string]any) { delete(m, "schema") }),
		mapdoc.ClassSchema, "/schema", "required property is missing"},
	{"asOf missing", onMap(func(m map[string]any) { delete(m, "asOf") }),
		mapdoc.ClassSchema, "/asOf", "required property is missing"},
	{"impossible date", onMap(func(m map[string]any) { m["asOf"] = "2026-02-30" }),
		mapdoc.ClassSchema, "/asOf", "not a valid date"},
	{"id not a UUID", onMap(func(m map[string]any) { m["id"] = "5B0C6F9E-3D0E-4C1B-9A57-2F1E8C4D7A10" }),
		mapdoc.ClassSchema, "/id", "lower-case UUID"},
	{"unknown top-level field", onMap(func(m map[string]any) { m["extra"] = true }),
		mapdoc.ClassSchema, "/extra", "unknown property"},
	{"unknown field with a slash", onMap(func(m map[string]any) { obj(m, "focus")["a/b~c"] = 1 }),
		mapdoc.ClassSchema, "/focus/a~1b~0c", "unknown property"},
	{"focus without municipality", onMap(func(m map[string]any) { delete(obj(m, "focus"), "municipality") }),
		mapdoc.ClassSchema, "/focus/municipality", "required property is missing"},
	{"unknown sector", onMap(func(m map[string]any) { obj(m, "actors", 2)["sector"] = "hospital" }),
		mapdoc.ClassSchema, "/actors/2/sector", "not one of the allowed values"},
	{"missing actor id", onMap(func(m map[string]any) { delete(obj(m, "actors", 2), "id") }),
		mapdoc.ClassSchema, "/actors/2/id", "required property is missing"},
	{"actor id with a space", onMap(func(m map[string]any) { obj(m, "actors", 2)["id"] = "d p s" }),
		mapdoc.ClassSchema, "/actors/2/id", "not a local id"},
	{"control character in a name", onMap(func(m map[string]any) { obj(m, "actors", 0)["name"] = "Ola\aN." }),
		mapdoc.ClassSchema, "/actors/0/name", "control character"},
	{"trust 5", onMap(func(m map[string]any) { obj(m, "relations", 0)["trust"] = 5 }),
		mapdoc.ClassSchema, "/relations/0/trust", "at most 4"},
	{"trust 2.0", onMap(func(m map[string]any) { obj(m, "relations", 0)["trust"] = json.Number("2.0") }),
		mapdoc.ClassSchema, "/relations/0/trust", "whole number"},
	{"inpatient refers", onMap(func(m map[string]any) { obj(m, "relations", 2)["inpatient"] = true }),
		mapdoc.ClassSchema, "/relations/2/type", "only a serves relation can be inpatient"},
	{"participation level 0", onMap(func(m map[string]any) { obj(m, "participation", 0)["level"] = 0 }),
		mapdoc.ClassSchema, "/participation/0/level", "at least 1"},
	{"plan status unknown", onMap(func(m map[string]any) { obj(m, "plan")["status"] = "paused" }),
		mapdoc.ClassSchema, "/plan/status", "not one of the allowed values"},
	{"assigned coordinator without actor", onMap(func(m map[string]any) { delete(obj(m, "coordinator"), "actor") }),
		mapdoc.ClassSchema, "/coordinator/actor", "required when \"assigned\" is present"},
	{"directory entry of sector citizen", onBundle(func(m map[string]any) { obj(m, "directory", 0)["sector"] = "citizen" }),
		mapdoc.ClassSchema, "/directory/0/sector", "never of sector citizen"},
	{"bundle map without actors", onBundle(func(m map[string]any) { delete(obj(m, "maps", 0), "actors") }),
		mapdoc.ClassSchema, "/maps/0/actors", "required property is missing"},
	{"schema before national id", onMap(func(m map[string]any) {
		obj(m, "actors", 4)["name"] = fodselsnummer
		obj(m, "actors", 4)["sector"] = "family"
	}), mapdoc.ClassSchema, "/actors/4/sector", "not one of the allowed values"},

	// ClassReferences
	{"dangling from", onMap(func(m map[string]any) { obj(m, "relations", 1)["from"] = "nobody" }),
		mapdoc.ClassReferences, "/relations/1/from", "names no actor"},
	{"duplicate actor id", onMap(func(m map[string]any) { obj(m, "actors", 2)["id"] = "gp" }),
		mapdoc.ClassReferences, "/actors/2/id", "duplicate actor id; the first is at /actors/1"},
	{"duplicate relation id", onMap(func(m map[string]any) { obj(m, "relations", 2)["id"] = "r1" }),
		mapdoc.ClassReferences, "/relations/2/id", "duplicate relation id"},
	{"two citizens", onMap(func(m map[string]any) { obj(m, "actors", 4)["sector"] = "citizen" }),
		mapdoc.ClassReferences, "/actors/4/sector", "exactly one actor of sector citizen"},
	{"no citizen", onMap(func(m map[string]any) { obj(m, "actors", 0)["sector"] = "informal" }),
		mapdoc.ClassReferences, "/actors", "needs one actor of sector citizen"},
	{"citizen not a person", onMap(func(m map[string]any) { obj(m, "actors", 0)["kind"] = "service" }),
		mapdoc.ClassReferences, "/actors/0/kind", "kind person"},
	{"relation to itself", onMap(func(m map[string]any) { obj(m, "relations", 0)["to"] = "gp" }),
		mapdoc.ClassReferences, "/relations/0/to", "to itself"},
	{"coordinator not an actor", onMap(func(m map[string]any) { obj(m, "coordinator")["actor"] = "nobody" }),
		mapdoc.ClassReferences, "/coordinator/actor", "names no actor"},
	{"plan actor not a forum", onMap(func(m map[string]any) { obj(m, "plan")["actor"] = "dps" }),
		mapdoc.ClassReferences, "/plan/actor", "kind forum"},
	{"assessedBy not an actor", onMap(func(m map[string]any) { obj(m, "participation", 0)["assessedBy"] = "nobody" }),
		mapdoc.ClassReferences, "/participation/0/assessedBy", "names no actor"},
	{"consent for a non-informal actor", onMap(func(m map[string]any) { obj(m, "consent", 0)["actor"] = "gp" }),
		mapdoc.ClassReferences, "/consent/0/actor", "sector informal"},
	{"bundle actor without directory entry", onBundle(func(m map[string]any) { obj(m, "maps", 0, "actors", 1)["directory"] = "legekontor-nowhere" }),
		mapdoc.ClassReferences, "/maps/0/actors/1/directory", "no entry of the bundle's directory"},
	{"bundle duplicate directory id", onBundle(func(m map[string]any) { obj(m, "directory", 1)["id"] = "legekontor-grorud" }),
		mapdoc.ClassReferences, "/directory/1/id", "duplicate directory id"},
	{"bundle duplicate map id", onBundle(func(m map[string]any) { m["maps"] = append(m["maps"].([]any), at(m, "maps", 0)) }),
		mapdoc.ClassReferences, "/maps/1/id", "duplicate map id"},
	{"organisation map of a citizen", onBundle(func(m map[string]any) { obj(m, "organisationMap", "focus")["kind"] = "citizen" }),
		mapdoc.ClassReferences, "/organisationMap/focus/kind", "municipality or region"},
	{"municipality map in maps", onBundle(func(m map[string]any) { obj(m, "maps", 0, "focus")["kind"] = "municipality" }),
		mapdoc.ClassReferences, "/maps/0/focus/kind", "maps holds citizen maps"},
	{"coordinator on an organisation map", onBundle(func(m map[string]any) {
		obj(m, "organisationMap")["coordinator"] = map[string]any{"offered": "2026-01-01"}
	}), mapdoc.ClassReferences, "/organisationMap/coordinator", "only on a citizen map"},

	// ClassDates
	{"contact before validFrom", onMap(func(m map[string]any) { obj(m, "relations", 0)["contacts"] = []any{"2024-01-31"} }),
		mapdoc.ClassDates, "/relations/0/contacts/0", "before the relation began"},
	{"contact after validTo", onMap(func(m map[string]any) { obj(m, "relations", 0)["validTo"] = "2026-10-01" }),
		mapdoc.ClassDates, "/relations/0/contacts/0", "after the relation ended"},
	{"contact after asOf", onMap(func(m map[string]any) { obj(m, "relations", 0)["contacts"] = []any{"2026-11-02"} }),
		mapdoc.ClassDates, "/relations/0/contacts/0", "after asOf"},
	{"validTo before validFrom", onMap(func(m map[string]any) {
		obj(m, "relations", 0)["validTo"] = "2024-01-31"
		delete(obj(m, "relations", 0), "contacts")
	}), mapdoc.ClassDates, "/relations/0/validTo", "before validFrom"},
	{"validFrom after asOf", onMap(func(m map[string]any) { obj(m, "relations", 3)["validFrom"] = "2026-11-02" }),
		mapdoc.ClassDates, "/relations/3/validFrom", "after asOf"},
	{"assigned before offered", onMap(func(m map[string]any) { obj(m, "coordinator")["assigned"] = "2026-03-09" }),
		mapdoc.ClassDates, "/coordinator/assigned", "before offered"},
	{"lastReview before created", onMap(func(m map[string]any) { obj(m, "plan")["lastReview"] = "2026-03-31" }),
		mapdoc.ClassDates, "/plan/lastReview", "before created"},
	{"participation after asOf", onMap(func(m map[string]any) { obj(m, "participation", 0)["date"] = "2027-01-01" }),
		mapdoc.ClassDates, "/participation/0/date", "after asOf"},
	{"bundle map date", onBundle(func(m map[string]any) { obj(m, "maps", 0, "relations", 2)["validFrom"] = "2026-12-01" }),
		mapdoc.ClassDates, "/maps/0/relations/2/validFrom", "after asOf"},

	// ClassNationalID
	{"fødselsnummer in a name", onMap(func(m map[string]any) { obj(m, "actors", 4)["name"] = "Kari " + fodselsnummer }),
		mapdoc.ClassNationalID, "/actors/4/name", "looks like a Norwegian fødselsnummer"},
	{"personnummer in whatMatters", onMap(func(m map[string]any) {
		obj(m, "actors", 1, "assessment")["whatMatters"] = "he knows my number is " + personnummer
	}), mapdoc.ClassNationalID, "/actors/1/assessment/whatMatters", "looks like a Swedish personnummer"},
	{"CPR number in a label", onMap(func(m map[string]any) { obj(m, "focus")["label"] = "Ola " + cprNumber }),
		mapdoc.ClassNationalID, "/focus/label", "looks like a Danish CPR number"},
	{"fødselsnummer as an actor id", onMap(func(m map[string]any) {
		obj(m, "actors", 4)["id"] = fodselsnummer
		obj(m, "relations", 4)["from"] = fodselsnummer
		obj(m, "consent", 0)["actor"] = fodselsnummer
	}), mapdoc.ClassNationalID, "/actors/4/id", "Norwegian fødselsnummer"},
	{"fødselsnummer in an extension's name", onMap(func(m map[string]any) { m["x-"+fodselsnummer] = true }),
		mapdoc.ClassNationalID, "/x-***********", "property name looks like a Norwegian fødselsnummer"},
	{"CPR number deep in an extension", onMap(func(m map[string]any) {
		obj(m, "actors", 1)["x-notes"] = map[string]any{"text": []any{"ok", "cpr " + cprNumber}}
	}), mapdoc.ClassNationalID, "/actors/1/x-notes/text/1", "Danish CPR number"},
	{"CPR number as a number", onMap(func(m map[string]any) { m["x-n"] = json.Number(cprContiguous) }),
		mapdoc.ClassNationalID, "/x-n", "number looks like a Danish CPR number"},
	{"personnummer in a bundle directory", onBundle(func(m map[string]any) { obj(m, "directory", 2)["name"] = "Bydel " + personnummer }),
		mapdoc.ClassNationalID, "/directory/2/name", "Swedish personnummer"},
}

func TestInvalid(t *testing.T) {
	v := validator(t)
	if len(invalidCases) < 25 {
		t.Fatalf("only %d cases", len(invalidCases))
	}
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.doc(t)
			d, bd, err := v.Parse(b)
			if d != nil || bd != nil {
				t.Errorf("Parse returned a value with error %v", err)
			}
			assertProblem(t, err, tc.class, tc.path, tc.msg)
			msg := err.Error()
			for _, run := range idDigitRuns {
				if strings.Contains(msg, run) {
					t.Errorf("error quotes digits %s of a national id: %s", run, msg)
				}
			}
			for _, value := range []string{"Ola", "Kari", "Hansen", "nobody", "hospital", "paused", "nowhere"} {
				if strings.Contains(msg, value) {
					t.Errorf("error quotes %q from the document: %s", value, msg)
				}
			}
			// ParseReader agrees.
			_, _, err2 := v.ParseReader(bytes.NewReader(b))
			if fmt.Sprint(err2) != msg {
				t.Errorf("ParseReader: %v\nParse: %v", err2, msg)
			}
		})
	}
}

func TestValid(t *testing.T) {
	v := validator(t)
	cases := []struct {
		name  string
		doc   func(t *testing.T) []byte
		check func(t *testing.T, d *mapdoc.Document, b *mapdoc.Bundle)
	}{
		{"x- extensions everywhere", onMap(func(m map[string]any) {
			m["x-tool"] = map[string]any{"version": json.Number("1.5"), "deep": []any{[]any{"a"}}}
			obj(m, "focus")["x-colour"] = "blue"
			obj(m, "actors", 1)["x-score"] = json.Number("0.5e3")
			obj(m, "actors", 1, "assessment")["x-note"] = nil
			obj(m, "relations", 0)["x-weight"] = 2
			obj(m, "coordinator")["x-a"] = true
			obj(m, "plan")["x-b"] = []any{}
			obj(m, "participation", 0)["x-c"] = "d"
			obj(m, "consent", 0)["x-d"] = "e"
		}), func(t *testing.T, d *mapdoc.Document, _ *mapdoc.Bundle) {
			if !bytes.Equal(mapdoc.Canonical(d), readFile(t, exampleMap)) {
				t.Error("extensions should be dropped and the rest kept")
			}
		}},
		{"x- extensions in a bundle", onBundle(func(m map[string]any) {
			m["x-region"] = "sør-øst"
			obj(m, "directory", 0)["x-orgnr"] = "974589095"
		}), nil},
		{"validTo after asOf", onMap(func(m map[string]any) { obj(m, "relations", 3)["validTo"] = "2027-04-01" }),
			func(t *testing.T, d *mapdoc.Document, _ *mapdoc.Bundle) {
				if !d.ActiveAt(d.Relations[3], d.AsOf) {
					t.Error("r4 should be active at asOf")
				}
			}},
		{"minimal municipality map", func(*testing.T) []byte {
			return []byte(`{"schema":"samspill.map/v1","id":"0d8f3a52-7c1e-4b6a-8e2f-91a4c5d6e7f8",
				"focus":{"kind":"municipality","label":"Grorud","municipality":"0301"},"asOf":"2026-11-01","actors":[]}`)
		}, func(t *testing.T, d *mapdoc.Document, _ *mapdoc.Bundle) {
			if d.Citizen() != nil || d.Actors == nil || d.Relations != nil {
				t.Errorf("%+v", d)
			}
		}},
		{"region organisation map", onBundle(func(m map[string]any) {
			obj(m, "organisationMap")["focus"] = map[string]any{"kind": "region", "label": "Helse Sør-Øst", "region": "helse-sor-ost"}
		}), nil},
		{"inpatient serves relation", onMap(func(m map[string]any) { obj(m, "relations", 1)["inpatient"] = true }),
			func(t *testing.T, d *mapdoc.Document, _ *mapdoc.Bundle) {
				if !d.Relations[1].Inpatient {
					t.Error("inpatient lost")
				}
			}},
		{"coordinator holding only an extension", onMap(func(m map[string]any) {
			m["coordinator"] = map[string]any{"x-note": "pending"}
		}), func(t *testing.T, d *mapdoc.Document, _ *mapdoc.Bundle) {
			if d.Coordinator == nil || *d.Coordinator != (mapdoc.Coordinator{}) {
				t.Errorf("coordinator %+v", d.Coordinator)
			}
			if _, _, err := validator(t).Parse(mapdoc.Canonical(d)); err != nil {
				t.Error(err)
			}
		}},
		{"declined plan without forum", onMap(func(m map[string]any) {
			m["plan"] = map[string]any{"status": "declined", "declined": "2026-05-01"}
		}), nil},
		{"numbers that are no national ids", onMap(func(m map[string]any) {
			obj(m, "actors", 1, "assessment")["role"] = "GP, phone +47 22334455, ref 2026-11-01"
		}), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, b, err := v.Parse(tc.doc(t))
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, d, b)
			}
		})
	}
}

func TestManyProblems(t *testing.T) {
	m := generic(t, readFile(t, exampleMap))
	actors := m["actors"].([]any)
	for i := range 60 {
		actors = append(actors, map[string]any{"id": fmt.Sprintf("a%d", i), "kind": "person", "sector": "nowhere", "level": "individual", "name": "x"})
	}
	m["actors"] = actors
	_, _, err := validator(t).Parse(encode(m))
	var ve *mapdoc.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	ps := ve.Problems()
	if len(ps) != mapdoc.MaxProblems || ve.Total() != 60 {
		t.Fatalf("%d problems listed, %d in all", len(ps), ve.Total())
	}
	for i, p := range ps {
		if want := fmt.Sprintf("/actors/%d/sector", 5+i); p.Path != want {
			t.Errorf("problem %d at %s, want %s (document order)", i, p.Path, want)
		}
	}
	if !strings.Contains(err.Error(), "… and 10 more") || !strings.HasPrefix(err.Error(), "invalid map document: 60 schema problems\n  /actors/5/sector: ") {
		t.Errorf("message:\n%s", err)
	}
}

func TestParseReaderLimit(t *testing.T) {
	r := bytes.NewReader(bytes.Repeat([]byte(" "), mapdoc.MaxSize+1))
	_, _, err := validator(t).ParseReader(r)
	assertProblem(t, err, mapdoc.ClassJSON, "", "larger than 32 MiB")
	_, _, err = validator(t).ParseReader(iotestErrReader{})
	var ve *mapdoc.ValidationError
	if err == nil || errors.As(err, &ve) {
		t.Errorf("a read error should not be a ValidationError: %v", err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestQueries(t *testing.T) {
	d, _, err := validator(t).Parse(readFile(t, exampleMap))
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Citizen(); c == nil || c.ID != "ola" {
		t.Errorf("Citizen: %+v", c)
	}
	if a := d.Actor("dps"); a == nil || a != &d.Actors[2] {
		t.Errorf("Actor(dps): %+v", a)
	}
	if d.Actor("nobody") != nil {
		t.Error("Actor(nobody) should be nil")
	}
	// The index survives reordering: Actor falls back to searching.
	d.Actors[1], d.Actors[2] = d.Actors[2], d.Actors[1]
	if a := d.Actor("dps"); a == nil || a.ID != "dps" {
		t.Errorf("Actor(dps) after reordering: %+v", a)
	}
	built := &mapdoc.Document{Actors: []mapdoc.Actor{{ID: "x", Sector: stakeholder.SectorCitizen}}}
	if built.Actor("x") == nil || built.Citizen() == nil {
		t.Error("queries on a Document built in code")
	}

	day := date.MustParse
	r := mapdoc.Relation{ValidFrom: day("2026-03-01"), ValidTo: day("2026-06-01"),
		Contacts: []date.Date{day("2026-05-01"), day("2026-04-01")}}
	for _, c := range []struct {
		t    string
		want bool
	}{{"2026-02-28", false}, {"2026-03-01", true}, {"2026-05-31", true}, {"2026-06-01", false}} {
		if got := d.ActiveAt(r, day(c.t)); got != c.want {
			t.Errorf("ActiveAt(%s) = %v", c.t, got)
		}
	}
	if open := (mapdoc.Relation{ValidFrom: day("2026-03-01")}); !d.ActiveAt(open, day("2100-01-01")) {
		t.Error("a relation without validTo stays active")
	}
	if got := d.LastContact(r); got != day("2026-05-01") {
		t.Errorf("LastContact = %s", got)
	}
	if got := d.LastContact(mapdoc.Relation{ValidFrom: day("2026-03-01")}); got != day("2026-03-01") {
		t.Errorf("LastContact without contacts = %s", got)
	}
}

func TestCanonicalOfBuiltDocument(t *testing.T) {
	d := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "0d8f3a52-7c1e-4b6a-8e2f-91a4c5d6e7f8",
		Focus: mapdoc.Focus{Kind: stakeholder.FocusRegion, Label: "Vest & <Nord>", Region: "vest"}, AsOf: date.MustParse("2026-01-01")}
	out := mapdoc.Canonical(d)
	want := `{
  "schema": "samspill.map/v1",
  "id": "0d8f3a52-7c1e-4b6a-8e2f-91a4c5d6e7f8",
  "focus": {
    "kind": "region",
    "label": "Vest & <Nord>",
    "region": "vest"
  },
  "asOf": "2026-01-01",
  "actors": []
}
`
	if string(out) != want {
		t.Errorf("got\n%s", out)
	}
	got, _, err := validator(t).Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if d.Actors != nil || len(got.Actors) != 0 {
		t.Error("Canonical must not change its argument")
	}
	bd := mapdoc.CanonicalBundle(&mapdoc.Bundle{Schema: mapdoc.SchemaBundle})
	if string(bd) != "{\n  \"schema\": \"samspill.bundle/v1\",\n  \"directory\": [],\n  \"maps\": []\n}\n" {
		t.Errorf("empty bundle:\n%s", bd)
	}
	if _, _, err := validator(t).Parse(bd); err != nil {
		t.Error(err)
	}
}

// A Validator and the Documents it returns may be shared between goroutines.
func TestConcurrentParse(t *testing.T) {
	v := validator(t)
	in := readFile(t, exampleMap)
	shared, _, err := v.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 8 {
		go func() {
			d, _, err := v.Parse(in)
			if err == nil && (shared.Actor("gp") == nil || !bytes.Equal(mapdoc.Canonical(d), in)) {
				err = errors.New("different result")
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestUUIDThatLooksLikeANationalID: a document whose map id is a UUID whose
// digits look like a national identity number is not refused for it (the
// digits of an id are not a number a person is known by).
func TestUUIDThatLooksLikeANationalID(t *testing.T) {
	var flagged string
	for i := uint64(0); i < 2_000_000 && flagged == ""; i++ {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], i)
		if u := uuid.NewSHA1(uuid.NameSpaceOID, b[:]).String(); nationalid.Check("id", u) != nil {
			flagged = u
		}
	}
	src := readFile(t, "testdata/example-map.json")
	doc, _, err := validator(t).Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	b := bytes.Replace(src, []byte(`"`+doc.ID+`"`), []byte(`"`+flagged+`"`), 1)
	if got, _, err := validator(t).Parse(b); err != nil || got.ID != flagged {
		t.Fatalf("map id %s: %v", flagged, err)
	}
}
