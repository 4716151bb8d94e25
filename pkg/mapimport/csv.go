package mapimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Limits of a CSV file.
const (
	MaxCSVSize = 1 << 20 // bytes in the file
	MaxCSVRows = 500     // actor rows, blank lines and the header not counted
	MaxCSVLine = 4 << 10 // bytes in one line
)

// CSVOptions says what the actor-mapping form is about.
type CSVOptions struct {
	// Focus is the map's focus: kind citizen (or empty, taken as citizen),
	// the label and the municipality number.
	Focus mapdoc.Focus
	// AsOf is the map's date; every relation of the form starts on it.
	AsOf date.Date
	// CitizenName is the name of the person in focus (actor "citizen");
	// Focus.Label when empty, and the other way round.
	CitizenName string
	// MapID is the map's id, a lower-case UUID the caller chooses.
	MapID string
}

// check validates the options and returns the focus and the person's name.
func (o CSVOptions) check() (mapdoc.Focus, string, error) {
	f := o.Focus
	if err := checkMapID(o.MapID); err != nil {
		return f, "", err
	}
	if err := checkAsOf(o.AsOf); err != nil {
		return f, "", err
	}
	if f.Kind == "" {
		f.Kind = stakeholder.FocusCitizen
	}
	if f.Kind != stakeholder.FocusCitizen {
		return f, "", optionsError("the actor-mapping form maps one person's network; Focus.Kind must be citizen")
	}
	if err := checkMunicipality(f.Municipality); err != nil {
		return f, "", err
	}
	if f.Region != "" && !regionPattern.MatchString(f.Region) {
		return f, "", optionsError("Focus.Region is not a region code")
	}
	label, _ := cleanName(f.Label)
	name, _ := cleanName(o.CitizenName)
	if label == "" {
		label = name
	}
	if name == "" {
		name = label
	}
	for _, fv := range [][2]string{{"Focus.Label", label}, {"CitizenName", name}} {
		field, v := fv[0], fv[1]
		switch {
		case v == "":
			return f, "", optionsError("CitizenName and Focus.Label are both empty")
		case utf8.RuneCountInString(v) > maxName:
			return f, "", optionsError("%s is longer than %d characters", field, maxName)
		case nationalid.Check(field, v) != nil:
			return f, "", optionsError("%s holds what looks like a national identity number", field)
		}
	}
	f.Label = label
	return f, name, nil
}

var regionPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// CSV imports the actor-mapping form ("skjema for aktørkartlegging"): a
// header line and one row per actor with the columns name, sector, kind,
// relation to the person, importance, influence and notes. See the package
// documentation for the columns and values it understands.
//
// Every row becomes an actor and one relation between it and the person in
// focus (actor "citizen"), starting on opts.AsOf, of quality unknown. The
// report has a line for every row. If any line is rejected, the document
// is nil and the error wraps ErrRejected; an error wrapping ErrOptions
// means the options are unusable; any other error is an I/O failure or a
// bug.
func CSV(r io.Reader, opts CSVOptions) (*mapdoc.Document, Report, error) {
	focus, citizenName, err := opts.check()
	if err != nil {
		return nil, Report{}, err
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxCSVSize+1))
	if err != nil {
		return nil, Report{}, fmt.Errorf("mapimport: reading: %w", err)
	}
	var rep Report
	if len(b) > MaxCSVSize {
		rep.reject("file", "is larger than 1 MiB; a form has at most %d rows", MaxCSVRows)
		return nil, rep, rejected(rep)
	}
	text, ok := decodeText(b, &rep)
	if !ok {
		return nil, rep, rejected(rep)
	}
	im := &csvImport{
		rep:  &rep,
		asOf: opts.AsOf,
		cols: [numColumns]int{-1, -1, -1, -1, -1, -1, -1},
		ids:  newIDs(citizenID),
		seen: map[string]int{},
		actors: []mapdoc.Actor{{
			ID: citizenID, Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen,
			Level: stakeholder.LevelIndividual, Name: citizenName,
		}},
	}
	im.read(text)
	if rep.Rejected > 0 {
		return nil, rep, rejected(rep)
	}
	doc := &mapdoc.Document{
		Schema:      mapdoc.SchemaMap,
		ID:          opts.MapID,
		Focus:       focus,
		AsOf:        opts.AsOf,
		Actors:      im.actors,
		Relations:   im.relations,
		Coordinator: im.coordinator,
	}
	out, err := finish(doc)
	if err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// csvImport is the state of one CSV import.
type csvImport struct {
	rep  *Report
	asOf date.Date

	header      int             // the header's line, 0 before it is read
	width       int             // the number of header cells
	cols        [numColumns]int // the index of each column in a row, -1 if absent
	rows        int             // actor rows so far
	ids         *ids            // actor ids handed out
	seen        map[string]int  // name and sector of each row → its line
	coordRow    int             // the row of the map's coordinator
	lineLen     []int           // the length of each line in bytes, [0] unused
	nl          []int           // the offset of every '\n'
	blankFrom   int             // the first line of a pending run of blank lines, 0 if none
	blankTo     int             // its last line
	actors      []mapdoc.Actor  // the actors, the person first
	relations   []mapdoc.Relation
	coordinator *mapdoc.Coordinator
}

var sepLine = regexp.MustCompile(`^(?i:sep)=(.?)\r?$`)

// read parses the text and imports every record.
func (im *csvImport) read(text string) {
	// Excel's "sep=;" line names the separator; cut it but keep its
	// newline, so that line numbers stay those of the file.
	first, _, _ := strings.Cut(text, "\n")
	var sep rune
	sepAt := 0
	if m := sepLine.FindStringSubmatch(first); m != nil {
		switch m[1] {
		case ";", ",":
			sep = rune(m[1][0])
		default:
			im.rep.reject("row 1", "the line \"sep=…\" names a separator other than ';' or ','")
			return
		}
		text = text[len(first):]
		sepAt = 1
	}
	im.index(text)
	if sep == 0 {
		sep = sniff(text)
	}

	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	prevEnd := sepAt // the last line of the previous record
	for {
		fields, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			im.flushBlank()
			im.parseError(err)
			return
		}
		start, _ := r.FieldPos(0)
		end := im.lineOf(int(r.InputOffset()) - 1)
		im.blank(prevEnd+1, start-1)
		prevEnd = end
		if isBlank(fields) {
			im.blank(start, end)
			continue
		}
		im.flushBlank()
		if long := im.longLine(start, end); long > 0 {
			where := "row " + strconv.Itoa(start)
			if im.header == 0 {
				where = "header"
			}
			im.rep.reject(where, "line %d is longer than %d bytes", long, MaxCSVLine)
			if im.header == 0 {
				return
			}
			im.rows++
			if im.rows > MaxCSVRows {
				im.tooMany()
				return
			}
			continue
		}
		if im.header == 0 {
			im.header = start
			if !im.readHeader(fields) {
				return
			}
			continue
		}
		im.rows++
		if im.rows > MaxCSVRows {
			im.tooMany()
			return
		}
		im.row(start, fields)
	}
	im.blank(prevEnd+1, len(im.lineLen)-1)
	im.flushBlank()
	switch {
	case im.header == 0:
		im.rep.reject("file", "is empty; want a header line (navn;sektor;type;relasjon;betydning;påvirkning;notater) and one row per actor")
	case im.rows == 0:
		im.rep.add(Line{Where: "file", Problem: "has no actor rows; only the person in focus is imported"})
	}
}

// index records the length of every line and the offset of every newline.
func (im *csvImport) index(text string) {
	im.lineLen = make([]int, 1, 64)
	for rest, off := text, 0; ; {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			if rest != "" {
				im.lineLen = append(im.lineLen, len(rest))
			}
			break
		}
		im.lineLen = append(im.lineLen, len(strings.TrimSuffix(rest[:i], "\r")))
		im.nl = append(im.nl, off+i)
		rest, off = rest[i+1:], off+i+1
	}
}

// lineOf returns the line of the byte at offset off of the text.
func (im *csvImport) lineOf(off int) int {
	n, _ := slices.BinarySearch(im.nl, off)
	return n + 1
}

// longLine returns the first line from..to longer than MaxCSVLine, or 0.
func (im *csvImport) longLine(from, to int) int {
	for l := from; l <= to && l < len(im.lineLen); l++ {
		if im.lineLen[l] > MaxCSVLine {
			return l
		}
	}
	return 0
}

// sniff picks the separator of the first non-blank line: ';' if it has
// more semicolons than commas outside quotes, ',' otherwise.
func sniff(text string) rune {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		semi, comma, quoted := 0, 0, false
		for _, c := range line {
			switch c {
			case '"':
				quoted = !quoted
			case ';':
				if !quoted {
					semi++
				}
			case ',':
				if !quoted {
					comma++
				}
			}
		}
		if semi > comma {
			return ';'
		}
		return ','
	}
	return ','
}

func isBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// blank notes that lines from..to are blank; runs are reported as one line.
func (im *csvImport) blank(from, to int) {
	if from > to {
		return
	}
	if im.blankFrom != 0 && from == im.blankTo+1 {
		im.blankTo = to
		return
	}
	im.flushBlank()
	im.blankFrom, im.blankTo = from, to
}

func (im *csvImport) flushBlank() {
	if im.blankFrom == 0 {
		return
	}
	l := Line{Where: "row " + strconv.Itoa(im.blankFrom), Problem: "blank line, skipped"}
	if im.blankTo > im.blankFrom {
		l = Line{Where: fmt.Sprintf("rows %d to %d", im.blankFrom, im.blankTo), Problem: "blank lines, skipped"}
	}
	im.rep.add(l)
	im.blankFrom, im.blankTo = 0, 0
}

// tooMany rejects the file for having more than MaxCSVRows rows. The lines
// of the rows read so far are dropped: the file must be split anyway.
func (im *csvImport) tooMany() {
	keep := im.rep.Lines[:0]
	rejected := 0
	for _, l := range im.rep.Lines {
		if l.Where == "file" || l.Where == "header" {
			keep = append(keep, l)
			if l.Rejected {
				rejected++
			}
		}
	}
	im.rep.Lines, im.rep.Rejected = keep, rejected
	im.rep.reject("file", "has more than %d actor rows; split it into forms of at most %d rows", MaxCSVRows, MaxCSVRows)
}

// parseError reports a record that encoding/csv could not read. Nothing
// after it can be read reliably, so the import stops there.
func (im *csvImport) parseError(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		im.rep.reject("file", "cannot be read as CSV")
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		at := ""
		if pe.Line != pe.StartLine {
			at = fmt.Sprintf(" (found on line %d)", pe.Line)
		}
		im.rep.reject("row "+strconv.Itoa(pe.StartLine),
			"a quoted value is not closed properly: its closing \" is missing, or text follows it%s; nothing after it was read", at)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		im.rep.reject("row "+strconv.Itoa(pe.StartLine),
			"a \" inside a value that does not begin with one (line %d); put the whole value in quotes and double the \" inside it; nothing after it was read", pe.Line)
	default:
		im.rep.reject("row "+strconv.Itoa(pe.StartLine), "cannot be read as CSV; nothing after it was read")
	}
}

// readHeader maps the header's cells to columns. It returns false when the
// header is rejected.
func (im *csvImport) readHeader(fields []string) bool {
	im.width = len(fields)
	var problems, rejects []string
	for i, h := range fields {
		if m := nidMessage("column "+strconv.Itoa(i+1), h); m != "" {
			rejects = append(rejects, m)
			continue
		}
		f := fold(h)
		if f == "" {
			continue
		}
		c, ok := headerWords[f]
		if !ok {
			problems = append(problems, fmt.Sprintf("column %d %s is not a column of the form; ignored", i+1, q(strings.TrimSpace(h))))
			continue
		}
		if prev := im.cols[c]; prev >= 0 {
			rejects = append(rejects, fmt.Sprintf("columns %d and %d are both the %s column", prev+1, i+1, columnNames[c]))
			continue
		}
		im.cols[c] = i
	}
	if im.cols[colName] < 0 {
		rejects = append(rejects, "no name column (navn, name or aktør); the first line must be the header, for example navn;sektor;type;relasjon;betydning;påvirkning;notater")
	}
	if im.cols[colSector] < 0 {
		rejects = append(rejects, "no sector column (sektor or sector)")
	}
	if len(rejects) > 0 {
		im.rep.add(Line{Where: "header", Problem: strings.Join(rejects, "; "), Rejected: true})
		return false
	}
	var took []string
	for c := range numColumns {
		if im.cols[c] >= 0 {
			took = append(took, columnNames[c])
		}
	}
	if im.cols[colKind] < 0 {
		problems = append(problems, "no kind column: each actor's kind follows from its sector")
	}
	if im.cols[colRelation] < 0 {
		problems = append(problems, "no relation column: each relation follows from the sector")
	}
	im.rep.add(Line{Where: "header", Took: "columns " + strings.Join(took, ", "), Problem: strings.Join(problems, "; ")})
	return true
}

// row imports one actor row starting on line n.
func (im *csvImport) row(n int, fields []string) {
	where := "row " + strconv.Itoa(n)
	var rejects, notes []string
	reject := func(format string, args ...any) { rejects = append(rejects, fmt.Sprintf(format, args...)) }
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	done := func(took string) {
		if len(rejects) > 0 {
			im.rep.add(Line{Where: where, Problem: strings.Join(rejects, "; "), Rejected: true})
			return
		}
		im.rep.add(Line{Where: where, Took: took, Problem: strings.Join(notes, "; ")})
	}

	if len(fields) > im.width {
		if !isBlank(fields[im.width:]) {
			reject("has %d values but the header has %d columns; a value holding the separator must be in quotes", len(fields), im.width)
		}
	}
	// The privacy guard first, so that no message below can quote a number.
	for i, f := range fields {
		label := "column " + strconv.Itoa(i+1)
		for c, at := range im.cols {
			if at == i {
				label = "the " + columnNames[c] + " column"
			}
		}
		if m := nidMessage(label, f); m != "" {
			reject("%s", m)
		}
	}
	if len(rejects) > 0 {
		done("")
		return
	}
	cell := func(c column) (string, bool) {
		i := im.cols[c]
		if i < 0 {
			return "", false
		}
		if i >= len(fields) {
			return "", true
		}
		return strings.TrimSpace(fields[i]), true
	}

	raw, _ := cell(colName)
	name, changed := cleanName(raw)
	switch {
	case name == "":
		reject("the name is empty")
	case utf8.RuneCountInString(name) > maxName:
		reject("the name is longer than %d characters", maxName)
	}
	if changed {
		note("a line break in the name became a space")
	}
	if formulaLike(name) {
		note("the name begins like a spreadsheet formula; kept as plain text, never evaluated")
	}

	raw, _ = cell(colSector)
	var sw sectorWord
	switch f := fold(raw); {
	case f == "":
		reject("the sector is empty; use %s", sectorHint())
	case f == string(stakeholder.SectorCitizen):
		reject("sector citizen: the person in focus comes from the import options, not from a row")
	default:
		var ok bool
		if sw, ok = sectorWords[f]; !ok {
			reject("sector %s is not known; use %s", q(raw), sectorHint())
		}
	}

	kind := sw.kind
	if raw, present := cell(colKind); raw != "" {
		k, ok := kindWords[fold(raw)]
		if !ok {
			reject("kind %s is not known; use %s", q(raw), kindHint)
		}
		kind = k
	} else if present && sw.sector != "" {
		note("kind empty; taken as %s", kind)
	}

	rel := defaultRelation(sw.sector, kind)
	if raw, present := cell(colRelation); raw != "" {
		if t, ok := relationWords[fold(raw)]; ok {
			rel = t
		} else if sw.sector != "" {
			note("relation %s not understood; taken as %s (use %s)", q(raw), rel, relationHint)
		}
	} else if present && sw.sector != "" {
		note("relation empty; taken as %s", rel)
	}
	if rel == stakeholder.RelMemberOf && kind != "" && kind != stakeholder.KindForum && kind != stakeholder.KindOrganisation {
		reject("member-of: the person can be a member of a forum or an organisation, not of a %s", kind)
	}

	var a mapdoc.Assessment
	scale := func(c column) stakeholder.Scale {
		raw, _ := cell(c)
		if raw == "" {
			return ""
		}
		s, ok := scaleWords[fold(raw)]
		if !ok {
			note("%s %s not understood; left out (use %s)", columnNames[c], q(raw), scaleHint)
		}
		return s
	}
	a.Importance = scale(colImportance)
	a.Influence = scale(colInfluence)
	raw, _ = cell(colNotes)
	role, _ := cleanText(raw)
	if utf8.RuneCountInString(role) > maxText {
		reject("the notes are longer than %d characters", maxText)
	}
	if formulaLike(role) {
		note("the notes begin like a spreadsheet formula; kept as plain text, never evaluated")
	}
	a.Role = role

	if sw.sector != "" && name != "" {
		key := strings.ToLower(name) + "\x00" + string(sw.sector)
		if first, dup := im.seen[key]; dup {
			reject("the same name and sector as row %d", first)
		} else {
			im.seen[key] = n
		}
	}
	if len(rejects) > 0 {
		done("")
		return
	}

	id := im.ids.next(name, "actor")
	act := mapdoc.Actor{ID: id, Kind: kind, Sector: sw.sector, Level: levelFor(sw.sector), Name: name}
	if a != (mapdoc.Assessment{}) {
		act.Assessment = &a
	}
	im.actors = append(im.actors, act)
	r := mapdoc.Relation{
		ID: "r" + strconv.Itoa(len(im.relations)+1), From: id, To: citizenID, Type: rel,
		Quality: stakeholder.QualityUnknown, ValidFrom: im.asOf,
	}
	if rel == stakeholder.RelMemberOf {
		r.From, r.To = citizenID, id
	}
	im.relations = append(im.relations, r)
	took := fmt.Sprintf("actor %q (%s, %s); relation %s: %s %s %s", id, act.Sector, act.Kind, r.ID, r.From, r.Type, r.To)
	if rel == stakeholder.RelCoordinates {
		if im.coordinator == nil {
			im.coordinator = &mapdoc.Coordinator{Actor: id, Assigned: im.asOf}
			im.coordRow = n
			took += "; the map's coordinator, assigned on asOf"
		} else {
			note("a second coordinator; the one of row %d stays the map's coordinator", im.coordRow)
		}
	}
	done(took)
}
