package picture_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
)

// bigPerson is a citizen map with n actors: the test person's four, an
// individual plan and more around them, with Nordic names, in every
// sector group, assessed at every importance. As in a map that is looked
// after, the services are members of the plan and in recent contact with
// the person and the GP is the coordinator, so that the gaps are a few.
func (e *env) bigPerson(n int) *person {
	e.tb.Helper()
	p := e.openPerson("0301")
	plan := e.do(&command.AddActor{MapID: p.mapID, Meta: cmdMeta("2026-05-01"), Kind: stakeholder.KindForum, Level: stakeholder.LevelIndividual,
		Sector: stakeholder.SectorGovernance, Name: "Individuell plan"}).IDs["actorId"]
	e.do(&command.CreatePlan{MapID: p.mapID, Meta: cmdMeta("2026-06-01"), ActorID: plan})
	e.do(&command.AssignCoordinator{MapID: p.mapID, Meta: cmdMeta("2026-06-02"), ActorID: p.gp})
	for _, a := range []string{p.gp, p.dps} {
		e.do(&command.AddPlanMember{MapID: p.mapID, Meta: cmdMeta("2026-06-03"), ActorID: a})
	}
	sectors := []stakeholder.Sector{stakeholder.SectorPrimaryHealth, stakeholder.SectorMunicipalMHSU, stakeholder.SectorSpecialistMH,
		stakeholder.SectorWelfareWork, stakeholder.SectorHousing, stakeholder.SectorUserOrg, stakeholder.SectorInformal, stakeholder.SectorCivilSociety}
	first := []string{"Åsmund", "Bjørg", "Sølvi", "Jörgen", "Ærlend", "Märta", "Øyvind", "Håkon", "Ragnhild", "Tor"}
	last := []string{"Ødegård", "Løvås", "Bråten", "Sæther", "Åkesson", "Nyström", "Hæhre", "Østby"}
	scales := []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low, ""}
	for i := 5; i < n; i++ {
		sector := sectors[i%len(sectors)]
		kind, level, typ := stakeholder.KindService, stakeholder.LevelService, stakeholder.RelServes
		if sector == stakeholder.SectorInformal {
			kind, level, typ = stakeholder.KindPerson, stakeholder.LevelIndividual, stakeholder.RelFamily
		}
		name := fmt.Sprintf("%s %s", first[i%len(first)], last[(i/len(first))%len(last)])
		p.names = append(p.names, name)
		a := e.do(&command.AddActor{MapID: p.mapID, Meta: cmdMeta("2026-05-01"), Kind: kind, Level: level, Sector: sector, Name: name}).IDs["actorId"]
		if s := scales[i%len(scales)]; s != "" {
			e.do(&command.AssessActor{MapID: p.mapID, Meta: cmdMeta("2026-05-02"), ActorID: a, Importance: s})
		}
		r := e.do(&command.AddRelation{MapID: p.mapID, Meta: cmdMeta("2026-06-01"), From: a, To: p.citizen, Type: typ,
			Quality: []stakeholder.Quality{stakeholder.QualityGood, stakeholder.QualityGood, stakeholder.QualityStrained, ""}[i%4]}).IDs["relationId"]
		if typ == stakeholder.RelServes {
			e.do(&command.RecordContact{MapID: p.mapID, Meta: cmdMeta("2026-11-10"), RelationID: r})
			e.do(&command.AddPlanMember{MapID: p.mapID, Meta: cmdMeta("2026-06-03"), ActorID: a})
		}
	}
	return p
}

// BenchmarkCacheHitVsRender compares answering a 40-actor person's map
// from the cache (read the object, open its seal, over HTTP) with drawing
// it (export, gap rules, DOT, Graphviz, seal and store), alternating the
// two in each iteration; render/hit is how many times faster the hit is.
func BenchmarkCacheHitVsRender(b *testing.B) {
	e := setup(b)
	p := e.bigPerson(40)
	for _, f := range []string{"svg", "png", "pdf"} {
		// The days drawn so far, across runs: with -count, a sub-benchmark
		// runs again on the same service and cache, and a day drawn in an
		// earlier run is a hit.
		day := 0
		b.Run(f, func(b *testing.B) {
			hitPath := mapPath(p.mapID, f)
			size := len(e.picture(hitPath, ""))
			var hit, drawn time.Duration
			n := 0
			for b.Loop() {
				n++
				day++
				t0 := time.Now()
				e.picture(hitPath, picture.CacheHit)
				t1 := time.Now()
				// Another date each time: a picture that is not cached.
				e.picture(mapPath(p.mapID, f, "at="+today.AddDays(day).String()), picture.CacheMiss)
				hit += t1.Sub(t0)
				drawn += time.Since(t1)
			}
			b.ReportMetric(float64(hit.Microseconds())/float64(n)/1000, "hit-ms")
			b.ReportMetric(float64(drawn.Microseconds())/float64(n)/1000, "render-ms")
			b.ReportMetric(float64(drawn)/float64(hit), "render/hit")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
