package render

import (
	"math"
	"slices"
)

// point is a position in points, y up (Graphviz's pos).
type point struct{ x, y float64 }

// box is an axis-parallel box by its centre and size, in points.
type box struct{ x, y, w, h float64 }

func (b box) centre() point { return point{b.x, b.y} }

// overlaps reports whether a and b come closer than gap.
func (b box) overlaps(o box, gap float64) bool {
	return math.Abs(b.x-o.x)*2 < b.w+o.w+2*gap && math.Abs(b.y-o.y)*2 < b.h+o.h+2*gap
}

// reach returns the distance from the origin to b's farthest corner.
func (b box) reach() float64 {
	return math.Hypot(math.Abs(b.x)+b.w/2, math.Abs(b.y)+b.h/2)
}

// support returns how far b reaches from its centre along the direction
// theta: a box centred at distance r on that ray comes no nearer to the
// origin than r − support.
func support(w, h, theta float64) float64 {
	return math.Abs(w/2*math.Cos(theta)) + math.Abs(h/2*math.Sin(theta))
}

// scene is the boxes placed so far. Every placement method finds a place
// where a new box keeps gap from all of them, adds the box and returns
// it, so that no two boxes of a scene overlap.
type scene struct {
	boxes []box
	gap   float64
}

// free reports whether b keeps the gap from every placed box.
func (s *scene) free(b box) bool {
	for _, o := range s.boxes {
		if b.overlaps(o, s.gap) {
			return false
		}
	}
	return true
}

func (s *scene) add(b box) box {
	s.boxes = append(s.boxes, b)
	return b
}

// step is how far the searches move a box at a time, in points.
const step = 2.0

// ray places a box of size w×h on the ray from the origin at angle theta,
// at distance r0 or the least distance beyond it where it is free.
func (s *scene) ray(w, h, theta, r0 float64) box { return s.add(s.findOnRay(w, h, theta, r0)) }

// findOnRay is ray without placing the box.
func (s *scene) findOnRay(w, h, theta, r0 float64) box {
	c, sn := math.Cos(theta), math.Sin(theta)
	for r := r0; ; r += step {
		b := box{r * c, r * sn, w, h}
		if s.free(b) {
			return b
		}
	}
}

// crosses reports whether the segment from p to q passes through a
// placed box other than those at p and q, by the slab method.
func (s *scene) crosses(p, q point) bool {
	for _, b := range s.boxes {
		if b.contains(p) || b.contains(q) {
			continue
		}
		if segmentHitsBox(p, q, b) {
			return true
		}
	}
	return false
}

func (b box) contains(p point) bool {
	return math.Abs(p.x-b.x)*2 <= b.w && math.Abs(p.y-b.y)*2 <= b.h
}

// segmentHitsBox reports whether the segment from p to q meets b.
func segmentHitsBox(p, q point, b box) bool {
	t0, t1 := 0.0, 1.0
	for _, ax := range [2]struct{ p, d, lo, hi float64 }{
		{p.x, q.x - p.x, b.x - b.w/2, b.x + b.w/2},
		{p.y, q.y - p.y, b.y - b.h/2, b.y + b.h/2},
	} {
		if ax.d == 0 {
			if ax.p < ax.lo || ax.p > ax.hi {
				return false
			}
			continue
		}
		a, c := (ax.lo-ax.p)/ax.d, (ax.hi-ax.p)/ax.d
		if a > c {
			a, c = c, a
		}
		t0, t1 = max(t0, a), min(t1, c)
		if t0 > t1 {
			return false
		}
	}
	return true
}

// onSegment places a box on the segment from p to q, at the free spot
// nearest its middle, no farther than a fifth of the segment from it;
// failing that, at the free spot nearest the middle off the segment.
func (s *scene) onSegment(w, h float64, p, q point) box {
	for i := 0; i <= 40; i++ {
		t := 0.5 + float64((i+1)/2)*0.01*float64(1-2*(i%2))
		b := box{p.x + t*(q.x-p.x), p.y + t*(q.y-p.y), w, h}
		if s.free(b) {
			return s.add(b)
		}
	}
	return s.around(w, h, point{(p.x + q.x) / 2, (p.y + q.y) / 2})
}

// around places a box at the free spot nearest c, searching rings of
// growing radius.
func (s *scene) around(w, h float64, c point) box {
	for r := step; ; r += step {
		n := max(8, int(2*math.Pi*r/step))
		for i := range n {
			a := 2 * math.Pi * float64(i) / float64(n)
			b := box{c.x + r*math.Cos(a), c.y + r*math.Sin(a), w, h}
			if s.free(b) {
				return s.add(b)
			}
		}
	}
}

// onCircle places a box centred on the circle of radius r around the
// origin, at the free spot nearest the angle start, trying both sides in
// turn; ok is false when the circle has no room.
func (s *scene) onCircle(w, h, r, start float64) (box, bool) {
	n := max(16, int(2*math.Pi*r/step))
	for i := 0; i < n; i++ {
		a := start + float64((i+1)/2)*2*math.Pi/float64(n)*float64(1-2*(i%2))
		b := box{r * math.Cos(a), r * math.Sin(a), w, h}
		if s.free(b) {
			return s.add(b), true
		}
	}
	return box{}, false
}

// bounds returns the smallest box around every placed box and the extra
// ones.
func (s *scene) bounds(extra ...box) (minX, minY, maxX, maxY float64) {
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, b := range append(slices.Clone(s.boxes), extra...) {
		minX, maxX = min(minX, b.x-b.w/2), max(maxX, b.x+b.w/2)
		minY, maxY = min(minY, b.y-b.h/2), max(maxY, b.y+b.h/2)
	}
	if math.IsInf(minX, 1) {
		return 0, 0, 0, 0
	}
	return minX, minY, maxX, maxY
}
