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

const exampleBundle = "../../pkg/mapdoc/testdata/example-bundle.json"

func TestAnalyseBundle(t *testing.T) {
	analyse := func(args ...string) (map[string]int, int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"analyse", exampleBundle, "--format", "json"}, args...), &out, &errOut)
		if code != exitOK {
			return nil, code, errOut.String()
		}
		var res struct {
			Gaps []struct {
				Rule string `json:"rule"`
				Map  string `json:"map"`
				ID   string `json:"id"`
			} `json:"gaps"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		rules := map[string]int{}
		for _, g := range res.Gaps {
			rules[g.Rule]++
			if (g.Rule[0] == 'P') != (g.Map != "") || g.ID == "" {
				t.Errorf("gap %+v: citizen gaps name their map, system gaps do not", g)
			}
		}
		return rules, code, errOut.String()
	}
	rules, code, msg := analyse()
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	// The bundle's one citizen map has the GP and the DPS without a working
	// tie (P1); its area has no NAV, housing or user organisation and no
	// tie between primary care and psychiatry (S3 four times).
	if rules["P1"] != 1 || rules["S3"] != 4 {
		t.Fatalf("rules %v; want P1 once and S3 four times", rules)
	}

	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rules, code, msg = analyse("--config", write("off.json", `{"Disabled": {"S3": true}, "Citizen": {"WorkingTieDays": 36500, "LongTermDays": 90, "PlanReviewDays": 365, "ColdServesDays": 60, "ColdCoordinatorDays": 30, "ParticipationMin": 3, "ParticipationGraceDays": 180, "TransitionWindowDays": 90, "TransitionReceiverDays": 7}}`))
	if code != exitOK || rules["S3"] != 0 || rules["P1"] != 0 {
		t.Fatalf("with S3 off and a century-long working-tie window: exit %d %s, rules %v; want neither S3 nor P1", code, msg, rules)
	}
	for _, tc := range []struct {
		config, msg string
	}{
		{`{"K": 3}`, "K is 3"},
		{`{"Kay": 5}`, `unknown field "Kay"`},
		{`{"Disabled": {"S11": true}}`, `unknown rules "S11"`},
		{`{"CollaborationShareMin": 1.5}`, "CollaborationShareMin"},
		{`[1]`, "cannot unmarshal"},
	} {
		_, code, msg := analyse("--config", write("bad.json", tc.config))
		if code != exitUsage || !strings.Contains(msg, tc.msg) {
			t.Errorf("--config %s: exit %d %q; want %d naming %q", tc.config, code, msg, exitUsage, tc.msg)
		}
	}
	if _, code, _ := analyse("--config", filepath.Join(dir, "missing.json")); code != exitFailure {
		t.Errorf("a missing --config file: exit %d, want %d", code, exitFailure)
	}
}
