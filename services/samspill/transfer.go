package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// request sends a JSON request over NATS to a running Samspill and decodes
// the reply into into (raw bytes when into is a *[]byte); a service error
// becomes a *problemError with its status.
//
// Over NATS the CLI signs in as the services expect: it exchanges its
// token for an assertion at samspill.auth.exchange and sends the
// assertion, and the purpose of use, with the request.
func request(ctx context.Context, natsURL string, o serverOptions, subject string, body []byte, into any) error {
	token, err := o.credential()
	if err != nil {
		return err
	}
	nc, err := nats.Connect(natsURL, nats.Name("samspill-cli"))
	if err != nil {
		return fmt.Errorf("connect %s: %w (is `samspill up` running?)", natsURL, err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	msg := nats.NewMsg(subject)
	msg.Data = body
	if token != "" {
		assertion, err := (&asserter{nc: nc, token: token}).get(ctx)
		if err != nil {
			return err
		}
		msg.Header.Set(access.HeaderAssertion, assertion)
	}
	if o.purpose != "" {
		msg.Header.Set(access.HeaderPurpose, o.purpose)
	}
	return natsRequest(ctx, nc, msg, body, into)
}

// exchangeSubject is the access service's token exchange.
const exchangeSubject = "samspill.auth.exchange"

// natsRequest sends msg with body and decodes the reply as request does.
func natsRequest(ctx context.Context, nc *nats.Conn, msg *nats.Msg, body []byte, into any) error {
	msg.Data = body
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return fmt.Errorf("%s: %w", msg.Subject, err)
	}
	if code := reply.Header.Get("Nats-Service-Error-Code"); code != "" {
		status, _ := strconv.Atoi(code)
		var e struct{ Field, Message string }
		if json.Unmarshal(reply.Data, &e) != nil || e.Message == "" {
			e.Message = reply.Header.Get("Nats-Service-Error")
		}
		return &problemError{Status: status, Detail: e.Message, Field: e.Field}
	}
	if raw, ok := into.(*[]byte); ok {
		*raw = reply.Data
		return nil
	}
	return json.Unmarshal(reply.Data, into)
}

// transport sends import documents and export queries to a running
// Samspill: over NATS when --nats names a server (as samspill did before
// it spoke HTTP), over HTTP otherwise.
type transport struct {
	conn    serverOptions
	natsURL string
}

// addTransportFlags defines --server, --token, --purpose and --nats.
func addTransportFlags(cmd *cobra.Command, t *transport) {
	addConnFlags(cmd, cmd.Flags(), &t.conn)
	cmd.Flags().StringVar(&t.natsURL, "nats", "", "talk NATS to a running Samspill at this `URL` (nats://127.0.0.1:4222 for samspill up) instead of HTTP")
	_ = cmd.RegisterFlagCompletionFunc("nats", cobra.NoFileCompletions)
}

// importDoc sends one import document (a map document or bundle).
func (t *transport) importDoc(ctx context.Context, body []byte, into any) error {
	if t.natsURL != "" {
		return request(ctx, t.natsURL, t.conn, command.SubjectPrefix+"."+command.ImportName, body, into)
	}
	c, err := t.conn.client()
	if err != nil {
		return err
	}
	b, _, err := c.do(ctx, http.MethodPost, "/v1/imports", nil, body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

func cmdImport(stdout, stderr io.Writer) *cobra.Command {
	var t transport
	var format, label, citizen, municipality string
	var asOf date.Date
	cmd := &cobra.Command{
		Use:   "import FILE [flags]",
		Short: "import a map document, region bundle, CSV form or FHIR bundle",
		Long: "Imports a map document (samspill.map/v1), a region bundle (samspill.bundle/v1),\n" +
			"the actor-mapping form as CSV, or a FHIR R4 Bundle (CareTeam, Organization,\n" +
			"Practitioner, PractitionerRole, RelatedPerson, Patient) into a running Samspill\n" +
			"(POST /v1/imports, or samspill.cmd.import with --nats). The file is checked whole\n" +
			"first and a report says what each row or resource became; a bad file writes\n" +
			"nothing. Exit 2 on invalid input.",
		Example: "  samspill import map.json\n" +
			"  samspill import form.csv --label 'Ola N.' --municipality 3203 --as-of 2026-11-01",
		Args:              positional("a FILE"),
		ValidArgsFunction: fileCompletion("json", "csv"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return importFile(cmd.Context(), &t, stdout, stderr, args[0], format, label, citizen, municipality, asOf)
		}),
	}
	fs := cmd.Flags()
	addTransportFlags(cmd, &t)
	choiceFlag(cmd, fs, &format, "format", "auto", []string{"auto", "map", "csv", "fhir"}, "auto, map (a map document or bundle), csv (the actor-mapping form) or fhir (an R4 Bundle)")
	fs.StringVar(&label, "label", "", "csv: the map's label (e.g. \"Ola N.\")")
	fs.StringVar(&citizen, "citizen-name", "", "csv: the person's name (default: the label)")
	fs.StringVar(&municipality, "municipality", "", "csv, fhir: the municipality number of the map")
	fs.Var(dateValue{&asOf}, "as-of", "csv, fhir: the map's date (default today)")
	return cmd
}

func importFile(ctx context.Context, t *transport, stdout, stderr io.Writer, file, format, label, citizen, municipality string, asOf date.Date) error {
	kind := format
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
		day := asOf
		if day.IsZero() {
			day = date.Of(time.Now().In(date.HomeLocation()))
		}
		body, err = convert(file, kind, label, citizen, municipality, day, stderr)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if bundle == nil {
		var res json.RawMessage
		if err := t.importDoc(ctx, body, &res); err != nil {
			return err
		}
		var out any
		_ = json.Unmarshal(res, &out)
		return enc.Encode(out)
	}
	// A bundle goes as its directory first, then one map at a time, so
	// that a long import shows its progress and each map is its own batch.
	// Each map goes as a bundle of one: a bundle is an administrator's
	// import (a migration), a lone map document a coordinator's.
	maps := bundle.Maps
	org := bundle.OrganisationMap != nil
	if org {
		maps = append([]mapdoc.Document{*bundle.OrganisationMap}, maps...)
	}
	p := newProgress(stderr, "importing maps", len(maps))
	var summary command.BundleResult
	dir := mapdoc.CanonicalBundle(&mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Directory: bundle.Directory, Maps: []mapdoc.Document{}})
	if err := t.importDoc(ctx, dir, &summary); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	for i := range maps {
		one := &mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Directory: entriesOf(&maps[i], bundle.Directory), Maps: []mapdoc.Document{maps[i]}}
		if i == 0 && org {
			one.OrganisationMap, one.Maps = &maps[i], []mapdoc.Document{}
		}
		var res command.BundleResult
		if err := t.importDoc(ctx, mapdoc.CanonicalBundle(one), &res); err != nil {
			return fmt.Errorf("map %s (%d of %d; the ones before it are imported): %w", maps[i].ID, i+1, len(maps), err)
		}
		summary.Maps = append(summary.Maps, res.Maps...)
		p.set(i + 1)
	}
	p.done()
	return enc.Encode(summary)
}

// entriesOf is the directory entries doc's actors name (already
// registered with the bundle's directory: they come along so that the
// bundle of one map is whole).
func entriesOf(doc *mapdoc.Document, dir []mapdoc.Entry) []mapdoc.Entry {
	named := map[string]bool{}
	for _, a := range doc.Actors {
		if a.Directory != "" {
			named[a.Directory] = true
		}
	}
	out := []mapdoc.Entry{}
	for _, e := range dir {
		if named[e.ID] {
			out = append(out, e)
		}
	}
	return out
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

func cmdExport(stdout io.Writer) *cobra.Command {
	var t transport
	var e exportOptions
	cmd := &cobra.Command{
		Use:   "export (--map ID | --municipality N) [--format json|csv|graphml|gexf|fhir] [-o FILE]",
		Short: "export a map or a municipality from a running Samspill",
		Long: "Exports a map (--map ID) or a municipality (--municipality N) as it was on --at,\n" +
			"as known at --known-at, from a running Samspill:\n" +
			"  json     a map document (samspill.map/v1), or a region bundle for a municipality\n" +
			"  csv      a map's relations (--table relations) or actors (--table actors)\n" +
			"  graphml  GraphML; a municipality's organisation graph, k-suppressed\n" +
			"  gexf     GEXF, as graphml\n" +
			"  fhir     a map as a FHIR R4 CareTeam\n" +
			"The export of a map holds personal data: files are written with mode 0600.",
		Example: "  samspill export --map MAP -o map.json\n" +
			"  samspill export --map MAP --format csv --table actors\n" +
			"  samspill export --municipality 3203 --format gexf -o 3203.gexf",
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return export(cmd.Context(), &t, stdout, e)
		}),
	}
	fs := cmd.Flags()
	addTransportFlags(cmd, &t)
	fs.StringVar(&e.mapID, "map", "", "export this map")
	fs.StringVar(&e.municipality, "municipality", "", "export this municipality (`number`)")
	fs.Var(dateValue{&e.at}, "at", "the date the export shows (default today)")
	fs.Var(instantValue{&e.knownAt}, "known-at", "as known at this moment (RFC 3339 or a date: the end of that day; default now)")
	fs.StringVarP(&e.out, "out", "o", "", "write to this `FILE` (mode 0600) instead of standard output")
	_ = cmd.MarkFlagFilename("out", "json", "csv", "graphml", "gexf")
	choiceFlag(cmd, fs, &e.format, "format", "json", []string{"json", "csv", "graphml", "gexf", "fhir"}, "the export's format")
	choiceFlag(cmd, fs, &e.table, "table", "", []string{"relations", "actors"}, "csv: which table (default relations)")
	_ = cmd.RegisterFlagCompletionFunc("map", completeMaps(&t.conn))
	return cmd
}

// exportOptions are the flags of export.
type exportOptions struct {
	mapID, municipality string
	at                  date.Date
	knownAt             time.Time
	out, format, table  string
}

// exportFile is the route file of an export format (contract 6).
func exportFile(format string) string {
	if format == "fhir" {
		return "careteam.json"
	}
	return "export." + format
}

func export(ctx context.Context, t *transport, stdout io.Writer, e exportOptions) error {
	if (e.mapID == "") == (e.municipality == "") {
		return usageError{"export needs exactly one of --map and --municipality"}
	}
	if e.table != "" && e.format != "csv" {
		return usageError{"--table: only with --format csv"}
	}
	if e.municipality != "" && (e.format == "csv" || e.format == "fhir") {
		return usageError{fmt.Sprintf("--format %s: a municipality exports as json, graphml or gexf", e.format)}
	}
	var doc []byte
	var err error
	if t.natsURL != "" {
		doc, err = exportNATS(ctx, t, e)
	} else {
		doc, err = exportHTTP(ctx, t, e)
	}
	if err != nil {
		return err
	}
	if e.out == "" || e.out == "-" {
		_, err := stdout.Write(doc)
		return err
	}
	return writePrivate(e.out, doc)
}

// exportHTTP asks the server's export routes.
func exportHTTP(ctx context.Context, t *transport, e exportOptions) ([]byte, error) {
	c, err := t.conn.client()
	if err != nil {
		return nil, err
	}
	q := timeQuery(e.at, e.knownAt)
	if e.table != "" {
		q.Set("table", e.table)
	}
	if e.mapID != "" {
		return c.get(ctx, "/v1/maps/"+url.PathEscape(e.mapID)+"/"+exportFile(e.format), q)
	}
	if e.format != "json" {
		return c.get(ctx, "/v1/areas/"+url.PathEscape(e.municipality)+"/"+exportFile(e.format), q)
	}
	var b mapdoc.Bundle
	if err := c.getJSON(ctx, "/v1/areas/"+url.PathEscape(e.municipality)+"/bundle", q, &b); err != nil {
		return nil, err
	}
	return mapdoc.CanonicalBundle(&b), nil
}

// exportNATS asks the graph service's micro endpoints.
func exportNATS(ctx context.Context, t *transport, e exportOptions) ([]byte, error) {
	p := t.conn
	if e.format != "json" {
		kind, id := "map", e.mapID
		if id == "" {
			kind, id = "area", e.municipality
		}
		q := map[string]any{"kind": kind, "id": id, "format": e.format}
		if !e.at.IsZero() {
			q["at"] = e.at.String()
		}
		if !e.knownAt.IsZero() {
			q["knownAt"] = e.knownAt.Format(time.RFC3339Nano)
		}
		if e.table != "" {
			q["table"] = e.table
		}
		body, _ := json.Marshal(q)
		var raw []byte
		err := request(ctx, t.natsURL, p, graph.SubjectPrefix+".export", body, &raw)
		return raw, err
	}
	if e.mapID != "" {
		body, _ := json.Marshal(graph.MapQuery{MapID: e.mapID, At: e.at, KnownAt: e.knownAt})
		var ans graph.MapAnswer
		if err := request(ctx, t.natsURL, p, graph.SubjectPrefix+".map", body, &ans); err != nil {
			return nil, err
		}
		return mapdoc.Canonical(ans.Document), nil
	}
	body, _ := json.Marshal(graph.BundleQuery{Municipality: e.municipality, At: e.at, KnownAt: e.knownAt})
	var b mapdoc.Bundle
	if err := request(ctx, t.natsURL, p, graph.SubjectPrefix+".bundle", body, &b); err != nil {
		return nil, err
	}
	return mapdoc.CanonicalBundle(&b), nil
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
