package measures

// brokerage counts the Gould & Fernandez (1989) brokerage roles of every
// node: each 2-path a→b→c with a ≠ c and no tie a→c makes b a broker, of a
// role given by the groups of a (source), b (broker) and c (destination):
//
//	coordinator     A → A → A  all three in one group
//	itinerant       A → B → A  a and c in one group, b outside it
//	representative  A → A → B  b in the source's group, passing out of it
//	gatekeeper      A → B → B  b in the destination's group, letting in
//	liaison         A → B → C  three different groups
//
// (sna::brokerage: w_I, w_O, b_IO, b_OI, b_O.) On an undirected network
// every tie runs both ways, so each open pair {a, c} around b counts once in
// each direction, as sna::brokerage does on symmetric data; an open pair
// across groups therefore makes b a representative once and a gatekeeper
// once.
func (d *net) brokerage() []Brokerage {
	out := make([]Brokerage, len(d.ids))
	for b := range d.ids {
		br := &out[b]
		gb := d.group[b]
		count := func(a, c int64) {
			if a == c || d.arc(a, c) {
				return
			}
			ga, gc := d.group[a], d.group[c]
			switch {
			case ga == gb && gb == gc:
				br.Coordinator++
			case ga == gc:
				br.Itinerant++
			case ga == gb:
				br.Representative++
			case gb == gc:
				br.Gatekeeper++
			default:
				br.Liaison++
			}
		}
		if !d.directed {
			nb := d.adj[b]
			for _, a := range nb {
				for _, c := range nb {
					count(a, c)
				}
			}
			continue
		}
		ins := sortedIDs(d.dg.To(int64(b)))
		outs := sortedIDs(d.dg.From(int64(b)))
		for _, a := range ins {
			for _, c := range outs {
				count(a, c)
			}
		}
	}
	return out
}
