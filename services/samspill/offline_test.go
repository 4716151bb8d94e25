package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleMap = "../../pkg/mapdoc/testdata/example-map.json"

func TestMetricsOffline(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"metrics", exampleMap, "--format", "json"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res struct {
		Actors map[string]struct {
			Degree    int `json:"degree"`
			Brokerage struct {
				Liaison int `json:"liaison"`
			} `json:"brokerage"`
		} `json:"actors"`
		Network struct {
			Components         int      `json:"components"`
			ArticulationPoints []string `json:"articulationPoints"`
		} `json:"network"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// The GP is tied to Ola, the DPS (referral) and the plan; the plan hangs on the GP alone.
	if res.Actors["gp"].Degree != 3 || res.Network.Components != 1 {
		t.Fatalf("gp degree %d, %d components: %s", res.Actors["gp"].Degree, res.Network.Components, out.String())
	}
	if !strings.Contains(strings.Join(res.Network.ArticulationPoints, ","), "gp") {
		t.Fatalf("the GP is the plan's only link: articulation points %v", res.Network.ArticulationPoints)
	}
	out.Reset()
	if code := run(context.Background(), []string{"metrics", exampleMap, "--format", "csv"}, &out, &errOut); code != exitOK ||
		!strings.HasPrefix(out.String(), "id,degree,betweenness,constraint,effectiveSize,") || !strings.Contains(out.String(), "\nmeasure,value\n") {
		t.Fatalf("csv: exit %d\n%s", code, out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	src, _ := os.ReadFile(exampleMap)
	os.WriteFile(bad, bytes.Replace(src, []byte(`"to": "dps"`), []byte(`"to": "nobody"`), 1), 0o600)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"metrics", bad}, exitUsage, "/relations/2/to"},
		{[]string{"metrics"}, exitUsage, "needs a FILE"},
		{[]string{"metrics", exampleMap, "--format", "xml"}, exitUsage, "--format"},
		{[]string{"metrics", "/nonexistent.json"}, exitFailure, "no such file"},
	} {
		out.Reset()
		errOut.Reset()
		if code := run(context.Background(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("samspill %v: exit %d %q; want %d with %q", tc.args, code, errOut.String(), tc.code, tc.msg)
		}
	}
}

func TestAnalyseOffline(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"analyse", exampleMap, "--format", "json"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res struct {
		Gaps []struct {
			Rule        string   `json:"rule"`
			Actors      []string `json:"actors"`
			Severity    string   `json:"severity"`
			Explanation string   `json:"explanation"`
			Next        string   `json:"next"`
		} `json:"gaps"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	rules := map[string]bool{}
	for _, g := range res.Gaps {
		rules[g.Rule] = true
		if g.Severity == "" || g.Explanation == "" || g.Next == "" || len(g.Actors) == 0 {
			t.Fatalf("incomplete gap %+v", g)
		}
		if strings.Contains(g.Explanation, "Hansen") || strings.Contains(g.Explanation, "Ola") {
			t.Fatalf("an explanation names a person: %s", g.Explanation)
		}
	}
	// The referral's only contact is from February: more than 90 days before asOf,
	// so the GP and the DPS have no working tie (P1), and the coordinator (the GP)
	// none with the DPS (P5).
	if !rules["P1"] || !rules["P5"] {
		t.Fatalf("gaps %v, want P1 and P5 among them", rules)
	}
	out.Reset()
	if code := run(context.Background(), []string{"analyse", exampleMap, "--lang", "nb"}, &out, &errOut); code != exitOK || !strings.Contains(out.String(), "P1") {
		t.Fatalf("text in bokmål: exit %d\n%s", code, out.String())
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"analyse"}, exitUsage},
		{[]string{"analyse", exampleMap, "--lang", "sv"}, exitUsage},
		{[]string{"analyse", exampleMap, "--format", "yaml"}, exitUsage},
	} {
		if code := run(context.Background(), tc.args, &out, &errOut); code != tc.code {
			t.Errorf("samspill %v: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}
