package gaps

import (
	"github.com/samspill/samspill/pkg/measures"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Network returns the organisation graph of the area, as the system rules
// measure it: every organisation except the coordinating and governing
// bodies, grouped by sector group, tied where the pair collaborates on at
// least SystemConfig.TieCitizens citizens' maps or has an active agreement.
// `samspill metrics` measures a bundle on it.
func (a Area) Network() measures.Network {
	in := map[string]bool{}
	n := measures.Network{Nodes: make([]measures.Node, 0, len(a.Organisations))}
	for _, o := range a.Organisations {
		if graphed(o.Sector) {
			in[o.ID] = true
			n.Nodes = append(n.Nodes, measures.Node{ID: o.ID, Group: string(o.Sector.Group())})
		}
	}
	for _, p := range a.Pairs {
		if p.Tie && in[p.A] && in[p.B] {
			n.Ties = append(n.Ties, measures.Tie{From: p.A, To: p.B})
		}
	}
	return n
}

// graphed reports whether organisations of sector s are vertices of the
// organisation graph: all but the coordinating and governing bodies.
func graphed(s stakeholder.Sector) bool { return s.Group() != stakeholder.GroupSystem }
