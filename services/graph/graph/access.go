package graph

import (
	"context"

	"github.com/samspill/samspill/pkg/access"
)

// The operations of the audit trail: each query's NATS endpoint, which its
// HTTP routes answer as well.
const (
	opMap           = "query.map"
	opChanges       = "query.changes"
	opNeighbourhood = "query.neighbourhood"
	opHistory       = "query.history"
	opExport        = "query.export"
	opMaps          = "query.maps"
	opDirectory     = "query.directory"
	opSystem        = "query.system"
	opMatrix        = "query.matrix"
	opBundle        = "query.bundle"
)

// readMap decides, and audits, whether the principal of ctx may read the
// map mapID in operation op. It is asked before the map is looked up (or
// its id checked), so that a coordinator the map is not assigned to is
// refused alike whether or not it exists.
func (s *Service) readMap(ctx context.Context, op, mapID string) error {
	_, err := s.guard.Check(ctx, op, access.Read, access.Map(mapID))
	return err
}

// readArea decides, and audits, whether the principal of ctx may read the
// aggregates of a municipality ("" is every municipality's).
func (s *Service) readArea(ctx context.Context, op, municipality string) error {
	_, err := s.guard.Check(ctx, op, access.Read, access.Area(municipality))
	return err
}

// signedIn refuses a request that names no principal, for the refusals a
// query makes before it knows what it touches (an unknown kind of export).
func signedIn(ctx context.Context) error {
	if _, ok := access.FromContext(ctx); !ok {
		return access.ErrUnauthenticated
	}
	return nil
}
