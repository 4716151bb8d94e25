package render

import "github.com/samspill/samspill/pkg/stakeholder"

// slot is a sector group as the pictures show it: the six groups of the
// issue, coordinating bodies and forums drawn with the other services.
type slot int

// Slots in their order around the person, clockwise from the top left.
const (
	slotPrimary slot = iota
	slotPsychiatry
	slotNAV
	slotOther
	slotUserOrgs
	slotInformal
	slotCount
)

// slotOf returns the slot of a sector.
func slotOf(s stakeholder.Sector) slot {
	switch s.Group() {
	case stakeholder.GroupPrimaryCare:
		return slotPrimary
	case stakeholder.GroupPsychiatry:
		return slotPsychiatry
	case stakeholder.GroupNAV:
		return slotNAV
	case stakeholder.GroupUserOrgs:
		return slotUserOrgs
	case stakeholder.GroupInformal:
		return slotInformal
	}
	return slotOther
}

// groupColour returns a slot's colour (Tableau 10, as docs/gaps.md).
func groupColour(s slot) string {
	return [slotCount]string{
		slotPrimary: "#4e79a7", slotPsychiatry: "#e15759", slotNAV: "#f28e2b",
		slotOther: "#9c755f", slotUserOrgs: "#59a14f", slotInformal: "#b07aa1",
	}[s]
}

// groupTint returns a slot's light fill: 25 % of its colour on white.
func groupTint(s slot) string {
	return [slotCount]string{
		slotPrimary: "#d3dee9", slotPsychiatry: "#f8d5d6", slotNAV: "#fce3ca",
		slotOther: "#e6dcd7", slotUserOrgs: "#d6e7d3", slotInformal: "#ebdee7",
	}[s]
}

// Colours of lines, marks and changes: Okabe–Ito's colour-blind-safe
// palette for quality and change, a dark red for gaps, greys that stay
// apart in greyscale.
const (
	colourInk      = "#222222" // text
	colourGood     = "#3b3b3b" // a relation of good quality
	colourUnknown  = "#8c8c8c" // quality not assessed
	colourStrained = "#e69f00" // Okabe–Ito orange
	colourBroken   = "#d55e00" // Okabe–Ito vermillion
	colourGap      = "#b00020" // gap lines, rings and badges
	colourAdded    = "#009e73" // Okabe–Ito bluish green
	colourEnded    = "#9a9a9a"
	colourChanged  = "#e69f00"
	colourRing     = "#c8c8c8" // the importance circles
	colourPerson   = "#ffffff"
)

// shareColour returns the colour of a step of the system map's
// five-step sequential scale, from a collaboration share under 20 % to
// 80 % or more: light orange to dark blue, monotone in lightness so that
// it reads in greyscale, and distinguishable with the common
// colour-vision deficiencies (orange–purple–blue, after ColorBrewer's
// PuOr and viridis). shareStyle adds a dash pattern to the two lowest
// steps, so that low collaboration shows without colour too.
func shareColour(step int) string {
	return [5]string{"#f4a259", "#d7844a", "#8c6d8f", "#4a5a9c", "#1b2a6b"}[step]
}

func shareStyle(step int) string {
	if step < 2 {
		return "dashed"
	}
	return "solid"
}

// shareStep returns the step of a share in [0, 1].
func shareStep(share float64) int {
	switch {
	case share < 0.2:
		return 0
	case share < 0.4:
		return 1
	case share < 0.6:
		return 2
	case share < 0.8:
		return 3
	}
	return 4
}
