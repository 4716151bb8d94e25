package mapimport_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/samspill/samspill/pkg/mapimport"
)

// FuzzCSV checks that CSV never panics, that an accepted form passes the
// validator and a rejected one returns ErrRejected and no document, that no
// report line or error carries a national identity number, and that the
// same input gives the same outcome.
func FuzzCSV(f *testing.F) {
	for _, name := range inputs(f, "csv", ".csv") {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(rows(3)))
	f.Add([]byte("sep=,\nname,sector,kind,relation,importance,influence,notes\nA,peer,,medlem,lav,,\"x\ny\"\n"))
	f.Add([]byte("navn;sektor;type;relasjon\nÅse;ansvarsgruppe;;\n121212/1212;NAV;organisasjon;medlem\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		doc, rep, err := mapimport.CSV(bytes.NewReader(in), csvOpts)
		checkOutcome(t, doc, rep, err)
		doc2, rep2, err2 := mapimport.CSV(bytes.NewReader(in), csvOpts)
		if a, b := render(doc, rep, err), render(doc2, rep2, err2); a != b {
			t.Fatalf("two runs differ:\n%s\n%s", a, b)
		}
	})
}

// FuzzFHIR checks the same for FHIR bundles.
func FuzzFHIR(f *testing.F) {
	for _, name := range inputs(f, "fhir", ".json") {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(bundle(
		`{"resourceType":"Organization","id":"o","name":"NAV","type":[{"text":"NAV"}]}`,
		`{"resourceType":"RelatedPerson","id":"v","relationship":[{"coding":[{"code":"MTH"}]}],"period":{"start":"2020","end":"2026-10"}}`,
		`{"resourceType":"CareTeam","id":"u","status":"active","category":[{"text":"Individuell plan"}],"period":{"start":"2026-01-01"},"participant":[{"member":{"reference":"Organization/o"},"period":{"end":"2026-05-01T10:00:00Z"}},{"member":{"reference":"RelatedPerson/v"}},{"member":{"reference":"Patient/p"}}]}`,
	)))
	f.Add([]byte(nest(120)))
	f.Add([]byte(bundle(
		`{"resourceType":"Organization","id":"o","name":"Legevakta","type":[{"coding":[{"code":"GP"}]}]}`,
		`{"resourceType":"Practitioner","id":"a","name":[{"use":"old","text":"X"},{"given":["Siri"],"family":"Dahl"}]}`,
		`{"resourceType":"PractitionerRole","id":"ra","practitioner":{"reference":"http://x/fhir/Practitioner/a/_history/2"},"organization":{"reference":"Organization/o"},"period":{"start":"2025-02","end":"2025"}}`,
		`{"resourceType":"CareTeam","id":"t","status":"inactive","subject":{"reference":"Patient/p"},"participant":[{"member":{"reference":"PractitionerRole/ra"}}]}`,
	)))
	f.Fuzz(func(t *testing.T, in []byte) {
		doc, rep, err := mapimport.FHIR(bytes.NewReader(in), fhirOpts)
		checkOutcome(t, doc, rep, err)
		doc2, rep2, err2 := mapimport.FHIR(bytes.NewReader(in), fhirOpts)
		if a, b := render(doc, rep, err), render(doc2, rep2, err2); a != b {
			t.Fatalf("two runs differ:\n%s\n%s", a, b)
		}
	})
}
