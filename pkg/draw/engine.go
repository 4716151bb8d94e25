package draw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// Errors the Engine's methods wrap, so that a caller can tell bad input
// from a failure.
var (
	// ErrInvalid: the DOT is not valid (Graphviz's message follows).
	ErrInvalid = errors.New("draw: invalid DOT")
	// ErrSpent: Graphviz failed earlier in this process and cannot draw
	// again in it (see the package documentation, "Failures").
	ErrSpent = errors.New("draw: Graphviz is spent in this process")
	// ErrTooLarge: the DOT, its graph or the picture exceeds a limit.
	ErrTooLarge = errors.New("draw: too large")
	// ErrUnsafe: the DOT asks Graphviz to read files (image, shapefile,
	// imagepath, fontpath, _background, <IMG> in an HTML-like label).
	ErrUnsafe = errors.New("draw: not allowed")
	// ErrUnsupported: a format, or a feature of the DOT in a format,
	// that the package cannot draw.
	ErrUnsupported = errors.New("draw: not supported")
	// ErrClosed: the Engine is closed.
	ErrClosed = errors.New("draw: engine closed")
	// ErrWorker: the worker process failed (crashed, or was stopped
	// after Options.Timeout); it is restarted for the next render.
	ErrWorker = errors.New("draw: worker process failed")
)

// Format is an output format.
type Format string

// The formats.
const (
	// DOT is the laid-out graph as DOT, with pos, width, height, bb and
	// lp as Graphviz's `dot -Tdot` writes it.
	DOT Format = "dot"
	SVG Format = "svg"
	PNG Format = "png"
	// PDF is a vector PDF written by this package from Graphviz's
	// drawing operations (see the package documentation).
	PDF Format = "pdf"
)

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case DOT, SVG, PNG, PDF:
		return f, nil
	}
	return "", fmt.Errorf("%w: format %q (want dot, svg, png or pdf)", ErrUnsupported, s)
}

// Binary reports whether the format is not text.
func (f Format) Binary() bool { return f == PNG || f == PDF }

// Defaults of Options.
const (
	// DefaultRecycleAfter: see the package documentation, "Memory".
	DefaultRecycleAfter = 100
	DefaultMaxBytes     = 2 << 20
	DefaultMaxNodes     = 2000
	DefaultMaxEdges     = 8000
	DefaultMaxPixels    = 40_000_000
	// DefaultTimeout bounds one render in a worker process.
	DefaultTimeout = 2 * time.Minute
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	// RecycleAfter is how many renders an instance of Graphviz does
	// before the worker replaces it (DefaultRecycleAfter when 0). With
	// Command, the worker process is stopped and started again, which
	// is what returns Graphviz's leaked memory (see "Memory"); in
	// process, the process's one Graphviz context stays.
	RecycleAfter int
	// Command, when set, runs Graphviz in a worker process: it returns a
	// command whose process calls ServeWorker on its standard input and
	// output (for example the program itself with an argument that makes
	// its main call ServeWorker). A long-running service should set it.
	// When nil, Graphviz runs in this process.
	Command func() *exec.Cmd
	// Timeout bounds one render in a worker process: a render that takes
	// longer is stopped by killing the process (DefaultTimeout when 0).
	// A render in this process cannot be stopped (go-graphviz issue #118).
	Timeout time.Duration
	// MaxBytes bounds the DOT's size (DefaultMaxBytes when 0).
	MaxBytes int
	// MaxNodes and MaxEdges bound the graph (DefaultMaxNodes and
	// DefaultMaxEdges when 0).
	MaxNodes, MaxEdges int
	// MaxPixels bounds a PNG's width × height (DefaultMaxPixels when 0).
	MaxPixels int64
	// Logger receives the worker's recycling and failures (nothing when nil).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.RecycleAfter <= 0 {
		o.RecycleAfter = DefaultRecycleAfter
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	if o.MaxEdges <= 0 {
		o.MaxEdges = DefaultMaxEdges
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) limits() limits {
	return limits{MaxBytes: o.MaxBytes, MaxNodes: o.MaxNodes, MaxEdges: o.MaxEdges}
}

// imgTag finds an <IMG> element of an HTML-like label.
var imgTag = regexp.MustCompile(`(?i)<img[\s/>]`)

// backend is one instance of Graphviz: in this process, or a worker
// process.
type backend interface {
	// run renders dot in a Graphviz format (dot, svg, json); it runs to
	// completion.
	run(dot []byte, format string, lim limits) ([]byte, error)
	close() error
}

// inProcess is a backend in this process.
type inProcess struct{ *instance }

func (b inProcess) run(dot []byte, format string, lim limits) ([]byte, error) {
	return b.instance.run(dot, format, lim)
}

// Engine renders DOT with Graphviz. Its methods are safe for concurrent
// use: requests queue for the one worker goroutine that owns the Graphviz
// instance.
type Engine struct {
	opts    Options
	lim     limits
	fonts   *fontSet
	jobs    chan *job
	closing chan struct{}
	done    chan struct{}
	once    sync.Once

	renders  atomic.Int64
	recycles atomic.Int64
	failures atomic.Int64
}

type job struct {
	ctx    context.Context
	dot    []byte
	format string
	reply  chan result // buffered: the worker never waits for a caller that left
}

type result struct {
	out []byte
	err error
}

// New starts an Engine: it creates the first Graphviz instance (in this
// process, or a worker process when opts.Command is set) and the worker
// goroutine. ctx bounds only the start; Close stops the Engine.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := &Engine{
		opts:    opts.withDefaults(),
		jobs:    make(chan *job),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	e.lim = e.opts.limits()
	var err error
	if e.fonts, err = newFontSet(); err != nil {
		return nil, err
	}
	b, err := e.start(ctx)
	if err != nil {
		return nil, err
	}
	go e.loop(b)
	return e, nil
}

// start creates a backend.
func (e *Engine) start(ctx context.Context) (backend, error) {
	if e.opts.Command != nil {
		w, err := startWorker(ctx, e.opts.Command, e.opts.Timeout)
		if err != nil {
			return nil, err
		}
		return w, nil
	}
	in, err := newInstance(ctx)
	if err != nil {
		return nil, err
	}
	return inProcess{in}, nil
}

// loop is the worker: it takes one job at a time, replaces the backend
// after RecycleAfter renders and after a failure of the backend, and
// closes it when the Engine closes.
func (e *Engine) loop(b backend) {
	defer close(e.done)
	log := e.opts.Logger
	since := 0
	for {
		select {
		case <-e.closing:
			if b != nil {
				if err := b.close(); err != nil {
					log.Warn("draw: close Graphviz", "err", err)
				}
			}
			return
		case j := <-e.jobs:
			if err := j.ctx.Err(); err != nil {
				j.reply <- result{err: err} // given up before it started
				continue
			}
			if b == nil {
				var err error
				if b, err = e.start(context.Background()); err != nil {
					j.reply <- result{err: err}
					continue
				}
				since = 0
			}
			out, err := b.run(j.dot, j.format, e.lim)
			e.renders.Add(1)
			since++
			j.reply <- result{out: out, err: err}
			// A worker process whose Graphviz failed has exited: start
			// another before the next job.
			var ge graphvizError
			broken := errors.Is(err, ErrWorker) || errors.As(err, &ge)
			if err != nil && !isInputError(err) {
				e.failures.Add(1)
				log.Warn("draw: render failed", "format", j.format, "err", err)
			}
			if broken || since >= e.opts.RecycleAfter {
				if cerr := b.close(); cerr != nil {
					log.Warn("draw: close Graphviz", "err", cerr)
				}
				e.recycles.Add(1)
				log.Debug("draw: recycling Graphviz", "renders", since, "failed", broken)
				b, since = nil, 0
				var serr error
				if b, serr = e.start(context.Background()); serr != nil {
					log.Warn("draw: restart Graphviz", "err", serr)
					b = nil
				}
			}
		}
	}
}

// isInputError reports whether err is a refusal of the input.
func isInputError(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsafe) || errors.Is(err, ErrUnsupported)
}

// do queues one render and waits for it. ctx cancels the wait: before the
// render starts, the render does not happen; after, it runs to completion
// and its result is dropped.
func (e *Engine) do(ctx context.Context, dot []byte, format string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := e.lim.checkBytes(dot); err != nil {
		return nil, err
	}
	j := &job{ctx: ctx, dot: dot, format: format, reply: make(chan result, 1)}
	select {
	case e.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.closing:
		return nil, ErrClosed
	}
	select {
	case r := <-j.reply:
		return r.out, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Render lays out dot and writes it in format.
func (e *Engine) Render(ctx context.Context, dot []byte, format Format) ([]byte, error) {
	switch format {
	case DOT, SVG:
		return e.do(ctx, dot, string(format))
	case PNG, PDF:
		out, err := e.do(ctx, dot, "json")
		if err != nil {
			return nil, err
		}
		x, err := decodeXdot(out)
		if err != nil {
			return nil, err
		}
		if format == PNG {
			return writePNG(x, e.fonts.cache(), e.opts.MaxPixels)
		}
		return writePDF(x)
	}
	_, err := ParseFormat(string(format))
	return nil, err
}

// Layout lays out dot and returns where everything went.
func (e *Engine) Layout(ctx context.Context, dot []byte) (*Layout, error) {
	out, err := e.do(ctx, dot, "json")
	if err != nil {
		return nil, err
	}
	x, err := decodeXdot(out)
	if err != nil {
		return nil, err
	}
	return layoutOf(x)
}

// Close stops taking requests, waits for the render under way to finish
// and closes Graphviz. Requests waiting in the queue get ErrClosed.
func (e *Engine) Close() error {
	e.once.Do(func() { close(e.closing) })
	<-e.done
	return nil
}

// Stats counts what an Engine did.
type Stats struct {
	// Renders is the number of renders the worker ran.
	Renders int64
	// Recycles is the number of times it replaced its Graphviz instance.
	Recycles int64
	// Failures is the number of renders that failed for another reason
	// than the input.
	Failures int64
}

// Stats returns the Engine's counts so far.
func (e *Engine) Stats() Stats {
	return Stats{Renders: e.renders.Load(), Recycles: e.recycles.Load(), Failures: e.failures.Load()}
}
