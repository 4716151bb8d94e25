package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/careteam"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/netfile"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/region"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/pkg/telemetry"
)

// What an export is of.
const (
	ExportMap  = "map"
	ExportArea = "area"
)

// Export formats: the map document, a CSV table, GraphML, GEXF 1.3 and a
// FHIR R4 CareTeam. An area exports as GraphML or GEXF.
const (
	FormatJSON     = "json"
	FormatCSV      = "csv"
	FormatGraphML  = "graphml"
	FormatGEXF     = "gexf"
	FormatCareTeam = "careteam"
)

// ExportQuery asks for a map or an area as a file.
type ExportQuery struct {
	// Kind is ExportMap or ExportArea.
	Kind string `json:"kind"`
	// ID is the map id, or the municipality number of an area.
	ID string `json:"id"`
	// Format is one of the Format constants (an area: graphml or gexf).
	Format string `json:"format"`
	// At is the valid date (default today).
	At date.Date `json:"at,omitzero"`
	// KnownAt is the record time (default now); maps only.
	KnownAt time.Time `json:"knownAt,omitzero"`
	// Table is the CSV table, relations (default) or actors.
	Table string `json:"table,omitempty"`
}

// ExportFile is an exported file.
type ExportFile struct {
	ContentType string
	// FileName is made of ids and dates only, never of names.
	FileName string
	// Personal is true for a citizen's map: the file must not be cached.
	Personal bool
	Body     []byte
}

// Disposition is the Content-Disposition of the file.
func (f *ExportFile) Disposition() string {
	return fmt.Sprintf("attachment; filename=%q", f.FileName)
}

// Export answers an ExportQuery. Names are revealed as for the map query
// (an erased map reads "[erased]"); an area is the k-suppressed
// organisation graph of pkg/region. A map's export is for a principal the
// map is assigned to, an area's for one who may read its aggregates.
func (s *Service) Export(ctx context.Context, q ExportQuery) (*ExportFile, error) {
	switch q.Kind {
	case ExportMap:
		if err := s.readMap(ctx, opExport, q.ID); err != nil {
			return nil, err
		}
		return s.exportMap(ctx, q)
	case ExportArea:
		if err := s.readArea(ctx, opExport, q.ID); err != nil {
			return nil, err
		}
		return s.exportArea(q)
	}
	if err := signedIn(ctx); err != nil {
		return nil, err
	}
	return nil, query.Invalid("kind", "%q is not map or area", q.Kind)
}

// fileStem names an export by its ids and dates.
func fileStem(kind, id string, at date.Date, knownAt time.Time) string {
	stem := "samspill-" + kind + "-" + id + "-" + at.String()
	if !knownAt.IsZero() {
		stem += "-known-" + knownAt.UTC().Format("20060102T150405Z")
	}
	return stem
}

func (s *Service) exportMap(ctx context.Context, q ExportQuery) (*ExportFile, error) {
	switch q.Format {
	case FormatJSON, FormatCSV, FormatGraphML, FormatGEXF, FormatCareTeam:
	default:
		return nil, query.Invalid("format", "%q is not one of json, csv, graphml, gexf, careteam", q.Format)
	}
	table := netfile.TableRelations
	if q.Format == FormatCSV {
		t, err := netfile.ParseTable(q.Table)
		if err != nil {
			return nil, query.Invalid("table", "%v", err)
		}
		table = t
	} else if q.Table != "" {
		return nil, query.Invalid("table", "is only for format csv")
	}
	if q.At.IsZero() {
		q.At = s.today()
	}
	v, err := s.view(q.ID, q.At, q.KnownAt)
	if err != nil {
		return nil, err
	}
	doc, err := export.Map(ctx, v, s.keys)
	if err != nil {
		return nil, err
	}
	f := &ExportFile{Personal: v.Focus.Kind == stakeholder.FocusCitizen}
	stem := fileStem("map", v.MapID, q.At, q.KnownAt)
	var buf bytes.Buffer
	switch q.Format {
	case FormatJSON:
		f.ContentType, f.FileName = "application/json", stem+".json"
		buf.Write(mapdoc.Canonical(doc))
	case FormatCSV:
		f.ContentType, f.FileName = netfile.ContentTypeCSV, stem+"-"+string(table)+".csv"
		err = netfile.MapCSV(&buf, doc, table)
	case FormatGraphML:
		f.ContentType, f.FileName = netfile.ContentTypeGraphML, stem+".graphml"
		err = netfile.MapGraphML(&buf, doc)
	case FormatGEXF:
		f.ContentType, f.FileName = netfile.ContentTypeGEXF, stem+".gexf"
		err = netfile.MapGEXF(&buf, doc)
	case FormatCareTeam:
		if v.Focus.Kind != stakeholder.FocusCitizen {
			return nil, query.Invalid("mapId", "map %s is a %s map; a CareTeam is a citizen's", v.MapID, v.Focus.Kind)
		}
		f.ContentType, f.FileName = careteam.ContentType, fileStem("careteam", v.MapID, q.At, q.KnownAt)+".json"
		var ct *careteam.CareTeam
		if ct, err = careteam.Build(doc, careteam.Options{Inactive: v.Closed || v.Erased}); err == nil {
			var b []byte
			b, err = careteam.Marshal(ct)
			buf.Write(b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("graph: export %s as %s: %w", v.MapID, q.Format, err)
	}
	f.Body = buf.Bytes()
	s.cfg.Logger.Info("map exported", "mapId", v.MapID, "format", q.Format, "bytes", len(f.Body))
	return f, nil
}

func (s *Service) exportArea(q ExportQuery) (*ExportFile, error) {
	if q.Format != FormatGraphML && q.Format != FormatGEXF {
		return nil, query.Invalid("format", "%q is not one of graphml, gexf (an area's exports)", q.Format)
	}
	if !event.IsMunicipality(q.ID) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.ID)
	}
	if q.Table != "" {
		return nil, query.Invalid("table", "is only for a map's csv export")
	}
	if q.At.IsZero() {
		q.At = s.today()
	}
	g := region.Build(s.store, region.Query{Municipality: q.ID, At: q.At, KnownAt: q.KnownAt})
	f := &ExportFile{}
	stem := fileStem("area", q.ID, q.At, q.KnownAt)
	var buf bytes.Buffer
	var err error
	if q.Format == FormatGraphML {
		f.ContentType, f.FileName = netfile.ContentTypeGraphML, stem+".graphml"
		err = netfile.AreaGraphML(&buf, &g)
	} else {
		f.ContentType, f.FileName = netfile.ContentTypeGEXF, stem+".gexf"
		err = netfile.AreaGEXF(&buf, &g)
	}
	if err != nil {
		return nil, fmt.Errorf("graph: export area %s as %s: %w", q.ID, q.Format, err)
	}
	f.Body = buf.Bytes()
	return f, nil
}

// exportHandler answers samspill.query.export, for the principal of the
// request's assertion, with the file's bytes and its Content-Type and
// Content-Disposition headers; a refusal is answered as query.Handler does
// (the HTTP status as the service error code, the *query.Error as the
// body), inside a server span as every query.
func (s *Service) exportHandler(ctx context.Context) micro.Handler {
	return telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		var err error
		if s.cfg.Verifier != nil {
			ctx, err = s.cfg.Verifier.FromHeaders(ctx, req.Headers())
		}
		var q ExportQuery
		if err == nil {
			q, err = query.Decode[ExportQuery](req.Data())
		}
		var f *ExportFile
		if err == nil {
			f, err = s.Export(ctx, q)
		}
		if err != nil {
			st, e := query.Status(err)
			body, _ := json.Marshal(e)
			_ = req.Error(strconv.Itoa(st), e.Error(), body)
			return
		}
		h := micro.Headers{"Content-Type": {f.ContentType}, "Content-Disposition": {f.Disposition()}}
		if f.Personal {
			h["Cache-Control"] = []string{"no-store"}
		}
		_ = req.Respond(f.Body, micro.WithHeaders(h))
	})
}

// The export routes of contract 6.
var exportRoutes = []struct {
	pattern, kind, format string
}{
	{"GET /v1/maps/{mapId}/export.json", ExportMap, FormatJSON},
	{"GET /v1/maps/{mapId}/export.csv", ExportMap, FormatCSV},
	{"GET /v1/maps/{mapId}/export.graphml", ExportMap, FormatGraphML},
	{"GET /v1/maps/{mapId}/export.gexf", ExportMap, FormatGEXF},
	{"GET /v1/maps/{mapId}/careteam.json", ExportMap, FormatCareTeam},
	{"GET /v1/areas/{municipality}/export.graphml", ExportArea, FormatGraphML},
	{"GET /v1/areas/{municipality}/export.gexf", ExportArea, FormatGEXF},
}

// handleExports registers the export routes on mux:
//
//	GET /v1/maps/{mapId}/export.{json,csv,graphml,gexf}?at=&knownAt= (csv also &table=relations|actors)
//	GET /v1/maps/{mapId}/careteam.json?at=&knownAt=
//	GET /v1/areas/{municipality}/export.{graphml,gexf}?at=&knownAt=
func (s *Service) handleExports(mux *query.Routes) {
	for _, rt := range exportRoutes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			q := ExportQuery{Kind: rt.kind, Format: rt.format}
			params := map[string]any{"at": &q.At, "knownAt": &q.KnownAt}
			if rt.kind == ExportMap {
				q.ID = r.PathValue("mapId")
			} else {
				q.ID = r.PathValue("municipality")
			}
			if rt.format == FormatCSV {
				params["table"] = &q.Table
			}
			if err := query.Params(r, params); err != nil {
				query.WriteError(w, r, err)
				return
			}
			f, err := s.Export(r.Context(), q)
			if err != nil {
				query.WriteError(w, r, err)
				return
			}
			w.Header().Set("Content-Type", f.ContentType)
			w.Header().Set("Content-Disposition", f.Disposition())
			w.Header().Set("X-Content-Type-Options", "nosniff")
			if f.Personal {
				w.Header().Set("Cache-Control", "no-store")
			}
			_, _ = w.Write(f.Body)
		})
	}
}
