package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: samspill import FILE [--nats URL]\n\nImports a map document (samspill.map/v1) or a region bundle (samspill.bundle/v1).\nThe file is checked whole first; a bad file writes nothing. Exit 2 on invalid input.")
		fs.PrintDefaults()
	}
	file, rest := splitFile(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{"import needs a FILE"}
	}
	body, bundle, err := readDocument(file)
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

// readDocument reads and checks a map document or bundle locally, so that
// an invalid file is reported with its problems before anything is sent.
func readDocument(file string) ([]byte, *mapdoc.Bundle, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, mapdoc.MaxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	v, err := mapdoc.NewValidator()
	if err != nil {
		return nil, nil, err
	}
	_, bundle, err := v.Parse(body)
	if err != nil {
		var ve *mapdoc.ValidationError
		if errors.As(err, &ve) {
			return nil, nil, usageError{fmt.Sprintf("%s: %v", file, err)}
		}
		return nil, nil, err
	}
	return body, bundle, nil
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
