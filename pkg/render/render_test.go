package render

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

func TestGolden(t *testing.T) {
	person := readDoc(t, "person.json")
	before := readDoc(t, "before.json")
	open := citizenGaps(t, person)
	sys := readSystem(t)
	tests := []struct {
		file string
		draw func() ([]byte, error)
	}{
		{"person-en.dot", func() ([]byte, error) { return PersonMap(person, open, Options{}) }},
		{"person-nb.dot", func() ([]byte, error) { return PersonMap(person, open, Options{Lang: "nb"}) }},
		{"person-small.dot", func() ([]byte, error) {
			small := bigMap(t, 8)
			return PersonMap(small, citizenGaps(t, small), Options{})
		}},
		{"change-en.dot", func() ([]byte, error) { return ChangeMap(before, person, Options{}) }},
		{"change-nb.dot", func() ([]byte, error) { return ChangeMap(before, person, Options{Lang: "nb"}) }},
		{"system-en.dot", func() ([]byte, error) { return SystemMap(sys, Options{}) }},
		{"system-nb.dot", func() ([]byte, error) {
			return SystemMap(sys, Options{Lang: "nb", Title: "Bydel Grorud — virksomheter"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := tt.draw()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, got)
		})
	}
}

func TestEveryActorLabelAppears(t *testing.T) {
	person := readDoc(t, "person.json")
	before := readDoc(t, "before.json")
	big := bigMap(t, 40)
	check := func(t *testing.T, out []byte, actors []mapdoc.Actor) {
		t.Helper()
		ss := statements(t, out)
		for _, a := range actors {
			got := nameText(t, node(t, ss, "a:"+a.ID))
			if !strings.Contains(squash(got), squash(a.Name)) {
				t.Errorf("actor %s: label %q does not show %q", a.ID, got, a.Name)
			}
		}
	}
	for _, lang := range []string{"en", "nb"} {
		out, err := PersonMap(person, citizenGaps(t, person), Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		check(t, out, person.Actors)
		out, err = PersonMap(big, citizenGaps(t, big), Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		check(t, out, big.Actors)
		out, err = ChangeMap(before, person, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		check(t, out, person.Actors)
		check(t, out, slices.DeleteFunc(slices.Clone(before.Actors), func(a mapdoc.Actor) bool { return person.Actor(a.ID) != nil }))
	}

	sys := readSystem(t)
	out, err := SystemMap(sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	for _, o := range sys.Area.Organisations {
		if o.Sector.Group() == stakeholder.GroupSystem {
			continue // drawn only when a gap names it
		}
		if got := nameText(t, node(t, ss, "o:"+o.ID)); !strings.Contains(squash(got), squash(o.Name)) {
			t.Errorf("organisation %s: label %q does not show %q", o.ID, got, o.Name)
		}
	}
}

func TestNordicLettersAreWrittenAsThemselves(t *testing.T) {
	person := readDoc(t, "person.json")
	out, err := PersonMap(person, nil, Options{Lang: "nb"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Åse Ødegård", "Ærø", "Grünerløkka", "Bjørkåsen", "Kjærsti", "Ånstad", "Søndre", "pårørende", "Tegnforklaring"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("%q is not in the DOT as UTF-8", s)
		}
	}
	if bytes.Contains(out, []byte("&#")) {
		t.Error("the DOT holds numeric character references; letters should be written as UTF-8")
	}
}

func TestErasedNamesAreDrawnAsErased(t *testing.T) {
	doc := readDoc(t, "person.json")
	erased := *doc
	erased.Focus.Label = "[erased]"
	erased.Actors = slices.Clone(doc.Actors)
	for i := range erased.Actors {
		erased.Actors[i].Name = "[erased]"
		if as := erased.Actors[i].Assessment; as != nil {
			c := *as
			c.Role, c.WhatMatters = "[erased]", "[erased]"
			erased.Actors[i].Assessment = &c
		}
	}
	out, err := PersonMap(&erased, citizenGaps(t, &erased), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	for _, a := range erased.Actors {
		if got := node(t, ss, "a:"+a.ID).label(t); !strings.Contains(got, "[erased]") {
			t.Errorf("actor %s: label %q, want [erased]", a.ID, got)
		}
	}
	if !bytes.Contains(out, []byte(`label="[erased] — actor map, 2026-11-01"`)) {
		t.Error("the title does not say [erased]")
	}
	for _, name := range []string{"Åse", "Øyvind", "Kjærsti"} {
		if bytes.Contains(out, []byte(name)) {
			t.Errorf("%q is drawn though the names are erased", name)
		}
	}
}

// badgeRe finds the numbers of a badge cell in an HTML-like label.
var badgeRe = regexp.MustCompile(`<TD BGCOLOR="` + colourGap + `"[^>]*><FONT[^>]*><B>([0-9 ]+)</B>`)

func TestGapNumbersOnTheMapMatchTheList(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  *mapdoc.Document
	}{
		{"fixture", readDoc(t, "person.json")},
		{"40 actors", bigMap(t, 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := citizenGaps(t, tc.doc)
			if len(open) < 5 {
				t.Fatalf("only %d gaps: the test needs more", len(open))
			}
			out, err := PersonMap(tc.doc, open, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ss := statements(t, out)
			if len(open) > MaxDrawnGaps {
				open = mostUrgent(open, MaxDrawnGaps) // what the map draws
			}

			// The list holds every drawn gap, numbered in order, with its rule.
			var list string
			for _, s := range ss {
				if s.ids[0] == "gaps" || strings.HasPrefix(s.ids[0], "gaps:") {
					list += s.label(t) + " "
				}
			}
			at := 0
			for i, g := range open {
				head := fmt.Sprintf("%d %s %s", i+1, g.Rule, textsEN().ruleName(g.Rule))
				j := strings.Index(list[at:], head)
				if j < 0 {
					t.Fatalf("the list does not hold %q after position %d", head, at)
				}
				at += j + len(head)
			}

			// Each number is on the map where its rule says.
			onActor := map[int][]string{}
			onLine := map[int]bool{}
			ringed := map[string]bool{}
			for _, s := range ss {
				id := s.ids[0]
				if strings.HasPrefix(id, "mark:") && s.attrs["fillcolor"] == colourGap {
					for _, n := range numbersIn(s.label(t)) {
						onLine[n] = true
					}
				}
				for _, m := range badgeRe.FindAllStringSubmatch(s.attrs["label"], -1) {
					for _, n := range numbersIn(m[1]) {
						if strings.HasPrefix(id, "a:") {
							onActor[n] = append(onActor[n], strings.TrimPrefix(id, "a:"))
						}
					}
				}
				if strings.HasPrefix(id, "a:") && s.attrs["color"] == colourGap {
					ringed[strings.TrimPrefix(id, "a:")] = true
				}
			}
			citizen := tc.doc.Citizen().ID
			for i, g := range open {
				n := i + 1
				want := slices.Clone(g.Actors)
				if len(want) > 1 {
					want = slices.DeleteFunc(want, func(id string) bool { return id == citizen })
				}
				switch {
				case (g.Rule == "P1" || g.Rule == "P5") && !slices.Contains(g.Actors, citizen):
					if !onLine[n] || len(onActor[n]) > 0 {
						t.Errorf("gap %d (%s): want its number on a line only, got line %v, actors %v", n, g.Rule, onLine[n], onActor[n])
					}
				default:
					got := slices.Sorted(slices.Values(onActor[n]))
					if !slices.Equal(got, want) || onLine[n] {
						t.Errorf("gap %d (%s): badge on %v (line %v), want on %v", n, g.Rule, got, onLine[n], want)
					}
				}
				if g.Rule == "P2" || g.Rule == "P13" {
					for _, id := range g.Actors {
						if !ringed[id] {
							t.Errorf("gap %d (%s): %s is not ringed", n, g.Rule, id)
						}
					}
				}
			}
			for n := range onActor {
				if n < 1 || n > len(open) {
					t.Errorf("badge %d on the map, but the list has %d gaps", n, len(open))
				}
			}
		})
	}
}

func TestMissingTieIsADashedRedLine(t *testing.T) {
	doc := readDoc(t, "person.json")
	open := citizenGaps(t, doc)
	out, err := PersonMap(doc, open, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	for _, g := range open {
		if g.Rule != "P1" && g.Rule != "P5" {
			continue
		}
		found := false
		for _, s := range ss {
			if len(s.ids) == 2 && s.attrs["color"] == colourGap && s.attrs["style"] == "dashed" &&
				slices.Equal(slices.Sorted(slices.Values(s.ids)), []string{"a:" + g.Actors[0], "a:" + g.Actors[1]}) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s between %v: no dashed red line", g.Rule, g.Actors)
		}
	}
}

func TestStrainedAndBrokenDifferBesidesColour(t *testing.T) {
	doc := readDoc(t, "person.json")
	out, err := PersonMap(doc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	marks := map[string]int{}
	for _, s := range ss {
		if strings.HasPrefix(s.ids[0], "mark:") {
			marks[s.label(t)]++
		}
	}
	// r2 and r11 are strained, r5 broken: each has its mark, not only a colour.
	if marks["~"] != 2 || marks["×"] != 1 {
		t.Errorf("marks %v: want two ~ (strained) and one × (broken)", marks)
	}
}

func TestSuppressedCellsAreNeverDrawn(t *testing.T) {
	sys := readSystem(t)
	k := sys.Area.K
	for _, lang := range []string{"en", "nb"} {
		out, err := SystemMap(sys, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		ss := statements(t, out)
		edges := map[[2]string]stmt{}
		for _, s := range ss {
			if len(s.ids) == 2 {
				edges[[2]string{min(s.ids[0], s.ids[1]), max(s.ids[0], s.ids[1])}] = s
			}
		}
		for _, p := range sys.Area.Pairs {
			e, drawn := edges[[2]string{"o:" + p.A, "o:" + p.B}]
			switch {
			case p.Suppressed && drawn:
				t.Errorf("%s: suppressed pair %s–%s is drawn", lang, p.A, p.B)
			case !p.Suppressed && p.Shared >= k && !drawn:
				t.Errorf("%s: pair %s–%s sharing %d is not drawn", lang, p.A, p.B, p.Shared)
			case drawn:
				for _, n := range numbersIn(e.attrs["tooltip"]) {
					if n > 0 && n < k {
						t.Errorf("%s: line %s–%s shows %d, below k = %d: %q", lang, p.A, p.B, n, k, e.attrs["tooltip"])
					}
				}
				if p.CollaboratingSuppressed && !strings.Contains(e.attrs["tooltip"], fmt.Sprint(k)) {
					t.Errorf("%s: line %s–%s: a suppressed count should read as fewer than %d: %q", lang, p.A, p.B, k, e.attrs["tooltip"])
				}
			}
		}
		for _, o := range sys.Area.Organisations {
			if o.Suppressed {
				if got := node(t, ss, "o:"+o.ID).label(t); regexp.MustCompile(`\d`).MatchString(got) {
					t.Errorf("%s: %s has a suppressed caseload but its label shows a number: %q", lang, o.ID, got)
				}
			}
		}
	}
}

func TestSystemGapsHaveTheirPlace(t *testing.T) {
	sys := readSystem(t)
	out, err := SystemMap(sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	badges := func(id string) []int {
		var ns []int
		for _, m := range badgeRe.FindAllStringSubmatch(node(t, ss, id).attrs["label"], -1) {
			ns = append(ns, numbersIn(m[1])...)
		}
		return ns
	}
	var marks []int
	for _, s := range ss {
		if strings.HasPrefix(s.ids[0], "mark:") {
			marks = append(marks, numbersIn(s.label(t))...)
		}
	}
	slices.Sort(marks)
	// On lines: S1 (1, 2), S4 tie (6), S8 (10, 11), S10 (13, 14).
	if want := []int{1, 2, 6, 10, 11, 13, 14}; !slices.Equal(marks, want) {
		t.Errorf("numbers on lines %v, want %v", marks, want)
	}
	for _, tc := range []struct {
		id   string
		want []int
	}{
		{"group:1", []int{3, 4}},         // S2 primary care silo; S3 on each group it names
		{"group:2", []int{4}},            // S3 on psychiatry …
		{"group:5", []int{4, 8}},         // … and user organisations, S6
		{"o:bydel-psykisk", []int{5, 7}}, // S4 organisation, S5
		{"o:mental-helse", []int{9}},     // S7
	} {
		if got := badges(tc.id); !slices.Equal(got, tc.want) {
			t.Errorf("%s: badges %v, want %v", tc.id, got, tc.want)
		}
	}
	if c := node(t, ss, "o:bydel-psykisk").attrs["color"]; c != colourGap {
		t.Errorf("the fragile organisation is not ringed: color %s", c)
	}
	if st := node(t, ss, "cluster:1").attrs["style"]; !strings.Contains(st, "dashed") {
		t.Errorf("the silo's cluster is not marked: style %s", st)
	}
	// The one-way flow without shared caseload is a line of its own, with
	// an arrow from TSB to NAV.
	for _, s := range ss {
		if len(s.ids) == 2 && s.ids[0] == "o:nav-grorud" && s.ids[1] == "o:tsb-ahus" {
			if s.attrs["dir"] != "back" {
				t.Errorf("one-way line: dir %q, want back (from tsb-ahus)", s.attrs["dir"])
			}
			return
		}
	}
	t.Error("no line for the one-way flow between NAV and TSB")
}

func TestChangeMapMarksWhatChanged(t *testing.T) {
	before, after := readDoc(t, "before.json"), readDoc(t, "person.json")
	out, err := ChangeMap(before, after, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	for _, tc := range []struct {
		id, colour, text string
	}{
		{"a:bolig", colourAdded, "new"},
		{"a:likeperson", colourAdded, "new"},
		{"a:tante", colourEnded, "ended"},
		{"a:dps", colourChanged, "importance: medium → high"},
		{"a:mor", colourChanged, "importance: medium → high"},
		{"a:fastlege", groupColour(slotPrimary), "Dr. Øyvind Ærø"},
	} {
		s := node(t, ss, tc.id)
		if s.attrs["color"] != tc.colour || !strings.Contains(s.label(t), tc.text) {
			t.Errorf("%s: color %s, label %q; want %s and %q", tc.id, s.attrs["color"], s.label(t), tc.colour, tc.text)
		}
	}
	if !strings.Contains(node(t, ss, "a:tante").attrs["style"], "dashed") || !strings.Contains(node(t, ss, "a:tante").attrs["label"], "<S>") {
		t.Error("the removed actor is not dashed and struck through")
	}
	lines := map[string]stmt{}
	for _, s := range ss {
		if len(s.ids) == 2 && !strings.HasPrefix(s.ids[0], "legend") {
			lines[s.ids[0]+" "+s.ids[1]] = s
		}
	}
	for _, tc := range []struct{ ends, colour, style string }{
		{"a:nav a:fastlege", colourEnded, "dashed"}, // r17 ended
		{"a:tante a:ase", colourEnded, "dashed"},    // r18 removed with its actor
		{"a:bolig a:ase", colourAdded, "solid"},     // r5 new
		{"a:dps a:ase", colourChanged, "solid"},     // r2 good → strained
		{"a:fastlege a:ase", colourGood, "solid"},   // r1 unchanged
		{"a:kommune a:bolig", colourAdded, "solid"}, // r11 new
	} {
		s, ok := lines[tc.ends]
		if !ok {
			t.Errorf("no line %s", tc.ends)
			continue
		}
		if s.attrs["color"] != tc.colour || s.attrs["style"] != tc.style {
			t.Errorf("line %s: color %s style %s, want %s %s", tc.ends, s.attrs["color"], s.attrs["style"], tc.colour, tc.style)
		}
	}
	if !bytes.Contains(out, []byte("quality: good → strained")) {
		t.Error("the changed relation does not say what changed")
	}
	if !bytes.Contains(out, []byte(`label="Åse Ødegård — changes 2026-05-01 → 2026-11-01"`)) {
		t.Error("the title does not give both dates")
	}
}

func TestDeterministic(t *testing.T) {
	person, before, big := readDoc(t, "person.json"), readDoc(t, "before.json"), bigMap(t, 40)
	sys := readSystem(t)
	draws := map[string]func() ([]byte, error){
		"person": func() ([]byte, error) { return PersonMap(big, citizenGaps(t, big), Options{Lang: "nb"}) },
		"change": func() ([]byte, error) { return ChangeMap(before, person, Options{}) },
		"system": func() ([]byte, error) { return SystemMap(sys, Options{}) },
	}
	num := regexp.MustCompile(`(?:pos|width|height|penwidth)="([^"]*)"`)
	plain := regexp.MustCompile(`^-?\d+(\.\d{1,3})?(,-?\d+(\.\d{1,3})?!?)?$`)
	for name, draw := range draws {
		first, err := draw()
		if err != nil {
			t.Fatal(err)
		}
		for range 20 { // map iteration order differs from run to run
			again, err := draw()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Fatalf("%s: two runs gave different DOT", name)
			}
		}
		for _, m := range num.FindAllSubmatch(first, -1) {
			if !plain.Match(m[1]) {
				t.Errorf("%s: number %q is not written plainly with at most three decimals", name, m[1])
			}
		}
	}
}

func TestErrors(t *testing.T) {
	person := readDoc(t, "person.json")
	sys := readSystem(t)
	orgMap := *person
	orgMap.Focus.Kind = stakeholder.FocusMunicipality
	other := *person
	other.ID = "11111111-2222-4333-8444-555555555555"
	unknownActor := []gaps.Gap{{Rule: "P7", Actors: []string{"nobody"}}}
	badSys := *sys
	badSys.Gaps = []gaps.Gap{{Rule: "S7", Actors: []string{"nobody"}}}
	tests := []struct {
		name string
		draw func() ([]byte, error)
		want error
	}{
		{"language", func() ([]byte, error) { return PersonMap(person, nil, Options{Lang: "sv"}) }, ErrOptions},
		{"no document", func() ([]byte, error) { return PersonMap(nil, nil, Options{}) }, ErrInput},
		{"not a citizen map", func() ([]byte, error) { return PersonMap(&orgMap, nil, Options{}) }, ErrInput},
		{"gap about an unknown actor", func() ([]byte, error) { return PersonMap(person, unknownActor, Options{}) }, ErrInput},
		{"change of two maps", func() ([]byte, error) { return ChangeMap(person, &other, Options{}) }, ErrInput},
		{"change without a document", func() ([]byte, error) { return ChangeMap(nil, person, Options{}) }, ErrInput},
		{"change language", func() ([]byte, error) { return ChangeMap(person, person, Options{Lang: "x"}) }, ErrOptions},
		{"no system result", func() ([]byte, error) { return SystemMap(nil, Options{}) }, ErrInput},
		{"system gap about an unknown organisation", func() ([]byte, error) { return SystemMap(&badSys, Options{}) }, ErrInput},
		{"system language", func() ([]byte, error) { return SystemMap(sys, Options{Lang: "dk"}) }, ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.draw()
			if !errors.Is(err, tt.want) || out != nil {
				t.Errorf("got %d bytes, %v; want an error wrapping %v", len(out), err, tt.want)
			}
		})
	}
}

func TestTextFromDocumentsIsCleaned(t *testing.T) {
	doc := readDoc(t, "person.json")
	dirty := *doc
	dirty.Actors = slices.Clone(doc.Actors)
	dirty.Actors[1].Name = "Dr.\x00 Øyvind\n\tÆrø\xff \ufffe"
	out, err := PersonMap(&dirty, nil, Options{})
	if err != nil {
		t.Fatalf("a name with control characters: %v", err)
	}
	if got := node(t, statements(t, out), "a:fastlege").label(t); !strings.Contains(got, "Dr. Øyvind Ærø") {
		t.Errorf("label %q", got)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		max  float64
		want []string
	}{
		{"Psykisk helse- og rustjenesten Bjørkåsen", 110, []string{"Psykisk helse- og", "rustjenesten", "Bjørkåsen"}},
		{"Kort", 110, []string{"Kort"}},
		{"psykologspesialist", 100, []string{"psykologspesialist"}}, // a word may take half as much again
		{strings.Repeat("Å", 30), 100, []string{"ÅÅÅÅÅÅÅÅÅÅÅ-", "ÅÅÅÅÅÅÅÅÅÅÅ-", "ÅÅÅÅÅÅÅÅ"}},
		{"en to tre fire fem seks sju åtte ni ti elleve tolv", 40, []string{"en to", "tre fire", "fem…"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, sizeName, true, tt.max, 3)
		if !slices.Equal(got, tt.want) {
			t.Errorf("wrap(%q, %v) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		for _, l := range got {
			if w := textWidth(l, sizeName, true); w > 1.5*tt.max {
				t.Errorf("wrap(%q): line %q is %.0f points, over %.0f", tt.in, l, w, 1.5*tt.max)
			}
		}
	}
}

func TestTextWidth(t *testing.T) {
	// Helvetica: "a" is 556/1000 em, "Æ" a full em, bold wider than regular.
	if got := textWidth("aaaa", 10, false); got != 4*5.56*safety {
		t.Errorf("aaaa at 10 pt: %v", got)
	}
	if textWidth("ØÆÅ", 10, false) <= textWidth("OEA", 10, false) {
		t.Error("Nordic capitals estimated narrower than their ASCII look-alikes")
	}
	if textWidth("Bjørn", 10, true) <= textWidth("Bjørn", 10, false) {
		t.Error("bold not wider than regular")
	}
	if textWidth("中文", 10, false) != 2*10*safety {
		t.Error("a character outside Latin-1 should count as an em")
	}
}

func TestPersonAlone(t *testing.T) {
	doc := parseDoc(t, []byte(`{"schema": "samspill.map/v1", "id": "3f1c2a4e-5b6f-4c3d-8e9f-0a1b2c3d4e5f",
		"focus": {"kind": "citizen", "label": "Åsa", "municipality": "0301"}, "asOf": "2026-11-01",
		"actors": [{"id": "c", "kind": "person", "sector": "citizen", "level": "individual", "name": "Åsa"}]}`))
	out, err := PersonMap(doc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := statements(t, out)
	if got := node(t, ss, "a:c").label(t); got != "Åsa" {
		t.Errorf("label %q", got)
	}
	if !strings.Contains(node(t, ss, "gaps").label(t), "No open gaps.") {
		t.Error("the list does not say there are no gaps")
	}
}
