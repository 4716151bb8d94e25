package picture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/render"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Values of Picture.Cache and of the Samspill-Cache header.
const (
	CacheHit  = "hit"
	CacheMiss = "miss"
)

// Codes of refusals beyond those of package query.
const (
	// CodeTooLarge: the picture is too large to draw, or to send in one
	// NATS message (413).
	CodeTooLarge = "too-large"
	// CodeUnavailable: the service is still reading the log (503).
	CodeUnavailable = "unavailable"
)

// Picture is a drawn picture.
type Picture struct {
	Data        []byte
	Format      draw.Format
	ContentType string
	// Cache is CacheHit when the picture came from the cache, CacheMiss
	// when it was drawn for this request (or for one asking the same at
	// the same moment).
	Cache string
	// Filename is a file name for the picture: its kind, map id or
	// municipality, dates and format, never a person's name.
	Filename string
	// Personal reports that the picture shows personal data (names on a
	// citizen's map).
	Personal bool
}

// ContentType is the media type of a format.
func ContentType(f draw.Format) string {
	switch f {
	case draw.SVG:
		return "image/svg+xml"
	case draw.PNG:
		return "image/png"
	case draw.PDF:
		return "application/pdf"
	case draw.DOT:
		return "text/vnd.graphviz; charset=utf-8"
	}
	return "application/octet-stream"
}

// MapQuery asks for the person's map of a citizen map on a date, as
// known at a moment, with its open gaps.
type MapQuery struct {
	MapID string `json:"mapId"`
	// At is the valid date (default today); KnownAt the record time
	// (default now).
	At      date.Date `json:"at,omitzero"`
	KnownAt time.Time `json:"knownAt,omitzero"`
	// Format is svg, png, pdf or dot (the DOT Samspill writes, with every
	// node placed, before Graphviz draws it).
	Format string `json:"format"`
	// Lang is en (default) or nb.
	Lang string `json:"lang,omitempty"`
}

// ChangesQuery asks for the change map of a citizen map between two
// dates.
type ChangesQuery struct {
	MapID string `json:"mapId"`
	// From is required; To defaults to today.
	From   date.Date `json:"from"`
	To     date.Date `json:"to,omitzero"`
	Format string    `json:"format"`
	Lang   string    `json:"lang,omitempty"`
}

// AreaQuery asks for the system-wide map of a municipality on a date.
type AreaQuery struct {
	Municipality string    `json:"municipality"`
	At           date.Date `json:"at,omitzero"`
	Format       string    `json:"format"`
	Lang         string    `json:"lang,omitempty"`
}

// request is one picture to serve: whose it is and at what position, what
// else determines it, and how to draw its DOT.
type request struct {
	e      entry
	state  string
	params []string
	format draw.Format
	lang   string
	cache  bool
	file   string
	dot    func(context.Context) ([]byte, error)
}

func parseFormat(s string) (draw.Format, error) {
	if s == "" {
		return "", query.Invalid("format", "is required: svg, png, pdf or dot")
	}
	f, err := draw.ParseFormat(s)
	if err != nil {
		return "", query.Invalid("format", "%q is not a format: want svg, png, pdf or dot", s)
	}
	return f, nil
}

func parseLang(s string) (string, error) {
	switch s {
	case "", "en":
		return "en", nil
	case "nb":
		return "nb", nil
	}
	return "", query.Invalid("lang", "%q is not a language: want en or nb", s)
}

// ready waits, for at most StartWait, until the projection has caught up
// with the log as it stood at the start.
func (s *Service) ready(ctx context.Context) error {
	select {
	case <-s.caughtUp:
		return nil
	default:
	}
	t := time.NewTimer(s.cfg.StartWait)
	defer t.Stop()
	select {
	case <-s.caughtUp:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return &query.Error{Code: CodeUnavailable, Message: "the service is still reading the event log; try again shortly"}
	}
}

// mapState returns a map's position and whether it was erased.
func (s *Service) mapState(mapID string) (uint64, bool, error) {
	if !event.IsUUID(mapID) {
		return 0, false, query.Invalid("mapId", "%q is not a map id", mapID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pos, ok := s.pos[mapID]
	if !ok {
		return 0, false, query.NotFound("mapId", "no map %s", mapID)
	}
	return pos, s.erased[mapID], nil
}

func (s *Service) view(mapID string, at date.Date, knownAt time.Time, field string) (*projection.View, error) {
	v, err := s.store.View(mapID, at, knownAt)
	if errors.Is(err, projection.ErrNotFound) {
		return nil, query.NotFound(field, "map %s was not open on %s as known then", mapID, at)
	}
	if err != nil {
		return nil, fmt.Errorf("picture: view of %s: %w", mapID, err)
	}
	return v, nil
}

// citizenMap refuses a view that is not of a citizen's map.
func citizenMap(v *projection.View) error {
	if v.Focus.Kind == stakeholder.FocusCitizen {
		return nil
	}
	if v.Focus.Kind == stakeholder.FocusMunicipality {
		return query.Invalid("mapId", "map %s is a municipality's map, not a citizen's: draw it with its municipality's citizen maps at /v1/areas/%s/picture.{svg,png,pdf,dot}",
			v.MapID, v.Focus.Municipality)
	}
	return query.Invalid("mapId", "map %s is a %s map, not a citizen's: only citizen maps are drawn as a person's map", v.MapID, v.Focus.Kind)
}

// erasedRevealer shows every sealed field of an erased map as erased, even
// while the map's key is not yet shredded (the command service erases it
// just after it appends map_erased).
type erasedRevealer struct{}

func (erasedRevealer) Reveal(_ context.Context, _ string, s event.Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	return seal.ErasedText, nil
}

func (s *Service) revealer(erased bool) export.Revealer {
	if erased {
		return erasedRevealer{}
	}
	return s.cfg.Keys
}

// mapID refuses what is not a map id.
func mapID(id string) error {
	if !event.IsUUID(id) {
		return query.Invalid("mapId", "%q is not a map id", id)
	}
	return nil
}

func knownAtParam(t time.Time) string {
	if t.IsZero() {
		return "knownAt="
	}
	return "knownAt=" + t.UTC().Format(time.RFC3339Nano)
}

// start checks what every picture request shares — its format, its
// language and its subject (check names the field at fault) — waits until
// the service has read the log, and returns the date the picture shows:
// day, or today when it is zero.
func (s *Service) start(ctx context.Context, format, lang string, day date.Date, check func() error) (draw.Format, string, date.Date, error) {
	f, err := parseFormat(format)
	if err != nil {
		return "", "", date.Date{}, err
	}
	l, err := parseLang(lang)
	if err != nil {
		return "", "", date.Date{}, err
	}
	if err := check(); err != nil {
		return "", "", date.Date{}, err
	}
	if err := s.ready(ctx); err != nil {
		return "", "", date.Date{}, err
	}
	if day.IsZero() {
		day = s.today()
	}
	return f, l, day, nil
}

// The operations of the audit trail: the NATS endpoints, which the HTTP
// routes answer as well.
const (
	opMap     = "render.map"
	opChanges = "render.changes"
	opArea    = "render.area"
)

// allow decides, and audits, whether the principal of ctx may read r in
// the operation op. It is asked before anything of the request is looked
// at (so a coordinator refused a map learns nothing of whether it exists),
// once the projection, which knows the maps' assignments, has read the log
// (so an assigned coordinator is not refused while the service starts).
func (s *Service) allow(ctx context.Context, op string, r access.Resource) error {
	if _, ok := access.FromContext(ctx); !ok {
		return access.ErrUnauthenticated
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	_, err := s.guard.Check(ctx, op, access.Read, r)
	return err
}

// Map draws the person's map of a citizen map with its open gaps, for a
// principal the map is assigned to.
func (s *Service) Map(ctx context.Context, q MapQuery) (*Picture, error) {
	if err := s.allow(ctx, opMap, access.Map(q.MapID)); err != nil {
		return nil, err
	}
	f, lang, at, err := s.start(ctx, q.Format, q.Lang, q.At, func() error { return mapID(q.MapID) })
	if err != nil {
		return nil, err
	}
	pos, erased, err := s.mapState(q.MapID)
	if err != nil {
		return nil, err
	}
	v, err := s.view(q.MapID, at, q.KnownAt, "at")
	if err != nil {
		return nil, err
	}
	if err := citizenMap(v); err != nil {
		return nil, err
	}
	erased = erased || v.Erased
	return s.serve(ctx, request{
		e:      entry{kind: KindPerson, subject: q.MapID, position: pos},
		params: []string{"at=" + at.String(), knownAtParam(q.KnownAt)},
		format: f, lang: lang, cache: !erased,
		file: fmt.Sprintf("map-%s-%s.%s", q.MapID, at, f),
		dot: func(ctx context.Context) ([]byte, error) {
			doc, err := export.Map(ctx, v, s.revealer(erased))
			if err != nil {
				return nil, err
			}
			open, err := gaps.Citizen(doc, *s.cfg.Gaps)
			if err != nil {
				return nil, fmt.Errorf("picture: gaps of %s: %w", q.MapID, err)
			}
			return render.PersonMap(doc, open, render.Options{Lang: lang})
		},
	})
}

// Changes draws the change map of a citizen map between two dates, for a
// principal the map is assigned to.
func (s *Service) Changes(ctx context.Context, q ChangesQuery) (*Picture, error) {
	if err := s.allow(ctx, opChanges, access.Map(q.MapID)); err != nil {
		return nil, err
	}
	f, lang, to, err := s.start(ctx, q.Format, q.Lang, q.To, func() error {
		if err := mapID(q.MapID); err != nil {
			return err
		}
		if q.From.IsZero() {
			return query.Invalid("from", "is required")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if to.Before(q.From) {
		return nil, query.Invalid("to", "%s is before from (%s)", to, q.From)
	}
	pos, erased, err := s.mapState(q.MapID)
	if err != nil {
		return nil, err
	}
	after, err := s.view(q.MapID, to, time.Time{}, "to")
	if err != nil {
		return nil, err
	}
	if err := citizenMap(after); err != nil {
		return nil, err
	}
	before, err := s.store.View(q.MapID, q.From, time.Time{})
	if errors.Is(err, projection.ErrNotFound) {
		return nil, query.NotFound("from", "map %s was not open on %s: it opened on %s", q.MapID, q.From, after.Opened)
	}
	if err != nil {
		return nil, fmt.Errorf("picture: view of %s: %w", q.MapID, err)
	}
	erased = erased || after.Erased
	return s.serve(ctx, request{
		e:      entry{kind: KindChanges, subject: q.MapID, position: pos},
		params: []string{"from=" + q.From.String(), "to=" + to.String()},
		format: f, lang: lang, cache: !erased,
		file: fmt.Sprintf("changes-%s-%s-%s.%s", q.MapID, q.From, to, f),
		dot: func(ctx context.Context) ([]byte, error) {
			b, err := export.Map(ctx, before, s.revealer(erased))
			if err != nil {
				return nil, err
			}
			a, err := export.Map(ctx, after, s.revealer(erased))
			if err != nil {
				return nil, err
			}
			return render.ChangeMap(b, a, render.Options{Lang: lang})
		},
	})
}

// Area draws the system-wide map of a municipality: its organisations
// and the system gaps, from the structure of its maps (no names of
// persons, figures under k suppressed), for a principal who may read the
// municipality's aggregates.
func (s *Service) Area(ctx context.Context, q AreaQuery) (*Picture, error) {
	if err := s.allow(ctx, opArea, access.Area(q.Municipality)); err != nil {
		return nil, err
	}
	f, lang, at, err := s.start(ctx, q.Format, q.Lang, q.At, func() error {
		if !event.IsMunicipality(q.Municipality) {
			return query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids, state, watermark := s.areaState(q.Municipality)
	if len(ids) == 0 {
		return nil, query.NotFound("municipality", "no maps of municipality %s", q.Municipality)
	}
	return s.serve(ctx, request{
		e:      entry{kind: KindArea, subject: q.Municipality, position: watermark},
		state:  state,
		params: []string{"at=" + at.String()},
		format: f, lang: lang, cache: true,
		file: fmt.Sprintf("area-%s-%s.%s", q.Municipality, at, f),
		dot: func(context.Context) ([]byte, error) {
			org, citizens := s.store.AreaMaps(q.Municipality, ids, at, time.Time{})
			if org == "" && len(citizens) == 0 {
				return nil, query.NotFound("at", "no open maps of municipality %s on %s", q.Municipality, at)
			}
			b, err := export.StructureBundle(s.store, org, citizens, at, time.Time{})
			if err != nil {
				return nil, fmt.Errorf("picture: bundle of %s: %w", q.Municipality, err)
			}
			res, err := gaps.System(b, *s.cfg.System)
			if err != nil {
				return nil, fmt.Errorf("picture: system gaps of %s: %w", q.Municipality, err)
			}
			return render.SystemMap(res, render.Options{Lang: lang})
		},
	})
}

// areaState returns the maps of a municipality, a digest of their
// positions and the directory's, and the municipality's position: the
// sequence of the last event of any of them.
func (s *Service) areaState(municipality string) (ids []string, digest string, position uint64) {
	s.mu.Lock()
	for id, m := range s.muni {
		if m == municipality {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	h := sha256.New()
	fmt.Fprintf(h, "directory %d\n", s.dirPos)
	for _, id := range ids {
		fmt.Fprintf(h, "%s %d\n", id, s.pos[id])
	}
	position = max(s.areaPos[municipality], s.dirPos)
	s.mu.Unlock()
	return ids, hex.EncodeToString(h.Sum(nil)), position
}

// drawn is the result of one drawing, shared by the requests that asked
// for it at the same time.
type drawn struct {
	data []byte
	hit  bool
}

// serve answers a request from the cache, or draws it once however many
// ask for it at the same moment, and caches it.
func (s *Service) serve(ctx context.Context, r request) (*Picture, error) {
	name := s.objectName(r.e, r.state, r.params, r.format, r.lang)
	pic := &Picture{Format: r.format, ContentType: ContentType(r.format), Filename: r.file, Personal: !r.e.isArea(), Cache: CacheMiss}
	if r.cache {
		if b, ok := s.load(ctx, name, r.e); ok {
			s.hits.Add(1)
			s.cfg.Metrics.PictureCache(string(r.e.kind), true)
			pic.Data, pic.Cache = b, CacheHit
			return pic, nil
		}
	}
	ch := s.flights.DoChan(name, func() (any, error) { return s.draw(name, r) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		d := res.Val.(drawn)
		if d.hit {
			s.hits.Add(1)
			pic.Cache = CacheHit
		} else {
			s.misses.Add(1)
		}
		s.cfg.Metrics.PictureCache(string(r.e.kind), d.hit)
		pic.Data = d.data
		return pic, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// draw draws a picture and caches it. It runs to the end even when the
// request that started it has gone: others may wait for it, and the next
// request finds it in the cache.
func (s *Service) draw(name string, r request) (drawn, error) {
	s.drawing.Add(1)
	defer s.drawing.Done()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RenderTimeout)
	defer cancel()
	if r.cache {
		if b, ok := s.load(ctx, name, r.e); ok { // drawn just before this flight began
			return drawn{data: b, hit: true}, nil
		}
	}
	began := time.Now()
	dot, err := r.dot(ctx)
	if err != nil {
		return drawn{}, err
	}
	out := dot
	if r.format != draw.DOT {
		if out, err = s.cfg.Engine.Render(ctx, dot, r.format); err != nil {
			if errors.Is(err, draw.ErrTooLarge) {
				return drawn{}, &query.Error{Code: CodeTooLarge, Field: "format", Message: "the picture is too large to draw in this format: " + err.Error()}
			}
			return drawn{}, fmt.Errorf("picture: draw %s %s as %s: %w", r.e.kind, r.e.subject, r.format, err)
		}
	}
	s.cfg.Metrics.PictureRendered(string(r.e.kind), string(r.format), time.Since(began))
	s.cfg.Logger.Debug("picture drawn", "kind", r.e.kind, "subject", r.e.subject, "position", r.e.position,
		"format", r.format, "bytes", len(out), "took", time.Since(began).Round(time.Microsecond))
	if r.cache {
		s.save(ctx, name, r.e, r.format, out)
	}
	return drawn{data: out}, nil
}

// Status returns the HTTP status of err and the refusal to show for it:
// package query's, and 413 and 503 for this package's codes.
func Status(err error) (int, *query.Error) {
	var e *query.Error
	if errors.As(err, &e) {
		switch e.Code {
		case CodeTooLarge:
			return 413, e
		case CodeUnavailable:
			return 503, e
		}
	}
	return query.Status(err)
}
