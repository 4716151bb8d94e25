package demo

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

var testToday = date.MustParse("2026-03-14")

var (
	cacheMu sync.Mutex
	cache   = map[int64]*Dataset{}
)

// dataset returns the default data set for a seed, generated once.
func dataset(t *testing.T, seed int64) *Dataset {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if ds, ok := cache[seed]; ok {
		return ds
	}
	ds, err := Generate(Options{Seed: seed, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	cache[seed] = ds
	return ds
}

func jsonLines(t *testing.T, ds *Dataset) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSONLines(&buf, ds); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	a, err := Generate(Options{Seed: 7, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(Options{Seed: 7, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	ja, jb := jsonLines(t, a), jsonLines(t, b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("the same options gave different commands")
	}
	if !reflect.DeepEqual(a.Expect, b.Expect) || !reflect.DeepEqual(a.Municipalities, b.Municipalities) {
		t.Fatal("the same options gave different expectations")
	}
	c, err := Generate(Options{Seed: 8, Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ja, jsonLines(t, c)) {
		t.Fatal("different seeds gave the same commands")
	}
}

func TestOptions(t *testing.T) {
	if _, err := Generate(Options{Seed: 1}); err == nil {
		t.Error("no Today: want an error")
	}
	if _, err := Generate(Options{Seed: 1, Today: testToday, Citizens: 199}); err == nil {
		t.Error("199 citizens: want an error")
	}
	ds, err := Generate(Options{Seed: 1, Today: testToday, Citizens: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Expect) != 200 {
		t.Errorf("200 citizens: got %d maps", len(ds.Expect))
	}
	checkRules(t, ds)
	checkStructure(t, ds, testToday)
	checkGaps(t, ds, testToday)
	if got := len(dataset(t, 1).Expect); got != DefaultCitizens {
		t.Errorf("default: %d citizen maps, want %d", got, DefaultCitizens)
	}
}

// citizenMaps returns the citizen maps' municipality by map id.
func citizenMaps(ds *Dataset) map[string]string {
	out := map[string]string{}
	for _, c := range ds.Commands {
		if o, ok := c.(*command.OpenMap); ok && o.Focus == stakeholder.FocusCitizen {
			out[o.MapID] = o.Municipality
		}
	}
	return out
}

func TestRegion(t *testing.T) {
	ds := dataset(t, 1)
	if len(ds.Municipalities) != 3 {
		t.Fatalf("%d municipalities, want 3", len(ds.Municipalities))
	}
	cm := citizenMaps(ds)
	if len(cm) < 200 {
		t.Fatalf("%d citizen maps, want at least 200", len(cm))
	}
	per := map[string]int{}
	for _, m := range cm {
		per[m]++
	}
	for _, m := range ds.Municipalities {
		if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(m.Code) {
			t.Errorf("municipality %q: want 4 digits", m.Code)
		}
		if per[m.Code] < 50 {
			t.Errorf("municipality %s %s has %d citizen maps", m.Code, m.Name, per[m.Code])
		}
	}
	if len(per) != 3 {
		t.Errorf("citizen maps in %d municipalities, want 3", len(per))
	}
	// One municipality map per municipality.
	munis := 0
	for _, c := range ds.Commands {
		if o, ok := c.(*command.OpenMap); ok && o.Focus == stakeholder.FocusMunicipality {
			munis++
		}
	}
	if munis != 3 {
		t.Errorf("%d municipality maps, want 3", munis)
	}
	if len(ds.Expect) != len(cm) {
		t.Errorf("Expect has %d maps, there are %d citizen maps", len(ds.Expect), len(cm))
	}
	for id := range ds.Expect {
		if _, ok := cm[id]; !ok {
			t.Errorf("Expect names %s, which is no citizen map", id)
		}
	}
}

func TestRules(t *testing.T) {
	for _, seed := range []int64{1, 2, -5} {
		checkRules(t, dataset(t, seed))
	}
}

func checkRules(t *testing.T, ds *Dataset) {
	t.Helper()
	counts := map[string]int{}
	healthy := 0
	for _, rules := range ds.Expect {
		if rules == nil {
			t.Error("Expect holds a nil slice; want an empty one")
		}
		if len(rules) == 0 {
			healthy++
		}
		if len(rules) > 2 {
			t.Errorf("a map built to show %v: at most two gaps", rules)
		}
		for _, r := range rules {
			counts[r]++
		}
	}
	for i := 1; i <= 14; i++ {
		id := fmt.Sprintf("P%d", i)
		if counts[id] < 5 {
			t.Errorf("%s expected in %d maps, want at least 5", id, counts[id])
		}
	}
	share := float64(healthy) / float64(len(ds.Expect))
	if share < 0.27 || share > 0.33 {
		t.Errorf("%.1f %% of maps without gaps, want about 30 %%", 100*share)
	}
}

func TestStructure(t *testing.T) {
	for _, seed := range []int64{1, 2, -5} {
		checkStructure(t, dataset(t, seed), testToday)
	}
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	slugRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	digitsRE  = regexp.MustCompile(`[0-9]{10,12}`)
	displayRE = regexp.MustCompile(`^\p{Lu}\p{Ll}+ \p{Lu}\.$`)
)

// checkStructure checks what can be checked without the command service.
func checkStructure(t *testing.T, ds *Dataset, today date.Date) {
	t.Helper()
	floor := date.Of(today.Time().AddDate(-3, 0, 0))
	type mapState struct {
		focus     stakeholder.FocusKind
		actors    map[string]bool // id → removed
		sectors   map[string]stakeholder.Sector
		rels      map[string]*oRel
		plans     map[string]bool
		planOn    bool
		last      date.Date
		citizen   string
		directory map[string]bool
	}
	entries := map[string]bool{}
	maps := map[string]*mapState{}
	commandIDs := map[string]bool{}
	phase := 0 // 0 directory, 1 municipality maps, 2 citizen maps
	current := ""
	done := map[string]bool{}
	errs := 0
	fail := func(i int, c command.Command, format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf("command %d (%s): %s", i, c.CommandName(), fmt.Sprintf(format, args...))
		}
	}
	for i, c := range ds.Commands {
		meta := metaOf(c)
		if !uuidRE.MatchString(meta.CommandID) {
			fail(i, c, "commandId %q is not a lower-case UUID", meta.CommandID)
		}
		if commandIDs[meta.CommandID] {
			fail(i, c, "commandId %s repeats", meta.CommandID)
		}
		commandIDs[meta.CommandID] = true
		v := meta.ValidTime
		if v.IsZero() || !v.Before(today) || v.Before(floor) {
			fail(i, c, "validTime %s outside %s..%s (today excluded)", v, floor, today)
		}
		walk(reflect.ValueOf(c), "", func(path, s string) {
			if digitsRE.MatchString(s) {
				fail(i, c, "%s holds a run of 10–12 digits", path)
			}
			if _, ok := nationalid.Contains(s); ok {
				fail(i, c, "%s looks like a national identity number", path)
			}
		})
		if re, ok := c.(*command.RegisterEntry); ok {
			if phase != 0 {
				fail(i, c, "directory command after the maps")
			}
			if !slugRE.MatchString(re.EntryID) || entries[re.EntryID] {
				fail(i, c, "entry id %q bad or repeated", re.EntryID)
			}
			if re.Parent != "" && !entries[re.Parent] {
				fail(i, c, "parent %s not registered before", re.Parent)
			}
			if re.Sector == stakeholder.SectorCitizen || re.Sector == stakeholder.SectorInformal || !re.Sector.Valid() || !re.Kind.Valid() {
				fail(i, c, "sector %s / kind %s", re.Sector, re.Kind)
			}
			if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(re.Municipality) {
				fail(i, c, "municipality %q", re.Municipality)
			}
			entries[re.EntryID] = true
			continue
		}
		id := mapIDOf(c)
		if !uuidRE.MatchString(id) {
			fail(i, c, "mapId %q is not a UUID", id)
			continue
		}
		if id != current {
			if done[id] {
				fail(i, c, "the commands of map %s are not contiguous", id)
			}
			if current != "" {
				done[current] = true
			}
			current = id
		}
		m := maps[id]
		if o, ok := c.(*command.OpenMap); ok {
			if m != nil {
				fail(i, c, "map %s opened twice", id)
			}
			switch o.Focus {
			case stakeholder.FocusMunicipality:
				if phase > 1 {
					fail(i, c, "municipality map after citizen maps")
				}
				phase = 1
				if o.CitizenID != "" || o.CitizenName != "" {
					fail(i, c, "a municipality map with a citizen")
				}
			case stakeholder.FocusCitizen:
				phase = 2
				if !uuidRE.MatchString(o.CitizenID) {
					fail(i, c, "citizenId %q", o.CitizenID)
				}
				if !displayRE.MatchString(o.CitizenName) || o.Label == "" {
					fail(i, c, "citizen name %q is not a first name and an initial", o.CitizenName)
				}
			default:
				fail(i, c, "focus %s", o.Focus)
			}
			if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(o.Municipality) {
				fail(i, c, "municipality %q", o.Municipality)
			}
			m = &mapState{focus: o.Focus, actors: map[string]bool{}, sectors: map[string]stakeholder.Sector{}, rels: map[string]*oRel{},
				plans: map[string]bool{}, last: v, citizen: o.CitizenID, directory: map[string]bool{}}
			if o.CitizenID != "" {
				m.actors[o.CitizenID] = false
				m.sectors[o.CitizenID] = stakeholder.SectorCitizen
			}
			maps[id] = m
			continue
		}
		if m == nil {
			fail(i, c, "map %s not opened before", id)
			continue
		}
		if v.Before(m.last) {
			fail(i, c, "valid time %s goes back in the map (last %s)", v, m.last)
		}
		m.last = v
		live := func(field, a string) bool {
			removed, ok := m.actors[a]
			if !uuidRE.MatchString(a) || !ok || removed {
				fail(i, c, "%s %q is not an actor on the map", field, a)
				return false
			}
			return true
		}
		newRel := func(rid string) bool {
			if !uuidRE.MatchString(rid) {
				fail(i, c, "relationId %q is not a UUID", rid)
				return false
			}
			if m.rels[rid] != nil {
				fail(i, c, "relationId %s repeats", rid)
				return false
			}
			return true
		}
		switch c := c.(type) {
		case *command.AddActor:
			if !uuidRE.MatchString(c.ActorID) {
				fail(i, c, "actorId %q", c.ActorID)
			}
			if _, dup := m.actors[c.ActorID]; dup {
				fail(i, c, "actor %s added twice", c.ActorID)
			}
			if c.Sector == stakeholder.SectorCitizen || !c.Sector.Valid() || !c.Kind.Valid() || !c.Level.Valid() || c.Name == "" {
				fail(i, c, "bad actor %+v", c)
			}
			if c.Directory != "" {
				if !entries[c.Directory] {
					fail(i, c, "directory %s not registered", c.Directory)
				}
				if m.directory[c.Directory] {
					fail(i, c, "directory %s twice on the map", c.Directory)
				}
				m.directory[c.Directory] = true
			}
			if c.Sector == stakeholder.SectorInformal && c.Directory != "" {
				fail(i, c, "a private actor with a directory entry")
			}
			m.actors[c.ActorID] = false
			m.sectors[c.ActorID] = c.Sector
		case *command.AddRelation:
			ok := live("from", c.From) && live("to", c.To)
			if !newRel(c.RelationID) || !ok {
				continue
			}
			if c.From == c.To {
				fail(i, c, "relation to itself")
			}
			if !c.Type.Valid() || (c.Quality != "" && !c.Quality.Valid()) {
				fail(i, c, "type %s quality %s", c.Type, c.Quality)
			}
			if c.Type == stakeholder.RelMemberOf && (m.plans[c.To] || m.plans[c.From]) {
				fail(i, c, "member-of a plan forum by add_relation")
			}
			if c.Type == stakeholder.RelCoordinates && (c.To == m.citizen || c.From == m.citizen) {
				fail(i, c, "coordinates relation to the citizen by hand")
			}
			if c.Inpatient && c.Type != stakeholder.RelServes {
				fail(i, c, "inpatient on a %s relation", c.Type)
			}
			if c.Type == stakeholder.RelServes && c.To != m.citizen {
				fail(i, c, "serves relation not towards the citizen")
			}
			for _, r := range m.rels {
				if r.end.IsZero() && r.typ == c.Type && r.joins(c.From, c.To) {
					fail(i, c, "a second active %s relation between the same actors", c.Type)
				}
			}
			m.rels[c.RelationID] = &oRel{from: c.From, to: c.To, typ: c.Type, start: v}
		case *command.AddPlanMember:
			if !m.planOn {
				fail(i, c, "no active plan")
			}
			if live("actorId", c.ActorID) && newRel(c.RelationID) {
				m.rels[c.RelationID] = &oRel{from: c.ActorID, typ: stakeholder.RelMemberOf, start: v}
			}
		case *command.RecordContact:
			r := m.rels[c.RelationID]
			if r == nil {
				fail(i, c, "no relation %s", c.RelationID)
				continue
			}
			if v.Before(r.start) {
				fail(i, c, "contact %s before the relation began %s", v, r.start)
			}
			if !r.end.IsZero() && v.After(r.end) {
				fail(i, c, "contact %s after the relation ended %s", v, r.end)
			}
		case *command.EndRelation:
			r := m.rels[c.RelationID]
			if r == nil || !r.end.IsZero() || v.Before(r.start) {
				fail(i, c, "cannot end relation %s", c.RelationID)
				continue
			}
			r.end = v
		case *command.UpdateRelation:
			r := m.rels[c.RelationID]
			if r == nil || !r.end.IsZero() || v.Before(r.start) {
				fail(i, c, "cannot update relation %s", c.RelationID)
			}
		case *command.AssessActor:
			live("actorId", c.ActorID)
		case *command.RecordConsent:
			if live("actorId", c.ActorID) && m.sectors[c.ActorID] != stakeholder.SectorInformal {
				fail(i, c, "consent of a %s actor", m.sectors[c.ActorID])
			}
		case *command.OfferCoordinator:
			if c.ActorID != "" {
				live("actorId", c.ActorID)
			}
		case *command.AssignCoordinator:
			if live("actorId", c.ActorID) && (m.sectors[c.ActorID] == stakeholder.SectorInformal || c.ActorID == m.citizen) {
				fail(i, c, "coordinator of sector %s", m.sectors[c.ActorID])
			}
		case *command.CreatePlan:
			if live("actorId", c.ActorID) && (m.planOn || m.plans[c.ActorID]) {
				fail(i, c, "plan already active or forum reused")
			}
			m.plans[c.ActorID], m.planOn = true, true
			for _, r := range m.rels {
				if r.typ == stakeholder.RelMemberOf && r.to == c.ActorID {
					fail(i, c, "the plan forum had add_relation members")
				}
			}
		case *command.ClosePlan:
			if !m.planOn {
				fail(i, c, "no active plan")
			}
			m.planOn = false
		case *command.ReviewPlan:
			if !m.planOn {
				fail(i, c, "no active plan")
			}
		case *command.RecordParticipation:
			if c.Level < 1 || c.Level > 5 {
				fail(i, c, "level %d", c.Level)
			}
			if c.AssessedBy != "" {
				live("assessedBy", c.AssessedBy)
			}
		case *command.DeclinePlan, *command.DeclineCoordinator:
		default:
			fail(i, c, "the demo does not use this command")
		}
		if m.focus == stakeholder.FocusMunicipality {
			switch c.(type) {
			case *command.AddActor, *command.AddRelation, *command.EndRelation, *command.RecordContact:
			default:
				fail(i, c, "not for a municipality map")
			}
		}
	}
}

// walk calls f with every string in v.
func walk(v reflect.Value, path string, f func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, f)
		}
	case reflect.String:
		f(path, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name, f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), path, f)
		}
	}
}

// TestManySeeds checks structure and gaps over more seeds, sizes and
// todays (a leap day among them).
func TestManySeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("generates many data sets")
	}
	for i, today := range []string{"2028-02-29", "2025-12-31", "2031-07-01"} {
		T := date.MustParse(today)
		for seed := int64(100 * i); seed < int64(100*i+4); seed++ {
			ds, err := Generate(Options{Seed: seed, Today: T, Citizens: 200 + 37*int(seed%4)})
			if err != nil {
				t.Fatal(err)
			}
			checkRules(t, ds)
			checkStructure(t, ds, T)
			checkGaps(t, ds, T)
			if t.Failed() {
				t.Fatalf("seed %d, today %s", seed, today)
			}
		}
	}
}

func TestGaps(t *testing.T) {
	for _, seed := range []int64{1, 2, -5} {
		checkGaps(t, dataset(t, seed), testToday)
	}
}

// checkGaps evaluates the P-rules on every citizen map and compares them
// with what the map was built to show.
func checkGaps(t *testing.T, ds *Dataset, today date.Date) {
	t.Helper()
	maps, order := replay(ds.Commands)
	bad := 0
	for _, id := range order {
		m := maps[id]
		if m.focus != stakeholder.FocusCitizen {
			continue
		}
		got := m.gaps(today)
		want := ds.Expect[id]
		if !slices.Equal(got, want) {
			bad++
			if bad <= 15 {
				t.Errorf("map %s: gaps %v, built to show %v", id, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d maps show other gaps than built for", bad)
	}
}

func TestSizes(t *testing.T) {
	ds := dataset(t, 1)
	maps, order := replay(ds.Commands)
	large, small := 0, 0
	for _, id := range order {
		m := maps[id]
		if m.focus != stakeholder.FocusCitizen {
			continue
		}
		n := len(m.actors)
		if n < 3 || n > 40 {
			t.Errorf("map %s has %d actors, want 3–40", id, n)
		}
		if n >= 30 {
			large++
		}
		if n <= 6 {
			small++
		}
	}
	if large < 3 {
		t.Errorf("%d maps with 30 or more actors, want a few", large)
	}
	if small < 10 {
		t.Errorf("%d maps with at most 6 actors, want some", small)
	}
}

func TestRoundTrip(t *testing.T) {
	ds := dataset(t, 1)
	first := jsonLines(t, ds)
	cmds, err := ReadJSONLines(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != len(ds.Commands) {
		t.Fatalf("read %d commands, wrote %d", len(cmds), len(ds.Commands))
	}
	second := jsonLines(t, &Dataset{Commands: cmds})
	if !bytes.Equal(first, second) {
		t.Fatal("write → read → write changed the commands")
	}
	if !reflect.DeepEqual(cmds, ds.Commands) {
		t.Fatal("read commands differ from the generated ones")
	}
	// Every line has the documented shape.
	for n, l := range strings.Split(strings.TrimSuffix(string(first), "\n"), "\n") {
		if !strings.HasPrefix(l, `{"command":"`) || !strings.Contains(l, `,"body":{`) {
			t.Fatalf("line %d: %s", n+1, l)
		}
	}
}

func TestReadJSONLinesStrict(t *testing.T) {
	for _, in := range []string{
		`{"command":"no_such_command","body":{}}`,
		`{"command":"add_actor","body":{"mapId":"x","colour":"red"}}`,
		`{"command":"add_actor","body":{"mapId":"x"},"extra":1}`,
		`{"command":"add_actor"}`,
		`{"command":"add_actor","body":{"mapId":"x"}} {}`,
		`not json`,
	} {
		if _, err := ReadJSONLines(strings.NewReader(in)); err == nil {
			t.Errorf("%s: want an error", in)
		}
	}
	cmds, err := ReadJSONLines(strings.NewReader("\n" + `{"command":"review_plan","body":{"mapId":"m","validTime":"2025-01-02"}}` + "\n\n"))
	if err != nil || len(cmds) != 1 {
		t.Fatalf("got %v, %v", cmds, err)
	}
	if rp, ok := cmds[0].(*command.ReviewPlan); !ok || rp.ValidTime != date.MustParse("2025-01-02") {
		t.Fatalf("got %#v", cmds[0])
	}
}

// TestReport logs what the data set holds (go test -v -run Report).
func TestReport(t *testing.T) {
	ds := dataset(t, 1)
	counts := map[string]int{}
	kinds := map[string]int{}
	for _, rules := range ds.Expect {
		kinds[strings.Join(rules, "+")]++
		for _, r := range rules {
			counts[r]++
		}
	}
	var keys []string
	for k := range kinds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("built to show %-8q %3d maps", k, kinds[k])
	}
	for i := 1; i <= 14; i++ {
		t.Logf("P%-2d in %3d maps", i, counts[fmt.Sprintf("P%d", i)])
	}
	per := map[command.Name]int{}
	for _, c := range ds.Commands {
		per[c.CommandName()]++
	}
	t.Logf("%d commands: %v", len(ds.Commands), per)
}
