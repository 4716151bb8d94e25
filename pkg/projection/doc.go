// Package projection is Samspill's read model of maps: it keeps each map's
// facts with both time axes and folds them into a View of the map as it was
// on any date (valid time) and as it was known at any moment (record time):
// "Ola's network at his discharge from the DPS, as we knew it then".
//
// A Store applies events in log order and remembers the last sequence it
// applied, so a follower can resume from there. Views hold no plain
// personal data: names and free text stay sealed until a caller with the
// keyring reveals them for output.
//
// # Time
//
// An event takes effect on its valid date. Facts are folded in order of
// valid date, then log position, so a correction recorded later but valid
// earlier lands where it belongs. Ends are exclusive: a relation ended on D
// is active up to the day before D, as in the map document ("validTo is
// absent or later").
//
// # Concurrency
//
// A Store is safe for concurrent use; Views are immutable values.
package projection
