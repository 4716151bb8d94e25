package dot_test

import (
	"fmt"

	"github.com/samspill/samspill/pkg/dot"
)

func Example() {
	g := dot.New(dot.Undirected, "kart")
	g.Attrs(dot.Str("layout", "neato"))
	g.Node("ola", dot.Str("label", `Ola "Nordmann"`), dot.Point("pos", 0, 0, true))
	g.Node("gp", dot.HTMLAttr("label", dot.MustHTML(dot.Bold(dot.Text("Dr. Ås & co")), dot.Break(), dot.Text("fastlege"))))
	g.Edge("gp", "ola", dot.Str("style", "dashed"), dot.Num("penwidth", 1.0/3))
	b, err := g.Bytes()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(b))
	// Output:
	// graph "kart" {
	// 	graph [layout="neato"];
	// 	"ola" [label="Ola \"Nordmann\"", pos="0,0!"];
	// 	"gp" [label=<<B>Dr. Ås &amp; co</B><BR/>fastlege>];
	// 	"gp" -- "ola" [penwidth="0.333", style="dashed"];
	// }
}
