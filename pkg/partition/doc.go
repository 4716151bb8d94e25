// Package partition lets several instances of a read-side service (graph,
// gap, picture) share the maps among themselves, with no configuration
// beyond each instance's name.
//
// # The partition key
//
// A map belongs to the partition of its municipality (Key): the area its
// analysts ask about, and the unit of the system-wide gap rules, so an
// area's question is answered by one instance, from its own memory. A
// map about a region, not a municipality, is in the region's partition.
//
// # Who holds what
//
// The instances of a service find each other in the key-value bucket
// SAMSPILL_MEMBERS (memory storage: membership is not history): each
// instance writes its key <service>.<instance> every heartbeat, with the
// partitions it serves; a key not written for a few heartbeats expires,
// so a crashed instance leaves by itself. A partition's owner is decided
// by rendezvous hashing of the partition key with the live instances'
// names (Owner): every instance computes the same answer from the same
// members, adding one instance moves about 1/n of the partitions, and
// nothing needs to be configured.
//
// # Handing a partition over
//
// An instance that gains partitions (a new owner after a join, or a
// survivor after a crash) reads the log from its start with a store of
// its own, only those partitions' maps, up to its live position, and
// adopts them while its live follower waits; only then does it serve
// them. An instance that loses a partition goes on serving it until the
// new owner says it serves it, then forgets its maps. For a moment two
// instances may hold a partition: either answers correctly, and the gap
// service's transitions are exactly once whoever publishes them.
//
// # Asking the right instance
//
// Clients see nothing of this: queries go to the service's public subjects
// (samspill.query.…, load-balanced over every instance), and the instance
// that receives one answers it itself when it serves the partition, or
// forwards it on samspill.part.<service>.<key>.<endpoint>, where only the
// instances serving that partition listen, and relays the answer,
// headers and all. Over HTTP, an instance forwards a request to an
// instance that serves the partition at the address that one announced.
// The owner verifies the caller's assertion and audits the decision, as
// for any request; the forwarder decides nothing. Questions about every
// map (a coordinator's list of maps) are asked of every instance (Gather)
// and merged.
package partition
