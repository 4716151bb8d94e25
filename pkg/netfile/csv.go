package netfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/samspill/samspill/pkg/mapdoc"
)

// Table is a CSV table of a map document.
type Table string

// The tables.
const (
	// TableRelations has one row per relation (the default).
	TableRelations Table = "relations"
	// TableActors has one row per actor.
	TableActors Table = "actors"
)

// ParseTable reads a table name; "" is TableRelations.
func ParseTable(s string) (Table, error) {
	switch Table(s) {
	case "", TableRelations:
		return TableRelations, nil
	case TableActors:
		return TableActors, nil
	}
	return "", fmt.Errorf("unknown table %q (want %s or %s)", s, TableRelations, TableActors)
}

// The columns of the tables, in order.
var (
	RelationColumns = []string{"id", "from", "fromName", "fromSector", "to", "toName", "toSector", "type", "quality",
		"formalised", "validFrom", "validTo", "active", "lastContact", "contacts", "trust", "value", "inpatient"}
	ActorColumns = []string{"id", "name", "kind", "sector", "sectorGroup", "level", "directory", "importance",
		"influence", "public", "linkage", "attitude", "role", "whatMatters"}
)

// MapCSV writes one table of a map document as CSV (RFC 4180, UTF-8
// without byte-order mark, CRLF line ends), with a header row of the
// table's columns (RelationColumns or ActorColumns) and the rows sorted by
// id. Cells that a spreadsheet would take as a formula get a leading
// apostrophe (see the package documentation).
func MapCSV(w io.Writer, d *mapdoc.Document, t Table) error {
	n, err := fromMap(d)
	if err != nil {
		return err
	}
	var rows [][]string
	switch t {
	case TableRelations, "":
		rows = append(rows, RelationColumns)
		names := map[string]item{}
		for _, it := range n.nodes {
			names[it.id] = it
		}
		for _, e := range n.edges {
			from, to := names[e.source], names[e.target]
			row := []string{e.id, e.source, from.label, from.values["sector"], e.target, to.label, to.values["sector"]}
			for _, c := range RelationColumns[len(row):] {
				row = append(row, e.values[c])
			}
			rows = append(rows, row)
		}
	case TableActors:
		rows = append(rows, ActorColumns)
		for _, a := range n.nodes {
			row := []string{a.id, a.label}
			for _, c := range ActorColumns[len(row):] {
				row = append(row, a.values[c])
			}
			rows = append(rows, row)
		}
	default:
		return fmt.Errorf("netfile: unknown table %q", t)
	}
	return WriteCSV(w, rows)
}

// WriteCSV writes rows (the first being the header) as CSV: RFC 4180,
// UTF-8 without byte-order mark, CRLF line ends, every cell defused (see
// Defuse). Every CSV Samspill serves goes through it.
func WriteCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = Defuse(c)
		}
		if err := cw.Write(safe); err != nil {
			return fmt.Errorf("netfile: write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("netfile: write CSV: %w", err)
	}
	return nil
}

// Defuse returns a CSV cell that spreadsheets show as text: s with a
// leading apostrophe when it begins with =, +, -, @, a tab or a carriage
// return (OWASP's CSV injection advice), otherwise s.
func Defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
