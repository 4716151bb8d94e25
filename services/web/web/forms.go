package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
)

// mapFormSpec is one form of the map page: POST /app/maps/{mapId}/<path>.
type mapFormSpec struct {
	// path is the route's last segment and id the form's element id.
	path, id string
	// fields are the inputs, named as the command fields they fill, so
	// that a refusal naming a field lands next to its input.
	fields []string
	// run sends the form's commands; it returns the done key of the flash
	// message, or an error (*fieldError or a command's refusal).
	run func(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error)
}

// fieldError is a form's own check of one field, before any command.
type fieldError struct{ field, key string }

func (e *fieldError) Error() string { return e.field + ": " + e.key }

func mapForms() []mapFormSpec {
	return []mapFormSpec{
		{path: "directory-actors", id: "add-directory", fields: []string{"q", "directory", "relation", "validTime"}, run: runDirectoryActor},
		{path: "actors", id: "add-private", fields: []string{"kind", "level", "sector", "name", "relation", "validTime"}, run: runPrivateActor},
		{path: "relations", id: "add-relation", fields: []string{"from", "to", "type", "quality", "formalised", "inpatient", "validTime"}, run: runRelation},
		{path: "contacts", id: "record-contact", fields: []string{"relationId", "mode", "validTime"}, run: runContact},
		{path: "assessments", id: "assess", fields: []string{"actorId", "importance", "influence", "problemRecognition",
			"constraintRecognition", "involvement", "linkage", "attitude", "role", "whatMatters"}, run: runAssess},
		{path: "coordinator", id: "coordinator", fields: []string{"actorId", "validTime"}, run: runCoordinator},
		{path: "plan", id: "plan", fields: []string{"actorId", "forumName", "validTime"}, run: runPlan},
		{path: "plan-members", id: "plan-member", fields: []string{"actorId", "validTime"}, run: runPlanMember},
		{path: "participation", id: "participation", fields: []string{"level", "validTime"}, run: runParticipation},
	}
}

// mapForm handles one of the map page's forms: on success a redirect back
// to the map (PRG), otherwise the page again with the form's values and
// its errors next to their fields.
func (s *Server) mapForm(spec mapFormSpec) handler {
	return func(q *req) {
		id := q.r.PathValue("mapId")
		if !event.IsUUID(id) {
			s.errorPage(q, http.StatusNotFound, "error.nomap")
			return
		}
		f := newForm(spec.id, q.r.PostForm)
		if spec.id == "add-directory" && f.Value("search") != "" {
			// The search button of the form without script: show the
			// entries to choose from.
			text := strings.TrimSpace(f.Value("q"))
			sv := &mapView{Search: text}
			if text != "" {
				entries, err := s.searchDirectory(q.r.Context(), text, 20)
				if err != nil {
					sv.SearchErr = s.queryFailure("directory", err)
				}
				sv.Results = entries
			}
			s.renderMap(q, id, f, http.StatusOK, sv)
			return
		}
		done, err := spec.run(q.r.Context(), s, q, id, f)
		if err == nil {
			s.log.Info("map form", "map", id, "form", spec.id)
			http.Redirect(q.w, q.r, "/app/maps/"+id+"?done="+done+"#"+spec.id, http.StatusSeeOther)
			return
		}
		if s.refused(q, err) {
			return
		}
		if fe, ok := err.(*fieldError); ok {
			f.errs[fe.field] = s.cat.text(q.lang, fe.key)
		} else {
			s.commandError(q, f, err, spec.fields)
		}
		s.renderMap(q, id, f, http.StatusUnprocessableEntity, nil)
	}
}

// validTime reads the form's date, if any, into body.
func validTime(f *form, body map[string]any) error {
	v := strings.TrimSpace(f.Value("validTime"))
	if v == "" {
		return nil
	}
	d, err := date.Parse(v)
	if err != nil {
		return &fieldError{"validTime", "field.date.invalid"}
	}
	body["validTime"] = d.String()
	return nil
}

func required(f *form, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(f.Value(n)) == "" {
			return &fieldError{n, "field.required"}
		}
	}
	return nil
}

// citizenOf returns the id of the map's person.
func (s *Server) citizenOf(ctx context.Context, mapID string) (string, error) {
	var ans mapAnswer
	if err := s.client.query(ctx, "map", map[string]string{"mapId": mapID, "ids": "machine"}, &ans); err != nil {
		return "", err
	}
	if ans.Document != nil {
		for _, a := range ans.Document.Actors {
			if a.Sector == "citizen" {
				return a.ID, nil
			}
		}
	}
	return "", &fieldError{"relation", "error.nocitizen"}
}

// addActor adds an actor and, when the form asks, its relation to the
// person.
func (s *Server) addActor(ctx context.Context, q *req, mapID string, f *form, body map[string]any) (string, error) {
	if err := validTime(f, body); err != nil {
		return "", err
	}
	res, err := s.client.command(ctx, "add_actor", body)
	if err != nil {
		return "", err
	}
	rel := f.Value("relation")
	if rel == "" {
		return "add_actor", nil
	}
	citizen, err := s.citizenOf(ctx, mapID)
	if err != nil {
		return "", err
	}
	from, to := res.IDs["actorId"], citizen
	if rel == "family" || rel == "peer-support" {
		from, to = citizen, res.IDs["actorId"]
	}
	relation := map[string]any{"mapId": mapID, "from": from, "to": to, "type": rel}
	if v, ok := body["validTime"]; ok {
		relation["validTime"] = v
	}
	if _, err := s.client.command(ctx, "add_relation", relation); err != nil {
		if se, ok := err.(*serviceError); ok && se.Field != "" {
			se.Field = "relation"
		}
		return "", err
	}
	return "add_actor_relation", nil
}

func runDirectoryActor(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	entryID := ""
	for _, v := range f.values["directory"] {
		if v != "" {
			entryID = v
		}
	}
	if entryID == "" {
		return "", &fieldError{"q", "directory.choose"}
	}
	// Read the entry again rather than trust the browser's copy of it.
	text := strings.TrimSpace(f.Value("q"))
	if text == "" {
		return "", &fieldError{"q", "directory.choose"}
	}
	entries, err := s.searchDirectory(ctx, text, 100)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.EntryID == entryID {
			return s.addActor(ctx, q, mapID, f, map[string]any{"mapId": mapID, "kind": e.Kind, "level": "service",
				"sector": e.Sector, "name": e.Name, "directory": e.EntryID})
		}
	}
	return "", &fieldError{"q", "directory.notfound"}
}

func runPrivateActor(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "name", "kind", "level", "sector"); err != nil {
		return "", err
	}
	return s.addActor(ctx, q, mapID, f, map[string]any{"mapId": mapID, "kind": f.Value("kind"), "level": f.Value("level"),
		"sector": f.Value("sector"), "name": strings.TrimSpace(f.Value("name"))})
}

func runRelation(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "from", "to", "type"); err != nil {
		return "", err
	}
	body := map[string]any{"mapId": mapID, "from": f.Value("from"), "to": f.Value("to"), "type": f.Value("type")}
	if v := f.Value("quality"); v != "" {
		body["quality"] = v
	}
	if f.Value("formalised") != "" {
		body["formalised"] = true
	}
	if f.Value("inpatient") != "" {
		body["inpatient"] = true
	}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	_, err := s.client.command(ctx, "add_relation", body)
	return "add_relation", err
}

func runContact(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "relationId"); err != nil {
		return "", err
	}
	body := map[string]any{"mapId": mapID, "relationId": f.Value("relationId")}
	if v := f.Value("mode"); v != "" {
		body["mode"] = v
	}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	_, err := s.client.command(ctx, "record_contact", body)
	return "record_contact", err
}

func runAssess(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "actorId"); err != nil {
		return "", err
	}
	body := map[string]any{"mapId": mapID, "actorId": f.Value("actorId")}
	for _, k := range []string{"importance", "influence", "linkage", "attitude"} {
		if v := f.Value(k); v != "" {
			body[k] = v
		}
	}
	for _, k := range []string{"role", "whatMatters"} {
		if v := strings.TrimSpace(f.Value(k)); v != "" {
			body[k] = v
		}
	}
	judged := 0
	for _, k := range []string{"problemRecognition", "constraintRecognition", "involvement"} {
		switch f.Value(k) {
		case "yes":
			body[k] = true
			judged++
		case "no":
			body[k] = false
			judged++
		}
	}
	if judged != 0 && judged != 3 {
		// Grunig & Hunt's public follows from all three together.
		for _, k := range []string{"problemRecognition", "constraintRecognition", "involvement"} {
			if f.Value(k) == "" {
				return "", &fieldError{k, "assess.judgements.all"}
			}
		}
	}
	if len(body) == 2 {
		return "", &fieldError{"importance", "assess.empty"}
	}
	_, err := s.client.command(ctx, "assess_actor", body)
	return "assess_actor", err
}

func runCoordinator(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "actorId"); err != nil {
		return "", err
	}
	body := map[string]any{"mapId": mapID, "actorId": f.Value("actorId")}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	_, err := s.client.command(ctx, "assign_coordinator", body)
	return "assign_coordinator", err
}

// runPlan creates the plan; its forum is an existing forum actor or, in
// the same step, a new one.
func runPlan(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	body := map[string]any{"mapId": mapID}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	forum := f.Value("actorId")
	if forum == "" || forum == "new" {
		name := strings.TrimSpace(f.Value("forumName"))
		if name == "" {
			return "", &fieldError{"forumName", "field.required"}
		}
		add := map[string]any{"mapId": mapID, "kind": "forum", "level": "individual", "sector": "governance", "name": name}
		if v, ok := body["validTime"]; ok {
			add["validTime"] = v
		}
		res, err := s.client.command(ctx, "add_actor", add)
		if err != nil {
			if se, ok := err.(*serviceError); ok && se.Field == "name" {
				se.Field = "forumName"
			}
			return "", err
		}
		forum = res.IDs["actorId"]
	}
	body["actorId"] = forum
	_, err := s.client.command(ctx, "create_plan", body)
	return "create_plan", err
}

func runPlanMember(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	if err := required(f, "actorId"); err != nil {
		return "", err
	}
	body := map[string]any{"mapId": mapID, "actorId": f.Value("actorId")}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	_, err := s.client.command(ctx, "add_plan_member", body)
	return "add_plan_member", err
}

func runParticipation(ctx context.Context, s *Server, q *req, mapID string, f *form) (string, error) {
	level, err := strconv.Atoi(f.Value("level"))
	if err != nil || level < 1 || level > 5 {
		return "", &fieldError{"level", "participation.choose"}
	}
	body := map[string]any{"mapId": mapID, "level": level}
	if err := validTime(f, body); err != nil {
		return "", err
	}
	_, err = s.client.command(ctx, "record_participation", body)
	return "record_participation", err
}
