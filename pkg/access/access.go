// Package access decides who may do what in Samspill, and carries who is
// asking from the edge where they signed in to the service that answers.
//
// Every request reaches a service with a Principal: a pseudonymous subject,
// one Role, the municipality a role is bound to, the grants of an
// integration, and the purpose of use the request was made for. At the edge
// (the HTTP API, the web application, the token exchange of the access
// service) a person or system proves who they are with OpenID Connect or an
// API token; the edge then asks the access service for an Assertion, a
// short-lived token signed with the access service's Ed25519 key, and sends
// it with every NATS request (header Samspill-Assertion). The services
// verify the assertion with the public key alone, so a client that may
// publish on NATS still cannot speak for someone else.
//
// The rules (Decide) are few and strict:
//
//   - a coordinator opens citizen maps, and reads, writes and erases the
//     maps assigned to them (the opener is assigned; an administrator
//     grants and revokes assignments, which are events of the map);
//   - an analyst reads the aggregates of their own municipality only
//     (system map, matrix, area gaps, prevalence; cells under k are
//     suppressed by the services that compute them);
//   - an administrator manages the directory, the assignments, API tokens
//     and reads the audit trail, and never the contents of a map;
//   - an integration reads only what its grants cover (resource subjects
//     such as area.3301.read, matched with NATS wildcards), never writes.
//
// A Guard applies the rules in a service and writes every decision about a
// citizen map, every refusal and every administrative act to the audit
// stream (package audit) before the service answers: a read that cannot be
// audited is not served.
package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/nationalid"
)

// Role is what a principal is in Samspill. A principal has exactly one.
type Role string

// The roles.
const (
	Coordinator Role = "coordinator"
	Analyst     Role = "analyst"
	Admin       Role = "admin"
	Integration Role = "integration"
)

// Roles lists every role.
func Roles() []Role { return []Role{Coordinator, Analyst, Admin, Integration} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Purpose is the purpose of use a request is made for, a code of HL7 v3
// PurposeOfUse (the vocabulary HelseID and the Norwegian trust framework,
// Tillitsrammeverket, use). It is recorded in the audit trail with every
// read and write of a citizen map.
type Purpose string

// The purposes Samspill accepts.
const (
	// PurposeCoordination: coordination of care (COC), a coordinator's
	// everyday work on a map.
	PurposeCoordination Purpose = "COC"
	// PurposeTreatment: treatment (TREAT).
	PurposeTreatment Purpose = "TREAT"
	// PurposeCareManagement: care management (CAREMGT), e.g. an
	// individual plan meeting.
	PurposeCareManagement Purpose = "CAREMGT"
	// PurposePatientRequest: at the citizen's own request (PATRQT), e.g.
	// access to their map or its erasure.
	PurposePatientRequest Purpose = "PATRQT"
	// PurposeOperations: health care operations (HOPERAT), an analyst's
	// aggregate statistics.
	PurposeOperations Purpose = "HOPERAT"
	// PurposeSysAdmin: system administration (HSYSADMIN).
	PurposeSysAdmin Purpose = "HSYSADMIN"
)

// Purposes lists every accepted purpose.
func Purposes() []Purpose {
	return []Purpose{PurposeCoordination, PurposeTreatment, PurposeCareManagement, PurposePatientRequest, PurposeOperations, PurposeSysAdmin}
}

// Valid reports whether p is one of the accepted purposes.
func (p Purpose) Valid() bool { return slices.Contains(Purposes(), p) }

// DefaultPurpose is the purpose a request of role r is taken to have when
// it names none.
func DefaultPurpose(r Role) Purpose {
	switch r {
	case Coordinator:
		return PurposeCoordination
	case Admin:
		return PurposeSysAdmin
	default:
		return PurposeOperations
	}
}

// Header names.
const (
	// HeaderAssertion carries the signed assertion of who asks, on every
	// NATS request to a service.
	HeaderAssertion = "Samspill-Assertion"
	// HeaderPurpose names the purpose of use of one request (HTTP and
	// NATS); without it, the role's default purpose applies.
	HeaderPurpose = "Samspill-Purpose"
)

// Principal is who asks: the subject of an assertion.
type Principal struct {
	// Subject is the pseudonymous id of the person or system: the OpenID
	// Connect subject, or the id of an API token. Never a national id.
	Subject string `json:"sub"`
	Role    Role   `json:"role"`
	// Municipality binds an analyst (and optionally a coordinator) to one
	// municipality, by its four-digit number.
	Municipality string `json:"municipality,omitempty"`
	// Grants are the resource subjects an integration may read, with the
	// NATS wildcards * and >, e.g. "area.3301.read" or "area.*.read".
	Grants []string `json:"grants,omitempty"`
	// Purpose is the purpose of use of the request at hand.
	Purpose Purpose `json:"purpose,omitempty"`
	// Via says how the principal signed in: "oidc", "token" or "service".
	Via string `json:"via,omitempty"`
}

var (
	subjectPattern      = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)
	municipalityPattern = regexp.MustCompile(`^[0-9]{4}$`)
	grantPattern        = regexp.MustCompile(`^[A-Za-z0-9_*>-]+(\.[A-Za-z0-9_*>-]+)*$`)
)

// Validate says what is wrong with p, naming the field.
func (p Principal) Validate() error {
	var problems []string
	if !subjectPattern.MatchString(p.Subject) {
		problems = append(problems, "sub: 1–128 of A–Z, a–z, 0–9 and . _ : @ -")
	} else if _, ok := nationalid.Contains(p.Subject); ok {
		problems = append(problems, "sub: looks like a national identity number; use a pseudonymous subject")
	}
	if !p.Role.Valid() {
		problems = append(problems, fmt.Sprintf("role: %q is not one of coordinator, analyst, admin, integration", p.Role))
	}
	if p.Municipality != "" && !municipalityPattern.MatchString(p.Municipality) {
		problems = append(problems, fmt.Sprintf("municipality: %q is not a four-digit municipality number", p.Municipality))
	}
	if p.Role == Analyst && p.Municipality == "" {
		problems = append(problems, "municipality: an analyst is bound to one municipality")
	}
	if p.Role != Integration && len(p.Grants) > 0 {
		problems = append(problems, "grants: only an integration has grants")
	}
	for _, g := range p.Grants {
		if !grantPattern.MatchString(g) || strings.Contains(g, ">.") {
			problems = append(problems, fmt.Sprintf("grants: %q is not a resource subject (tokens separated by dots, * and > as wildcards)", g))
		}
	}
	if p.Purpose != "" && !p.Purpose.Valid() {
		problems = append(problems, fmt.Sprintf("purpose: %q is not one of %v", p.Purpose, Purposes()))
	}
	if len(problems) > 0 {
		return fmt.Errorf("access: principal: %s", strings.Join(problems, "; "))
	}
	return nil
}

// WithPurpose returns p with the purpose of use named by v (a header's
// value): the role's default when v is empty, an error naming the header
// when v is not an accepted purpose.
func (p Principal) WithPurpose(v string) (Principal, error) {
	if v == "" {
		if p.Purpose == "" {
			p.Purpose = DefaultPurpose(p.Role)
		}
		return p, nil
	}
	if !Purpose(v).Valid() {
		return p, fmt.Errorf("%s: %q is not one of %v", HeaderPurpose, v, Purposes())
	}
	p.Purpose = Purpose(v)
	return p, nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx carries.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
