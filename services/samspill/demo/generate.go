package demo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

// Options for Generate.
type Options struct {
	Seed     int64
	Today    date.Date // the demo's "now"; dates are relative to it
	Citizens int       // citizen maps; default 240, must be >= 200
}

// Dataset is the generated region.
type Dataset struct {
	Municipalities []Municipality // code + name
	// Commands in execution order: directory first, then the municipality
	// maps, then citizen maps (all commands of one map contiguous).
	Commands []command.Command
	// Expect maps a citizen map id to the P-gap rule ids the map was built
	// to show ("P1", "P3", …), sorted; an empty slice for well-coordinated
	// maps.
	Expect map[string][]string
	// municipalityOf is the municipality of each map, by map id.
	municipalityOf map[string]string
}

// DefaultCitizens is the number of citizen maps when Options.Citizens is 0.
const DefaultCitizens = 240

// MinCitizens is the least number of citizen maps: enough for every gap
// rule to appear at least five times.
const MinCitizens = 200

// namespace is the UUID namespace of every id the demo makes.
const namespace = "5a3c1f0e-7d2b-5e61-9a4f-2c8e6b1d0f37"

// Generate builds the demo region: the directory, one map per
// municipality and opts.Citizens citizen maps. The same options always
// give the same commands.
func Generate(opts Options) (*Dataset, error) {
	if opts.Today.IsZero() {
		return nil, errors.New("demo: Options.Today is required")
	}
	n := opts.Citizens
	if n == 0 {
		n = DefaultCitizens
	}
	if n < MinCitizens {
		return nil, fmt.Errorf("demo: %d citizen maps is too few; at least %d", n, MinCitizens)
	}
	if n > 100000 {
		return nil, fmt.Errorf("demo: %d citizen maps is too many", n)
	}
	g := &gen{
		seed:  opts.Seed,
		ns:    uuid.MustParse(namespace),
		today: opts.Today,
		floor: date.Of(opts.Today.Time().AddDate(-3, 0, 0)),
		reg:   newRegion(),
	}
	ds := &Dataset{Expect: map[string][]string{}}
	for _, m := range g.reg.munis {
		ds.Municipalities = append(ds.Municipalities, m.Municipality)
	}
	ds.Commands = append(ds.Commands, g.directory()...)
	for _, m := range g.reg.munis {
		ds.Commands = append(ds.Commands, g.municipalityMap(m)...)
	}
	top := g.rng("plan", 0)
	arch := deck(n, top)
	munis := g.assignMunicipalities(n, top)
	for i := range n {
		mapID, cmds, rules := g.citizenMap(i, arch[i], munis[i])
		ds.Commands = append(ds.Commands, cmds...)
		sortRules(rules)
		ds.Expect[mapID] = rules
	}
	ds.municipalityOf = map[string]string{}
	for _, c := range ds.Commands {
		if o, ok := c.(*command.OpenMap); ok && o.Municipality != "" {
			ds.municipalityOf[o.MapID] = o.Municipality
		}
	}
	return ds, nil
}

// gen holds what every part of the generator shares. It is created per
// Generate call; there is no package state.
type gen struct {
	seed  int64
	ns    uuid.UUID
	today date.Date
	floor date.Date // three years before today
	reg   *region
}

// id returns a deterministic lower-case UUID for name. Ids that a
// national-id screen could mistake for a number (a long run of digits, or
// digit groups that form a checksum-valid number) are skipped.
func (g *gen) id(format string, args ...any) string {
	name := fmt.Sprintf("%d/", g.seed) + fmt.Sprintf(format, args...)
	for i := 0; ; i++ {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s#%d", name, i)
		}
		u := uuid.NewSHA1(g.ns, []byte(n)).String()
		if safeString(u) {
			return u
		}
	}
}

// safeString reports whether s has no run of 10 or more digits and holds
// nothing the national-id screen would refuse.
func safeString(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			if run >= 10 {
				return false
			}
		} else {
			run = 0
		}
	}
	_, found := nationalid.Contains(s)
	return !found
}

// rng returns a random stream for one part of the data set, so that parts
// do not shift each other when one changes.
func (g *gen) rng(part string, i int) *rand.Rand {
	h := uint64(14695981039346656037)
	for _, c := range []byte(part) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(uint64(g.seed), h^uint64(i)*0x9e3779b97f4a7c15))
}

// assignMunicipalities spreads n citizen maps over the municipalities,
// roughly by population (Bærum 38 %, Drammen 32 %, Asker 30 %).
func (g *gen) assignMunicipalities(n int, r *rand.Rand) []*muni {
	weights := map[string]float64{"3201": 0.38, "3203": 0.30, "3301": 0.32}
	var counts []int
	total := 0
	for _, m := range g.reg.munis {
		c := int(float64(n) * weights[m.Code])
		counts = append(counts, c)
		total += c
	}
	for i := 0; total < n; i = (i + 1) % len(counts) {
		counts[i]++
		total++
	}
	out := make([]*muni, 0, n)
	for i, m := range g.reg.munis {
		for range counts[i] {
			out = append(out, m)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// directory registers every entry of the region.
func (g *gen) directory() []command.Command {
	var out []command.Command
	when := g.today.AddDays(-1080)
	for _, e := range g.reg.entries {
		out = append(out, &command.RegisterEntry{
			Meta:         command.Meta{CommandID: g.id("directory/%s", e.id), ValidTime: when},
			EntryID:      e.id,
			Kind:         e.kind,
			Name:         e.name,
			Sector:       e.sector,
			Municipality: e.muni,
			Parent:       e.parent,
		})
	}
	return out
}

// ---- map builder ----

// item is one command of a map with its valid time and emission order.
type item struct {
	when date.Date
	seq  int
	cmd  command.Command
}

// actor is an actor the builder placed on a map.
type actor struct {
	id     string
	name   string
	kind   stakeholder.Kind
	sector stakeholder.Sector
	entry  *entry
	added  date.Date
}

// rel is a relation the builder added.
type rel struct {
	id       string
	from, to *actor
	typ      stakeholder.RelationType
	start    date.Date
	end      date.Date // zero while active
	last     date.Date // latest contact, or start
}

// builder writes the commands of one map.
type builder struct {
	g      *gen
	r      *rand.Rand
	key    string // id prefix of the map
	mapID  string
	open   date.Date
	today  date.Date
	items  []item
	n      int // id counter
	actors []*actor
}

func (g *gen) newBuilder(key string, r *rand.Rand, open date.Date) *builder {
	return &builder{g: g, r: r, key: key, mapID: g.id("%s", key), open: open, today: g.today}
}

// emit queues a command valid on d.
func (b *builder) emit(d date.Date, c command.Command) {
	if d.Before(b.open) {
		panic(fmt.Sprintf("demo: %s dated %s before the map opened (%s)", c.CommandName(), d, b.open))
	}
	if !d.Before(b.today) {
		// Nothing is dated today: a loader whose clock is in a zone
		// behind the demo's would see it as a future date.
		panic(fmt.Sprintf("demo: %s dated %s, not before today (%s)", c.CommandName(), d, b.today))
	}
	metaOf(c).ValidTime = d
	b.items = append(b.items, item{when: d, seq: len(b.items), cmd: c})
}

// metaOf returns the embedded Meta of a command.
func metaOf(c command.Command) *command.Meta {
	return reflect.ValueOf(c).Elem().FieldByName("Meta").Addr().Interface().(*command.Meta)
}

// newID returns a fresh id of the map.
func (b *builder) newID(kind string) string {
	b.n++
	return b.g.id("%s/%s/%d", b.key, kind, b.n)
}

// commands returns the map's commands in valid-time order (emission order
// among equals, so that what a command needs always comes first), with
// deterministic command ids.
func (b *builder) commands() []command.Command {
	sort.SliceStable(b.items, func(i, j int) bool { return b.items[i].when.Before(b.items[j].when) })
	out := make([]command.Command, len(b.items))
	for i, it := range b.items {
		metaOf(it.cmd).CommandID = b.g.id("%s/command/%d", b.key, i)
		out[i] = it.cmd
	}
	return out
}

// between returns a uniformly random date in [a, z]; a if z is before a.
func (b *builder) between(a, z date.Date) date.Date {
	n := z.DaysSince(a)
	if n <= 0 {
		return a
	}
	return a.AddDays(b.r.IntN(n + 1))
}

// ago returns the date n days before today.
func (b *builder) ago(n int) date.Date { return b.today.AddDays(-n) }

// later returns the later of two dates.
func later(a, z date.Date) date.Date {
	if a.After(z) {
		return a
	}
	return z
}

// earlier returns the earlier of two dates.
func earlier(a, z date.Date) date.Date {
	if a.Before(z) {
		return a
	}
	return z
}

func (b *builder) chance(p float64) bool { return b.r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// addActor places an actor on the map.
func (b *builder) addActor(d date.Date, kind stakeholder.Kind, level stakeholder.Level, sector stakeholder.Sector, name string, e *entry) *actor {
	a := &actor{id: b.newID("actor"), name: name, kind: kind, sector: sector, entry: e, added: d}
	c := &command.AddActor{MapID: b.mapID, ActorID: a.id, Kind: kind, Level: level, Sector: sector, Name: name}
	if e != nil {
		c.Directory = e.id
	}
	b.emit(d, c)
	b.actors = append(b.actors, a)
	return a
}

// entryActor places a directory entry on the map.
func (b *builder) entryActor(d date.Date, e *entry, level stakeholder.Level) *actor {
	kind := stakeholder.KindService
	if e.kind == stakeholder.EntryOrganisation {
		kind = stakeholder.KindOrganisation
	}
	return b.addActor(d, kind, level, e.sector, e.name, e)
}

// relOpts are the optional fields of a relation.
type relOpts struct {
	quality    stakeholder.Quality
	formalised bool
	inpatient  bool
	trust      int
	value      int
}

// relate joins two actors from d.
func (b *builder) relate(d date.Date, from, to *actor, typ stakeholder.RelationType, o relOpts) *rel {
	if d.Before(from.added) || d.Before(to.added) {
		panic(fmt.Sprintf("demo: relation %s on %s before its actors were added", typ, d))
	}
	r := &rel{id: b.newID("relation"), from: from, to: to, typ: typ, start: d, last: d}
	b.emit(d, &command.AddRelation{MapID: b.mapID, RelationID: r.id, From: from.id, To: to.id, Type: typ,
		Quality: o.quality, Formalised: o.formalised, Inpatient: o.inpatient, Trust: o.trust, Value: o.value})
	return r
}

// contactModes are the modes of contacts without a telling note, by frequency.
func contactModes() []string {
	return []string{"meeting", "meeting", "phone", "phone", "digital", "letter"}
}

// contact records one contact over r on d.
func (b *builder) contact(r *rel, d date.Date, mode, note string) {
	if d.Before(r.start) || (!r.end.IsZero() && d.After(r.end)) {
		panic(fmt.Sprintf("demo: contact on %s outside relation %s–%s", d, r.start, r.end))
	}
	b.emit(d, &command.RecordContact{MapID: b.mapID, RelationID: r.id, Mode: mode, Note: note})
	if d.After(r.last) {
		r.last = d
	}
}

// contacts records up to n contacts over r: the last on last, the others
// spread between the start and last.
func (b *builder) contacts(r *rel, last date.Date, n int, notes []string) {
	if last.Before(r.start) {
		last = r.start
	}
	var ds []date.Date
	for range n - 1 {
		ds = append(ds, b.between(r.start, last))
	}
	ds = append(ds, last)
	slices.SortFunc(ds, func(x, y date.Date) int { return x.Compare(y) })
	ds = slices.Compact(ds)
	for _, d := range ds {
		note := ""
		if len(notes) > 0 && b.chance(0.3) {
			note = pick(b.r, notes)
		}
		b.contact(r, d, b.modeFor(note), note)
	}
}

// modeFor returns a contact mode that fits the note.
func (b *builder) modeFor(note string) string {
	n := strings.ToLower(note)
	switch {
	case strings.Contains(n, "telefon"):
		return "phone"
	case strings.Contains(n, "epikrise"):
		return "letter"
	case strings.Contains(n, "møte"), strings.Contains(n, "gruppe"):
		return "meeting"
	case strings.Contains(n, "samtale"):
		return pick(b.r, []string{"meeting", "phone"})
	}
	return pick(b.r, contactModes())
}

// endRel ends r on d.
func (b *builder) endRel(r *rel, d date.Date) {
	if d.Before(r.start) {
		panic("demo: relation ends before it starts")
	}
	b.emit(d, &command.EndRelation{MapID: b.mapID, RelationID: r.id})
	r.end = d
}

// assess records an assessment of a.
func (b *builder) assess(d date.Date, a *actor, c command.AssessActor) {
	if d.Before(a.added) {
		d = a.added
	}
	c.MapID, c.ActorID = b.mapID, a.id
	b.emit(d, &c)
}

func ptr(v bool) *bool { return &v }

// ---- municipality maps ----

// municipalityMap maps a municipality's organisations, the regional
// specialist services, their formal agreements and a system-level forum.
func (g *gen) municipalityMap(m *muni) []command.Command {
	r := g.rng("municipality", int(m.Code[0])<<24|int(m.Code[1])<<16|int(m.Code[2])<<8|int(m.Code[3]))
	open := g.today.AddDays(-1060)
	b := g.newBuilder("municipality/"+m.Code, r, open)
	b.emit(open, &command.OpenMap{MapID: b.mapID, Focus: stakeholder.FocusMunicipality,
		Label: "Samhandling psykisk helse og rus, " + m.Name + " kommune", Municipality: m.Code})

	byRole := map[role]*actor{}
	level := func(e *entry) stakeholder.Level {
		if e.sector == stakeholder.SectorGovernance && e.kind == stakeholder.EntryOrganisation {
			return stakeholder.LevelSystem
		}
		return stakeholder.LevelService
	}
	var all []*entry
	all = append(all, m.entries()...)
	all = append(all, g.reg.hf, m.dps, g.reg.fact, g.reg.tsb, g.reg.lar)
	for _, e := range all {
		a := b.entryActor(open, e, level(e))
		if _, ok := byRole[e.role]; !ok {
			byRole[e.role] = a
		}
	}
	// Fastlegeavtaler: every GP office has an agreement with the municipality.
	for _, a := range b.actors {
		if a.entry != nil && a.entry.role == roleGP {
			b.relate(b.between(open, g.today.AddDays(-700)), a, byRole[roleKommune], stakeholder.RelAgreement, relOpts{formalised: true, quality: stakeholder.QualityGood})
		}
	}
	for _, ag := range m.agreements {
		x, y := byRole[ag.a], byRole[ag.b]
		start := b.between(open, g.today.AddDays(-500))
		rl := b.relate(start, x, y, stakeholder.RelAgreement, relOpts{formalised: true, quality: stakeholder.QualityGood})
		if ag.expired {
			b.endRel(rl, b.between(g.today.AddDays(-200), g.today.AddDays(-60)))
		}
	}
	// Everyday collaboration between the municipal services.
	for _, p := range [][2]role{{roleNAV, roleMH}, {roleHousing, roleNAV}, {roleCare, roleMH}, {roleLow, roleMH}} {
		rl := b.relate(b.between(open, g.today.AddDays(-400)), byRole[p[0]], byRole[p[1]], stakeholder.RelCollaborates, relOpts{quality: stakeholder.QualityGood})
		b.contacts(rl, b.between(g.today.AddDays(-60), g.today.AddDays(-2)), 2, []string{"Samarbeidsmøte"})
	}
	// The system-level forum: a collaboration committee for mental health
	// and substance use, with the user organisations in two of the three
	// municipalities.
	forum := b.addActor(b.between(open, g.today.AddDays(-800)), stakeholder.KindForum, stakeholder.LevelSystem, stakeholder.SectorGovernance,
		"Samhandlingsutvalget for psykisk helse og rus, "+m.Name, nil)
	members := []role{roleKommune, roleMH, roleNAV, roleDPS, roleTSB, roleKE}
	for _, ro := range members {
		ms := b.relate(b.between(forum.added, g.today.AddDays(-600)), byRole[ro], forum, stakeholder.RelMemberOf, relOpts{formalised: true})
		b.contacts(ms, b.between(g.today.AddDays(-90), g.today.AddDays(-5)), 2, []string{"Møte i samhandlingsutvalget"})
	}
	for _, a := range b.actors {
		if a.entry != nil && a.entry.role == roleUserOrg && m.userOrgInForum {
			b.relate(b.between(forum.added, g.today.AddDays(-600)), a, forum, stakeholder.RelMemberOf, relOpts{formalised: true})
		}
	}
	return b.commands()
}

// sortRules sorts rule ids by number: P1, P2, …, P14.
func sortRules(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}
