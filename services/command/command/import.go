package command

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// MaxImportEvents bounds one imported map: the server's limit on one
// atomic batch.
const MaxImportEvents = 1000

// ImportStep is one command an import decided, for the import report.
type ImportStep struct {
	Command Name   `json:"command"`
	Subject string `json:"subject,omitempty"` // the document-local id it is about
}

// ImportResult is what an import wrote.
type ImportResult struct {
	Result
	Steps []ImportStep `json:"steps"`
	// Dropped lists what the document holds that a map cannot yet hold
	// (an end date after asOf); nothing else is dropped.
	Dropped []string `json:"dropped,omitempty"`
}

// Import writes a map document, already checked by mapdoc's Validator, as
// a new map: every fact becomes the event its command would write, decided
// in order against the growing state, and all are appended as one atomic
// batch. Either the whole map is written or nothing is. The map keeps the
// document's id; actor and relation ids become UUIDs, and the document's
// own ids are kept sealed so that an export gives them back.
//
// The principal ctx carries imports it: opening a map (access.Open), which
// a coordinator may, and they are assigned to it. The guard decides
// before the document is translated.
func (s *Service) Import(ctx context.Context, doc *mapdoc.Document, commandID string) (ImportResult, error) {
	if _, err := principal(ctx); err != nil {
		return ImportResult{}, err
	}
	commandID, agg, err := importTarget(doc, commandID)
	if err != nil {
		return ImportResult{}, err
	}
	p, err := s.check(ctx, operation(ImportName), access.Open, access.Map(agg.ID))
	if err != nil {
		return ImportResult{}, err
	}
	return s.importMap(ctx, p.Subject, doc, commandID)
}

// importTarget checks an import's command id (choosing one when it is
// empty) and the document's map id.
func importTarget(doc *mapdoc.Document, commandID string) (string, event.Aggregate, error) {
	if commandID == "" {
		commandID = newUUID()
	}
	if !event.IsUUID(commandID) {
		return "", event.Aggregate{}, invalid("commandId", "%q is not a lower-case UUID", commandID)
	}
	agg := event.MapAggregate(doc.ID)
	if err := agg.Validate(); err != nil {
		return "", agg, invalid("id", "%v", errors.Unwrap(err))
	}
	if err := nationalid.Check("id", doc.ID); err != nil {
		return "", agg, fail(CodeNationalID, "id", "looks like a national identity number; map ids are UUIDs chosen by machines")
	}
	return commandID, agg, nil
}

// importMap imports doc as a map opened by principal, who may (Import, or
// ImportDocument for a bundle, has asked the guard).
func (s *Service) importMap(ctx context.Context, principal string, doc *mapdoc.Document, commandID string) (ImportResult, error) {
	commandID, agg, err := importTarget(doc, commandID)
	if err != nil {
		return ImportResult{}, err
	}
	plan, dropped, perr := importPlan(doc, commandID)
	if perr != nil {
		return ImportResult{}, perr
	}
	if len(plan) > MaxImportEvents {
		return ImportResult{}, invalid("", "the document makes %d events; one import holds at most %d", len(plan), MaxImportEvents)
	}
	for _, c := range plan {
		if err := screen(c.cmd); err != nil {
			return ImportResult{}, err
		}
	}
	unlock := s.lock(agg)
	defer unlock()
	if err := s.ensure(ctx, agg); err != nil {
		return ImportResult{}, s.internal(plan[0].cmd, err)
	}
	s.mu.RLock()
	existing := s.maps[agg.ID]
	exists, prior := existing.exists, existing.applied[commandID]
	s.mu.RUnlock()
	if prior.seq != 0 {
		return ImportResult{Result: s.result(commandID, agg, prior.seq, event.TypeMapOpened, nil, true)}, nil
	}
	if exists {
		return ImportResult{}, fail(CodeConflict, "id", "map %s exists; import it under a new id", doc.ID)
	}
	for _, ref := range importDirectoryRefs(doc) {
		if err := s.ensure(ctx, event.DirectoryAggregate(ref)); err != nil {
			return ImportResult{}, s.internal(plan[0].cmd, err)
		}
	}
	key, err := s.mapKey(ctx, agg.ID, plan[0].cmd)
	if err != nil {
		return ImportResult{}, err
	}
	now := s.cfg.Clock()
	today := date.Of(now.In(s.cfg.Location))
	scratch := newMapState()
	envs := make([]event.Envelope, 0, len(plan))
	steps := make([]ImportStep, 0, len(plan))
	s.mu.RLock()
	for i, st := range plan {
		d := &decider{today: today, valid: st.cmd.meta().ValidTime, m: scratch, key: key,
			newID: func(field string) string {
				return derivedID(commandID, fmt.Sprintf("%d/%s", i, field))
			},
			entry: s.cachedEntry}
		data, derr := st.cmd.(decision).decide(d)
		if derr != nil {
			s.mu.RUnlock()
			derr.Message = fmt.Sprintf("%s %s: %s", st.cmd.CommandName(), st.subject, derr.Message)
			return ImportResult{}, derr
		}
		scratch.apply(uint64(i+1), commandID, principal, d.valid, data)
		env, err := event.New(agg, Source, d.valid, data)
		if err != nil {
			s.mu.RUnlock()
			return ImportResult{}, s.internal(st.cmd, err)
		}
		env.Time, env.Principal = now.UTC(), principal
		envs = append(envs, env)
		steps = append(steps, ImportStep{Command: st.cmd.CommandName(), Subject: st.subject})
	}
	s.mu.RUnlock()
	res, err := s.log.Append(ctx, agg, 0, commandID, envs)
	if err != nil {
		var ce *eventlog.ConflictError
		if errors.As(err, &ce) {
			return ImportResult{}, fail(CodeConflict, "id", "map %s was written meanwhile", doc.ID)
		}
		return ImportResult{}, s.internal(plan[0].cmd, err)
	}
	if !res.Duplicate {
		s.appended(envs)
	}
	if err := s.load(ctx, agg); err != nil {
		return ImportResult{}, s.internal(plan[0].cmd, err)
	}
	s.cfg.Logger.InfoContext(ctx, "map imported", "map", agg.ID, "events", len(envs), "duplicate", res.Duplicate)
	return ImportResult{Result: s.result(commandID, agg, res.Last, event.TypeMapOpened, map[string]string{}, res.Duplicate), Steps: steps, Dropped: dropped}, nil
}

type importStep struct {
	cmd     Command
	subject string
}

func importDirectoryRefs(doc *mapdoc.Document) []string {
	var out []string
	for _, a := range doc.Actors {
		if a.Directory != "" && !slices.Contains(out, a.Directory) {
			out = append(out, a.Directory)
		}
	}
	return out
}

// importPlan translates a document into commands in an order the
// decisions accept: the map, its actors, the coordinator's offer or
// refusal, the plan, relations and memberships with their contacts,
// assessments, the coordinator's assignment, reviews, participation and
// consent, and last what ended.
func importPlan(doc *mapdoc.Document, commandID string) ([]importStep, []string, *Error) {
	ids := map[string]string{} // document id → machine id
	machine := func(kind, local string) string {
		id := derivedID(commandID, kind+"/"+local)
		ids[kind+"/"+local] = id
		return id
	}
	at := func(d date.Date) Meta { return Meta{ValidTime: d} }
	var steps []importStep
	add := func(c Command, subject string) { steps = append(steps, importStep{c, subject}) }
	var dropped []string

	// The map opens on the earliest date it mentions.
	opened := doc.AsOf
	earliest := func(d date.Date) {
		if !d.IsZero() && d.Before(opened) {
			opened = d
		}
	}
	for _, r := range doc.Relations {
		earliest(r.ValidFrom)
	}
	if c := doc.Coordinator; c != nil {
		earliest(c.Offered)
		earliest(c.Assigned)
		earliest(c.Declined)
	}
	if p := doc.Plan; p != nil {
		earliest(p.Created)
		earliest(p.Declined)
	}
	for _, p := range doc.Participation {
		earliest(p.Date)
	}
	for _, c := range doc.Consent {
		earliest(c.Date)
	}

	citizen := ""
	open := &OpenMap{Meta: at(opened), MapID: doc.ID, Focus: doc.Focus.Kind, Label: doc.Focus.Label,
		Municipality: doc.Focus.Municipality, Region: doc.Focus.Region}
	for _, a := range doc.Actors {
		if a.Sector == stakeholder.SectorCitizen {
			citizen = a.ID
			open.CitizenID, open.CitizenName, open.CitizenRef = machine("actor", a.ID), a.Name, a.ID
		}
	}
	add(open, "")

	// An actor joins the map on the earliest start of its relations.
	joined := map[string]date.Date{}
	for _, r := range doc.Relations {
		for _, end := range []string{r.From, r.To} {
			if j, ok := joined[end]; !ok || r.ValidFrom.Before(j) {
				joined[end] = r.ValidFrom
			}
		}
	}
	for _, a := range doc.Actors {
		if a.ID == citizen {
			continue
		}
		j, ok := joined[a.ID]
		if !ok || doc.AsOf.Before(j) {
			j = doc.AsOf
		}
		add(&AddActor{Meta: at(j), MapID: doc.ID, ActorID: machine("actor", a.ID), Kind: a.Kind, Level: a.Level,
			Sector: a.Sector, Name: a.Name, Directory: a.Directory, Ref: a.ID}, a.ID)
	}
	actor := func(local string) string { return ids["actor/"+local] }

	// An offer or a refusal comes before any assignment: the decisions
	// refuse an offer while a coordinator is assigned.
	if c := doc.Coordinator; c != nil {
		if !c.Offered.IsZero() {
			add(&OfferCoordinator{Meta: at(c.Offered), MapID: doc.ID, ActorID: actor(c.Actor)}, c.Actor)
		}
		if !c.Declined.IsZero() {
			add(&DeclineCoordinator{Meta: at(c.Declined), MapID: doc.ID}, "")
		}
	}
	planActor := ""
	if p := doc.Plan; p != nil && p.Status != stakeholder.PlanDeclined {
		planActor = p.Actor
		add(&CreatePlan{Meta: at(p.Created), MapID: doc.ID, ActorID: actor(p.Actor)}, p.Actor)
	}
	coordinator := ""
	if c := doc.Coordinator; c != nil && !c.Assigned.IsZero() {
		coordinator = c.Actor
	}
	var ends []importStep
	// Earlier coordinators: a coordinates relation of the citizen's that
	// has ended was an assignment and its end, in date order and each
	// whole before the next (and before the current coordinator), since
	// only one coordinator is assigned at a time.
	past := map[string]bool{}
	var earlier []mapdoc.Relation
	for _, r := range doc.Relations {
		if r.Type == stakeholder.RelCoordinates && (r.From == citizen || r.To == citizen) && !r.ValidTo.IsZero() && !doc.AsOf.Before(r.ValidTo) {
			past[r.ID] = true
			earlier = append(earlier, r)
		}
	}
	slices.SortStableFunc(earlier, func(a, b mapdoc.Relation) int { return a.ValidFrom.Compare(b.ValidFrom) })
	for _, r := range earlier {
		id := machine("relation", r.ID)
		who := r.From
		if who == citizen {
			who = r.To
		}
		add(&AssignCoordinator{Meta: at(r.ValidFrom), MapID: doc.ID, ActorID: actor(who), RelationID: id, Ref: r.ID}, r.ID)
		for _, c := range r.Contacts {
			add(&RecordContact{Meta: at(c), MapID: doc.ID, RelationID: id}, r.ID)
		}
		add(&EndCoordinator{Meta: at(r.ValidTo), MapID: doc.ID}, r.ID)
	}
	coordinated := false
	for _, r := range doc.Relations {
		if past[r.ID] {
			continue
		}
		id := machine("relation", r.ID)
		switch {
		case r.Type == stakeholder.RelMemberOf && r.To == planActor && planActor != "":
			add(&AddPlanMember{Meta: at(r.ValidFrom), MapID: doc.ID, ActorID: actor(r.From), RelationID: id, Ref: r.ID}, r.ID)
			if !r.ValidTo.IsZero() {
				ends = append(ends, importStep{&RemovePlanMember{Meta: at(r.ValidTo), MapID: doc.ID, ActorID: actor(r.From)}, r.ID})
			}
		case r.Type == stakeholder.RelCoordinates && coordinator != "" && !coordinated &&
			((r.From == coordinator && r.To == citizen) || (r.To == coordinator && r.From == citizen)) && r.ValidTo.IsZero():
			coordinated = true
			add(&AssignCoordinator{Meta: at(r.ValidFrom), MapID: doc.ID, ActorID: actor(coordinator), RelationID: id, Ref: r.ID}, r.ID)
		default:
			add(&AddRelation{Meta: at(r.ValidFrom), MapID: doc.ID, RelationID: id, From: actor(r.From), To: actor(r.To), Type: r.Type,
				Quality: r.Quality, Formalised: r.Formalised, Trust: r.Trust, Value: r.Value, Inpatient: r.Inpatient, Ref: r.ID}, r.ID)
			if !r.ValidTo.IsZero() {
				ends = append(ends, importStep{&EndRelation{Meta: at(r.ValidTo), MapID: doc.ID, RelationID: id}, r.ID})
			}
		}
		for _, c := range r.Contacts {
			add(&RecordContact{Meta: at(c), MapID: doc.ID, RelationID: id}, r.ID)
		}
		if !r.ValidTo.IsZero() && doc.AsOf.Before(r.ValidTo) {
			dropped = append(dropped, fmt.Sprintf("relation %s: the end date %s is after asOf %s and is left for later", r.ID, r.ValidTo, doc.AsOf))
			ends = ends[:len(ends)-1]
		}
	}
	for _, a := range doc.Actors {
		if as := a.Assessment; as != nil {
			add(&AssessActor{Meta: at(doc.AsOf), MapID: doc.ID, ActorID: actor(a.ID), Importance: as.Importance, Influence: as.Influence,
				ProblemRecognition: as.ProblemRecognition, ConstraintRecognition: as.ConstraintRecognition, Involvement: as.Involvement,
				Linkage: as.Linkage, Attitude: as.Attitude, Role: as.Role, WhatMatters: as.WhatMatters}, a.ID)
		}
	}
	if c := doc.Coordinator; c != nil {
		if !c.Assigned.IsZero() && !coordinated {
			add(&AssignCoordinator{Meta: at(c.Assigned), MapID: doc.ID, ActorID: actor(c.Actor)}, c.Actor)
		}
	}
	if p := doc.Plan; p != nil {
		if !p.LastReview.IsZero() && p.Status != stakeholder.PlanDeclined {
			add(&ReviewPlan{Meta: at(p.LastReview), MapID: doc.ID}, p.Actor)
		}
	}
	for _, p := range doc.Participation {
		add(&RecordParticipation{Meta: at(p.Date), MapID: doc.ID, Level: int(p.Level), AssessedBy: actor(p.AssessedBy)}, "")
	}
	for _, c := range doc.Consent {
		d := c.Date
		if d.IsZero() {
			d = doc.AsOf
		}
		add(&RecordConsent{Meta: at(d), MapID: doc.ID, ActorID: actor(c.Actor), Status: c.Status}, c.Actor)
	}
	slices.SortStableFunc(ends, func(a, b importStep) int { return a.cmd.meta().ValidTime.Compare(b.cmd.meta().ValidTime) })
	steps = append(steps, ends...)
	if p := doc.Plan; p != nil {
		switch p.Status {
		case stakeholder.PlanClosed:
			add(&ClosePlan{Meta: at(doc.AsOf), MapID: doc.ID}, p.Actor)
		case stakeholder.PlanDeclined:
			add(&DeclinePlan{Meta: at(p.Declined), MapID: doc.ID}, "")
		}
	}
	for _, st := range steps {
		if st.cmd.meta().ValidTime.IsZero() {
			st.cmd.meta().ValidTime = doc.AsOf
		}
	}
	return steps, dropped, nil
}
