package draw

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"
)

// The worker process speaks gob over its standard input and output: one
// request, then one response, at a time.

type workerRequest struct {
	DOT    []byte
	Format string
	Limits limits
}

type workerResponse struct {
	Out []byte
	// Spent: Graphviz failed, and the worker exits after this answer.
	Spent bool
	// Kind is the sentinel the error wraps (see errorKinds); Err its text.
	Kind int
	Err  string
}

// errorKinds are the sentinels an error keeps across the process
// boundary; index 0 is none.
var errorKinds = []error{nil, ErrInvalid, ErrTooLarge, ErrUnsafe, ErrUnsupported}

func kindOf(err error) int {
	for i, k := range errorKinds[1:] {
		if errors.Is(err, k) {
			return i + 1
		}
	}
	return 0
}

// remoteError is an error from the worker process: its text, wrapping the
// sentinel it wrapped there.
type remoteError struct {
	msg  string
	kind error
}

func (e remoteError) Error() string { return e.msg }
func (e remoteError) Unwrap() error { return e.kind }

// ServeWorker is the worker process's side of Options.Command: it renders
// the requests read from r, one at a time, and writes the results to w,
// until r ends (nil) or ctx is done. A program that serves as a worker
// calls it from main with os.Stdin and os.Stdout, and writes nothing
// else to standard output.
func ServeWorker(ctx context.Context, r io.Reader, w io.Writer) error {
	in, err := newInstance(ctx)
	if err != nil {
		return err
	}
	defer in.close()
	dec := gob.NewDecoder(bufio.NewReader(r))
	bw := bufio.NewWriter(w)
	enc := gob.NewEncoder(bw)
	for ctx.Err() == nil {
		var req workerRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("draw worker: read request: %w", err)
		}
		out, err := in.run(req.DOT, req.Format, req.Limits)
		resp := workerResponse{Out: out}
		var ge graphvizError
		if err != nil {
			resp = workerResponse{Kind: kindOf(err), Err: err.Error(), Spent: errors.As(err, &ge)}
		}
		if err := enc.Encode(&resp); err != nil {
			return fmt.Errorf("draw worker: write response: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("draw worker: write response: %w", err)
		}
		if resp.Spent {
			return nil // this process's Graphviz is spent; the Engine starts another
		}
	}
	return ctx.Err()
}

// worker is a backend in a worker process.
type worker struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	enc     *gob.Encoder
	dec     *gob.Decoder
	timeout time.Duration
	stdout  *os.File      // the read end of the process's output, closed by close
	exited  chan struct{} // closed when the process has exited
	waitErr error
	broken  bool
}

// startWorker starts a worker process and waits until it answers.
func startWorker(ctx context.Context, command func() *exec.Cmd, timeout time.Duration) (*worker, error) {
	cmd := command()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("draw: worker stdin: %w", err)
	}
	// The output pipe is made here, not with cmd.StdoutPipe: Wait closes
	// that one as soon as the process exits, and a worker exits right
	// after answering when its Graphviz is spent, so the answer could be
	// lost unread ("file already closed"). This one is closed by reading
	// it to its end.
	stdout, out, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("draw: worker stdout: %w", err)
	}
	cmd.Stdout = out
	err = cmd.Start()
	_ = out.Close() // the child has its copy
	if err != nil {
		_ = stdout.Close()
		_ = stdin.Close()
		return nil, fmt.Errorf("draw: start worker %s: %w", cmd.Path, err)
	}
	w := &worker{
		cmd: cmd, stdin: stdin, timeout: timeout, exited: make(chan struct{}),
		enc: gob.NewEncoder(stdin), dec: gob.NewDecoder(bufio.NewReader(stdout)),
	}
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exited)
	}()
	w.stdout = stdout
	// A first, tiny render: the worker is ready when it answers.
	ready := make(chan error, 1)
	go func() {
		_, err := w.runWithin(startTimeout, []byte("graph{}"), "dot", limits{MaxBytes: 16, MaxNodes: 1, MaxEdges: 1})
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-ready
		err = ctx.Err()
	}
	if err != nil {
		_ = w.close()
		return nil, fmt.Errorf("draw: worker %s did not start: %w", cmd.Path, err)
	}
	return w, nil
}

// startTimeout bounds a worker process's start (loading Graphviz takes
// up to a second, more under the race detector).
const startTimeout = time.Minute

// run sends one request and reads its response. A worker that does not
// answer within the timeout is killed.
func (w *worker) run(dot []byte, format string, lim limits) ([]byte, error) {
	return w.runWithin(w.timeout, dot, format, lim)
}

func (w *worker) runWithin(timeout time.Duration, dot []byte, format string, lim limits) ([]byte, error) {
	if w.broken {
		return nil, fmt.Errorf("%w: it failed before", ErrWorker)
	}
	var killed atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		killed.Store(true)
		_ = w.cmd.Process.Kill()
	})
	defer timer.Stop()
	fail := func(what string, err error) ([]byte, error) {
		w.broken = true
		_ = w.cmd.Process.Kill()
		<-w.exited
		if killed.Load() {
			return nil, fmt.Errorf("%w: the render took longer than %s and was stopped", ErrWorker, timeout)
		}
		return nil, fmt.Errorf("%w: %s: %v (process: %v)", ErrWorker, what, err, w.waitErr)
	}
	if err := w.enc.Encode(&workerRequest{DOT: dot, Format: format, Limits: lim}); err != nil {
		return fail("send request", err)
	}
	var resp workerResponse
	if err := w.dec.Decode(&resp); err != nil {
		return fail("read response", err)
	}
	if resp.Err != "" {
		kind := 0
		if resp.Kind > 0 && resp.Kind < len(errorKinds) {
			kind = resp.Kind
		}
		err := remoteError{msg: resp.Err, kind: errorKinds[kind]}
		if resp.Spent {
			w.broken = true
			return nil, graphvizError{err}
		}
		return nil, err
	}
	return resp.Out, nil
}

// close ends the worker's input, so that it exits, and kills it if it
// has not exited within five seconds.
func (w *worker) close() error {
	_ = w.stdin.Close()
	select {
	case <-w.exited:
	case <-time.After(5 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
	_ = w.stdout.Close()
	return nil
}
