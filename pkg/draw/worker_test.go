package draw

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestWorkerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	w, err := New(context.Background(), Options{Command: workerCommand, RecycleAfter: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	src, _ := mapDOT(8)
	// The worker draws what this process draws.
	for _, f := range []Format{DOT, SVG, PNG, PDF} {
		got, err := w.Render(ctx, []byte(src), f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want, err := engine(t).Render(ctx, []byte(src), f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s from the worker process differs from this process's", f)
		}
	}
	if _, err := w.Layout(ctx, []byte(src)); err != nil {
		t.Fatal(err)
	}
	// Refusals keep their kind across the process boundary.
	_, err = w.Render(ctx, []byte(`digraph { a [image="/etc/passwd"] }`), SVG)
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), `"image"`) {
		t.Errorf("unsafe DOT through the worker: %v", err)
	}
	_, err = w.Render(ctx, []byte(`digraph { a -> `), SVG)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid DOT through the worker: %v", err)
	}
	// 7 renders, recycled after every 3.
	if st := w.Stats(); st.Renders != 7 || st.Recycles != 2 || st.Failures != 0 {
		t.Errorf("stats %+v; want 7 renders, 2 recycles", st)
	}
}

func TestWorkerTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	w, err := New(context.Background(), Options{Command: workerCommand, Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The answer names the timeout: the worker was stopped by it, not by
	// the render ending.
	_, err = w.Render(context.Background(), slowDOT(), SVG)
	if !errors.Is(err, ErrWorker) || !strings.Contains(err.Error(), "longer than 150ms") {
		t.Fatalf("slow render: %v; want ErrWorker naming the timeout", err)
	}
	// A new worker takes the next request.
	out, err := w.Render(context.Background(), []byte("digraph { Åse -> Ærø }"), SVG)
	if err != nil || !bytes.Contains(out, []byte("Ærø")) {
		t.Fatalf("render after a stopped worker: %v", err)
	}
	if st := w.Stats(); st.Recycles != 1 || st.Failures != 1 {
		t.Errorf("stats %+v; want 1 recycle and 1 failure", st)
	}
}

func TestWorkerDoesNotStart(t *testing.T) {
	_, err := New(context.Background(), Options{Command: func() *exec.Cmd { return exec.Command("/nonexistent/samspill-draw-worker") }})
	if err == nil || !strings.Contains(err.Error(), "start worker") {
		t.Fatalf("New with a missing worker: %v", err)
	}
	// A program that is not a worker.
	_, err = New(context.Background(), Options{Command: func() *exec.Cmd { return exec.Command("true") }})
	if err == nil || !strings.Contains(err.Error(), "did not start") {
		t.Fatalf("New with a program that is not a worker: %v", err)
	}
}
