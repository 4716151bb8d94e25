package gaps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/stakeholder"
)

// DefaultK is the smallest group of citizens a system-wide figure may
// show (domain.md: k = 5).
const DefaultK = 5

// SectorPair is a pair of sector sets between which the services of an
// area are expected to work together (S3) and to have agreements (S8).
type SectorPair struct {
	// Name says which pair it is, as explanations name it.
	Name Text                 `json:"name"`
	A    []stakeholder.Sector `json:"a"`
	B    []stakeholder.Sector `json:"b"`
}

// has reports whether sectors x and y fall on opposite sides of p.
func (p SectorPair) has(x, y stakeholder.Sector) bool {
	return (slices.Contains(p.A, x) && slices.Contains(p.B, y)) || (slices.Contains(p.A, y) && slices.Contains(p.B, x))
}

// SystemConfig holds the thresholds of the system-wide rules S1–S10. Start
// from [DefaultSystemConfig] and change what differs.
type SystemConfig struct {
	// Citizen holds the citizen rules' thresholds: the P-rules evaluated
	// on every map for S9, and the working-tie window that decides
	// whether two organisations collaborate on a citizen's map.
	Citizen Config
	// K is the suppression threshold: a figure about fewer than K
	// citizens is never shown, and no rule is decided on one. At least
	// DefaultK (5).
	K int
	// CollaborationShareMin: S1 fires when fewer than this share of the
	// citizens two organisations share have a working tie between them on
	// their map. Default 0.5.
	CollaborationShareMin float64
	// TieCitizens: two organisations are tied in the organisation graph
	// when they collaborate on at least this many citizens' maps, or have
	// an active agreement. At least K; default K.
	TieCitizens int
	// SectorMinOrganisations: S2 and S6 judge only sectors with at least
	// this many organisations in the area (one organisation cannot be a
	// silo or span its own boundary). Default 2.
	SectorMinOrganisations int
	// EIMargin: S2 fires when a group's E-I index is more than this below
	// its value under random mixing. Default 0.1.
	EIMargin float64
	// BrokerageShareMax: S5 fires when one organisation holds more than
	// this share of the area's liaison and gatekeeper brokerage.
	// Default 0.5.
	BrokerageShareMax float64
	// BrokerageMinPaths: S5 judges only areas with at least this many
	// liaison and gatekeeper 2-paths in all. Default 10.
	BrokerageMinPaths int
	// PrevalenceMax: S9 fires when at least this share of a
	// municipality's citizen maps (at least K of them) has one P-gap.
	// Default 0.5.
	PrevalenceMax float64
	// ReciprocityMin: S10 fires for a pair whose referrals and
	// information flow in both directions on fewer than this share
	// (weighted reciprocity, 2·min/(a→b + b→a)). Default 0.5.
	ReciprocityMin float64
	// RequiredPairs are the sector pairs of S3 and S8. Default: those of
	// domain.md (see [DefaultSystemConfig]).
	RequiredPairs []SectorPair
	// Disabled switches system rules off by id ("S5": true).
	Disabled map[string]bool
}

// DefaultSystemConfig returns the defaults of domain.md. The required
// sector pairs are domain.md's, with the sectors each side means:
//
//   - primary care (primary-health, municipal-mh-su, municipal-care) and
//     psychiatry (specialist-mh, specialist-su);
//   - municipal services (municipal-mh-su, municipal-care,
//     social-services) and specialised substance-use treatment
//     (specialist-su);
//   - mental health (municipal-mh-su, specialist-mh) and NAV
//     (welfare-work, social-services);
//   - mental health (municipal-mh-su, specialist-mh) and housing;
//   - the health and welfare services (primary-health, municipal-mh-su,
//     municipal-care, specialist-mh, specialist-su, welfare-work,
//     social-services, housing) and user organisations (user-org).
func DefaultSystemConfig() SystemConfig {
	const (
		ph   = stakeholder.SectorPrimaryHealth
		mmh  = stakeholder.SectorMunicipalMHSU
		care = stakeholder.SectorMunicipalCare
		smh  = stakeholder.SectorSpecialistMH
		ssu  = stakeholder.SectorSpecialistSU
		nav  = stakeholder.SectorWelfareWork
		soc  = stakeholder.SectorSocial
		home = stakeholder.SectorHousing
		uo   = stakeholder.SectorUserOrg
	)
	return SystemConfig{
		Citizen:                DefaultConfig(),
		K:                      DefaultK,
		CollaborationShareMin:  0.5,
		TieCitizens:            DefaultK,
		SectorMinOrganisations: 2,
		EIMargin:               0.1,
		BrokerageShareMax:      0.5,
		BrokerageMinPaths:      10,
		PrevalenceMax:          0.5,
		ReciprocityMin:         0.5,
		RequiredPairs: []SectorPair{
			{Text{"primary care and psychiatry", "primærhelsetjenesten og psykisk helsevern/TSB"},
				[]stakeholder.Sector{ph, mmh, care}, []stakeholder.Sector{smh, ssu}},
			{Text{"municipal services and specialised substance-use treatment", "kommunale tjenester og TSB"},
				[]stakeholder.Sector{mmh, care, soc}, []stakeholder.Sector{ssu}},
			{Text{"mental health and NAV", "psykisk helse og NAV"},
				[]stakeholder.Sector{mmh, smh}, []stakeholder.Sector{nav, soc}},
			{Text{"mental health and housing", "psykisk helse og bolig"},
				[]stakeholder.Sector{mmh, smh}, []stakeholder.Sector{home}},
			{Text{"the services and user organisations", "tjenestene og brukerorganisasjonene"},
				[]stakeholder.Sector{ph, mmh, care, smh, ssu, nav, soc, home}, []stakeholder.Sector{uo}},
		},
	}
}

// Validate reports every problem of c, wrapping [ErrInvalidConfig].
func (c SystemConfig) Validate() error {
	var problems []string
	if err := c.Citizen.Validate(); err != nil {
		for _, p := range strings.Split(strings.TrimPrefix(err.Error(), ErrInvalidConfig.Error()+": "), "; ") {
			problems = append(problems, "Citizen."+p)
		}
	}
	if c.K < DefaultK {
		problems = append(problems, fmt.Sprintf("K is %d; the privacy rule needs at least %d", c.K, DefaultK))
	}
	if c.TieCitizens < c.K {
		problems = append(problems, fmt.Sprintf("TieCitizens is %d; want at least K (%d), or ties would show cells under K", c.TieCitizens, c.K))
	}
	if c.SectorMinOrganisations < 1 {
		problems = append(problems, fmt.Sprintf("SectorMinOrganisations is %d; want at least 1", c.SectorMinOrganisations))
	}
	if !(c.EIMargin >= 0 && c.EIMargin < 2) {
		problems = append(problems, fmt.Sprintf("EIMargin is %v; want a difference of E-I indices in [0, 2)", c.EIMargin))
	}
	if c.BrokerageMinPaths < 1 {
		problems = append(problems, fmt.Sprintf("BrokerageMinPaths is %d; want at least 1", c.BrokerageMinPaths))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"CollaborationShareMin", c.CollaborationShareMin},
		{"BrokerageShareMax", c.BrokerageShareMax},
		{"PrevalenceMax", c.PrevalenceMax},
		{"ReciprocityMin", c.ReciprocityMin},
	} {
		if !(f.v > 0 && f.v <= 1) {
			problems = append(problems, fmt.Sprintf("%s is %v; want a share in (0, 1]", f.name, f.v))
		}
	}
	for i, p := range c.RequiredPairs {
		if len(p.A) == 0 || len(p.B) == 0 {
			problems = append(problems, fmt.Sprintf("RequiredPairs[%d] (%s) needs sectors on both sides", i, p.Name.EN))
		}
		for _, s := range slices.Concat(p.A, p.B) {
			if !s.Valid() {
				problems = append(problems, fmt.Sprintf("RequiredPairs[%d] (%s) names the unknown sector %q", i, p.Name.EN, s))
			}
		}
	}
	var unknown []string
	for id := range c.Disabled {
		if systemIndex(id) < 0 {
			unknown = append(unknown, fmt.Sprintf("%q", id))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		problems = append(problems, fmt.Sprintf("Disabled names unknown rules %s; the system rules are S1–S10", strings.Join(unknown, ", ")))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return nil
}
