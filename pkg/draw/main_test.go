package draw

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// workerEnv makes the test binary a worker process (see workerCommand).
const workerEnv = "SAMSPILL_DRAW_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		if err := ServeWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if shared.e != nil {
		_ = shared.e.Close()
	}
	os.Exit(code)
}

// workerCommand runs this test binary as a worker process.
func workerCommand() *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.Stderr = os.Stderr
	return cmd
}

// shared is the Engine most tests use: one per test binary, since
// starting Graphviz is slow.
var shared struct {
	once sync.Once
	e    *Engine
	err  error
}

func engine(t testing.TB) *Engine {
	t.Helper()
	shared.once.Do(func() { shared.e, shared.err = New(context.Background(), Options{}) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.e
}

// nordic are the names the tests draw.
var nordic = []string{"Bærum", "Tromsø", "Åse", "Jönköping", "Älmhult", "Ærø"}

// mapDOT is a DOT shaped like a person's map: the person in the centre,
// n actors in clusters by sector group, with Nordic names, a coordinator,
// a plan (note), edges of every style with labels, and a legend (an
// HTML-like table). It returns the DOT and every node's label.
func mapDOT(n int) (string, map[string]string) {
	groups := []struct{ name, colour string }{
		{"Primærhelse", "#4e79a7"}, {"Psykisk helsevern", "#e15759"}, {"NAV", "#f28e2b"},
		{"Brukerorganisasjoner", "#59a14f"}, {"Uformelt nettverk", "#b07aa1"},
	}
	styles := []string{"solid", "dashed", "dotted", "bold"}
	labels := map[string]string{"person": "Åse Ødegård"}
	var b strings.Builder
	b.WriteString("digraph map {\n\tgraph [fontname=Helvetica, label=\"Aktørkart — Åse Ødegård\", labelloc=t];\n")
	b.WriteString("\tnode [fontname=Helvetica, fontsize=11, style=filled, fillcolor=\"#ffffff\"];\n\tedge [fontname=Helvetica, fontsize=9];\n")
	b.WriteString("\tperson [shape=doublecircle, label=\"Åse Ødegård\", fillcolor=\"#fde0dd\"];\n")
	for g := range groups {
		fmt.Fprintf(&b, "\tsubgraph cluster_%d {\n\t\tlabel=%q; color=%q;\n", g, groups[g].name, groups[g].colour)
		for i := g; i < n; i += len(groups) {
			id := fmt.Sprintf("a%d", i)
			label := fmt.Sprintf("%s %d", nordic[i%len(nordic)], i)
			labels[id] = label
			shape := []string{"box", "ellipse", "circle", "box"}[i%4]
			extra := ""
			if i == 0 {
				extra = `, peripheries=2, xlabel="koordinator"`
			}
			fmt.Fprintf(&b, "\t\t%s [label=%q, shape=%s, color=%q%s];\n", id, label, shape, groups[g].colour, extra)
		}
		b.WriteString("\t}\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "\ta%d -> person [style=%s, color=%q, penwidth=%.1f, label=\"r%d\"];\n",
			i, styles[i%len(styles)], groups[i%len(groups)].colour, 1+float64(i%3)/2, i)
		if i%3 == 1 && i+2 < n {
			fmt.Fprintf(&b, "\ta%d -> a%d [style=dashed, color=\"#b00020\", dir=none];\n", i, i+2)
		}
	}
	b.WriteString("\tplan [shape=note, label=\"Individuell plan\\nevaluert 2026-09-01\", fillcolor=\"#f1ce63\"];\n\tperson -> plan [style=dotted, arrowhead=odiamond];\n")
	labels["plan"] = "Individuell plan\nevaluert 2026-09-01"
	b.WriteString("\tlegend [shape=plaintext, style=\"\", label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\"><TR><TD><B>Tegnforklaring</B></TD></TR>" +
		"<TR><TD BGCOLOR=\"#e15759\"><I>psykisk helse</I></TD></TR><TR><TD><S>avsluttet</S> <U>ny</U></TD></TR></TABLE>>];\n")
	labels["legend"] = "Tegnforklaring\npsykisk helse\navsluttet ny"
	b.WriteString("}\n")
	return b.String(), labels
}
