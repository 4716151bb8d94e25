package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// request sends a JSON request to a running Samspill and decodes the
// reply; a service error becomes an error naming its status.
func request(ctx context.Context, natsURL, subject string, body []byte, into any) error {
	nc, err := nats.Connect(natsURL, nats.Name("samspill-cli"))
	if err != nil {
		return fmt.Errorf("connect %s: %w (is `samspill up` running?)", natsURL, err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	msg := nats.NewMsg(subject)
	msg.Data = body
	msg.Header.Set(command.HeaderPrincipal, "cli")
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return fmt.Errorf("%s: %w", subject, err)
	}
	if code := reply.Header.Get("Nats-Service-Error-Code"); code != "" {
		msg := reply.Header.Get("Nats-Service-Error")
		if code[0] == '4' {
			return usageError{fmt.Sprintf("refused (%s): %s", code, msg)}
		}
		return fmt.Errorf("failed (%s): %s", code, msg)
	}
	return json.Unmarshal(reply.Data, into)
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	natsURL := fs.String("nats", nats.DefaultURL, "NATS URL of a running Samspill")
	format := fs.String("format", "auto", "auto, map (a map document or bundle), csv (the actor-mapping form) or fhir (an R4 Bundle)")
	label := fs.String("label", "", "csv: the map's label (e.g. \"Ola N.\")")
	citizen := fs.String("citizen-name", "", "csv: the person's name (default: the label)")
	municipality := fs.String("municipality", "", "csv, fhir: the municipality number of the map")
	asOf := fs.String("as-of", "", "csv, fhir: the map's date, YYYY-MM-DD (default today)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: samspill import FILE [flags]\n\nImports a map document (samspill.map/v1), a region bundle (samspill.bundle/v1),\nthe actor-mapping form as CSV, or a FHIR R4 Bundle (CareTeam, Organization,\nPractitioner, PractitionerRole, RelatedPerson, Patient). The file is checked whole\nfirst and a report says what each row or resource became; a bad file writes nothing.\nExit 2 on invalid input.")
		fs.PrintDefaults()
	}
	file, rest := splitFile(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{"import needs a FILE"}
	}
	kind := *format
	if kind == "auto" {
		kind = sniff(file)
	}
	var body []byte
	var bundle *mapdoc.Bundle
	var err error
	switch kind {
	case "map":
		body, _, bundle, err = readDocument(file)
	case "csv", "fhir":
		day := date.Of(time.Now())
		if *asOf != "" {
			if day, err = date.Parse(*asOf); err != nil {
				return usageError{fmt.Sprintf("--as-of: %v", err)}
			}
		}
		body, err = convert(file, kind, *label, *citizen, *municipality, day, stderr)
	default:
		return usageError{fmt.Sprintf("--format %q: want auto, map, csv or fhir", *format)}
	}
	if err != nil {
		return err
	}
	subject := command.SubjectPrefix + "." + command.ImportName
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if bundle == nil {
		var res json.RawMessage
		if err := request(ctx, *natsURL, subject, body, &res); err != nil {
			return err
		}
		var out any
		_ = json.Unmarshal(res, &out)
		return enc.Encode(out)
	}
	// A bundle goes as its directory first, then one map at a time, so
	// that a long import shows its progress and each map is its own batch.
	maps := bundle.Maps
	if bundle.OrganisationMap != nil {
		maps = append([]mapdoc.Document{*bundle.OrganisationMap}, maps...)
	}
	p := newProgress(stderr, "importing maps", len(maps))
	var summary command.BundleResult
	dir := mapdoc.CanonicalBundle(&mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Directory: bundle.Directory, Maps: []mapdoc.Document{}})
	if err := request(ctx, *natsURL, subject, dir, &summary); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	for i := range maps {
		var res command.ImportResult
		if err := request(ctx, *natsURL, subject, mapdoc.Canonical(&maps[i]), &res); err != nil {
			return fmt.Errorf("map %s (%d of %d; the ones before it are imported): %w", maps[i].ID, i+1, len(maps), err)
		}
		summary.Maps = append(summary.Maps, res)
		p.set(i + 1)
	}
	p.done()
	return enc.Encode(summary)
}

// readDocument reads and checks a map document or bundle locally: an
// invalid file is a usage error (exit 2) naming each problem and its JSON
// pointer, reported before anything is sent or computed.
func readDocument(file string) ([]byte, *mapdoc.Document, *mapdoc.Bundle, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, mapdoc.MaxSize+1))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	v, err := mapdoc.NewValidator()
	if err != nil {
		return nil, nil, nil, err
	}
	doc, bundle, err := v.Parse(body)
	if err != nil {
		var ve *mapdoc.ValidationError
		if errors.As(err, &ve) {
			return nil, nil, nil, usageError{fmt.Sprintf("%s: %v", file, err)}
		}
		return nil, nil, nil, err
	}
	return body, doc, bundle, nil
}

// splitFile takes a leading non-flag argument as the file, so that both
// `import FILE --nats X` and `import --nats X FILE` work.
func splitFile(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	if n := len(args); n > 0 && len(args[n-1]) > 0 && args[n-1][0] != '-' && (n < 2 || args[n-2][0] != '-') {
		return args[n-1], args[:n-1]
	}
	return "", args
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	natsURL := fs.String("nats", nats.DefaultURL, "NATS URL of a running Samspill")
	mapID := fs.String("map", "", "export this map as a map document")
	municipality := fs.String("municipality", "", "export this municipality as a region bundle")
	at := fs.String("at", "", "the date the export shows (YYYY-MM-DD, default today)")
	knownAt := fs.String("known-at", "", "as known at this moment (RFC 3339 or a date: the end of that day; default now)")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*mapID == "") == (*municipality == "") {
		return usageError{"export needs exactly one of --map and --municipality"}
	}
	var atDate date.Date
	if *at != "" {
		d, err := date.Parse(*at)
		if err != nil {
			return usageError{fmt.Sprintf("--at: %v", err)}
		}
		atDate = d
	}
	var known time.Time
	if *knownAt != "" {
		t, err := time.Parse(time.RFC3339, *knownAt)
		if err != nil {
			d, derr := date.Parse(*knownAt)
			if derr != nil {
				return usageError{fmt.Sprintf("--known-at: want RFC 3339 or a date: %v", err)}
			}
			t = d.Time().Add(24*time.Hour - time.Nanosecond)
		}
		known = t
	}
	var doc []byte
	if *mapID != "" {
		body, _ := json.Marshal(graph.MapQuery{MapID: *mapID, At: atDate, KnownAt: known})
		var ans graph.MapAnswer
		if err := request(ctx, *natsURL, graph.SubjectPrefix+".map", body, &ans); err != nil {
			return err
		}
		doc = mapdoc.Canonical(ans.Document)
	} else {
		body, _ := json.Marshal(graph.BundleQuery{Municipality: *municipality, At: atDate, KnownAt: known})
		var b mapdoc.Bundle
		if err := request(ctx, *natsURL, graph.SubjectPrefix+".bundle", body, &b); err != nil {
			return err
		}
		doc = mapdoc.CanonicalBundle(&b)
	}
	if *out == "" {
		_, err := stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o600)
}

// sniff guesses a file's format from its name and first bytes.
func sniff(file string) string {
	if strings.EqualFold(filepath.Ext(file), ".csv") {
		return "csv"
	}
	f, err := os.Open(file)
	if err != nil {
		return "map" // the read that follows reports the error
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if bytes.Contains(head[:n], []byte(`"resourceType"`)) {
		return "fhir"
	}
	return "map"
}

// convert reads a CSV form or a FHIR bundle into a map document, printing
// the import report; a rejected file is invalid input.
func convert(file, kind, label, citizen, municipality string, asOf date.Date, report io.Writer) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	id := nationalid.Clean(func(int) string { return uuid.NewString() })
	var doc *mapdoc.Document
	var rep mapimport.Report
	if kind == "csv" {
		doc, rep, err = mapimport.CSV(f, mapimport.CSVOptions{
			Focus:       mapdoc.Focus{Kind: "citizen", Label: label, Municipality: municipality},
			AsOf:        asOf,
			CitizenName: citizen,
			MapID:       id,
		})
	} else {
		doc, rep, err = mapimport.FHIR(f, mapimport.FHIROptions{AsOf: asOf, MapID: id, Municipality: municipality})
	}
	for _, l := range rep.Lines {
		fmt.Fprintln(report, l.String())
	}
	switch {
	case errors.Is(err, mapimport.ErrRejected), errors.Is(err, mapimport.ErrOptions):
		return nil, usageError{fmt.Sprintf("%s: %v", file, err)}
	case err != nil:
		return nil, err
	}
	return mapdoc.Canonical(doc), nil
}
