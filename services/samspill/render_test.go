package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// svgText is the text of an SVG's <text> elements, joined by newlines;
// the test fails when the SVG is not XML.
func svgText(t *testing.T, svg []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var b strings.Builder
	in := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in = tok.Name.Local == "text"
		case xml.CharData:
			if in {
				b.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				b.WriteByte('\n')
				in = false
			}
		}
	}
	return b.String()
}

func renderCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"render"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestRenderOffline(t *testing.T) {
	dir := t.TempDir()

	t.Run("person map as svg on stdout", func(t *testing.T) {
		out, errOut, code := renderCLI(t, exampleMap)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		text := svgText(t, []byte(out))
		for _, name := range []string{"Ola N.", "Dr. Hansen", "DPS Nord"} {
			if !strings.Contains(text, name) {
				t.Errorf("the person's map lacks %q", name)
			}
		}
	})

	t.Run("bokmål", func(t *testing.T) {
		out, errOut, code := renderCLI(t, exampleMap, "--lang", "nb", "--format", "svg", "-o", "-")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if text := svgText(t, []byte(out)); !strings.Contains(text, "aktørkart") {
			t.Errorf("no bokmål title in %q", text)
		}
	})

	t.Run("laid-out dot", func(t *testing.T) {
		out, errOut, code := renderCLI(t, exampleMap, "--format", "dot")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "pos=") || !strings.Contains(out, "bb=") {
			t.Errorf("the DOT is not laid out:\n%.300s", out)
		}
	})

	t.Run("png file", func(t *testing.T) {
		f := filepath.Join(dir, "ola.png")
		// An existing file with a wider mode ends up 0600.
		if err := os.WriteFile(f, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := renderCLI(t, exampleMap, "--format", "png", "-o", f); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if r := img.Bounds(); r.Dx() < 200 || r.Dy() < 100 {
			t.Errorf("PNG of %v", r)
		}
		checkPrivate(t, f)
	})

	t.Run("pdf file", func(t *testing.T) {
		f := filepath.Join(dir, "ola.pdf")
		if _, errOut, code := renderCLI(t, "--format", "pdf", "-o", f, exampleMap); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("/FontFile2")) || !bytes.Contains(b[len(b)-16:], []byte("%%EOF")) {
			t.Errorf("not a PDF with an embedded font: %.40q", b)
		}
		checkPrivate(t, f)
	})

	t.Run("system map", func(t *testing.T) {
		out, errOut, code := renderCLI(t, exampleBundle, "--format", "svg")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		svgText(t, []byte(out))
	})

	t.Run("change map", func(t *testing.T) {
		// The same map with a user organisation added since.
		src, err := os.ReadFile(exampleMap)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(src, &doc); err != nil {
			t.Fatal(err)
		}
		doc["actors"] = append(doc["actors"].([]any), map[string]any{
			"id": "mh", "kind": "organisation", "sector": "user-org", "level": "service", "name": "Mental Helse Grünerløkka"})
		doc["relations"] = append(doc["relations"].([]any), map[string]any{
			"id": "r9", "from": "mh", "to": "ola", "type": "peer-support", "validFrom": "2026-10-01"})
		after, _ := json.Marshal(doc)
		afterFile := filepath.Join(dir, "after.json")
		if err := os.WriteFile(afterFile, after, 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := renderCLI(t, afterFile, "--compare", exampleMap)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		text := svgText(t, []byte(out))
		if !strings.Contains(text, "Grünerløkka") || !strings.Contains(text, "new") {
			t.Errorf("the change map does not show the new actor as new:\n%s", text)
		}
	})

	bad := filepath.Join(dir, "bad.json")
	src, _ := os.ReadFile(exampleMap)
	if err := os.WriteFile(bad, bytes.Replace(src, []byte(`"to": "dps"`), []byte(`"to": "nobody"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{bad}, exitUsage, "/relations/2/to"},
		{[]string{}, exitUsage, "needs a FILE"},
		{[]string{exampleMap, "--format", "jpg"}, exitUsage, "--format"},
		{[]string{exampleMap, "--lang", "sv"}, exitUsage, "--lang"},
		{[]string{exampleMap, "--format", "png"}, exitUsage, "-o OUT"},
		{[]string{exampleMap, "--format", "pdf"}, exitUsage, "-o OUT"},
		{[]string{exampleBundle, "--compare", exampleMap}, exitUsage, "is a bundle"},
		{[]string{exampleMap, "--compare", exampleBundle}, exitUsage, "is a bundle"},
		{[]string{exampleMap, "--compare", bad}, exitUsage, "/relations/2/to"},
		{[]string{"/nonexistent.json"}, exitFailure, "no such file"},
		{[]string{exampleMap, "-o", filepath.Join(dir, "no", "such", "dir.svg")}, exitFailure, "no such file"},
	} {
		out, errOut, code := renderCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("samspill render %v: exit %d %q; want %d with %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if out != "" {
			t.Errorf("samspill render %v wrote %d bytes to stdout on failure", tc.args, len(out))
		}
	}
}

func checkPrivate(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("%s has mode %v; want 0600", path, m)
	}
}
