package draw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
	"github.com/goccy/go-graphviz/cgraph"
	"github.com/goccy/go-graphviz/gvc"
)

// process is what go-graphviz holds once per process: one WebAssembly
// instance of Graphviz (created by the package's init), a file system the
// instance reads, and the font loader of its PNG renderer. Every call into
// Graphviz, from any Engine, holds mu: the instance is not safe for
// concurrent use (go-graphviz issue #117). This is the package's only
// state outside an Engine, and it exists because the library's is global.
//
// The process also has one Graphviz context, created on first use, shared
// by every in-process user and never closed. Graphviz's C library keeps
// global state (its error buffer and count, the parser, plugin lists):
// with a context per Engine, closing or creating one under another made
// the other's renders read freed WebAssembly memory ("failed to read wasm
// memory", another picture's bytes where the json should be), and closing
// the only context and creating a new one did the same. A failure inside
// Graphviz (a syntax error, an unknown layout) leaves the context unusable
// (every later parse fails, with the old message), so it is spent: in
// this process nothing more is drawn, and a worker process
// ([ServeWorker]) exits after answering, so that its Engine starts a new
// one. Untrusted DOT belongs in a worker process.
var process struct {
	mu    sync.Mutex
	once  sync.Once
	gvc   *gvc.Context
	err   error // the context could not be created
	spent error // the Graphviz failure that spent the context
}

// setUpProcess points go-graphviz's file system at one that refuses
// every file, so that no DOT can make Graphviz read the server's files
// (image, shapefile and <IMG> are refused before that; this is the second
// line), and creates the process's context. go-graphviz's own PNG
// renderer, which would search the machine's font folders for any
// fontname, is never used. Creating the context is never cancelled
// (go-graphviz issue #118).
func setUpProcess() error {
	process.once.Do(func() {
		graphviz.SetFileSystem(noFiles{})
		process.mu.Lock()
		defer process.mu.Unlock()
		if process.gvc, process.err = gvc.New(context.Background()); process.err != nil {
			process.err = fmt.Errorf("draw: start Graphviz: %w", process.err)
		}
	})
	return process.err
}

// noFiles is a file system with no files.
type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

// graphvizError marks a failure inside Graphviz, which spends the
// process's context.
type graphvizError struct{ err error }

func (e graphvizError) Error() string { return e.err.Error() }
func (e graphvizError) Unwrap() error { return e.err }

// instance is one user's hold on the process's Graphviz context (an
// Engine's worker goroutine, or a worker process's loop).
type instance struct{}

// newInstance returns a hold on the process's Graphviz context.
func newInstance(context.Context) (*instance, error) {
	if err := setUpProcess(); err != nil {
		return nil, err
	}
	return &instance{}, nil
}

// close lets go of the hold; the process's context stays.
func (in *instance) close() error { return nil }

// run parses dot, checks it against lim, lays it out and writes it in a
// Graphviz output format (dot, svg or json). It runs to completion
// whatever happens to the caller. A failure inside Graphviz is a
// graphvizError and spends the process's context.
func (in *instance) run(dot []byte, format string, lim limits) ([]byte, error) {
	if err := lim.checkBytes(dot); err != nil {
		return nil, err
	}
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.spent != nil {
		return nil, fmt.Errorf("%w: Graphviz failed on an earlier input in this process (%v) and cannot draw again here; draw untrusted DOT in a worker process (Options.Command)", ErrSpent, process.spent)
	}
	out, err := render(process.gvc, dot, format, lim)
	var ge graphvizError
	if errors.As(err, &ge) {
		process.spent = err
	}
	return out, err
}

// render does run's work on the context c; the caller holds process.mu.
func render(c *gvc.Context, dot []byte, format string, lim limits) (out []byte, err error) {
	ctx := context.Background()
	g, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, graphvizError{fmt.Errorf("%w: %s", ErrInvalid, graphvizMessage(err))}
	}
	if g == nil {
		return nil, graphvizError{fmt.Errorf("%w: Graphviz read no graph", ErrInvalid)}
	}
	defer func() {
		if cerr := g.Close(); cerr != nil && err == nil {
			err = graphvizError{fmt.Errorf("draw: close graph: %w", cerr)}
		}
	}()
	if err := lim.checkGraph(g); err != nil {
		return nil, err
	}
	if err := c.Layout(ctx, g, "dot"); err != nil {
		return nil, graphvizError{fmt.Errorf("%w: layout: %s", ErrInvalid, graphvizMessage(err))}
	}
	defer func() {
		if ferr := c.FreeLayout(ctx, g); ferr != nil && err == nil {
			err = graphvizError{fmt.Errorf("draw: free layout: %w", ferr)}
		}
	}()
	var buf bytes.Buffer
	if err := c.RenderData(ctx, g, format, &buf); err != nil {
		return nil, graphvizError{fmt.Errorf("draw: Graphviz %s output: %s", format, graphvizMessage(err))}
	}
	if buf.Len() == 0 {
		return nil, graphvizError{fmt.Errorf("draw: Graphviz wrote no %s", format)}
	}
	return buf.Bytes(), nil
}

// graphvizMessage is Graphviz's error text on one line.
func graphvizMessage(err error) string {
	return strings.Join(strings.Fields(strings.TrimSpace(err.Error())), " ")
}

// limits bound what one DOT may ask of Graphviz.
type limits struct {
	MaxBytes int
	MaxNodes int
	MaxEdges int
	// FilesUnchecked skips the refusal of file-reading attributes and
	// <IMG>. Only this package's test of the second line of defence (the
	// file system with no files) sets it; Options cannot.
	FilesUnchecked bool
}

func (l limits) checkBytes(dot []byte) error {
	if len(bytes.TrimSpace(dot)) == 0 {
		return fmt.Errorf("%w: the DOT is empty", ErrInvalid)
	}
	if len(dot) > l.MaxBytes {
		return fmt.Errorf("%w: the DOT is %d bytes; at most %d", ErrTooLarge, len(dot), l.MaxBytes)
	}
	if loc := imgTag.FindIndex(dot); loc != nil && !l.FilesUnchecked {
		return fmt.Errorf("%w: an HTML-like label has an <IMG> element (at byte %d), which reads a file", ErrUnsafe, loc[0])
	}
	return nil
}

// refused are the attributes that make Graphviz read files: images,
// image folders, PostScript shape files, font folders, and the xdot
// background (whose image operation reads a file).
var refused = []string{"image", "imagepath", "shapefile", "fontpath", "_background"}

// checkGraph refuses a parsed graph with more nodes or edges than the
// limits, or with an attribute that reads files, whichever object it is
// set on.
func (l limits) checkGraph(g *cgraph.Graph) error {
	n, err := g.NodeNum()
	if err != nil {
		return graphvizError{fmt.Errorf("draw: count nodes: %w", err)}
	}
	if n > l.MaxNodes {
		return fmt.Errorf("%w: %d nodes; at most %d", ErrTooLarge, n, l.MaxNodes)
	}
	e, err := g.EdgeNum()
	if err != nil {
		return graphvizError{fmt.Errorf("draw: count edges: %w", err)}
	}
	if e > l.MaxEdges {
		return fmt.Errorf("%w: %d edges; at most %d", ErrTooLarge, e, l.MaxEdges)
	}
	for _, kind := range []struct {
		tag  cgraph.ObjectTag
		name string
	}{{cgraph.GRAPH, "graph"}, {cgraph.NODE, "node"}, {cgraph.EDGE, "edge"}} {
		var sym *cgraph.Symbol
		for {
			sym, err = g.NextAttr(int(kind.tag), sym)
			if err != nil {
				return graphvizError{fmt.Errorf("draw: list attributes: %w", err)}
			}
			if sym == nil {
				break
			}
			name := strings.ToLower(sym.Name())
			for _, r := range refused {
				if name == r && !l.FilesUnchecked {
					return fmt.Errorf("%w: the %s attribute %q reads files on the server", ErrUnsafe, kind.name, sym.Name())
				}
			}
		}
	}
	return nil
}

// parseSize reads the graph's size attribute: "w,h" or "w" in inches, "!"
// to scale up to it. It returns the size in points.
func parseSize(s string) (w, h float64, fill, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, false, false
	}
	s, fill = strings.CutSuffix(s, "!")
	ws, hs, two := strings.Cut(s, ",")
	w, err := strconv.ParseFloat(strings.TrimSpace(ws), 64)
	if err != nil || w <= 0 {
		return 0, 0, false, false
	}
	h = w
	if two {
		if h, err = strconv.ParseFloat(strings.TrimSpace(hs), 64); err != nil || h <= 0 {
			return 0, 0, false, false
		}
	}
	return w * 72, h * 72, fill, true
}
