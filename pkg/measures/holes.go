package measures

// structuralHoles returns Burt's constraint and effective size of every
// node, as networkx.constraint and networkx.effective_size compute them on
// the unweighted graph.
//
// With N(v) the in- and out-neighbours of v, the mutual weight
// m(u, v) = a(u, v) + a(v, u) (a is 1 for a tie, 0 otherwise; so 2 for an
// undirected tie), and the proportional tie p(u, v) = m(u, v) / Σ_{w∈N(u)} m(u, w):
//
//	constraint(v) = Σ_{u∈N(v)} ( p(v,u) + Σ_{w∈N(v)} p(v,w) p(w,u) )²
//
// Effective size, undirected: Borgatti's simplification n − 2t/n, with n
// the neighbours of v and t the ties among them. Directed: Burt's
//
//	effsize(v) = Σ_{u∈N(v)} ( 1 − Σ_{w∈N(v)} p(v,w) m(u,w) / max_{x∈N(u)} m(u,x) )
//
// Both are undefined (networkx: NaN) for a node without ties; they are 0
// here, since NaN has no JSON form. A node of a directed network with
// in-ties only is not isolated: it gets its value, as in current networkx
// (networkx 2.x's loop gave NaN there, checking out-ties only).
func (d *net) structuralHoles() (constraint, effSize []float64) {
	n := len(d.ids)
	constraint = make([]float64, n)
	effSize = make([]float64, n)

	mutual := func(u, v int64) float64 {
		var m float64
		if d.arc(u, v) {
			m++
		}
		if d.arc(v, u) {
			m++
		}
		return m
	}
	// sum[u] = Σ_{w∈N(u)} m(u, w); max[u] = max_{w∈N(u)} m(u, w).
	sum := make([]float64, n)
	max := make([]float64, n)
	for u := range n {
		for _, w := range d.adj[u] {
			m := mutual(int64(u), w)
			sum[u] += m
			if m > max[u] {
				max[u] = m
			}
		}
	}
	p := func(u, v int64) float64 {
		if sum[u] == 0 {
			return 0
		}
		return mutual(u, v) / sum[u]
	}

	var pv []float64 // p(v, w) for w in adj[v]
	for v := range n {
		nv := d.adj[v]
		if len(nv) == 0 {
			continue // undefined; reported as 0
		}
		pv = pv[:0]
		for _, w := range nv {
			pv = append(pv, p(int64(v), w))
		}

		var c float64
		for i, u := range nv {
			indirect := 0.0
			for j, w := range nv {
				if w != u {
					indirect += pv[j] * p(w, u)
				}
			}
			x := pv[i] + indirect
			c += x * x
		}
		constraint[v] = c

		if !d.directed {
			// Borgatti: n − 2t/n.
			t := 0
			for i, u := range nv {
				for _, w := range nv[i+1:] {
					if d.ug.HasEdgeBetween(u, w) {
						t++
					}
				}
			}
			k := float64(len(nv))
			effSize[v] = k - 2*float64(t)/k
			continue
		}
		var e float64
		for _, u := range nv {
			r := 0.0
			if max[u] > 0 {
				for j, w := range nv {
					if w != u {
						r += pv[j] * mutual(u, w) / max[u]
					}
				}
			}
			e += 1 - r
		}
		effSize[v] = e
	}
	return constraint, effSize
}
