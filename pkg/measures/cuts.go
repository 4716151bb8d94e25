package measures

// search is the depth-first search tree behind [net.cuts]: what
// [net.separations] needs to tell what each cut separates.
type search struct {
	points  []int    // articulation points, by position
	bridges [][2]int // {parent, child} of the search tree
	disc    []int    // discovery time (from 1)
	low     []int    // lowest discovery time reachable by one back edge
	parent  []int    // -1 for a root
	root    []int    // the root of each vertex's tree (its component)
	post    []int    // vertices in post-order
}

// cuts returns the articulation points (cut vertices) and bridges of the
// undirected view of the graph, by Hopcroft & Tarjan's depth-first search
// (iterative, so deep graphs cannot exhaust the stack). A bridge is
// returned as {parent, child} of the search tree; Compute sorts both
// lists by id.
func (d *net) cuts() search {
	n := len(d.adj)
	var (
		disc   = make([]int, n) // discovery time, 0 = not yet visited
		low    = make([]int, n)
		parent = make([]int, n)
		root   = make([]int, n)
		post   = make([]int, 0, n)
		next   = make([]int, n) // next neighbour of v to look at
		isCut  = make([]bool, n)
		stack  []int
		clock  int

		points  []int
		bridges [][2]int
	)
	for r := range n {
		if disc[r] != 0 {
			continue
		}
		clock++
		disc[r], low[r], parent[r], root[r] = clock, clock, -1, r
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
					disc[w], low[w], parent[w], root[w] = clock, clock, v, r
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
			post = append(post, v)
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
	return search{points: points, bridges: bridges, disc: disc, low: low, parent: parent, root: root, post: post}
}
