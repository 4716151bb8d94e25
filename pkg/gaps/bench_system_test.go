package gaps

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// benchSectors are the sectors synthetic organisations are drawn from, in
// rough proportion to a Norwegian municipality's services.
var benchSectors = []stakeholder.Sector{
	stakeholder.SectorPrimaryHealth, stakeholder.SectorPrimaryHealth, stakeholder.SectorPrimaryHealth,
	stakeholder.SectorMunicipalMHSU, stakeholder.SectorMunicipalCare, stakeholder.SectorSpecialistMH,
	stakeholder.SectorSpecialistSU, stakeholder.SectorWelfareWork, stakeholder.SectorSocial,
	stakeholder.SectorHousing, stakeholder.SectorUserOrg, stakeholder.SectorCivilSociety,
}

var benchToday = date.MustParse("2026-11-01")

// benchCitizenMap builds a citizen map with n actors in the proportions of
// a large real map: a third next of kin and friends, a third services
// serving the person (about a third of their pairs with a working tie),
// and a third professionals who work with one of those services; a
// coordinator.
func benchCitizenMap(r *rand.Rand, n int) *mapdoc.Document {
	d := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", r.IntN(1e12)),
		Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "x", Municipality: "0301"}, AsOf: benchToday}
	d.Actors = append(d.Actors, mapdoc.Actor{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "x"})
	rel := 0
	relate := func(from, to string, t stakeholder.RelationType, since int, contacts ...int) {
		rel++
		rr := mapdoc.Relation{ID: fmt.Sprintf("r%d", rel), From: from, To: to, Type: t, ValidFrom: benchToday.AddDays(-since)}
		for _, c := range contacts {
			rr.Contacts = append(rr.Contacts, benchToday.AddDays(-c))
		}
		d.Relations = append(d.Relations, rr)
	}
	var services []string
	for i := 1; i < n; i++ {
		id := fmt.Sprintf("a%d", i)
		sec := benchSectors[r.IntN(len(benchSectors))]
		switch {
		case i%3 == 0:
			d.Actors = append(d.Actors, mapdoc.Actor{ID: id, Kind: stakeholder.KindPerson, Sector: stakeholder.SectorInformal, Level: stakeholder.LevelIndividual, Name: "x"})
			relate("c", id, stakeholder.RelFamily, 400)
		case len(services) == 0 || i%3 == 1:
			d.Actors = append(d.Actors, mapdoc.Actor{ID: id, Kind: stakeholder.KindService, Sector: sec, Level: stakeholder.LevelService, Name: "x"})
			relate(id, "c", stakeholder.RelServes, 30+r.IntN(600), r.IntN(120))
			services = append(services, id)
		default:
			d.Actors = append(d.Actors, mapdoc.Actor{ID: id, Kind: stakeholder.KindPerson, Sector: sec, Level: stakeholder.LevelService, Name: "x"})
			relate(id, services[r.IntN(len(services))], stakeholder.RelCollaborates, 200, r.IntN(150))
		}
	}
	for i, u := range services {
		for _, v := range services[i+1:] {
			if r.IntN(3) == 0 {
				relate(u, v, stakeholder.RelCollaborates, 200, r.IntN(150))
			}
		}
	}
	d.Coordinator = &mapdoc.Coordinator{Actor: services[0], Assigned: benchToday.AddDays(-300)}
	return d
}

// BenchmarkCitizenMap measures the P-rules on one citizen map of 10, 40
// and 150 actors, and reports the median and 99th percentile of single
// evaluations beside the mean.
func BenchmarkCitizenMap(b *testing.B) {
	for _, n := range []int{10, 40, 150} {
		b.Run(fmt.Sprintf("actors=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			docs := make([]*mapdoc.Document, 64)
			for i := range docs {
				docs[i] = benchCitizenMap(r, n)
			}
			cfg := DefaultConfig()
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := Citizen(docs[i%len(docs)], cfg); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			reportPercentiles(b, times)
		})
	}
}

// reportPercentiles adds p50-ns and p99-ns to a benchmark's output.
func reportPercentiles(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
}

// benchBundle builds a region of orgs organisations in municipalities of
// 50, and maps citizen maps whose 4–8 services come from one municipality
// (plus its share of regional specialist services), tied to the directory.
func benchBundle(orgs, maps int) *mapdoc.Bundle {
	r := rand.New(rand.NewPCG(uint64(orgs), uint64(maps)))
	b := &mapdoc.Bundle{Schema: mapdoc.SchemaBundle}
	const perMunicipality = 50
	munis := (orgs + perMunicipality - 1) / perMunicipality
	for i := range orgs {
		b.Directory = append(b.Directory, mapdoc.Entry{ID: fmt.Sprintf("org-%05d", i), Name: fmt.Sprintf("Org %d", i),
			Sector: benchSectors[i%len(benchSectors)], Kind: stakeholder.EntryService, Municipality: fmt.Sprintf("%04d", 1000+i/perMunicipality)})
	}
	om := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "11111111-1111-4111-8111-111111111111", AsOf: benchToday,
		Focus: mapdoc.Focus{Kind: stakeholder.FocusRegion, Label: "region", Region: "x"}}
	for i, e := range b.Directory {
		om.Actors = append(om.Actors, mapdoc.Actor{ID: e.ID, Kind: stakeholder.KindService, Sector: e.Sector, Level: stakeholder.LevelService, Name: e.Name, Directory: e.ID})
		if i%perMunicipality != 0 && i%5 == 0 {
			om.Relations = append(om.Relations, mapdoc.Relation{ID: fmt.Sprintf("ag%d", i), From: e.ID, To: b.Directory[i-i%perMunicipality].ID,
				Type: stakeholder.RelAgreement, ValidFrom: benchToday.AddDays(-500)})
		}
	}
	b.OrganisationMap = om
	for m := range maps {
		muni := r.IntN(munis)
		base := muni * perMunicipality
		size := min(perMunicipality, orgs-base)
		d := benchCitizenMap(r, 5+r.IntN(5))
		d.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", m)
		d.Focus.Municipality = fmt.Sprintf("%04d", 1000+muni)
		for i := range d.Actors {
			if d.Actors[i].Sector.IsService() {
				e := b.Directory[base+r.IntN(size)]
				d.Actors[i].Directory, d.Actors[i].Sector = e.ID, e.Sector
			}
		}
		for i := range d.Relations {
			if i%4 == 3 && d.Relations[i].Type == stakeholder.RelCollaborates {
				d.Relations[i].Type = stakeholder.RelRefers
			}
		}
		b.Maps = append(b.Maps, *d)
	}
	return b
}

// BenchmarkSystem measures System on a bundle: every citizen map's
// P-rules, the aggregation per organisation pair, and S1–S10 on the
// organisation graph. 2,000 organisations and 50,000 maps is issue 8's
// target size (under 5 s).
func BenchmarkSystem(b *testing.B) {
	for _, sz := range []struct{ orgs, maps int }{{200, 1000}, {2000, 10000}, {2000, 50000}} {
		b.Run(fmt.Sprintf("orgs=%d/maps=%d", sz.orgs, sz.maps), func(b *testing.B) {
			bundle := benchBundle(sz.orgs, sz.maps)
			cfg := DefaultSystemConfig()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				res, err := System(bundle, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Citizen) != sz.maps {
					b.Fatalf("%d maps evaluated", len(res.Citizen))
				}
			}
		})
	}
}

// BenchmarkOrganisationGraph measures the system rules on the organisation
// graph alone (no citizen maps to read): 1,000, 10,000 and 100,000
// organisations with about ten ties each, to show how the rules grow
// with the graph. Betweenness is not computed (measures.ComputeWith).
func BenchmarkOrganisationGraph(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("organisations=%d", n), func(b *testing.B) {
			s := benchArea(n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.out = nil
				s.measure()
				for _, check := range []func(){s.s1, s.s2, s.s3, s.s4, s.s5, s.s6, s.s7, s.s8, s.s10} {
					check()
				}
			}
			b.ReportMetric(float64(len(s.area.Pairs)), "pairs")
		})
	}
}

// benchArea builds an evaluated area of n organisations directly: each
// shares citizens with about ten others of its municipality, most of them
// collaborating, a few with agreements.
func benchArea(n int) *system {
	r := rand.New(rand.NewPCG(uint64(n), 3))
	b := &mapdoc.Bundle{Schema: mapdoc.SchemaBundle}
	for i := range n {
		b.Directory = append(b.Directory, mapdoc.Entry{ID: fmt.Sprintf("org-%06d", i), Name: fmt.Sprintf("Org %d", i),
			Sector: benchSectors[i%len(benchSectors)], Kind: stakeholder.EntryService, Municipality: fmt.Sprintf("%04d", 1000+i/50)})
	}
	// a citizen map per municipality names its organisations as in the area
	for m := 0; m*50 < n; m++ {
		d := mapdoc.Document{ID: fmt.Sprintf("m%d", m), Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Municipality: fmt.Sprintf("%04d", 1000+m)}, AsOf: benchToday}
		b.Maps = append(b.Maps, d)
	}
	s := newSystem(b, DefaultSystemConfig())
	for i := range n {
		base := i - i%50
		for range 5 {
			j := base + r.IntN(min(50, n-base))
			if j == i {
				continue
			}
			p := sortedPair(s.orgs[i], s.orgs[j])
			s.shared[p] += 5 + r.IntN(20)
			s.collab[p] += r.IntN(s.shared[p] + 1)
			s.flows[[2]string{p[0], p[1]}] += r.IntN(6)
			s.flows[[2]string{p[1], p[0]}] += r.IntN(6)
			s.flowMaps[p] = s.flows[[2]string{p[0], p[1]}] + s.flows[[2]string{p[1], p[0]}]
			if r.IntN(10) == 0 {
				s.agreement[p] = true
			}
		}
		s.caseload[s.orgs[i]] = 10 + r.IntN(100)
	}
	s.evaluate()
	return s
}
