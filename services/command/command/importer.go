package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/mapdoc"
)

// ImportName is the wire name of the import endpoint: samspill.cmd.import
// over NATS, POST /v1/imports over HTTP. Its body is a map document or a
// region bundle.
const ImportName = "import"

// BundleResult is what importing a bundle did.
type BundleResult struct {
	// Registered lists directory entries that were new.
	Registered []string `json:"registered"`
	// Existing lists directory entries that were there already.
	Existing []string       `json:"existing"`
	Maps     []ImportResult `json:"maps"`
}

// ImportDocument validates a map document or a region bundle and imports
// it: the file as a whole is checked first (schema, references, dates,
// national ids), so a bad file writes nothing; then the directory entries
// it adds, then each map as one atomic batch. A malformed file is an
// *Error of code malformed whose message lists the problems with their
// JSON pointers.
//
// The principal ctx carries imports it. A map document is Import's: a
// coordinator opens the map. A bundle adds to the directory, so only an
// administrator may import one (access.Manage on access.Directory); each
// entry is then registered as register_entry would be (and audited so),
// and the maps it holds are opened by the administrator, who is assigned
// to them until they grant them to coordinators. A request without a
// principal is refused before the file is read.
func (s *Service) ImportDocument(ctx context.Context, body []byte, commandID string) (_ any, err error) {
	defer func(began time.Time) { s.record(ImportName, began, Result{}, err) }(time.Now())
	if _, err := principal(ctx); err != nil {
		return nil, err
	}
	doc, bundle, err := s.validator.Parse(body)
	if err != nil {
		var ve *mapdoc.ValidationError
		if errors.As(err, &ve) {
			field := ""
			if ps := ve.Problems(); len(ps) > 0 {
				field = ps[0].Path
			}
			code := CodeMalformed
			if ve.Class == mapdoc.ClassNationalID {
				code = CodeNationalID
			}
			return nil, &Error{Code: code, Field: field, Message: ve.Error()}
		}
		return nil, s.internal(&OpenMap{}, err)
	}
	if doc != nil {
		return s.Import(ctx, doc, commandID)
	}
	p, err := s.check(ctx, operation(ImportName), access.Manage, access.Directory)
	if err != nil {
		return nil, err
	}
	out := BundleResult{Registered: []string{}, Existing: []string{}, Maps: []ImportResult{}}
	for _, e := range bundle.Directory {
		_, err := s.Execute(ctx, &RegisterEntry{EntryID: e.ID, Kind: e.Kind, Name: e.Name, Sector: e.Sector, Municipality: e.Municipality})
		switch {
		case err == nil:
			out.Registered = append(out.Registered, e.ID)
		case errors.Is(err, ErrConflict):
			out.Existing = append(out.Existing, e.ID)
		default:
			return out, fmt.Errorf("directory entry %s: %w", e.ID, err)
		}
	}
	maps := bundle.Maps
	if bundle.OrganisationMap != nil {
		maps = append([]mapdoc.Document{*bundle.OrganisationMap}, maps...)
	}
	for i := range maps {
		res, err := s.importMap(ctx, p.Subject, &maps[i], "")
		if err != nil {
			return out, fmt.Errorf("map %s: %w", maps[i].ID, err)
		}
		out.Maps = append(out.Maps, res)
	}
	return out, nil
}
