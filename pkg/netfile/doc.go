// Package netfile writes a map document (package mapdoc) or an
// organisation graph (package region) in the file formats that people
// already open: CSV tables for spreadsheets, GraphML for yEd, Cytoscape and
// Gephi, and GEXF 1.3 for Gephi.
//
// # What is written
//
// A map document becomes a directed network: one node per actor (id = the
// actor's id in the document, label = its name) and one edge per relation
// (id = the relation's id, from → to as in the document, ended relations
// included, with their validity). An organisation graph becomes an
// undirected network: one node per organisation (id = the directory id,
// label = its name) and one edge per pair, weighted by the citizens the
// pair shares. The region package has already suppressed every count
// under k: a suppressed count is absent from the file, never written as 0.
//
// Every attribute is declared before use (GraphML <key> elements, GEXF
// <attributes>), with a type, so that tools show typed columns. A value
// that is absent in the document is absent in the file (no <data> or
// <attvalue>), except booleans, which are always written.
//
// # Determinism
//
// Nodes are sorted by id and edges by id, in natural order (r2 before
// r10), and nothing depends on the clock: the same input gives the same
// bytes.
//
// # Safety
//
// XML is written with encoding/xml, which escapes &, <, >, quotes and line
// breaks, so any name reads back exactly. CSV follows RFC 4180 (a header
// row, CRLF line ends, fields with commas, quotes or line breaks in double
// quotes) and guards against formula injection: a cell that begins with
// =, +, -, @, a tab or a carriage return is written with a leading
// apostrophe ('), which spreadsheets show as text and never evaluate. A
// reader that wants the exact value strips that one apostrophe from such
// cells.
//
// Names are written as the document holds them: an erased map's document
// already reads "[erased]" in every personal field, so its files hold no
// names.
package netfile
