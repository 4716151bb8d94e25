package access

import (
	"fmt"
	"strings"

	"github.com/samspill/samspill/pkg/natsperm"
)

// Action is what a request does to a resource.
type Action string

// The actions.
const (
	Read  Action = "read"
	Write Action = "write"
	// Open is opening (or importing) a new map: there is no map to be
	// assigned to yet.
	Open Action = "open"
	// Erase is erasing a map (crypto-shredding its key).
	Erase Action = "erase"
	// Assign is granting or revoking a coordinator's access to a map.
	Assign Action = "assign"
	// Manage is administering: directory entries, API tokens.
	Manage Action = "manage"
)

// Kind is the kind of a resource.
type Kind string

// The kinds of resource.
const (
	// KindMap is one map; its ID is the map id.
	KindMap Kind = "map"
	// KindMaps is the list of maps (a coordinator's own, or for an
	// administrator every map without labels).
	KindMaps Kind = "maps"
	// KindArea is the aggregates of one municipality; ID is its number.
	KindArea Kind = "area"
	// KindBundle is one municipality's region bundle: every citizen map's
	// structure, one by one. It is microdata, not an aggregate, so only an
	// integration granted bundle.<municipality>.read may read it.
	KindBundle Kind = "bundle"
	// KindDirectory is the directory of organisations and services.
	KindDirectory Kind = "directory"
	// KindAudit is the audit trail.
	KindAudit Kind = "audit"
	// KindTokens is the API tokens.
	KindTokens Kind = "tokens"
)

// Resource is what a request touches.
type Resource struct {
	Kind Kind
	// ID is the map id (KindMap) or the municipality (KindArea).
	ID string
}

// Map is the resource of one map.
func Map(id string) Resource { return Resource{Kind: KindMap, ID: id} }

// Bundle is the resource of one municipality's region bundle.
func Bundle(municipality string) Resource { return Resource{Kind: KindBundle, ID: municipality} }

// Area is the resource of one municipality's aggregates.
func Area(municipality string) Resource { return Resource{Kind: KindArea, ID: municipality} }

// Directory, Maps, Audit and Tokens are the resources of their kind.
var (
	Directory = Resource{Kind: KindDirectory}
	Maps      = Resource{Kind: KindMaps}
	Audit     = Resource{Kind: KindAudit}
	Tokens    = Resource{Kind: KindTokens}
)

// Subject is the resource subject of action a on r, which an integration's
// grants are matched against: map.<id>.read, area.<municipality>.read,
// directory.read, … (a missing id is "-").
func (r Resource) Subject(a Action) string {
	if r.Kind == KindMap || r.Kind == KindArea || r.Kind == KindBundle {
		id := r.ID
		if id == "" || strings.ContainsAny(id, ".*> ") {
			id = "-"
		}
		return fmt.Sprintf("%s.%s.%s", r.Kind, id, a)
	}
	return fmt.Sprintf("%s.%s", r.Kind, a)
}

// Denied is a refusal: the principal may not do action to resource.
type Denied struct {
	Principal Principal
	Action    Action
	Resource  Resource
	// Reason says why, in words fit for the one refused and the audit
	// trail (never personal data).
	Reason string
}

func (d *Denied) Error() string {
	return fmt.Sprintf("access: %s %s may not %s %s: %s", d.Principal.Role, d.Principal.Subject, d.Action, d.Resource.Subject(d.Action), d.Reason)
}

// Decide applies the rules: nil when p may do a to r, a *Denied saying why
// not otherwise. assigned says whether r, a map, is assigned to p (only
// asked of map reads, writes and erasures).
func Decide(p Principal, a Action, r Resource, assigned bool) error {
	deny := func(format string, args ...any) error {
		return &Denied{Principal: p, Action: a, Resource: r, Reason: fmt.Sprintf(format, args...)}
	}
	if err := p.Validate(); err != nil {
		return deny("%v", err)
	}
	switch p.Role {
	case Coordinator:
		switch {
		case r.Kind == KindMap && (a == Read || a == Write || a == Erase):
			if !assigned {
				return deny("the map is not assigned to you")
			}
			return nil
		case r.Kind == KindMap && a == Open, r.Kind == KindMaps && a == Read, r.Kind == KindDirectory && a == Read:
			return nil
		case r.Kind == KindArea:
			return deny("a coordinator reads the maps assigned to them, not area aggregates")
		}
		return deny("a coordinator may not %s %s", a, r.Kind)
	case Analyst:
		switch {
		case r.Kind == KindArea && a == Read:
			if r.ID != p.Municipality {
				return deny("an analyst reads the aggregates of municipality %s only", p.Municipality)
			}
			return nil
		case r.Kind == KindDirectory && a == Read:
			return nil
		case r.Kind == KindMap || r.Kind == KindMaps:
			return deny("an analyst reads aggregates only, never a citizen map")
		}
		return deny("an analyst may not %s %s", a, r.Kind)
	case Admin:
		switch {
		case r.Kind == KindDirectory && (a == Read || a == Manage),
			r.Kind == KindMap && a == Assign,
			r.Kind == KindMaps && a == Read,
			r.Kind == KindAudit && a == Read,
			r.Kind == KindTokens && (a == Read || a == Manage):
			return nil
		case r.Kind == KindMap || r.Kind == KindArea:
			return deny("an administrator manages the directory and assignments, not the contents of maps")
		}
		return deny("an administrator may not %s %s", a, r.Kind)
	case Integration:
		if a != Read {
			return deny("an integration only reads")
		}
		switch r.Kind {
		case KindMap, KindMaps, KindArea, KindBundle, KindDirectory:
		default:
			// The audit trail and the tokens are an administrator's,
			// whatever a grant says.
			return deny("an integration may not read %s", r.Kind)
		}
		subject := r.Subject(a)
		for _, g := range p.Grants {
			if natsperm.Covers(g, subject) {
				return nil
			}
		}
		return deny("no grant covers %s", subject)
	}
	return deny("unknown role %q", p.Role)
}
