package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
)

// This file serves the downloads of the map and region pages. They are
// fetched over NATS with the user's assertion, like everything else the
// pages show, so the browser needs no credential for the HTTP API: the
// graph service's exports (samspill.query.export), the render service's
// pictures (samspill.render.*), and the matrix and prevalence as CSV made
// with the services' own functions from their answers.

// download is one file of a page: its route's last segment and what it
// asks.
type download struct {
	name, format, table string
}

// mapDownloads are a map's files, as the HTTP API names them.
func mapDownloads() []download {
	return []download{
		{"export.json", graph.FormatJSON, ""},
		{"export.csv", graph.FormatCSV, ""},
		{"export.graphml", graph.FormatGraphML, ""},
		{"export.gexf", graph.FormatGEXF, ""},
		{"careteam.json", graph.FormatCareTeam, ""},
	}
}

// atParam reads the request's at= date ("" when absent); ok is false for
// a date that does not parse (the answer is then written).
func atParam(q *req) (string, bool) {
	at := q.r.URL.Query().Get("at")
	if at == "" {
		return "", true
	}
	if _, err := date.Parse(at); err != nil {
		http.Error(q.w, "bad date", http.StatusBadRequest)
		return "", false
	}
	return at, true
}

// mapParams reads a download's map id and date, answering the request
// itself (and reporting false) when either is malformed.
func (s *Server) mapParams(q *req) (id, at string, ok bool) {
	id = q.r.PathValue("mapId")
	if !event.IsUUID(id) {
		s.errorPage(q, http.StatusNotFound, "error.nomap")
		return "", "", false
	}
	at, ok = atParam(q)
	return id, at, ok
}

// mapExport serves one of a map's exports (samspill.query.export).
func (s *Server) mapExport(d download) handler {
	return func(q *req) {
		id, at, ok := s.mapParams(q)
		if !ok {
			return
		}
		eq := graph.ExportQuery{Kind: graph.ExportMap, ID: id, Format: d.format}
		if d.format == graph.FormatCSV {
			eq.Table = "relations"
			if q.r.URL.Query().Get("table") == "actors" {
				eq.Table = "actors"
			}
		}
		if at != "" {
			eq.At, _ = date.Parse(at)
		}
		msg, err := s.client.file(q.r.Context(), queryPrefix+"export", eq)
		s.serveFile(q, msg, err, "map-"+id+"."+d.format, "error.nomap")
	}
}

// mapPictureFile serves a map's picture as a file (samspill.render.map).
func (s *Server) mapPictureFile(format string) handler {
	return func(q *req) {
		id, at, ok := s.mapParams(q)
		if !ok {
			return
		}
		pq := map[string]string{"mapId": id, "format": format, "lang": langParam(q.r.URL.Query().Get("lang"), q.lang)}
		if at != "" {
			pq["at"] = at
		}
		msg, err := s.client.file(q.r.Context(), renderPrefix+"map", pq)
		s.serveFile(q, msg, err, "map-"+id+"."+format, "error.nomap")
	}
}

// ownArea returns the municipality of the request's path when it is the
// analyst's own; otherwise it answers and returns "".
func (s *Server) ownArea(q *req) string {
	m := q.r.PathValue("municipality")
	if !event.IsMunicipality(m) {
		s.errorPage(q, http.StatusNotFound, "error.noarea")
		return ""
	}
	if m != q.sess.Municipality {
		s.errorPage(q, http.StatusForbidden, "error.area.other")
		return ""
	}
	return m
}

// areaExport serves the region's organisation graph (GraphML or GEXF).
func (s *Server) areaExport(format string) handler {
	return func(q *req) {
		m := s.ownArea(q)
		if m == "" {
			return
		}
		msg, err := s.client.file(q.r.Context(), queryPrefix+"export", graph.ExportQuery{Kind: graph.ExportArea, ID: m, Format: format})
		s.serveFile(q, msg, err, "area-"+m+"."+format, "error.noarea")
	}
}

// areaPictureFile serves the region's picture as a file.
func (s *Server) areaPictureFile(format string) handler {
	return func(q *req) {
		m := s.ownArea(q)
		if m == "" {
			return
		}
		msg, err := s.client.file(q.r.Context(), renderPrefix+"area",
			map[string]string{"municipality": m, "format": format, "lang": langParam(q.r.URL.Query().Get("lang"), q.lang)})
		s.serveFile(q, msg, err, "area-"+m+"."+format, "error.noarea")
	}
}

// matrixCSV serves the region's shared-citizen matrix as CSV.
func (s *Server) matrixCSV(q *req) {
	m := s.ownArea(q)
	if m == "" {
		return
	}
	var ans graph.MatrixAnswer
	err := s.client.query(q.r.Context(), "matrix", map[string]any{"municipality": m}, &ans)
	s.serveCSV(q, err, func() ([]byte, error) { return graph.MatrixCSV(&ans) }, fmt.Sprintf("matrix-%s-%s.csv", m, ans.At))
}

// prevalenceCSV serves the region's gap prevalence as CSV, for the
// period of the page (from, to, step).
func (s *Server) prevalenceCSV(q *req) {
	m := s.ownArea(q)
	if m == "" {
		return
	}
	pq := map[string]string{"municipality": m, "step": "month"}
	for _, k := range []string{"from", "to"} {
		if v := q.r.URL.Query().Get(k); v != "" {
			if _, err := date.Parse(v); err != nil {
				http.Error(q.w, "bad date", http.StatusBadRequest)
				return
			}
			pq[k] = v
		}
	}
	var ans gap.PrevalenceAnswer
	err := s.client.query(q.r.Context(), "prevalence", pq, &ans)
	s.serveCSV(q, err, func() ([]byte, error) { return gap.PrevalenceCSV(&ans) }, "prevalence-"+m+".csv")
}

func (s *Server) serveCSV(q *req, err error, csv func() ([]byte, error), name string) {
	var body []byte
	if err == nil {
		body, err = csv()
	}
	var msg *nats.Msg
	if err == nil {
		msg = &nats.Msg{Data: body, Header: nats.Header{"Content-Type": {"text/csv; charset=utf-8; header=present"}}}
	}
	s.serveFile(q, msg, err, name, "error.noarea")
}

// serveFile writes a file fetched over NATS as a download named name, or
// the page of its failure: the service's 401 or 403, notFound for 404,
// 503 when the service does not answer.
func (s *Server) serveFile(q *req, msg *nats.Msg, err error, name, notFound string) {
	if err != nil {
		if s.refused(q, err) {
			return
		}
		var se *serviceError
		if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusBadRequest) {
			s.errorPage(q, http.StatusNotFound, notFound)
			return
		}
		s.errorPage(q, http.StatusServiceUnavailable, s.queryFailure("download", err))
		return
	}
	h := q.w.Header()
	h.Set("Content-Type", cmp.Or(msg.Header.Get("Content-Type"), "application/octet-stream"))
	// Names of the file are made of ids and dates only.
	h.Set("Content-Disposition", cmp.Or(msg.Header.Get("Content-Disposition"), fmt.Sprintf("attachment; filename=%q", name)))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	_, _ = q.w.Write(msg.Data)
}
