// Package event defines the Samspill event contract: the CloudEvents 1.0
// envelope every event travels in, the versioned type strings, one Go type per
// event, and the registry from type string to Go type.
//
// # Wire names
//
// Type strings have the form no.samspill.<area>.v<N>.<name>, for example
// no.samspill.map.v1.actor_added. They are written out as constants and never
// derived from Go type names, so renaming a Go type cannot change the
// contract. A new incompatible version of an event gets a new type string and
// a new Go type; the old one stays decodable for as long as the log holds it.
//
// # Time
//
// Every envelope carries both time axes of the stakeholder model: "time" is
// the record time (when the fact was written into the log) and the extension
// attribute "validtime" is the valid time (the date on which the fact began
// to hold in the world: the relation began on 3 March).
//
// # Personal data
//
// Names and free text of maps are never plain text in an event. Fields of
// type Sealed hold them encrypted with the map's key (see package seal);
// when the key is erased they can no longer be read anywhere. Ids are UUIDs
// chosen by machines, never names or national identity numbers.
package event
