package web

import (
	"time"

	"github.com/samspill/samspill/pkg/mapdoc"
)

// The answers of the queries the pages use, as the contracts give them.

// mapSummary is one entry of samspill.query.maps.
type mapSummary struct {
	MapID        string    `json:"mapId"`
	Focus        string    `json:"focus"`
	Municipality string    `json:"municipality"`
	Version      uint64    `json:"version"`
	Closed       bool      `json:"closed"`
	Erased       bool      `json:"erased"`
	OpenedBy     string    `json:"openedBy"`
	Opened       string    `json:"opened"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Label        string    `json:"label"`
}

// mapAnswer is samspill.query.map's answer.
type mapAnswer struct {
	Version  uint64           `json:"version"`
	Erased   bool             `json:"erased,omitempty"`
	Document *mapdoc.Document `json:"document"`
}

// gapsAnswer is samspill.query.gaps's answer.
type gapsAnswer struct {
	Gaps []openGap `json:"gaps"`
}

type openGap struct {
	GapID       string   `json:"gapId"`
	Rule        string   `json:"rule"`
	MapID       string   `json:"mapId,omitempty"`
	Actors      []string `json:"actors"`
	Severity    string   `json:"severity"`
	Explanation string   `json:"explanation"`
	Next        string   `json:"next"`
	Source      string   `json:"source"`
	OpenedOn    string   `json:"openedOn"`
}

// directoryAnswer is samspill.query.directory's answer.
type directoryAnswer struct {
	Entries []directoryEntry `json:"entries"`
}

type directoryEntry struct {
	EntryID      string `json:"entryId"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Sector       string `json:"sector"`
	Municipality string `json:"municipality"`
	Parent       string `json:"parent,omitempty"`
}

// historyAnswer is samspill.query.history's answer.
type historyAnswer struct {
	MapID  string `json:"mapId"`
	Events []struct {
		Version    uint64 `json:"version"`
		Type       string `json:"type"`
		ValidTime  string `json:"validTime"`
		RecordedAt string `json:"recordedAt"`
	} `json:"events"`
	Dates []string `json:"dates"`
}

// matrixAnswer is samspill.query.matrix's answer.
type matrixAnswer struct {
	Municipality string       `json:"municipality"`
	At           string       `json:"at"`
	K            int          `json:"k"`
	Pairs        []matrixPair `json:"pairs"`
}

type matrixOrg struct {
	EntryID string `json:"entryId"`
	Name    string `json:"name"`
	Sector  string `json:"sector"`
}

type matrixPair struct {
	A              matrixOrg `json:"a"`
	B              matrixOrg `json:"b"`
	SharedCitizens int       `json:"sharedCitizens"`
	Collaborating  int       `json:"collaborating"`
	Share          float64   `json:"share"`
	Suppressed     bool      `json:"suppressed"`
}

// prevalenceAnswer is samspill.query.prevalence's answer.
type prevalenceAnswer struct {
	Municipality string `json:"municipality"`
	Periods      []struct {
		Date  string `json:"date"`
		Maps  int    `json:"maps"`
		Rules []struct {
			Rule       string  `json:"rule"`
			Maps       int     `json:"maps"`
			Share      float64 `json:"share"`
			Suppressed bool    `json:"suppressed"`
		} `json:"rules"`
	} `json:"periods"`
}
