package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/mapdoc"
)

func TestImportThenExportFromTheRunningSystem(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer stop()
	admin := mustAdminToken(t, cfg.data)
	coordinator, _ := mustToken(t, base, admin, tokenSpec{Name: "coordinator", Role: "coordinator", Municipality: "0301"})
	if status, res := postAs(t, base, admin, "register_entry", `{"entryId":"legekontor-grorud","kind":"service","name":"Legekontoret Grorud","sector":"primary-health","municipality":"0301"}`); status != 201 {
		t.Fatalf("register: %d %v", status, res)
	}
	example := "../../pkg/mapdoc/testdata/example-map.json"
	var out, errOut bytes.Buffer
	// Without a token the import is refused (exit 5), over NATS too.
	if code := run(context.Background(), []string{"import", example, "--nats", natsURL}, &out, &errOut); code != exitDenied {
		t.Fatalf("import without a token: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"import", example, "--nats", natsURL, "--token", coordinator}, &out, &errOut); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errOut.String())
	}
	src, _ := os.ReadFile(example)
	v, _ := mapdoc.NewValidator()
	want, _, err := v.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "export.json")
	deadline := time.Now().Add(10 * time.Second)
	for {
		errOut.Reset()
		code := run(context.Background(), []string{"export", "--map", want.ID, "--at", "2026-11-01", "--nats", natsURL, "--token", coordinator, "-o", file}, io.Discard, &errOut)
		if code == exitOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("export: exit %d: %s", code, errOut.String())
		}
		time.Sleep(50 * time.Millisecond) // the graph service is catching up
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := v.Parse(b)
	if err != nil {
		t.Fatalf("the export is not a valid map document: %v", err)
	}
	if len(got.Actors) != len(want.Actors) || got.Actors[1].ID != want.Actors[1].ID || got.Actors[1].Name != want.Actors[1].Name {
		t.Fatalf("export differs from the import: %s", b)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Fatalf("an export of personal data is written %v, want 0600", info.Mode().Perm())
	}
}

func TestImportExportUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema":"samspill.map/v1","id":"x"}`), 0o600)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"import"}, exitUsage, "needs a FILE"},
		{[]string{"import", bad}, exitUsage, "bad.json"},
		{[]string{"import", "/nonexistent/file.json"}, exitFailure, "no such file"},
		{[]string{"export"}, exitUsage, "exactly one of"},
		{[]string{"export", "--map", "x", "--municipality", "3203"}, exitUsage, "exactly one of"},
		{[]string{"export", "--map", "x", "--at", "2026-13-01"}, exitUsage, "--at"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.out) {
			t.Errorf("samspill %v: exit %d %q; want %d with %q", tc.args, code, out.String()+errOut.String(), tc.code, tc.out)
		}
	}
}

func TestImportBundleShowsProgressAndExportsBack(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer stop()
	admin := mustAdminToken(t, cfg.data)
	// A bundle (directory and maps) is an administrator's import; its
	// export, the per-map structures of a municipality, an integration's
	// granted read.
	reader, _ := mustToken(t, base, admin, tokenSpec{Name: "registry", Role: "integration", Grants: []string{"bundle.0301.read"}})
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"import", "../../pkg/mapdoc/testdata/example-bundle.json", "--nats", natsURL, "--token", admin}, &out, &errOut); code != exitOK {
		t.Fatalf("bundle import: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "importing maps") && !strings.Contains(out.String(), `"maps"`) {
		t.Fatalf("no progress or summary: %s / %s", errOut.String(), out.String())
	}
	if !strings.Contains(out.String(), `"registered"`) {
		t.Fatalf("summary: %s", out.String())
	}
	// The region export gives the bundle back: directory, organisation map and citizen map.
	file := filepath.Join(t.TempDir(), "region.json")
	deadline := time.Now().Add(10 * time.Second)
	v, _ := mapdoc.NewValidator()
	for {
		errOut.Reset()
		code := run(context.Background(), []string{"export", "--municipality", "0301", "--at", "2026-11-01", "--nats", natsURL, "--token", reader, "-o", file}, io.Discard, &errOut)
		if code == exitOK {
			b, _ := os.ReadFile(file)
			_, bundle, err := v.Parse(b)
			if err == nil && bundle != nil && bundle.OrganisationMap != nil && len(bundle.Maps) == 1 && len(bundle.Directory) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(file)
			t.Fatalf("region export: exit %d %s\n%s", code, errOut.String(), b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportCSVAndFHIR(t *testing.T) {
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval"}
	base, natsURL, stop := startUpNATS(t, cfg)
	defer stop()
	coordinator, _ := mustToken(t, base, mustAdminToken(t, cfg.data), tokenSpec{Name: "coordinator", Role: "coordinator", Municipality: "3203"})
	dir := "../../pkg/mapimport/testdata/"
	for _, tc := range []struct {
		args   []string
		code   int
		report string
	}{
		{[]string{"import", dir + "csv/rop-no.csv", "--label", "Ola N.", "--municipality", "3203", "--as-of", "2026-11-01"}, exitOK, "row 2"},
		{[]string{"import", dir + "csv/care-en.csv", "--label", "Sam K.", "--municipality", "3203", "--as-of", "2026-11-01"}, exitOK, "row 2"},
		{[]string{"import", dir + "fhir/careteam.json", "--municipality", "3203", "--as-of", "2026-11-01"}, exitOK, "Bundle.entry"},
		{[]string{"import", dir + "csv/hostile-nationalid.csv", "--label", "X", "--municipality", "3203", "--as-of", "2026-11-01"}, exitUsage, "national"},
		{[]string{"import", dir + "fhir/dangling.json", "--municipality", "3203", "--as-of", "2026-11-01"}, exitUsage, "Bundle.entry"},
		{[]string{"import", dir + "csv/care-en.csv", "--format", "xml"}, exitUsage, "--format"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(tc.args, "--nats", natsURL, "--token", coordinator), &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.report) {
			t.Errorf("samspill %v: exit %d, report %q; want exit %d and %q", tc.args, code, errOut.String(), tc.code, tc.report)
		}
	}
}
