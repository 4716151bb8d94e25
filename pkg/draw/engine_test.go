package draw

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// svgTexts returns the text of every <text> element, and fails the test
// when the SVG is not well-formed XML.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	texts, err := parseSVG(svg)
	if err != nil {
		t.Fatalf("SVG is not XML: %v", err)
	}
	return texts
}

// parseSVG reads an SVG as XML and returns the text of its <text> elements.
func parseSVG(svg []byte) ([]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	var texts []string
	var cur *strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "text" {
				cur = &strings.Builder{}
			}
		case xml.CharData:
			if cur != nil {
				cur.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" && cur != nil {
				texts = append(texts, cur.String())
				cur = nil
			}
		}
	}
	return texts, nil
}

// nodeAttrs returns the attribute list of node id's statement in DOT
// output, or "".
func nodeAttrs(dot, id string) string {
	m := regexp.MustCompile(`(?s)\n\s*` + regexp.QuoteMeta(id) + `\s*\[(.*?)\];`).FindStringSubmatch(dot)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestFormats(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	src, labels := mapDOT(12)
	lay, err := e.Layout(ctx, []byte(src))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("dot", func(t *testing.T) {
		out, err := e.Render(ctx, []byte(src), DOT)
		if err != nil {
			t.Fatal(err)
		}
		for id := range labels {
			attrs := nodeAttrs(string(out), id)
			for _, a := range []string{"pos=", "width=", "height="} {
				if !strings.Contains(attrs, a) {
					t.Errorf("node %s has no %s in the laid-out DOT: [%s]", id, a, attrs)
				}
			}
		}
		if !strings.Contains(string(out), "bb=") {
			t.Error("no bb in the laid-out DOT")
		}
	})

	t.Run("svg", func(t *testing.T) {
		out, err := e.Render(ctx, []byte(src), SVG)
		if err != nil {
			t.Fatal(err)
		}
		texts := svgTexts(t, out)
		all := strings.Join(texts, "\n")
		for id, label := range labels {
			for line := range strings.SplitSeq(label, "\n") {
				if id == "legend" {
					for w := range strings.FieldsSeq(line) {
						if !strings.Contains(all, w) {
							t.Errorf("SVG lacks %q of the legend", w)
						}
					}
					continue
				}
				if !slices.Contains(texts, line) {
					t.Errorf("SVG has no text %q (node %s)", line, id)
				}
			}
		}
	})

	t.Run("png", func(t *testing.T) {
		out, err := e.Render(ctx, []byte(src), PNG)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("PNG does not decode: %v", err)
		}
		// 96 dpi, with Graphviz's pad of 4 points on every side.
		wantW := (lay.BB.Width() + 8) * 96 / 72
		wantH := (lay.BB.Height() + 8) * 96 / 72
		b := img.Bounds()
		if math.Abs(float64(b.Dx())-wantW) > 2 || math.Abs(float64(b.Dy())-wantH) > 2 {
			t.Errorf("PNG is %d×%d; want about %.0f×%.0f", b.Dx(), b.Dy(), wantW, wantH)
		}
		if ink(img, img.Bounds()) < 0.01 {
			t.Error("the PNG is blank")
		}
	})

	t.Run("pdf", func(t *testing.T) {
		out, err := e.Render(ctx, []byte(src), PDF)
		if err != nil {
			t.Fatal(err)
		}
		doc := readPDF(t, out)
		if doc.pages != 1 {
			t.Errorf("%d pages; want 1", doc.pages)
		}
		if len(doc.fonts) == 0 {
			t.Error("no embedded font")
		}
		text := strings.Join(doc.text, "\n")
		for _, label := range labels {
			for w := range strings.FieldsSeq(label) {
				if !strings.Contains(text, w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
		}
	})
}

func TestDeterministic(t *testing.T) {
	e := engine(t)
	src, _ := mapDOT(8)
	for _, f := range []Format{DOT, SVG, PNG, PDF} {
		a, err := e.Render(context.Background(), []byte(src), f)
		if err != nil {
			t.Fatal(f, err)
		}
		b, err := e.Render(context.Background(), []byte(src), f)
		if err != nil {
			t.Fatal(f, err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders of the same DOT differ", f)
		}
	}
}

// TestConcurrentRenders renders from many goroutines at once, through an
// Engine that also recycles Graphviz under the load, and checks that each
// caller gets its own picture.
func TestConcurrentRenders(t *testing.T) {
	e, err := New(context.Background(), Options{RecycleAfter: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const goroutines, each = 16, 4
	formats := []Format{DOT, SVG, PNG, PDF}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				marker := fmt.Sprintf("Kart nr %d-%d på Røros", g, i)
				src := fmt.Sprintf("digraph { label=%q; a [label=\"Bærum %d\"]; b [label=\"Tromsø\"]; a -> b; b -> c%d; }", marker, g, i)
				f := formats[(g+i)%len(formats)]
				out, err := e.Render(context.Background(), []byte(src), f)
				if err != nil {
					errs <- fmt.Errorf("%s %d-%d: %w", f, g, i, err)
					continue
				}
				var ok bool
				switch f {
				case DOT:
					ok = bytes.Contains(out, []byte(marker))
				case SVG:
					texts, err := parseSVG(out)
					ok = err == nil && slices.Contains(texts, marker)
				case PNG:
					_, err := png.Decode(bytes.NewReader(out))
					ok = err == nil
				case PDF:
					text, err := pdfText(out)
					ok = err == nil && strings.Contains(strings.Join(text, " "), marker)
				}
				if !ok {
					errs <- fmt.Errorf("%s %d-%d: the output is not the caller's picture", f, g, i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := e.Stats()
	if st.Renders != goroutines*each || st.Recycles != goroutines*each/7 || st.Failures != 0 {
		t.Errorf("stats %+v; want %d renders, %d recycles, no failures", st, goroutines*each, goroutines*each/7)
	}
}

// slowDOT takes Graphviz a while (0.8 s here): dot's layout of a
// tangled graph grows fast with its size (7 s at 200 nodes).
func slowDOT() []byte {
	const n = 100
	var b strings.Builder
	b.WriteString("digraph { ")
	for i := range n {
		fmt.Fprintf(&b, "n%d -> n%d; n%d -> n%d; ", i, (i*7+3)%n, i, (i*13+5)%n)
	}
	b.WriteString("}")
	return []byte(b.String())
}

func TestCancel(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	slow := slowDOT()
	started := time.Now()
	slowDone := make(chan error, 1)
	go func() {
		_, err := e.Render(context.Background(), slow, SVG)
		slowDone <- err
	}()
	time.Sleep(50 * time.Millisecond) // the slow render is under way

	// Given up while waiting in the queue: it never runs.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = e.Render(ctx, []byte("digraph { a -> b }"), SVG)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued render: %v; want the context's error", err)
	}
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	took := time.Since(started)
	if got := e.Stats().Renders; got != 1 {
		t.Errorf("%d renders; the cancelled one should not have run", got)
	}

	// Given up during its render: the caller returns at once, the render
	// finishes and the Engine goes on.
	// "At once" is checked by order, not by a clock: when the caller has
	// its answer, the render is still under way (not yet counted).
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(took / 4); cancel() }()
	_, err = e.Render(ctx, slow, SVG)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled render: %v", err)
	}
	if got := e.Stats().Renders; got != 1 {
		t.Errorf("the caller of a cancelled render got its answer after the render ended (%d renders counted, want 1)", got)
	}
	out, err := e.Render(context.Background(), []byte("digraph { Åse -> Ærø }"), SVG)
	if err != nil || !bytes.Contains(out, []byte("Ærø")) {
		t.Fatalf("render after a cancelled one: %v", err)
	}
	if got := e.Stats().Renders; got != 3 {
		t.Errorf("%d renders; want 3 (the cancelled one ran to completion)", got)
	}
}

func TestClose(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.Render(context.Background(), slowDOT(), DOT)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited for the render under way, which succeeded.
	if got := e.Stats().Renders; got != 1 {
		t.Errorf("Close returned after %d renders; want the one under way finished", got)
	}
	if err := <-done; err != nil {
		t.Errorf("the render under way at Close: %v", err)
	}
	if _, err := e.Render(context.Background(), []byte("graph{}"), SVG); !errors.Is(err, ErrClosed) {
		t.Errorf("render after Close: %v; want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRecycle(t *testing.T) {
	e, err := New(context.Background(), Options{RecycleAfter: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	src, _ := mapDOT(5)
	var first []byte
	for i := range 5 {
		out, err := e.Render(context.Background(), []byte(src), SVG)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = out
		} else if !bytes.Equal(out, first) {
			t.Errorf("render %d after recycling differs from the first", i+1)
		}
	}
	if st := e.Stats(); st.Recycles != 2 {
		t.Errorf("stats %+v; want 2 recycles after 5 renders", st)
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"dot", "svg", "png", "pdf"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "jpg", "SVG", "json"} {
		if _, err := ParseFormat(s); !errors.Is(err, ErrUnsupported) {
			t.Errorf("ParseFormat(%q): %v; want ErrUnsupported", s, err)
		}
	}
	if _, err := engine(t).Render(context.Background(), []byte("graph{}"), "json"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Render json: %v; want ErrUnsupported", err)
	}
}
