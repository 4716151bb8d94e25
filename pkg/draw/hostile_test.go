package draw

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput draws through a worker process, as a service does with
// DOT it did not write: a failure inside Graphviz spends the process's
// Graphviz, and the Engine starts another worker.
func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	e, err := New(context.Background(), Options{Command: workerCommand, MaxBytes: 4096, MaxNodes: 50, MaxEdges: 60, MaxPixels: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	secret := filepath.Join(t.TempDir(), "secret.png")
	writePNG1x1(t, secret)
	many := func(n int, edge string) string {
		var b strings.Builder
		b.WriteString("digraph {")
		for i := range n {
			b.WriteString(" n" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + itoa(i) + edge + ";")
		}
		return b.String() + "}"
	}
	for _, tc := range []struct {
		name   string
		dot    string
		format Format
		want   error
		msg    string
	}{
		{"unclosed", "digraph { a -> ", SVG, ErrInvalid, "syntax error"},
		{"garbage", "\x00\x01\x02 not dot at all", SVG, ErrInvalid, ""},
		{"empty", "", SVG, ErrInvalid, ""},
		{"edge to nothing", "graph { a -- }", PNG, ErrInvalid, "syntax error"},
		{"bad attribute list", "digraph { a [label=] }", PDF, ErrInvalid, "syntax error"},
		{"huge", "digraph { a [label=\"" + strings.Repeat("æ", 3000) + "\"] }", SVG, ErrTooLarge, "at most 4096"},
		{"many nodes", many(51, ""), SVG, ErrTooLarge, "51 nodes; at most 50"},
		{"many edges", many(40, " -> hub"), SVG, nil, ""},
		{"too many edges", "digraph { a -> b; " + strings.Repeat("a -> b; ", 60) + "}", DOT, ErrTooLarge, "61 edges; at most 60"},
		{"node image", `digraph { a [image="` + secret + `"] }`, SVG, ErrUnsafe, `node attribute "image"`},
		{"default image", `digraph { node [image="` + secret + `"]; a }`, PNG, ErrUnsafe, `"image"`},
		{"edge image", `digraph { a -> b [image="x.png"] }`, SVG, ErrUnsafe, `edge attribute "image"`},
		{"concatenated name", `digraph { a ["ima" + "ge"="` + secret + `"] }`, SVG, ErrUnsafe, `"image"`},
		{"quoted name", `digraph { "a" ["image"="/etc/passwd"] }`, DOT, ErrUnsafe, `"image"`},
		{"upper case", `digraph { a [IMAGE="/etc/passwd"] }`, SVG, ErrUnsafe, `"IMAGE"`},
		{"imagepath", `digraph { imagepath="/etc"; a }`, SVG, ErrUnsafe, `graph attribute "imagepath"`},
		{"shapefile", `digraph { a [shape=epsf, shapefile="/etc/passwd"] }`, SVG, ErrUnsafe, `"shapefile"`},
		{"fontpath", `digraph { fontpath="/usr/share/fonts"; a }`, SVG, ErrUnsafe, `"fontpath"`},
		{"background", `digraph { _background="I 0 0 10 10 8 -/etc/pw"; a }`, PDF, ErrUnsafe, `"_background"`},
		{"html img", `digraph { a [label=<<TABLE><TR><TD><IMG SRC="` + secret + `"/></TD></TR></TABLE>>] }`, SVG, ErrUnsafe, "<IMG>"},
		{"html img lower case", `digraph { a [label=<<table><tr><td><img src="x.png"></img></td></tr></table>>] }`, SVG, ErrUnsafe, "<IMG>"},
		{"png too large", `digraph { dpi=2000; a -> b -> c }`, PNG, ErrTooLarge, "pixels"},
		{"png scaled up", `digraph { size="100,100!"; a -> b }`, PNG, ErrTooLarge, "pixels"},
		{"svg may be large", `digraph { dpi=2000; a -> b -> c }`, SVG, nil, ""},
		{"pdf too large", `digraph { size="300,300!"; a -> b }`, PDF, ErrTooLarge, "PDF page"},
		{"rotated pdf", `digraph { rotate=90; a -> b }`, PDF, ErrUnsupported, "rotated"},
		{"rotated svg", `digraph { rotate=90; a -> b }`, SVG, nil, ""},
		{"unknown layout", `digraph { layout=nosuch; a -> b }`, SVG, ErrInvalid, "nosuch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.Render(context.Background(), []byte(tc.dot), tc.format)
			if tc.want == nil {
				if err != nil || len(out) == 0 {
					t.Fatalf("%v (%d bytes); want a picture", err, len(out))
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v; want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not name the problem (%q)", err, tc.msg)
			}
		})
	}
	// After all that, the Engine still draws: each Graphviz failure
	// (five syntax errors, empty input, an unknown layout) replaced the
	// worker.
	out, err := e.Render(context.Background(), []byte("digraph { Bærum -> Tromsø }"), SVG)
	if err != nil || !bytes.Contains(out, []byte("Tromsø")) {
		t.Fatalf("render after hostile input: %v", err)
	}
	if st := e.Stats(); st.Recycles < 5 {
		t.Errorf("%d workers replaced after Graphviz failures, want at least 5", st.Recycles)
	}
}

// TestNoFiles checks the second line of defence: Graphviz cannot open
// the machine's files even when a DOT asks it to (here the checks that
// refuse such DOT are switched off). Without it, go-graphviz opens paths
// relative to the working directory (and absolute ones when that is /):
// the same DOT gave an <image> of the file's size. It draws in a worker
// process started in the folder of the image, since a Graphviz that
// failed to read a file may be spent.
func TestNoFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	dir := t.TempDir()
	img := "logo.png"
	writeTestPNG(t, filepath.Join(dir, img), 300, 200)
	e, err := New(context.Background(), Options{Command: func() *exec.Cmd {
		cmd := workerCommand()
		cmd.Dir = dir
		return cmd
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.lim.FilesUnchecked = true
	src := `digraph { a [image="` + img + `", label=""]; b [label=<<TABLE><TR><TD><IMG SRC="` + img + `"/></TD></TR></TABLE>>]; c [image="` + filepath.Join(dir, img) + `"] }`
	out, err := e.Render(context.Background(), []byte(src), SVG)
	if err == nil && (bytes.Contains(out, []byte("<image")) || bytes.Contains(out, []byte("251px"))) {
		t.Errorf("Graphviz read %s:\n%s", img, out)
	}
	if err != nil && errors.Is(err, ErrUnsafe) {
		t.Fatalf("the checks were not switched off: %v", err)
	}
}

func writePNG1x1(t *testing.T, path string) { writeTestPNG(t, path, 1, 1) }

func writeTestPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	var buf bytes.Buffer
	im := image.NewNRGBA(image.Rect(0, 0, w, h))
	im.Set(0, 0, color.Black)
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
