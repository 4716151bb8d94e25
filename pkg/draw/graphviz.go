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
var process struct {
	mu   sync.Mutex
	once sync.Once
}

// setUpProcess points go-graphviz's file system at one that refuses
// every file, so that no DOT can make Graphviz read the server's files
// (image, shapefile and <IMG> are refused before that; this is the second
// line). go-graphviz's own PNG renderer, which would search the machine's
// font folders for any fontname, is never used.
func setUpProcess() {
	process.once.Do(func() { graphviz.SetFileSystem(noFiles{}) })
}

// noFiles is a file system with no files.
type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

// graphvizError marks a failure inside Graphviz; the instance is replaced
// after one.
type graphvizError struct{ err error }

func (e graphvizError) Error() string { return e.err.Error() }
func (e graphvizError) Unwrap() error { return e.err }

// instance is one Graphviz context. It is used by one goroutine at a time
// (an Engine's worker, or a worker process's loop).
type instance struct {
	gvc *gvc.Context
}

// newInstance creates a Graphviz context. The call is never cancelled
// once started (go-graphviz issue #118), so it runs on a context without
// cancellation.
func newInstance(ctx context.Context) (*instance, error) {
	setUpProcess()
	process.mu.Lock()
	defer process.mu.Unlock()
	c, err := gvc.New(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("draw: start Graphviz: %w", err)
	}
	return &instance{gvc: c}, nil
}

func (in *instance) close() error {
	process.mu.Lock()
	defer process.mu.Unlock()
	if err := in.gvc.Close(); err != nil {
		return fmt.Errorf("draw: close Graphviz: %w", err)
	}
	return nil
}

// recycle replaces the context with a new one.
func (in *instance) recycle() error {
	old := in.gvc
	process.mu.Lock()
	c, err := gvc.New(context.Background())
	if err == nil {
		in.gvc = c
		err = old.Close()
	}
	process.mu.Unlock()
	if err != nil {
		return fmt.Errorf("draw: recycle Graphviz: %w", err)
	}
	return nil
}

// run parses dot, checks it against lim, lays it out and writes it in a
// Graphviz output format (dot, svg or json). It runs to completion
// whatever happens to the caller. A failure inside Graphviz replaces the
// context before run returns.
func (in *instance) run(dot []byte, format string, lim limits) ([]byte, error) {
	out, err := in.render(dot, format, lim)
	var ge graphvizError
	if errors.As(err, &ge) {
		if rerr := in.recycle(); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
	}
	return out, err
}

func (in *instance) render(dot []byte, format string, lim limits) (out []byte, err error) {
	if err := lim.checkBytes(dot); err != nil {
		return nil, err
	}
	ctx := context.Background()
	process.mu.Lock()
	defer process.mu.Unlock()
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
	if err := in.gvc.Layout(ctx, g, "dot"); err != nil {
		return nil, graphvizError{fmt.Errorf("%w: layout: %s", ErrInvalid, graphvizMessage(err))}
	}
	defer func() {
		if ferr := in.gvc.FreeLayout(ctx, g); ferr != nil && err == nil {
			err = graphvizError{fmt.Errorf("draw: free layout: %w", ferr)}
		}
	}()
	var buf bytes.Buffer
	if err := in.gvc.RenderData(ctx, g, format, &buf); err != nil {
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
}

func (l limits) checkBytes(dot []byte) error {
	if len(bytes.TrimSpace(dot)) == 0 {
		return fmt.Errorf("%w: the DOT is empty", ErrInvalid)
	}
	if len(dot) > l.MaxBytes {
		return fmt.Errorf("%w: the DOT is %d bytes; at most %d", ErrTooLarge, len(dot), l.MaxBytes)
	}
	if loc := imgTag.FindIndex(dot); loc != nil {
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
				if name == r {
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
