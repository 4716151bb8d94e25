// Package stakeholder holds the vocabulary of the Samspill stakeholder model:
// actor kinds, levels and sectors, the sector groups used in pictures and
// analysis, relation types and qualities, and the assessment scales
// (importance, influence, Grunig & Hunt's publics and linkages, attitude,
// participation and consent).
//
// The identifiers are the wire values of domain.md; they are part of the
// public event contract and must never be renamed. Every type has a Valid
// method and a Parse function that returns an error naming the allowed values.
package stakeholder
