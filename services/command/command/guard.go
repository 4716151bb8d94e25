package command

import (
	"context"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/event"
)

// Who may give which command (package access decides, the guard audits):
//
//   - open_map and the import of one map document: access.Open on the new
//     map, which a coordinator may; they are assigned to it by its
//     map_opened event, whose principal they are;
//   - register_entry, update_entry, retire_entry and the import of a
//     region bundle: access.Manage on access.Directory, an administrator's;
//     the maps a bundle opens are opened by the administrator;
//   - grant_access and revoke_access: access.Assign on the map, an
//     administrator's;
//   - erase_map: access.Erase on the map, a coordinator it is assigned to;
//   - every other command on a map, close_map too: access.Write on the map,
//     a coordinator it is assigned to.
//
// Analysts and integrations give no commands.

// operation is the name of a command in the audit trail: its NATS
// endpoint, cmd.<name>.
func operation(name string) string { return "cmd." + name }

// permission returns what a command about agg does, and to what.
func permission(c Command, agg event.Aggregate) (access.Action, access.Resource) {
	if agg.Kind == event.AreaDirectory {
		return access.Manage, access.Directory
	}
	switch c.(type) {
	case *OpenMap:
		return access.Open, access.Map(agg.ID)
	case *GrantAccess, *RevokeAccess:
		return access.Assign, access.Map(agg.ID)
	case *EraseMap:
		return access.Erase, access.Map(agg.ID)
	}
	return access.Write, access.Map(agg.ID)
}

// needsAssignment reports whether the decision of a to a map asks whether
// it is assigned to the principal: a coordinator's write or erasure.
func needsAssignment(p access.Principal, a access.Action, r access.Resource) bool {
	return p.Role == access.Coordinator && r.Kind == access.KindMap && (a == access.Write || a == access.Erase)
}

// assignedTo reports whether the map is assigned to subject, as this
// service knows it (the guard's lookup). A map not loaded is assigned to
// nobody; Execute loads it before it asks.
func (s *Service) assignedTo(mapID, subject string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.maps[mapID]
	return m != nil && m.assigned[subject]
}

// principal returns the principal ctx carries, or an *Error of code
// unauthenticated.
func principal(ctx context.Context) (access.Principal, error) {
	p, ok := access.FromContext(ctx)
	if !ok {
		return p, accessError(access.ErrUnauthenticated)
	}
	return p, nil
}

// check asks the guard whether the principal of ctx may do a to r in the
// operation, which writes the decision to the audit trail first. Any
// refusal is an *Error with an access code.
func (s *Service) check(ctx context.Context, op string, a access.Action, r access.Resource) (access.Principal, error) {
	p, err := s.guard.Check(ctx, op, a, r)
	if err != nil {
		return p, accessError(err)
	}
	return p, nil
}
