package measures

// cuts returns the articulation points (cut vertices) and bridges of the
// undirected view of the graph, by Hopcroft & Tarjan's depth-first search
// (iterative, so deep graphs cannot exhaust the stack). A bridge is
// returned as {parent, child} of the search tree; Compute sorts both
// lists by id.
func (d *net) cuts() (points []int, bridges [][2]int) {
	n := len(d.adj)
	var (
		disc   = make([]int, n) // discovery time, 0 = not yet visited
		low    = make([]int, n)
		parent = make([]int, n)
		next   = make([]int, n) // next neighbour of v to look at
		isCut  = make([]bool, n)
		stack  []int
		clock  int
	)
	for r := range n {
		if disc[r] != 0 {
			continue
		}
		clock++
		disc[r], low[r], parent[r] = clock, clock, -1
		stack = append(stack[:0], r)
		rootChildren := 0
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			if next[v] < len(d.adj[v]) {
				w := int(d.adj[v][next[v]])
				next[v]++
				switch {
				case disc[w] == 0:
					clock++
					disc[w], low[w], parent[w] = clock, clock, v
					stack = append(stack, w)
					if v == r {
						rootChildren++
					}
				case w != parent[v]:
					low[v] = min(low[v], disc[w])
				}
				continue
			}
			stack = stack[:len(stack)-1]
			p := parent[v]
			if p < 0 {
				continue
			}
			low[p] = min(low[p], low[v])
			if low[v] > disc[p] {
				bridges = append(bridges, [2]int{p, v})
			}
			if p != r && low[v] >= disc[p] {
				isCut[p] = true
			}
		}
		if rootChildren > 1 {
			isCut[r] = true
		}
	}
	for v, c := range isCut {
		if c {
			points = append(points, v)
		}
	}
	return points, bridges
}
