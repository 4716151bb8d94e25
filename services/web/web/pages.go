package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// homeView is the coordinator's start page.
type homeView struct {
	Maps    []homeRow
	MapsErr string
}

type homeRow struct {
	MapID, Label, Municipality, Opened, Updated string
	OpenGaps                                    int
	GapsKnown                                   bool
	Closed                                      bool
}

// home is the start page of the user's role: a coordinator's maps, an
// analyst's region, an administrator's page.
func (s *Server) home(q *req) {
	switch q.sess.Role {
	case access.Analyst:
		http.Redirect(q.w, q.r, "/app/areas/"+q.sess.Municipality, http.StatusSeeOther)
	case access.Admin:
		v := s.newView(q, s.cat.text(q.lang, "admin.title"), nil)
		v.Nav = "home"
		s.render(q, http.StatusOK, "admin", v)
	case access.Coordinator:
		s.renderHome(q, nil, http.StatusOK)
	default:
		s.errorPage(q, http.StatusForbidden, "error.role.other")
	}
}

func (s *Server) renderHome(q *req, f *form, status int) {
	ctx := q.r.Context()
	hv := &homeView{}
	// The graph service lists the maps assigned to the coordinator the
	// assertion names.
	var maps []mapSummary
	if err := s.client.query(ctx, "maps", map[string]string{}, &maps); err != nil {
		if s.refused(q, err) {
			return
		}
		hv.MapsErr = s.queryFailure("maps", err)
	}
	maps = slices.DeleteFunc(maps, func(m mapSummary) bool {
		return m.Focus != "" && m.Focus != string(stakeholder.FocusCitizen) || m.Erased
	})
	// Open gaps per map (a coordinator reads no area's gaps).
	counts := map[string]int{}
	known := map[string]bool{}
	for _, m := range maps {
		var ga gapsAnswer
		if err := s.client.query(ctx, "gaps", map[string]string{"mapId": m.MapID, "lang": q.lang}, &ga); err != nil {
			s.queryFailure("gaps", err)
			continue
		}
		known[m.MapID] = true
		counts[m.MapID] = len(ga.Gaps)
	}
	slices.SortFunc(maps, func(a, b mapSummary) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	for _, m := range maps {
		label := m.Label
		if label == "" {
			label = m.MapID[:8]
		}
		hv.Maps = append(hv.Maps, homeRow{MapID: m.MapID, Label: label, Municipality: m.Municipality, Opened: m.Opened,
			Updated: m.UpdatedAt.In(time.Local).Format("2006-01-02 15:04"), OpenGaps: counts[m.MapID],
			GapsKnown: known[m.MapID], Closed: m.Closed})
	}
	v := s.newView(q, s.cat.text(q.lang, "home.title"), hv)
	v.Nav = "home"
	if f != nil {
		v.forms[f.id] = f
	}
	s.render(q, status, "home", v)
}

// openMap opens a citizen map from the start page's form.
func (s *Server) openMap(q *req) {
	f := newForm("new-map", q.r.PostForm)
	body := map[string]any{"focus": "citizen", "label": strings.TrimSpace(f.Value("label")),
		"citizenName": strings.TrimSpace(f.Value("citizenName")), "municipality": strings.TrimSpace(f.Value("municipality"))}
	if body["label"] == "" {
		f.errs["label"] = s.cat.text(q.lang, "field.required")
	}
	if err := validTime(f, body); err != nil {
		f.errs["validTime"] = s.cat.text(q.lang, err.(*fieldError).key)
	}
	if !event.IsMunicipality(f.Value("municipality")) {
		f.errs["municipality"] = s.cat.text(q.lang, "field.municipality.invalid")
	}
	if !f.HasErrors() {
		res, err := s.client.command(q.r.Context(), "open_map", body)
		if err == nil {
			s.log.Info("map opened", "map", res.IDs["mapId"])
			http.Redirect(q.w, q.r, "/app/maps/"+res.IDs["mapId"]+"?done=open_map", http.StatusSeeOther)
			return
		}
		if s.refused(q, err) {
			return
		}
		s.commandError(q, f, err, []string{"label", "citizenName", "municipality", "validTime"})
	}
	s.renderHome(q, f, http.StatusUnprocessableEntity)
}

func newForm(id string, values url.Values) *form {
	return &form{id: id, submitted: true, values: values, errs: map[string]string{}}
}

// commandError puts a refused command's message on its field, when the
// form has it, or on the whole form.
func (s *Server) commandError(q *req, f *form, err error, fields []string) {
	var se *serviceError
	if !errors.As(err, &se) {
		key := s.queryFailure("command", err)
		f.General = s.cat.text(q.lang, key)
		return
	}
	msg := s.cat.textOr(q.lang, "refused."+se.Code, se.Code)
	if se.Code != "national-id" {
		msg = fmt.Sprintf("%s: %s", msg, se.Message)
	}
	if se.Field != "" && slices.Contains(fields, se.Field) {
		f.errs[se.Field] = msg
		return
	}
	f.General = msg
}

// mapView is a citizen map's page.
type mapView struct {
	ID, Label, Municipality string
	Version                 uint64
	Erased                  bool
	At                      string // the date shown; "" is today
	AtLabel                 string
	Citizen                 actorRow
	Actors                  []actorRow // without the person
	Relations               []relationRow
	Gaps                    []gapRow
	GapsErr                 string
	Dates                   []string // the timeline: history's dates, then today
	Step                    int
	HistoryErr              string
	Picture                 string
	Exports                 []link
	Pictures                []link
	Forums                  []actorRow
	Coordinator             string
	Plan                    string
	PlanStatus              string
	Participation           int
	Search                  string
	Results                 []directoryEntry
	SearchErr               string
	Searched                bool
}

type actorRow struct {
	ID, Name, Kind, Sector, Level, Directory         string
	Importance, Influence, Public, Attitude, Linkage string
	Role, WhatMatters                                string
	Coordinator, PlanMember                          bool
}

type relationRow struct {
	ID, From, To, Type, Quality, ValidFrom, ValidTo, LastContact string
	Active, Formalised, Inpatient                                bool
}

type gapRow struct {
	GapID, Rule, Severity, Explanation, Next, OpenedOn string
	Actors                                             []string
}

type link struct{ Label, URL, Type string }

func (s *Server) mapPage(q *req) {
	s.renderMap(q, q.r.PathValue("mapId"), nil, http.StatusOK, nil)
}

// renderMap shows map id; f is a refused form to show with its values and
// errors, and search the directory results of a search without script.
func (s *Server) renderMap(q *req, id string, f *form, status int, search *mapView) {
	if !event.IsUUID(id) {
		s.errorPage(q, http.StatusNotFound, "error.nomap")
		return
	}
	ctx := q.r.Context()
	mv := &mapView{ID: id}
	if search != nil {
		mv.Search, mv.Results, mv.SearchErr, mv.Searched = search.Search, search.Results, search.SearchErr, true
	}
	var hist historyAnswer
	if err := s.client.query(ctx, "history", map[string]string{"mapId": id}, &hist); err != nil {
		if s.refused(q, err) {
			return
		}
		mv.HistoryErr = s.queryFailure("history", err)
	}
	today := date.Of(s.now()).String()
	// The timeline runs from the map's opening (facts dated before it
	// cannot be shown: the map did not exist yet) to today.
	opened := ""
	for _, e := range hist.Events {
		if strings.HasSuffix(e.Type, ".map_opened") && (opened == "" || e.ValidTime < opened) {
			opened = e.ValidTime
		}
	}
	mv.Dates = append(slices.DeleteFunc(slices.Clone(hist.Dates), func(d string) bool { return d >= today || d < opened }), today)
	mv.Step = len(mv.Dates) - 1
	if q.r.Method == http.MethodGet {
		params := q.r.URL.Query()
		if st := params.Get("step"); st != "" {
			if n, err := strconv.Atoi(st); err == nil && n >= 0 && n < len(mv.Dates) {
				mv.Step = n
				if n < len(mv.Dates)-1 {
					mv.At = mv.Dates[n]
				}
			}
		}
		if at := params.Get("at"); at != "" {
			if d, err := date.Parse(at); err == nil && d.String() < today {
				mv.At = d.String()
				mv.Step = 0
				for i, x := range mv.Dates {
					if x <= mv.At {
						mv.Step = i
					}
				}
			}
		}
	}
	mv.AtLabel = cmp.Or(mv.At, today)
	// Machine ids: the forms send them back in commands, and gap events
	// name actors by them (an imported map's document ids differ).
	mq := map[string]string{"mapId": id, "ids": "machine"}
	if mv.At != "" {
		mq["at"] = mv.At
	}
	var ans mapAnswer
	if err := s.client.query(ctx, "map", mq, &ans); err != nil || ans.Document == nil {
		if s.refused(q, err) {
			return
		}
		var se *serviceError
		if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusBadRequest) {
			s.errorPage(q, http.StatusNotFound, "error.nomap")
			return
		}
		s.errorPage(q, http.StatusServiceUnavailable, s.queryFailure("map", err))
		return
	}
	doc := ans.Document
	if doc.Focus.Kind != stakeholder.FocusCitizen {
		s.errorPage(q, http.StatusNotFound, "error.nomap")
		return
	}
	mv.Label, mv.Municipality, mv.Version, mv.Erased = doc.Focus.Label, doc.Focus.Municipality, ans.Version, ans.Erased
	s.fillMap(mv, doc, q.lang)

	var ga gapsAnswer
	if err := s.client.query(ctx, "gaps", map[string]string{"mapId": id, "lang": q.lang}, &ga); err != nil {
		mv.GapsErr = s.queryFailure("gaps", err)
	}
	names := map[string]string{}
	for _, a := range doc.Actors {
		names[a.ID] = a.Name
	}
	slices.SortStableFunc(ga.Gaps, func(a, b openGap) int { return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)) })
	for _, g := range ga.Gaps {
		row := gapRow{GapID: g.GapID, Rule: g.Rule, Severity: g.Severity, Explanation: g.Explanation, Next: g.Next, OpenedOn: g.OpenedOn}
		for _, a := range g.Actors {
			if n := names[a]; n != "" {
				row.Actors = append(row.Actors, n)
			}
		}
		mv.Gaps = append(mv.Gaps, row)
	}

	pic := url.Values{"lang": {q.lang}, "v": {strconv.FormatUint(ans.Version, 10)}}
	dl := url.Values{"lang": {q.lang}, "download": {"1"}}
	ex := url.Values{}
	if mv.At != "" {
		pic.Set("at", mv.At)
		dl.Set("at", mv.At)
		ex.Set("at", mv.At)
	}
	mv.Picture = "/app/maps/" + id + "/picture.svg?" + pic.Encode()
	// Downloads come through the application (over NATS, with the
	// user's assertion), not from the HTTP API, which wants a token.
	api := "/app/maps/" + id
	suffix := func(v url.Values) string {
		if len(v) == 0 {
			return ""
		}
		return "?" + v.Encode()
	}
	for _, f := range []string{"svg", "png", "pdf"} {
		mv.Pictures = append(mv.Pictures, link{Label: strings.ToUpper(f), URL: api + "/picture." + f + suffix(dl), Type: f})
	}
	exRel, exAct := url.Values{"table": {"relations"}}, url.Values{"table": {"actors"}}
	for k, v := range ex {
		exRel[k], exAct[k] = v, v
	}
	mv.Exports = []link{
		{Label: s.cat.text(q.lang, "export.document"), URL: api + "/export.json" + suffix(ex), Type: "json"},
		{Label: s.cat.text(q.lang, "export.csv.relations"), URL: api + "/export.csv?" + exRel.Encode(), Type: "csv"},
		{Label: s.cat.text(q.lang, "export.csv.actors"), URL: api + "/export.csv?" + exAct.Encode(), Type: "csv"},
		{Label: "GraphML", URL: api + "/export.graphml" + suffix(ex), Type: "graphml"},
		{Label: "GEXF", URL: api + "/export.gexf" + suffix(ex), Type: "gexf"},
		{Label: s.cat.text(q.lang, "export.careteam"), URL: api + "/careteam.json" + suffix(ex), Type: "fhir"},
	}
	v := s.newView(q, mv.Label, mv)
	v.Path = "/app/maps/" + id
	if q.r.Method == http.MethodGet {
		v.Path = q.r.URL.RequestURI()
	}
	if f != nil {
		v.forms[f.id] = f
	}
	s.render(q, status, "map", v)
}

func severityRank(s string) int {
	switch s {
	case "high":
		return 0
	case "medium":
		return 1
	case "low":
		return 2
	}
	return 3
}

// fillMap turns the map document into the page's tables.
func (s *Server) fillMap(mv *mapView, doc *mapdoc.Document, lang string) {
	at := doc.AsOf
	names := map[string]string{}
	for _, a := range doc.Actors {
		names[a.ID] = a.Name
	}
	coordinator, plan := "", ""
	if c := doc.Coordinator; c != nil {
		coordinator = c.Actor
		mv.Coordinator = names[c.Actor]
	}
	if p := doc.Plan; p != nil {
		plan = p.Actor
		mv.Plan = names[p.Actor]
		mv.PlanStatus = string(p.Status)
	}
	active := func(r mapdoc.Relation) bool {
		return !r.ValidFrom.After(at) && (r.ValidTo.IsZero() || r.ValidTo.After(at))
	}
	members := map[string]bool{}
	for _, r := range doc.Relations {
		if r.Type == stakeholder.RelMemberOf && r.To == plan && plan != "" && active(r) {
			members[r.From] = true
		}
	}
	for _, a := range doc.Actors {
		row := actorRow{ID: a.ID, Name: a.Name, Kind: string(a.Kind), Sector: string(a.Sector), Level: string(a.Level),
			Directory: a.Directory, Coordinator: a.ID == coordinator && coordinator != "", PlanMember: members[a.ID]}
		if as := a.Assessment; as != nil {
			row.Importance, row.Influence, row.Public = string(as.Importance), string(as.Influence), string(as.Public)
			row.Attitude, row.Linkage, row.Role, row.WhatMatters = string(as.Attitude), string(as.Linkage), as.Role, as.WhatMatters
		}
		if a.Sector == stakeholder.SectorCitizen && mv.Citizen.ID == "" {
			mv.Citizen = row
			continue
		}
		mv.Actors = append(mv.Actors, row)
		if a.Kind == stakeholder.KindForum {
			mv.Forums = append(mv.Forums, row)
		}
	}
	for _, r := range doc.Relations {
		row := relationRow{ID: r.ID, From: names[r.From], To: names[r.To], Type: string(r.Type), Quality: string(r.Quality),
			ValidFrom: r.ValidFrom.String(), Active: active(r), Formalised: r.Formalised, Inpatient: r.Inpatient}
		if !r.ValidTo.IsZero() {
			row.ValidTo = r.ValidTo.String()
		}
		last := r.ValidFrom
		for _, c := range r.Contacts {
			if c.After(last) {
				last = c
			}
		}
		row.LastContact = last.String()
		mv.Relations = append(mv.Relations, row)
	}
	slices.SortStableFunc(mv.Relations, func(a, b relationRow) int {
		if a.Active != b.Active {
			if a.Active {
				return -1
			}
			return 1
		}
		return 0
	})
	if n := len(doc.Participation); n > 0 {
		latest := doc.Participation[0]
		for _, p := range doc.Participation[1:] {
			if !p.Date.Before(latest.Date) {
				latest = p
			}
		}
		mv.Participation = int(latest.Level)
	}
}

// mapPicture draws the map's picture through the render service.
func (s *Server) mapPicture(q *req) {
	id := q.r.PathValue("mapId")
	if !event.IsUUID(id) {
		http.Error(q.w, "no such map", http.StatusNotFound)
		return
	}
	pq := map[string]string{"mapId": id, "format": "svg", "lang": langParam(q.r.URL.Query().Get("lang"), q.lang)}
	if at := q.r.URL.Query().Get("at"); at != "" {
		if _, err := date.Parse(at); err != nil {
			http.Error(q.w, "bad date", http.StatusBadRequest)
			return
		}
		pq["at"] = at
	}
	s.picture(q, "map", pq)
}

func (s *Server) areaPicture(q *req) {
	m := q.r.PathValue("municipality")
	if !event.IsMunicipality(m) {
		http.Error(q.w, "no such municipality", http.StatusNotFound)
		return
	}
	if m != q.sess.Municipality {
		http.Error(q.w, s.cat.text(q.lang, "error.area.other"), http.StatusForbidden)
		return
	}
	s.picture(q, "area", map[string]string{"municipality": m, "format": "svg", "lang": langParam(q.r.URL.Query().Get("lang"), q.lang)})
}

func langParam(v, def string) string {
	if v == "en" || v == "nb" {
		return v
	}
	return def
}

func (s *Server) picture(q *req, kind string, pq map[string]string) {
	data, ct, err := s.client.picture(q.r.Context(), kind, pq)
	if err != nil {
		var se *serviceError
		status := http.StatusServiceUnavailable
		if errors.As(err, &se) {
			status = se.Status
		} else {
			s.queryFailure("picture", err)
		}
		http.Error(q.w, s.cat.text(q.lang, "picture.failed"), status)
		return
	}
	h := q.w.Header()
	h.Set("Content-Type", cmp.Or(ct, "image/svg+xml"))
	h.Set("Cache-Control", "no-store")
	if q.r.URL.Query().Get("download") != "" {
		name := "map-" + pq["mapId"] + ".svg"
		if kind == "area" {
			name = "area-" + pq["municipality"] + ".svg"
		}
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	_, _ = q.w.Write(data)
}

// directoryJSON answers the map page's search as you type.
func (s *Server) directoryJSON(q *req) {
	text := strings.TrimSpace(q.r.URL.Query().Get("q"))
	out := map[string]any{"entries": []any{}}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Cache-Control", "no-store")
	if text == "" {
		writeJSON(q.w, http.StatusOK, out)
		return
	}
	entries, err := s.searchDirectory(q.r.Context(), text, 20)
	if err != nil {
		writeJSON(q.w, http.StatusServiceUnavailable, map[string]string{"error": s.cat.text(q.lang, s.queryFailure("directory", err))})
		return
	}
	list := make([]map[string]string, 0, len(entries))
	for _, e := range entries {
		list = append(list, map[string]string{"entryId": e.EntryID, "name": e.Name, "kind": e.Kind, "sector": e.Sector,
			"sectorLabel": s.cat.textOr(q.lang, "sector."+e.Sector, e.Sector), "municipality": e.Municipality})
	}
	out["entries"] = list
	writeJSON(q.w, http.StatusOK, out)
}

func (s *Server) searchDirectory(ctx context.Context, text string, limit int) ([]directoryEntry, error) {
	var ans directoryAnswer
	err := s.client.query(ctx, "directory", map[string]any{"q": text, "limit": limit}, &ans)
	return ans.Entries, err
}

// areaView is an analyst's page of a municipality.
type areaView struct {
	Municipality       string
	Picture            string
	K                  int
	Pairs              []matrixPair
	MatrixErr          string
	Periods            []string
	Rules              []prevalenceRow
	MapsPerPeriod      []int
	PrevalenceErr      string
	MatrixCSV, PrevCSV string
	Downloads          []link
	From, To           string
}

type prevalenceRow struct {
	Rule  string
	Cells []prevalenceCell
	Spark template.HTML
}

type prevalenceCell struct {
	Maps       int
	Share      float64
	Suppressed bool
	Known      bool
}

// areaPick goes to the analyst's region (the only one they may see).
func (s *Server) areaPick(q *req) {
	http.Redirect(q.w, q.r, "/app/areas/"+q.sess.Municipality, http.StatusSeeOther)
}

func (s *Server) areaPage(q *req) {
	m := q.r.PathValue("municipality")
	if !event.IsMunicipality(m) {
		s.errorPage(q, http.StatusNotFound, "error.noarea")
		return
	}
	if m != q.sess.Municipality {
		s.errorPage(q, http.StatusForbidden, "error.area.other")
		return
	}
	ctx := q.r.Context()
	today := date.Of(s.now())
	from := date.New(today.Time().Year(), today.Time().Month(), 1).Time().AddDate(0, -11, 0)
	av := &areaView{Municipality: m, Picture: "/app/areas/" + m + "/picture.svg?lang=" + q.lang,
		From: date.Of(from).String(), To: today.String(), K: 5}
	var mx matrixAnswer
	if err := s.client.query(ctx, "matrix", map[string]any{"municipality": m}, &mx); err != nil {
		av.MatrixErr = s.queryFailure("matrix", err)
	} else {
		if mx.K > 0 {
			av.K = mx.K
		}
		av.Pairs = mx.Pairs
		slices.SortStableFunc(av.Pairs, func(a, b matrixPair) int {
			if a.Suppressed != b.Suppressed {
				if a.Suppressed {
					return 1
				}
				return -1
			}
			return cmp.Compare(b.SharedCitizens, a.SharedCitizens)
		})
	}
	var pv prevalenceAnswer
	if err := s.client.query(ctx, "prevalence", map[string]string{"municipality": m, "from": av.From, "to": av.To, "step": "month"}, &pv); err != nil {
		av.PrevalenceErr = s.queryFailure("prevalence", err)
	} else {
		s.fillPrevalence(av, &pv)
	}
	api := "/app/areas/" + m
	av.MatrixCSV = api + "/matrix.csv"
	av.PrevCSV = api + "/prevalence.csv?" + url.Values{"from": {av.From}, "to": {av.To}, "step": {"month"}}.Encode()
	av.Downloads = []link{
		{Label: s.cat.text(q.lang, "area.csv.matrix"), URL: av.MatrixCSV, Type: "csv"},
		{Label: s.cat.text(q.lang, "area.csv.prevalence"), URL: av.PrevCSV, Type: "csv"},
		{Label: "GraphML", URL: api + "/export.graphml", Type: "graphml"},
		{Label: "GEXF", URL: api + "/export.gexf", Type: "gexf"},
		{Label: "SVG", URL: api + "/picture.svg?download=1&lang=" + q.lang, Type: "svg"},
		{Label: "PDF", URL: api + "/picture.pdf?lang=" + q.lang, Type: "pdf"},
	}
	v := s.newView(q, s.cat.text(q.lang, "area.title")+" "+m, av)
	v.Nav = "area"
	s.render(q, http.StatusOK, "area", v)
}

// fillPrevalence lays the periods out as one row per rule, in rule order.
func (s *Server) fillPrevalence(av *areaView, pv *prevalenceAnswer) {
	index := map[string]int{}
	for i, p := range pv.Periods {
		av.Periods = append(av.Periods, p.Date)
		av.MapsPerPeriod = append(av.MapsPerPeriod, p.Maps)
		for _, r := range p.Rules {
			j, ok := index[r.Rule]
			if !ok {
				j = len(av.Rules)
				index[r.Rule] = j
				av.Rules = append(av.Rules, prevalenceRow{Rule: r.Rule, Cells: make([]prevalenceCell, len(pv.Periods))})
			}
			av.Rules[j].Cells[i] = prevalenceCell{Maps: r.Maps, Share: r.Share, Suppressed: r.Suppressed, Known: true}
		}
	}
	slices.SortFunc(av.Rules, func(a, b prevalenceRow) int { return cmp.Compare(ruleOrder(a.Rule), ruleOrder(b.Rule)) })
	for i := range av.Rules {
		av.Rules[i].Spark = sparkline(av.Rules[i].Cells)
	}
}

func ruleOrder(rule string) int {
	n, err := strconv.Atoi(strings.TrimLeft(rule, "PS"))
	if err != nil {
		return 1000
	}
	if strings.HasPrefix(rule, "S") {
		n += 100
	}
	return n
}

// sparkline draws the shares of one rule as a small line (decoration:
// the table beside it holds the numbers). Suppressed periods break it.
func sparkline(cells []prevalenceCell) template.HTML {
	const w, h = 96.0, 24.0
	if len(cells) < 2 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" width="%g" height="%g" viewBox="0 0 %g %g" aria-hidden="true" focusable="false"><path d="`, w, h, w, h)
	pen := false
	for i, c := range cells {
		if !c.Known || c.Suppressed {
			pen = false
			continue
		}
		x := float64(i) * w / float64(len(cells)-1)
		y := h - 2 - min(max(c.Share, 0), 1)*(h-4)
		op := "L"
		if !pen {
			op = "M"
		}
		fmt.Fprintf(&b, "%s%.1f %.1f ", op, x, y)
		pen = true
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}
