package draw_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/render"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// personMap is the DOT of a generated person's map of n actors (besides
// the person), drawn by render.PersonMap with its open gaps.
func personMap(tb testing.TB, n int) []byte {
	tb.Helper()
	asOf := date.New(2026, 11, 1)
	sectors := []stakeholder.Sector{
		stakeholder.SectorPrimaryHealth, stakeholder.SectorSpecialistMH, stakeholder.SectorWelfareWork,
		stakeholder.SectorMunicipalMHSU, stakeholder.SectorHousing, stakeholder.SectorInformal,
		stakeholder.SectorUserOrg, stakeholder.SectorSpecialistSU, stakeholder.SectorPeer, stakeholder.SectorSocial,
	}
	places := []string{"Bærum", "Tromsø", "Åsen", "Jönköping", "Älmhult", "Ærø", "Grünerløkka", "Søndre Nordstrand"}
	importance := []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low, ""}
	d := &mapdoc.Document{
		Schema: mapdoc.SchemaMap, ID: "5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10", AsOf: asOf,
		Focus:  mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Åse Ødegård", Municipality: "0301"},
		Actors: []mapdoc.Actor{{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "Åse Ødegård"}},
	}
	rel := 0
	relate := func(from, to string, typ stakeholder.RelationType, q stakeholder.Quality, since int) {
		rel++
		d.Relations = append(d.Relations, mapdoc.Relation{ID: fmt.Sprintf("r%d", rel), From: from, To: to, Type: typ, Quality: q,
			ValidFrom: asOf.AddDays(-since), Contacts: []date.Date{asOf.AddDays(-min(since, 10))}})
	}
	for i := range n {
		s := sectors[i%len(sectors)]
		id := fmt.Sprintf("a%d", i)
		kind := stakeholder.KindService
		if s == stakeholder.SectorInformal || s == stakeholder.SectorPeer {
			kind = stakeholder.KindPerson
		}
		d.Actors = append(d.Actors, mapdoc.Actor{ID: id, Kind: kind, Sector: s, Level: stakeholder.LevelService,
			Name:       fmt.Sprintf("%s %s %d", strings.ToUpper(string(s[:1]))+string(s[1:3]), places[i%len(places)], i),
			Assessment: &mapdoc.Assessment{Importance: importance[i%len(importance)]}})
		q := []stakeholder.Quality{stakeholder.QualityGood, stakeholder.QualityGood, stakeholder.QualityGood, ""}[i%4]
		switch i {
		case 3:
			q = stakeholder.QualityStrained
		case 4:
			q = stakeholder.QualityBroken
		}
		typ := stakeholder.RelServes
		if s == stakeholder.SectorInformal {
			typ = stakeholder.RelFamily
		}
		relate(id, "c", typ, q, 30+i*17)
		// Services share the plan, so that they have working ties (no
		// gap P1 between them): the gaps are few, as on a real map.
		if typ == stakeholder.RelServes {
			relate(id, "plan", stakeholder.RelMemberOf, "", 20)
		}
		if i%4 == 1 && i > 2 || i > 2 && i < 12 {
			relate(id, fmt.Sprintf("a%d", i-2), stakeholder.RelCollaborates, stakeholder.QualityGood, 40)
		}
	}
	d.Actors = append(d.Actors, mapdoc.Actor{ID: "plan", Kind: stakeholder.KindForum, Sector: stakeholder.SectorGovernance,
		Level: stakeholder.LevelService, Name: "Individuell plan"})
	relate("c", "plan", stakeholder.RelMemberOf, "", 200)
	d.Plan = &mapdoc.Plan{Actor: "plan", Status: stakeholder.PlanActive, Created: asOf.AddDays(-200), LastReview: asOf.AddDays(-60)}
	d.Coordinator = &mapdoc.Coordinator{Actor: "a0", Assigned: asOf.AddDays(-150)}
	v, err := mapdoc.NewValidator()
	if err != nil {
		tb.Fatal(err)
	}
	doc, _, err := v.Parse(mapdoc.Canonical(d))
	if err != nil {
		tb.Fatal(err)
	}
	open, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	out, err := render.PersonMap(doc, open, render.Options{Lang: "nb"})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkSVG draws person maps of 10, 40 and 150 actors to SVG with
// the Engine, and with Graphviz's own dot program (Debian's graphviz,
// `dot -Tsvg`, stdin to stdout) on the same DOT in the same run; the dot
// sub-benchmark reports draw's time over dot's as draw/dot.
func BenchmarkSVG(b *testing.B) {
	e, err := draw.New(context.Background(), draw.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	dotPath, dotErr := exec.LookPath("dot")
	for _, n := range []int{10, 40, 150} {
		src := personMap(b, n)
		var drawNs float64
		b.Run(fmt.Sprintf("actors=%d/draw", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := e.Render(context.Background(), src, draw.SVG); err != nil {
					b.Fatal(err)
				}
			}
			drawNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(fmt.Sprintf("actors=%d/dot", n), func(b *testing.B) {
			if dotErr != nil {
				b.Skipf("no Graphviz dot program to compare with (%v); `make graphviz` installs Debian's", dotErr)
			}
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				cmd := exec.Command(dotPath, "-Tsvg")
				cmd.Stdin = bytes.NewReader(src)
				var out, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &stderr
				if err := cmd.Run(); err != nil || out.Len() == 0 {
					b.Fatalf("dot -Tsvg: %v: %s", err, stderr.String())
				}
			}
			dotNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if drawNs > 0 {
				b.ReportMetric(drawNs/dotNs, "draw/dot")
			}
		})
	}
}

// BenchmarkFormats draws the 40-actor person map in every format, and
// its Layout.
func BenchmarkFormats(b *testing.B) {
	e, err := draw.New(context.Background(), draw.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	src := personMap(b, 40)
	for _, f := range []draw.Format{draw.DOT, draw.SVG, draw.PNG, draw.PDF} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Render(context.Background(), src, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("layout", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Layout(context.Background(), src); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMemory measures the resident memory of this process and of its
// worker processes while drawing the 40-actor person map again and again,
// with and without recycling, each way in a fresh process (Graphviz's
// memory is per process). It is slow and prints a table: run it with
// SAMSPILL_DRAW_MEMORY=<renders> (the figures in docs/performance.md), and
// SAMSPILL_DRAW_MEMORY_FORMAT=svg|png|pdf (svg by default).
func TestMemory(t *testing.T) {
	renders, _ := strconv.Atoi(os.Getenv("SAMSPILL_DRAW_MEMORY"))
	if renders <= 0 {
		t.Skip("set SAMSPILL_DRAW_MEMORY=<renders> to measure")
	}
	ways := map[string]draw.Options{
		"in process, never recycled":         {RecycleAfter: 1 << 30},
		"in process, recycled every 100":     {RecycleAfter: 100},
		"worker process, recycled every 100": {Command: draw.WorkerCommand, RecycleAfter: 100},
		"worker process, recycled every 200": {Command: draw.WorkerCommand, RecycleAfter: 200},
		"worker process, recycled every 500": {Command: draw.WorkerCommand, RecycleAfter: 500},
	}
	way := os.Getenv("SAMSPILL_DRAW_MEMORY_WAY")
	if way == "" {
		for _, w := range slices.Sorted(maps.Keys(ways)) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestMemory$", "-test.v", "-test.timeout", "1h")
			cmd.Env = append(os.Environ(), "SAMSPILL_DRAW_MEMORY_WAY="+w)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", w, err, out)
			}
			for l := range strings.Lines(string(out)) {
				if _, res, ok := strings.Cut(l, "renders: "); ok {
					t.Log(strings.TrimSpace(res))
				}
			}
		}
		return
	}
	opts, ok := ways[way]
	if !ok {
		t.Fatalf("no way %q", way)
	}
	format := draw.Format(os.Getenv("SAMSPILL_DRAW_MEMORY_FORMAT"))
	if format == "" {
		format = draw.SVG
	}
	src := personMap(t, 40)
	e, err := draw.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mb := func(b int64) int64 { return b >> 20 }
	base, baseChildren := rss(os.Getpid()), childrenRSS()
	start := time.Now()
	var peak, peakChildren int64
	var line []string
	for i := 1; i <= renders; i++ {
		if _, err := e.Render(context.Background(), src, format); err != nil {
			t.Fatal(err)
		}
		self, children := rss(os.Getpid()), childrenRSS()
		peak, peakChildren = max(peak, self), max(peakChildren, children)
		if i%(max(renders/6, 1)) == 0 {
			line = append(line, fmt.Sprintf("%d: %d+%d", i, mb(self), mb(children)))
		}
	}
	took := time.Since(start)
	t.Logf("renders: %s, %s: MB this process+workers at start %d+%d; %s; peak %d+%d; %.1f ms/render",
		way, format, mb(base), mb(baseChildren), strings.Join(line, ", "), mb(peak), mb(peakChildren),
		float64(took.Microseconds())/1000/float64(renders))
}

// rss is a process's resident set in bytes (Linux).
func rss(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// childrenRSS is the resident set of this process's children.
func childrenRSS() int64 {
	ents, _ := os.ReadDir("/proc")
	var sum int64
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == me {
				sum += rss(pid)
			}
		}
	}
	return sum
}
