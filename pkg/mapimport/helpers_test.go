package mapimport_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
)

var loadValidator = sync.OnceValues(mapdoc.NewValidator)

func validator(t testing.TB) *mapdoc.Validator {
	t.Helper()
	v, err := loadValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The golden files in testdata/csv and testdata/fhir hold the report and
// the document of every input there. After a deliberate change, rewrite
// them with
//
//	go test ./mapimport/ -run Golden -update
//
// and review the diff.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const mapID = "5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10"

var asOf = date.MustParse("2026-11-01")

var csvOpts = mapimport.CSVOptions{
	Focus:       mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "0301"},
	AsOf:        asOf,
	CitizenName: "Ola Nordmann",
	MapID:       mapID,
}

var fhirOpts = mapimport.FHIROptions{AsOf: asOf, MapID: mapID, Municipality: "0301"}

// render writes the outcome of an import as the golden files hold it.
func render(doc *mapdoc.Document, rep mapimport.Report, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	} else {
		b.WriteString("error: none\n")
	}
	fmt.Fprintf(&b, "rejected: %d\nreport:\n", rep.Rejected)
	for _, l := range rep.Lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	if doc == nil {
		b.WriteString("document: none\n")
	} else {
		b.WriteString("document:\n")
		b.Write(mapdoc.Canonical(doc))
	}
	return b.String()
}

// golden compares got with the golden file of input (its name with
// .golden in place of its extension), or rewrites it under -update.
func golden(t *testing.T, input, got string) {
	t.Helper()
	name := strings.TrimSuffix(input, filepath.Ext(input)) + ".golden"
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from the golden file (run go test -update to accept):\n--- got\n%s\n--- want\n%s", input, got, want)
	}
}

// inputs lists the files of testdata/dir ending in ext.
func inputs(t testing.TB, dir, ext string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", dir, "*"+ext))
	if err != nil || len(names) == 0 {
		t.Fatalf("no inputs in testdata/%s: %v", dir, err)
	}
	return names
}

// checkOutcome checks what holds for every import: a rejected import
// returns ErrRejected, a nil document and rejected lines; an accepted one a
// document that passes the validator and no rejected line; neither the
// report nor the error carries a national identity number.
func checkOutcome(t testing.TB, doc *mapdoc.Document, rep mapimport.Report, err error) {
	t.Helper()
	n := 0
	for _, l := range rep.Lines {
		if l.Rejected {
			n++
			if l.Took != "" {
				t.Errorf("rejected line with a Took: %s", l)
			}
		}
		for _, s := range []string{l.Where, l.Took, l.Problem} {
			if m, ok := nationalid.Contains(s); ok {
				t.Errorf("report line holds a %s: %q", m.Kind, s)
			}
		}
	}
	if n != rep.Rejected {
		t.Errorf("Rejected = %d, but %d lines are rejected", rep.Rejected, n)
	}
	switch {
	case err == nil:
		if doc == nil {
			t.Fatal("no error and no document")
		}
		if rep.Rejected != 0 {
			t.Errorf("accepted with %d rejected lines", rep.Rejected)
		}
		if _, _, perr := validator(t).Parse(mapdoc.Canonical(doc)); perr != nil {
			t.Fatalf("the document fails the validator: %v", perr)
		}
	case isRejected(err):
		if doc != nil {
			t.Error("rejected with a document")
		}
		if rep.Rejected == 0 {
			t.Error("ErrRejected without a rejected line")
		}
		if m, ok := nationalid.Contains(err.Error()); ok {
			t.Errorf("error holds a %s", m.Kind)
		}
	default:
		t.Fatalf("unexpected error: %v", err)
	}
}

// lineAt returns the report line for where, failing the test if there is
// none.
func lineAt(t *testing.T, rep mapimport.Report, where string) mapimport.Line {
	t.Helper()
	for _, l := range rep.Lines {
		if l.Where == where {
			return l
		}
	}
	t.Fatalf("no report line for %q in:\n%s", where, render(nil, rep, nil))
	return mapimport.Line{}
}

// wantLine checks the line for where: rejected or not, and its Problem
// holding every one of parts.
func wantLine(t *testing.T, rep mapimport.Report, where string, rejected bool, parts ...string) {
	t.Helper()
	l := lineAt(t, rep, where)
	if l.Rejected != rejected {
		t.Errorf("%s: Rejected = %v, want %v", l, l.Rejected, rejected)
	}
	for _, p := range parts {
		if !strings.Contains(l.Problem, p) && !strings.Contains(l.Took, p) {
			t.Errorf("%s: want %q in it", l, p)
		}
	}
}

// importer is CSV or FHIR with the test options.
type importer func(io.Reader) (*mapdoc.Document, mapimport.Report, error)

// goldenAll runs imp on every testdata/<dir>/*<ext> file and compares the
// outcome with its golden file.
func goldenAll(t *testing.T, dir, ext string, imp importer) {
	for _, name := range inputs(t, dir, ext) {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			doc, rep, err := imp(f)
			checkOutcome(t, doc, rep, err)
			golden(t, name, render(doc, rep, err))
		})
	}
}

func importString(t *testing.T, imp importer, in string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	doc, rep, err := imp(strings.NewReader(in))
	checkOutcome(t, doc, rep, err)
	return doc, rep, err
}

func importFile(t *testing.T, imp importer, dir, name string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return importString(t, imp, string(b))
}

// assertDeterministic imports one testdata file five times and requires
// the same document and report each time.
func assertDeterministic(t *testing.T, imp importer, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for i := range 5 {
		doc, rep, err := imp(bytes.NewReader(b))
		out := render(doc, rep, err)
		if i == 0 {
			first = out
		} else if out != first {
			t.Fatalf("run %d differs:\n%s\n%s", i, out, first)
		}
	}
}
