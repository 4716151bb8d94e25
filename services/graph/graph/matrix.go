package graph

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/samspill/samspill/pkg/netfile"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/region"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// MatrixQuery asks for the organisation-pair matrix of a municipality.
type MatrixQuery struct {
	Municipality string    `json:"municipality"`
	At           date.Date `json:"at,omitzero"`
	// K is the suppression threshold: default and at least 5.
	K int `json:"k,omitempty"`
}

// MatrixOrganisation is one side of a pair.
type MatrixOrganisation struct {
	EntryID string             `json:"entryId"`
	Name    string             `json:"name"`
	Sector  stakeholder.Sector `json:"sector"`
}

// MatrixPair is one cell: how many citizen maps have both organisations
// among the person's services, and on how many of those the two have a
// working tie. A cell of fewer than K citizens is suppressed: its counts
// are 0 and it has no share.
type MatrixPair struct {
	A              MatrixOrganisation `json:"a"`
	B              MatrixOrganisation `json:"b"`
	SharedCitizens int                `json:"sharedCitizens"`
	Collaborating  int                `json:"collaborating"`
	// Share is Collaborating / SharedCitizens, rounded to four decimals;
	// absent when suppressed or when they share no one.
	Share      *float64 `json:"share,omitempty"`
	Suppressed bool     `json:"suppressed"`
}

// MatrixAnswer is the matrix of an area on a date.
type MatrixAnswer struct {
	Municipality string       `json:"municipality"`
	At           date.Date    `json:"at"`
	K            int          `json:"k"`
	Pairs        []MatrixPair `json:"pairs"`
}

// Matrix answers a MatrixQuery from the system-wide graph of the area
// (pkg/region), one pair per edge of it, in its order. As in that graph, a
// suppressed pair is listed only when the two also have an agreement;
// other suppressed pairs are left out, so that no one can tell a pair
// sharing one citizen from a pair sharing none. Only a principal who may
// read the area's aggregates gets it.
func (s *Service) Matrix(ctx context.Context, q MatrixQuery) (*MatrixAnswer, error) {
	if err := s.readArea(ctx, opMatrix, q.Municipality); err != nil {
		return nil, err
	}
	if !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.K < 0 {
		return nil, query.Invalid("k", "must be positive")
	}
	if q.At.IsZero() {
		q.At = s.today()
	}
	g := region.Build(s.store, region.Query{Municipality: q.Municipality, At: q.At, K: q.K})
	orgs := make(map[string]MatrixOrganisation, len(g.Organisations))
	for _, o := range g.Organisations {
		orgs[o.ID] = MatrixOrganisation{EntryID: o.ID, Name: o.Name, Sector: o.Sector}
	}
	org := func(id string) MatrixOrganisation {
		if o, ok := orgs[id]; ok {
			return o
		}
		if e, ok := s.store.Entry(id); ok {
			return MatrixOrganisation{EntryID: id, Name: e.Name, Sector: e.Sector}
		}
		return MatrixOrganisation{EntryID: id} // named on a map but not (yet) in the directory
	}
	out := &MatrixAnswer{Municipality: q.Municipality, At: q.At, K: g.K, Pairs: make([]MatrixPair, 0, len(g.Edges))}
	for _, e := range g.Edges {
		p := MatrixPair{A: org(e.A), B: org(e.B), Suppressed: e.Suppressed}
		if !e.Suppressed {
			p.SharedCitizens, p.Collaborating = e.SharedCitizens, e.CollaborationMaps
			if e.SharedCitizens > 0 {
				share := math.Round(float64(e.CollaborationMaps)/float64(e.SharedCitizens)*1e4) / 1e4
				p.Share = &share
			}
		}
		out.Pairs = append(out.Pairs, p)
	}
	return out, nil
}

// MatrixCSV writes the matrix as CSV (RFC 4180: CRLF line ends, a header
// row), every text cell safe to open in a spreadsheet.
func MatrixCSV(m *MatrixAnswer) ([]byte, error) {
	var buf bytes.Buffer
	rows := [][]string{{"aEntryId", "aName", "aSector", "bEntryId", "bName", "bSector", "sharedCitizens", "collaborating", "share", "suppressed"}}
	for _, p := range m.Pairs {
		share := ""
		if p.Share != nil {
			share = strconv.FormatFloat(*p.Share, 'f', -1, 64)
		}
		rows = append(rows, []string{p.A.EntryID, p.A.Name, string(p.A.Sector), p.B.EntryID, p.B.Name, string(p.B.Sector),
			strconv.Itoa(p.SharedCitizens), strconv.Itoa(p.Collaborating), share, strconv.FormatBool(p.Suppressed)})
	}
	if err := netfile.WriteCSV(&buf, rows); err != nil {
		return nil, fmt.Errorf("graph: matrix csv: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *Service) matrixFromRequest(r *http.Request) (*MatrixAnswer, error) {
	q := MatrixQuery{Municipality: r.PathValue("municipality")}
	if err := query.Params(r, map[string]any{"at": &q.At, "k": &q.K}); err != nil {
		return nil, err
	}
	return s.Matrix(r.Context(), q)
}

// serveMatrix serves GET /v1/areas/{municipality}/matrix?at=&k=.
func (s *Service) serveMatrix(w http.ResponseWriter, r *http.Request) {
	ans, err := s.matrixFromRequest(r)
	if err != nil {
		query.WriteError(w, r, err)
		return
	}
	query.WriteJSON(w, ans)
}

// serveMatrixCSV serves GET /v1/areas/{municipality}/matrix.csv?at=&k=.
func (s *Service) serveMatrixCSV(w http.ResponseWriter, r *http.Request) {
	ans, err := s.matrixFromRequest(r)
	if err == nil {
		var b []byte
		if b, err = MatrixCSV(ans); err == nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="matrix-%s-%s.csv"`, ans.Municipality, ans.At))
			_, _ = w.Write(b)
			return
		}
	}
	query.WriteError(w, r, err)
}
