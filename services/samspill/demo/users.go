package demo

import (
	"fmt"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/services/command/command"
)

// User is a person of the development sign-in of `samspill up` (its
// built-in OpenID Connect provider): a coordinator and an analyst for each
// demo municipality, and an administrator. The demo's maps are opened by
// their municipality's coordinator, so that each coordinator finds a
// caseload when they sign in.
type User struct {
	Subject, Name string
	Role          access.Role
	Municipality  string
}

// Admin is the subject of the demo's administrator; the directory is
// registered in their name.
const Admin = "dev-admin"

// Coordinator is the subject of a demo municipality's coordinator.
func Coordinator(municipality string) string { return "dev-coordinator-" + municipality }

// Analyst is the subject of a demo municipality's analyst.
func Analyst(municipality string) string { return "dev-analyst-" + municipality }

// Users lists the people of the development sign-in, for the municipalities
// of the demo region.
func Users() []User {
	coordinators := map[string]string{"3201": "Kari Koordinator", "3203": "Ola Oppfølger", "3301": "Siri Samhandler"}
	analysts := map[string]string{"3201": "Anders Analytiker", "3203": "Berit Beregner", "3301": "Trond Tallknuser"}
	var out []User
	for _, m := range newRegion().munis {
		out = append(out,
			User{Subject: Coordinator(m.Code), Name: fmt.Sprintf("%s (%s)", coordinators[m.Code], m.Name), Role: access.Coordinator, Municipality: m.Code},
			User{Subject: Analyst(m.Code), Name: fmt.Sprintf("%s (%s)", analysts[m.Code], m.Name), Role: access.Analyst, Municipality: m.Code})
	}
	return append(out, User{Subject: Admin, Name: "Ada Administrator", Role: access.Admin})
}

// Principal is who gives command c of the dataset: the administrator for
// the directory, the coordinator of the map's municipality for a map.
func (ds *Dataset) Principal(c command.Command) (access.Principal, error) {
	agg, err := command.Target(c)
	if err != nil {
		return access.Principal{}, err
	}
	m, ok := ds.municipalityOf[agg.ID]
	if !ok {
		return access.Principal{Subject: Admin, Role: access.Admin, Purpose: access.PurposeSysAdmin, Via: "service"}, nil
	}
	return access.Principal{Subject: Coordinator(m), Role: access.Coordinator, Municipality: m, Purpose: access.PurposeCoordination, Via: "service"}, nil
}
