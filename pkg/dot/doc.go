// Package dot writes Graphviz DOT: graphs, subgraphs and clusters, nodes,
// edges and their attributes, deterministically and escaped, so that the
// same graph always gives the same bytes and no id or value can break out
// of its quotes.
//
//	g := dot.New(dot.Undirected, "map")
//	g.Attrs(dot.Str("layout", "neato"))
//	g.NodeDefaults(dot.Str("fontname", "Helvetica"))
//	g.Node("gp", dot.Str("label", "Dr. Hansen\nfastlege"), dot.Point("pos", 72, 0, true))
//	g.Edge("gp", "ola", dot.Str("style", "dashed"))
//	b, err := g.Bytes()
//
// # Order
//
// Statements are written in the order they were added, each on its own
// line, subgraphs at the place they were added. The attributes of one
// statement are written sorted by key, whatever order the caller gave them
// in, so the output never depends on how a list was assembled; a key given
// twice in one statement is refused rather than silently overridden.
//
// # Escaping
//
// Every id and every value is written between double quotes. Inside them
// a backslash becomes \\, a double quote \", a line feed \n, a carriage
// return \r, and &, < and > the entities &amp;, &lt; and &gt;. Graphviz
// reads that back as the original text: its lexer turns \" into a quote
// and keeps the other backslash pairs, which label-like attributes (label,
// xlabel, tooltip …, Graphviz's escString) then read as a backslash, a
// centred line break and a right-justified line break, and Graphviz
// decodes entities in labels, so a name that happens to contain "&lt;" is
// shown as typed. No angle bracket is left outside an HTML-like label, so
// that a reader of the DOT can tell markup from text (package draw refuses
// any "<img" it finds). In a
// node or graph id the escapes stay as written: the id differs from the
// text, but two different texts never give the same id. Numbers are
// written with at most three decimals and no exponent, and -0 as 0, so
// that float noise does not change the bytes.
//
// HTML-like labels (label=<…>) can only be made with [HTMLLabel] from
// [Content] built by this package ([Text], [Table], [Row], [Cell], [Font],
// …): text is escaped as XML, a line feed becomes <BR/>, and the element
// structure is checked against what Graphviz accepts (TABLE holds rows,
// rows hold cells, cells hold text or one table).
//
// # Refusals
//
// [Graph.Bytes] returns an error wrapping [ErrInvalid], naming the
// statement and field but never quoting the offending text (it may be
// personal data), when a string cannot be held by DOT and shown by its
// outputs: invalid UTF-8, a NUL or other control character than tab, line
// feed and carriage return (SVG output would not be well-formed XML), the
// non-characters U+FFFE and U+FFFF; an attribute key that is not a plain
// identifier; a key twice in one statement; a number that is NaN or
// infinite.
//
// Nothing here calls Graphviz; package draw renders the bytes.
package dot
