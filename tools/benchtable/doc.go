// Command benchtable writes the table of `make bench`: each of issue 8's
// figures beside its anchor measured in the same run, as a ratio, with
// its target and whether it is met.
//
// It reads the output of the benchmarks `make bench` has just run (go
// test -bench, several packages in one file), runs `samspill load`
// against a `samspill up` it starts itself (the maximum rate, then half
// of it with the command → gap_opened probes), and times network measures
// beside networkx on the same graphs when python3 can import networkx. It
// writes a Markdown table and the same rows as JSON. A figure that could
// not be measured (no dot, no networkx, no samspill binary) is a row that
// says so, never a failure of the whole table.
package main
