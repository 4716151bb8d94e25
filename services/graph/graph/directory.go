package graph

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Bounds of a directory search.
const (
	DirectoryLimit    = 20
	DirectoryMaxLimit = 100
	directoryMaxQuery = 200 // characters of q
)

// DirectoryQuery searches the directory of organisations and services.
type DirectoryQuery struct {
	// Q is matched word by word: every word of Q must begin a word of the
	// entry's name, ignoring case ("bæ dps" finds "DPS Bærum"). Empty
	// matches every entry.
	Q            string `json:"q,omitempty"`
	Municipality string `json:"municipality,omitempty"`
	Sector       string `json:"sector,omitempty"`
	// Limit is how many entries to return: default 20, at most 100.
	Limit int `json:"limit,omitempty"`
}

// DirectoryEntry is an entry found by a search.
type DirectoryEntry struct {
	EntryID      string                `json:"entryId"`
	Name         string                `json:"name"`
	Kind         stakeholder.EntryKind `json:"kind"`
	Sector       stakeholder.Sector    `json:"sector"`
	Municipality string                `json:"municipality"`
	Parent       string                `json:"parent,omitempty"`
}

// DirectoryAnswer lists the entries found.
type DirectoryAnswer struct {
	Entries []DirectoryEntry `json:"entries"`
}

// Directory answers a DirectoryQuery over the entries active today (not
// retired): those whose name begins with Q first, then the others, each
// group by name. Every role may search it (an integration with a grant
// covering directory.read).
func (s *Service) Directory(ctx context.Context, q DirectoryQuery) (*DirectoryAnswer, error) {
	if _, err := s.guard.Check(ctx, opDirectory, access.Read, access.Directory); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(q.Q) > directoryMaxQuery {
		return nil, query.Invalid("q", "is longer than %d characters", directoryMaxQuery)
	}
	if !utf8.ValidString(q.Q) {
		return nil, query.Invalid("q", "is not valid UTF-8")
	}
	if q.Municipality != "" && !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.Sector != "" && !stakeholder.Sector(q.Sector).Valid() {
		return nil, query.Invalid("sector", "%q is not a sector", q.Sector)
	}
	switch {
	case q.Limit == 0:
		q.Limit = DirectoryLimit
	case q.Limit < 1 || q.Limit > DirectoryMaxLimit:
		return nil, query.Invalid("limit", "%d is outside 1–%d", q.Limit, DirectoryMaxLimit)
	}
	want := words(q.Q)
	whole := strings.Join(want, " ")
	today := s.today()
	type hit struct {
		e      projection.Entry
		key    string // the name's words, lower case
		prefix bool   // the name begins with the whole query
	}
	var hits []hit
	for _, e := range s.store.Directory() {
		if !e.Retired.IsZero() && !e.Retired.After(today) {
			continue
		}
		if q.Municipality != "" && e.Municipality != q.Municipality || q.Sector != "" && string(e.Sector) != q.Sector {
			continue
		}
		have := words(e.Name)
		if !matchesAll(have, want) {
			continue
		}
		key := strings.Join(have, " ")
		hits = append(hits, hit{e: e, key: key, prefix: strings.HasPrefix(key, whole)})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.prefix != b.prefix {
			if a.prefix {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.e.ID, b.e.ID))
	})
	out := &DirectoryAnswer{Entries: make([]DirectoryEntry, 0, min(len(hits), q.Limit))}
	for _, h := range hits[:min(len(hits), q.Limit)] {
		e := h.e
		out.Entries = append(out.Entries, DirectoryEntry{EntryID: e.ID, Name: e.Name, Kind: e.Kind, Sector: e.Sector,
			Municipality: e.Municipality, Parent: e.Parent})
	}
	return out, nil
}

// words splits s into lower-case words of letters and digits: "NAV
// Bærum-Sandvika" is nav, bærum, sandvika.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// matchesAll reports whether every word of want begins some word of have.
func matchesAll(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) }) {
			return false
		}
	}
	return true
}

// serveDirectory serves GET /v1/directory?q=&municipality=&sector=&limit=.
func (s *Service) serveDirectory(w http.ResponseWriter, r *http.Request) {
	var q DirectoryQuery
	if err := query.Params(r, map[string]any{"q": &q.Q, "municipality": &q.Municipality, "sector": &q.Sector, "limit": &q.Limit}); err != nil {
		query.WriteError(w, r, err)
		return
	}
	ans, err := s.Directory(r.Context(), q)
	if err != nil {
		query.WriteError(w, r, err)
		return
	}
	query.WriteJSON(w, ans)
}
