// Package mapdoc reads, checks and writes the map document
// ("schema": "samspill.map/v1") and the bundle ("schema":
// "samspill.bundle/v1"): the JSON files that samspill export writes,
// samspill import reads and the offline commands analyse, metrics and render
// take. The published JSON Schemas are schemas/mapdoc/v1/map.json and
// bundle.json; the Go types here follow them field by field.
//
// # Reading
//
// Build one [Validator] with [NewValidator] (it compiles the schemas once)
// and call [Validator.Parse] or [Validator.ParseReader] for each file. A
// Validator holds no mutable state and is safe for concurrent use. Parse
// tells a map from a bundle by the top-level "schema" field and returns
// exactly one of them. It checks, in this order, and stops after the first
// class that finds anything:
//
//  1. [ClassJSON]: at most [MaxSize] bytes of UTF-8, well-formed JSON with
//     one top-level value, no duplicate property names, nesting at most
//     [MaxDepth] deep;
//  2. [ClassSchema]: the JSON Schema (unknown properties are refused except
//     "x-" extensions; numbers in Samspill's own fields are whole numbers
//     written without fraction or exponent);
//  3. [ClassReferences]: unique actor and relation ids, references to actors
//     of the same document, no relation from an actor to itself, exactly one
//     citizen (of kind person) on a citizen map and none elsewhere, the plan
//     actor a forum, consent only for informal actors; in a bundle unique
//     directory and map ids, every actor.directory naming a directory entry,
//     an organisation map of focus municipality or region and citizen maps
//     in maps;
//  4. [ClassDates]: validTo ≥ validFrom; every contact within the relation's
//     validity; coordinator assigned ≥ offered; plan lastReview ≥ created;
//     no date after asOf except validTo;
//  5. [ClassNationalID]: no string value, property name (extensions
//     included) or number anywhere in the file holds a checksum-valid
//     national identity number (package nationalid).
//
// A refusal is a *[ValidationError] listing every problem of that class (up
// to [MaxProblems]) with a JSON pointer and a message, in document order.
// Messages never quote values from the file (a JSON syntax error names at
// most the one offending character): they name the place and what is
// wrong, so that they can be logged without leaking names or numbers, and
// the digits of a national identity number in a property name are masked
// in the pointer too. Any other error from ParseReader is an I/O failure.
//
// # Writing
//
// [Canonical] and [CanonicalBundle] write the canonical form: the fields in
// the order of the Go structs (which is the order of the schema and of
// map-document.md), two-space indentation, no HTML escaping, a trailing
// newline. Optional fields that are absent stay absent; false booleans of
// formalised and inpatient and the absent value 0 of trust and value are
// left out. "x-" extensions are accepted on reading but not kept, so
// Canonical(Parse(b)) drops them; otherwise a document in canonical form
// reads and writes back byte for byte.
package mapdoc
