// Package draw turns Graphviz DOT into pictures: laid-out DOT, SVG, PNG
// and PDF, and the positions of everything drawn ([Layout]). It is the only
// package of Samspill that imports Graphviz (github.com/goccy/go-graphviz:
// Graphviz 12 compiled to WebAssembly, run by wazero, no cgo); package
// render writes the DOT.
//
//	e, err := draw.New(ctx, draw.Options{})
//	defer e.Close()
//	svg, err := e.Render(ctx, dotBytes, draw.SVG)
//	lay, err := e.Layout(ctx, dotBytes) // boxes of nodes and labels, in points
//
// # Concurrency
//
// go-graphviz is not safe for concurrent use (its issue #117): its
// WebAssembly instance is one per process. An [Engine] owns one Graphviz
// context and one worker goroutine; [Engine.Render] and [Engine.Layout]
// queue a request for it and may be called from any number of
// goroutines. Every call into Graphviz, from every Engine of the process,
// also holds one process-wide lock. The PNG and PDF are drawn from
// Graphviz's drawing operations in the caller's goroutine, outside the
// queue.
//
// A request's context cancels its wait: before its render starts, the
// render does not happen; once started, a render runs to completion on a
// context that is never cancelled (cancelling a WebAssembly call midway
// breaks go-graphviz, issue #118) and its result is dropped. In process,
// nothing stops a render that takes long; with a worker process
// ([Options.Command]), [Options.Timeout] kills it.
//
// # Memory
//
// go-graphviz leaks the buffer of every output in the WebAssembly memory
// (gvRenderData's result is never freed; issue #111): about 1.2 times the
// bytes written, per render, for good, since WebAssembly memory never
// shrinks and the instance lives as long as the process. Closing and
// creating the Graphviz context again does not return it. So a
// long-running service runs Graphviz in a worker process
// ([Options.Command] and [ServeWorker]) that the Engine replaces after
// [Options.RecycleAfter] renders and after a failure; in process (the
// command line, tests), every Engine shares the process's one Graphviz
// context for the life of the process. Measured
// over 1,500 renders of a 40-actor person map (TestMemory; PNG, PDF and
// Layout read Graphviz's json, three times the size of the SVG):
//
//	                                     resident MB after 1,500 (peak)
//	                                     SVG              PDF
//	in process, never recycled           561 (769)        1038 (1538)
//	in process, context renewed /100     551 (768)        1070 (1544)
//	  (renewing was dropped: it corrupts other users, see "Failures")
//	worker process, recycled /100        30 + ≤ 86        45 + ≤ 130
//	worker process, recycled /200        31 + ≤ 130       51 + ≤ 226
//	worker process, recycled /500        31 + ≤ 273       55 + ≤ 546
//
// (the worker rows: this process + the worker). A worker starts in 0.1 s,
// so recycling after 100 renders, the default, costs about 1 ms a render
// (3 % of an SVG's 30 ms) and keeps a worker near 100 MB.
//
// # Failures
//
// A failure inside Graphviz (a syntax error, an unknown layout) leaves
// its context unusable, and Graphviz keeps global state that a second
// context in the same process corrupts. So a process has one context, and
// the first Graphviz failure spends it: in process, every later render
// answers [ErrSpent]; a worker process answers the failure and exits, and
// its Engine starts another. Input refused before Graphviz (the limits,
// [ErrTooLarge], [ErrUnsafe], [ErrUnsupported]) spends nothing. DOT that
// Samspill did not write itself belongs in a worker process, as the
// services run it; the command line draws only DOT from package render.
//
// # Formats
//
//   - [DOT] is the layout as `dot -Tdot` writes it: pos, width and height of
//     every node, pos and lp of every edge, bb of the graph and clusters.
//   - [SVG] is Graphviz's own SVG (UTF-8, text escaped by Graphviz).
//   - [PNG] and [PDF] are drawn by this package from Graphviz's drawing
//     operations (xdot, read from its json output): go-graphviz has no PDF,
//     and its PNG renderer draws no lines (no edges, no outlines). Both
//     draw every xdot operation Graphviz writes for the shapes, styles and
//     labels of any graph: ellipses, polygons, polylines and Bézier curves
//     (so every node shape, HTML-like tables, clusters, arrowheads, edges
//     of any spline), filled or not, pen and fill colours with alpha,
//     linear and radial gradients (a PDF gradient blends only the first
//     and last colours of a multi-stop gradient), dashed, dotted, bold and
//     setlinewidth styles, and text with its bold, italic, underline,
//     strike-through, overline, superscript and subscript. A PNG is 96 dpi
//     unless the graph sets dpi; both follow the graph's size and pad.
//
// Text in PNG and PDF is set in the Go fonts (embedded; the PDF embeds
// them too, and its text can be copied and searched), which have every
// letter of the Nordic languages. Graphviz estimates text widths with
// its own tables; where a text in the Go font would be wider than
// Graphviz's box, it is set smaller to fit, never cut. A character the Go
// fonts lack (most non-Latin scripts, emoji) shows as an empty box; it is
// never dropped.
//
// What PNG and PDF refuse ([ErrUnsupported]), where SVG draws it: a
// rotated graph (rotate=90, landscape); images (which are refused anyway).
// They ignore the viewport attribute and URLs.
//
// # Hostile input
//
// A DOT may come from a user, so before Graphviz lays it out an Engine
// refuses ([ErrTooLarge]) a DOT of more than [Options.MaxBytes] bytes, or
// a graph of more than [Options.MaxNodes] nodes or [Options.MaxEdges]
// edges, and a PNG of more than [Options.MaxPixels] pixels before it is
// allocated; and it refuses ([ErrUnsafe]) every attribute that makes
// Graphviz read a file — image, imagepath, shapefile, fontpath,
// _background — on the graph, a node or an edge, however it is spelled
// (quoted, concatenated, any case), and <IMG> in an HTML-like label.
// Behind that, Graphviz's file system is one with no files. Invalid DOT
// is [ErrInvalid] with Graphviz's message. dot's layout time grows
// quickly with a tangled graph (0.8 s at 100 nodes, 7 s at 200 on the
// development machine), and an in-process render cannot be stopped: a
// service that draws DOT it did not write itself uses a worker process
// with a Timeout.
package draw
