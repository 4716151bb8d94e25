package mapimport

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Line is the outcome of one input row or resource.
type Line struct {
	// Where names the row or resource: "row 7", "rows 9 to 11",
	// "Bundle.entry[3] (Practitioner/abc)", or "file", "header", "Bundle"
	// for the input as a whole.
	Where string
	// Took says what it became, e.g. `actor "gp-2" (primary-health,
	// person)`; "" if it was rejected or skipped.
	Took string
	// Problem says why it was rejected or skipped, or what was adjusted;
	// "" if it was taken as it is.
	Problem string
	// Rejected is true when the line makes the whole import fail.
	Rejected bool
}

// String renders l on one line for logs and golden files.
func (l Line) String() string {
	var b strings.Builder
	b.WriteString(l.Where)
	if l.Rejected {
		b.WriteString(": REJECTED")
	}
	if l.Took != "" {
		b.WriteString(": took ")
		b.WriteString(l.Took)
	}
	if l.Problem != "" {
		b.WriteString(": ")
		b.WriteString(l.Problem)
	}
	return b.String()
}

// Report lists the outcome of every row or resource in input order, with
// the lines about the input as a whole (Where "file", "header", "Bundle")
// where they arose.
type Report struct {
	Lines []Line
	// Rejected counts the lines with Rejected set.
	Rejected int
}

func (r *Report) add(l Line) {
	r.Lines = append(r.Lines, l)
	if l.Rejected {
		r.Rejected++
	}
}

func (r *Report) reject(where, format string, args ...any) {
	r.add(Line{Where: where, Problem: fmt.Sprintf(format, args...), Rejected: true})
}

// ErrRejected is returned (wrapped) when any line is rejected: a rejected
// file writes nothing, and the document returned with it is nil.
var ErrRejected = errors.New("import rejected")

// ErrOptions is returned (wrapped) when the options are unusable (a map id
// that is not a lower-case UUID, a missing asOf, a bad municipality number).
// It is the caller's mistake, not the file's, so no report comes with it.
var ErrOptions = errors.New("invalid import options")

func rejected(rep Report) error {
	return fmt.Errorf("mapimport: %w: %d of %d lines rejected; nothing was imported", ErrRejected, rep.Rejected, len(rep.Lines))
}

var (
	uuidPattern         = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	municipalityPattern = regexp.MustCompile(`^[0-9]{3,4}$`)
)

func optionsError(format string, args ...any) error {
	return fmt.Errorf("mapimport: %w: %s", ErrOptions, fmt.Sprintf(format, args...))
}

// checkMapID checks a map id chosen by the caller.
func checkMapID(id string) error {
	if !uuidPattern.MatchString(id) {
		return optionsError("MapID is not a lower-case UUID")
	}
	if nationalid.Check("MapID", id) != nil {
		return optionsError("MapID holds what looks like a national identity number; choose another UUID")
	}
	return nil
}

func checkMunicipality(m string) error {
	if !municipalityPattern.MatchString(m) {
		return optionsError("municipality is not a municipality number (3 or 4 digits)")
	}
	return nil
}

// validators compiles the schemas once per process.
var validators = sync.OnceValues(mapdoc.NewValidator)

// finish runs a document built here through the same checks as samspill
// import: Canonical, then Parse. A refusal is a bug in this package, and is
// returned as an error that does not wrap ErrRejected.
func finish(d *mapdoc.Document) (*mapdoc.Document, error) {
	v, err := validators()
	if err != nil {
		return nil, fmt.Errorf("mapimport: %w", err)
	}
	out, _, err := v.Parse(mapdoc.Canonical(d))
	if err != nil {
		return nil, fmt.Errorf("mapimport: internal error, the imported document fails validation (please report this): %w", err)
	}
	return out, nil
}

// Limits of the document schema, in characters (code points).
const (
	maxName = 200
	maxText = 2000
	// maxQuote is the most characters of an input value a report quotes.
	maxQuote = 60
)

// q quotes a value from the input for a report message: cut to maxQuote
// characters, with the digits of any national identity number masked
// before and after cutting, so that a report never carries one.
func q(s string) string {
	s = nationalid.Mask(s)
	if utf8.RuneCountInString(s) > maxQuote {
		r := []rune(s)
		s = nationalid.Mask(string(r[:maxQuote])) + "…"
	}
	return strconv.Quote(s)
}

// nidMessage returns "" when value holds no national identity number, and
// otherwise a message naming where it is ("the name", "column 4") and the
// kind of number, never the digits.
func nidMessage(where, value string) string {
	m, ok := nationalid.Contains(value)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s holds what looks like a %s; national identity numbers must not be stored — remove it", where, m.Kind)
}

// cleanName makes a display name of s: control characters and line breaks
// become spaces, runs of white space one space, and the ends are trimmed.
// changed reports whether a control character or line break was replaced.
func cleanName(s string) (name string, changed bool) {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			changed = true
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " "), changed
}

// cleanText makes free text of s: CR LF and lone CR become LF, other
// control characters except tab are dropped, and the ends are trimmed.
// changed reports whether a control character was dropped.
func cleanText(s string) (text string, changed bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			changed = true
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s), changed
}

// fold normalises a word for looking it up: lower case, white space and
// underscores collapsed to single spaces, trailing ':', '*' and '.' dropped.
func fold(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if r == '_' || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, ":*. ")
}

// slugFold spells the letters of Nordic and other Latin alphabets in ASCII.
var slugFold = map[rune]string{
	'æ': "ae", 'ø': "o", 'å': "a", 'ä': "a", 'ö': "o", 'é': "e",
	'á': "a", 'à': "a", 'â': "a", 'ã': "a", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ó': "o", 'ò': "o", 'ô': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ñ': "n", 'ç': "c",
	'ß': "ss", 'þ': "th", 'ð': "d", 'č': "c", 'š': "s", 'ž': "z",
}

// maxSlug leaves room for a "-NNNN" suffix within the 64 characters of a
// local id.
const maxSlug = 48

// slug makes the base of a local id from a name: lower-case ASCII letters
// and digits, every other run of characters one '-'. It falls back to
// fallback when nothing is left.
func slug(name, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		default:
			s = slugFold[r]
		}
		if s == "" {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(s)
	}
	out := b.String()
	if len(out) > maxSlug {
		out = strings.TrimRight(out[:maxSlug], "-")
	}
	if out == "" {
		return fallback
	}
	return out
}

// ids hands out unique local ids.
type ids struct {
	used map[string]bool
	last map[string]int // the last suffix tried per base
}

func newIDs(reserved ...string) *ids {
	u := &ids{used: map[string]bool{}, last: map[string]int{}}
	for _, r := range reserved {
		u.used[r] = true
	}
	return u
}

// next returns the slug of name, or of fallback, made unique with -2, -3….
// An id that would hold something looking like a national identity number
// (digits in a name can line up that way once separators become '-') is
// never handed out: such a name falls back to fallback.
func (u *ids) next(name, fallback string) string {
	base := slug(name, fallback)
	if _, bad := nationalid.Contains(base); bad {
		base = fallback
	}
	for n := max(1, u.last[base]+1); ; n++ {
		u.last[base] = n
		id := base
		if n > 1 {
			id = base + "-" + strconv.Itoa(n)
		}
		if u.used[id] {
			continue
		}
		if _, bad := nationalid.Contains(id); bad {
			continue
		}
		u.used[id] = true
		return id
	}
}

// levelFor is the level of an actor: next of kin (and the person) work at
// the individual level, everyone else at the service level.
func levelFor(s stakeholder.Sector) stakeholder.Level {
	if s == stakeholder.SectorInformal || s == stakeholder.SectorCitizen {
		return stakeholder.LevelIndividual
	}
	return stakeholder.LevelService
}

// citizenID is the local id of the person in focus.
const citizenID = "citizen"
