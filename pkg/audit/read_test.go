package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

func setup(t *testing.T) (context.Context, jetstream.JetStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	js := jsservertest.Start(t).JetStream()
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	return ctx, js
}

func write(t *testing.T, ctx context.Context, js jetstream.JetStream, service string, recs ...audit.Record) {
	t.Helper()
	w := audit.NewWriter(js, service, nil)
	for _, r := range recs {
		if err := w.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

func rec(subject, kind, resource, outcome string) audit.Record {
	return audit.Record{Subject: subject, Role: "coordinator", Operation: "query.map", Action: "read", Kind: kind, Resource: resource, Outcome: outcome}
}

func ops(rs []audit.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Service+"/"+r.Subject+"/"+r.Kind+"/"+r.Resource+"/"+r.Outcome)
	}
	return out
}

func TestReadFilters(t *testing.T) {
	ctx, js := setup(t)
	write(t, ctx, js, "graph",
		rec("u1", "map", "m1", audit.Allowed),
		rec("u2", "map", "m2", audit.Denied),
		rec("u1", "area", "0301", audit.Denied))
	write(t, ctx, js, "gap", rec("u3", "area", "0301", audit.Allowed))
	mid := time.Now()
	time.Sleep(20 * time.Millisecond)
	write(t, ctx, js, "picture", rec("u1", "map", "m1", audit.Allowed))

	for _, tc := range []struct {
		name string
		q    audit.Query
		want string
	}{
		{"all", audit.Query{}, "graph/u1/map/m1/allowed graph/u2/map/m2/denied graph/u1/area/0301/denied gap/u3/area/0301/allowed picture/u1/map/m1/allowed"},
		{"service", audit.Query{Service: "graph"}, "graph/u1/map/m1/allowed graph/u2/map/m2/denied graph/u1/area/0301/denied"},
		{"outcome", audit.Query{Outcome: audit.Denied}, "graph/u2/map/m2/denied graph/u1/area/0301/denied"},
		{"kind and outcome", audit.Query{Kind: "area", Outcome: audit.Allowed}, "gap/u3/area/0301/allowed"},
		{"subject", audit.Query{Subject: "u1"}, "graph/u1/map/m1/allowed graph/u1/area/0301/denied picture/u1/map/m1/allowed"},
		{"resource", audit.Query{Resource: "0301"}, "graph/u1/area/0301/denied gap/u3/area/0301/allowed"},
		{"from", audit.Query{From: mid}, "picture/u1/map/m1/allowed"},
		{"to", audit.Query{To: mid, Kind: "map"}, "graph/u1/map/m1/allowed graph/u2/map/m2/denied"},
		{"limit", audit.Query{Limit: 2}, "graph/u1/map/m1/allowed graph/u2/map/m2/denied"},
		{"no match", audit.Query{Service: "command"}, ""},
		{"from after all", audit.Query{From: time.Now().Add(time.Hour)}, ""},
		{"subject matches none", audit.Query{Subject: "nobody"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := audit.Read(ctx, js, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(ops(got), " "); s != tc.want {
				t.Fatalf("got  %s\nwant %s", s, tc.want)
			}
		})
	}
}

// A read returns at the records there were when it began, while more are
// written.
func TestReadStopsAtTheEnd(t *testing.T) {
	ctx, js := setup(t)
	write(t, ctx, js, "graph", rec("u1", "map", "m1", audit.Allowed), rec("u1", "map", "m1", audit.Allowed))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := audit.NewWriter(js, "graph", nil)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = w.Write(ctx, rec("u9", "map", "m9", audit.Allowed))
		}
	}()
	got, err := audit.Read(ctx, js, audit.Query{})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 || got[0].Subject != "u1" || got[1].Subject != "u1" {
		t.Fatalf("got %v", ops(got))
	}
}

func TestReadEmptyStream(t *testing.T) {
	ctx, js := setup(t)
	got, err := audit.Read(ctx, js, audit.Query{})
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestQueryValidate(t *testing.T) {
	now := time.Now()
	for field, q := range map[string]audit.Query{
		"to":       {From: now, To: now.Add(-time.Second)},
		"service":  {Service: "Graph!"},
		"kind":     {Kind: "a.b"},
		"outcome":  {Outcome: "maybe"},
		"limit":    {Limit: audit.MaxLimit + 1},
		"subject":  {Subject: "a\nb"},
		"resource": {Resource: strings.Repeat("x", 201)},
	} {
		err := q.Validate()
		var qe *audit.QueryError
		if !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := (audit.Query{Limit: audit.MaxLimit, Outcome: audit.Denied}).Validate(); err != nil {
		t.Error(err)
	}
	if f := (audit.Query{Kind: "map"}).Filter(); f != "samspill.audit.*.map.*" {
		t.Error(f)
	}
}

func TestWriteCSVDefusesFormulas(t *testing.T) {
	r := audit.Record{ID: "1", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Service: "auth", Subject: "u1", Role: "admin",
		Operation: "auth.audit", Action: "read", Kind: "audit", Outcome: audit.Denied, Reason: "=HYPERLINK(\"http://x\")"}
	var b bytes.Buffer
	if err := audit.WriteCSV(&b, []audit.Record{r}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(audit.CSVColumns, ",") {
		t.Fatalf("%q", rows)
	}
	if rows[1][12] != "'=HYPERLINK(\"http://x\")" || rows[1][1] != "2026-01-02T03:04:05Z" {
		t.Fatalf("%q", rows[1])
	}

	b.Reset()
	if err := audit.WriteJSONLines(&b, []audit.Record{r, r}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%q", b.String())
	}
	var back audit.Record
	if err := json.Unmarshal([]byte(lines[1]), &back); err != nil || back.Reason != r.Reason || !back.Time.Equal(r.Time) {
		t.Fatalf("%+v %v", back, err)
	}
}
