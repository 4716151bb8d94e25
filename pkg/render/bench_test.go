package render

import "testing"

// BenchmarkPersonMap40 draws the 40-actor map of the layout tests, with
// its gaps, as DOT (no Graphviz).
func BenchmarkPersonMap40(b *testing.B) {
	t := &testing.T{}
	doc := bigMap(t, 40)
	open := citizenGaps(t, doc)
	b.ResetTimer()
	for b.Loop() {
		if _, err := PersonMap(doc, open, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSystemMap draws the system map of the golden test.
func BenchmarkSystemMap(b *testing.B) {
	t := &testing.T{}
	res := readSystem(t)
	b.ResetTimer()
	for b.Loop() {
		if _, err := SystemMap(res, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
