package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress reports a long operation, safely from several goroutines: a bar on a terminal, a line every few
// seconds otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	tty      bool
	last     time.Time
	lastDraw int
}

func newProgress(w io.Writer, label string, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, label: label, total: total, tty: tty, last: time.Now()}
}

func (p *progress) set(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total == 0 {
		return
	}
	if p.tty {
		pct := n * 100 / p.total
		if pct == p.lastDraw && n != p.total {
			return
		}
		p.lastDraw = pct
		const width = 30
		fill := pct * width / 100
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = '.'
			if i < fill {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %3d%% (%d/%d)", p.label, bar, pct, n, p.total)
		return
	}
	if time.Since(p.last) >= 2*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "%s: %d/%d\n", p.label, n, p.total)
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
