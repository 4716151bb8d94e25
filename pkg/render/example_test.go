package render_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/render"
)

func ExamplePersonMap() {
	v, err := mapdoc.NewValidator()
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := os.ReadFile("testdata/person.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _, err := v.Parse(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	open, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := render.PersonMap(doc, open, render.Options{Lang: "nb"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The DOT goes to package draw for SVG, PNG or PDF.
	lines := bytes.SplitN(out, []byte("\n"), 3)
	fmt.Printf("%s\n%s\n", lines[0], lines[1])
	fmt.Println(len(open), "gaps;", bytes.Contains(out, []byte(`"a:kommune"`)), bytes.Contains(out, []byte("Åse Ødegård — aktørkart")))
	// Output:
	// // Samspill actor map. Layout: neato with every node pinned (pos …!, inputscale=72).
	// graph "samspill" {
	// 18 gaps; true true
}
