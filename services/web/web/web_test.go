package web

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
)

// TestCatalogueCoversEveryText checks that every key the templates and the
// Go code ask for is in the catalogue, in both languages.
func TestCatalogueCoversEveryText(t *testing.T) {
	c := newCatalogue()
	en, nb := c.texts["en"], c.texts["nb"]
	for k := range en {
		if _, ok := nb[k]; !ok {
			t.Errorf("%q has no Norwegian text", k)
		}
	}
	for k := range nb {
		if _, ok := en[k]; !ok {
			t.Errorf("%q has no English text", k)
		}
	}
	keys := map[string]bool{}
	tmplKey := regexp.MustCompile(`\.Tf? "([a-z0-9.\-_]+)"`)
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFiles.ReadFile(path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`(?:text\(q\.lang, |textOr\(q\.lang, |fieldError\{"\w+", |errorPage\(q, http\.Status\w+, )"([a-z0-9.\-_]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix the code completes
				keys[m[1]] = true
			}
		}
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(keys))
	}
	for k := range keys {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
	// Every value of the vocabularies the forms offer has a label.
	for _, k := range []string{"sector.housing", "relation.member-of", "quality.broken", "mode.letter", "rule.P14", "severity.high", "public.active"} {
		if en[k] == "" || nb[k] == "" {
			t.Errorf("no label for %s", k)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                          "en",
		"nb-NO,nb;q=0.9,en;q=0.8":   "nb",
		"nn":                        "nb",
		"no":                        "nb",
		"en-GB,en;q=0.9,nb;q=0.8":   "en",
		"de-DE,de;q=0.9,nb;q=0.5":   "nb",
		"sv-SE, en;q=0.3, nb;q=0.7": "nb",
		"fr":                        "en",
		"nb;q=0, en;q=0.1":          "en",
		"nb;q=garbage, en-US;q=0.2": "en",
	} {
		if got := fromAcceptLanguage(h); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", h, got, want)
		}
	}
}

func TestMapFormsAgainstTheCommandService(t *testing.T) {
	s := start(t, true)
	u := s.user()
	u.signIn("dev-kari")
	resp, body := u.post("/app/maps", url.Values{"csrf": {u.csrf}, "label": {""}, "citizenName": {"Ola"}, "municipality": {"3301"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="new-map-label" name="label" aria-invalid="true"`) || !strings.Contains(body, `value="Ola"`) {
		t.Fatalf("a map without a label: %d %s", resp.StatusCode, body)
	}
	resp, _ = u.post("/app/maps", url.Values{"csrf": {u.csrf}, "label": {"Ola N."}, "citizenName": {"Ola Nordmann"}, "municipality": {"3301"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/maps/") {
		t.Fatalf("open_map: %d %s", resp.StatusCode, loc)
	}
	mapPath := strings.Split(loc, "?")[0]

	// The graph service catches up with the new map.
	var page string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body := u.get(mapPath + "?done=open_map")
		if resp.StatusCode == 200 {
			page = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("map page: %d %.300s", resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"<h1>Ola N.</h1>", "The map is open.", `<option value="`, "Ola Nordmann (the person)", "/picture.svg?lang=en"} {
		if !strings.Contains(page, want) {
			t.Errorf("map page lacks %q", want)
		}
	}
	citizen := regexp.MustCompile(`<option value="([0-9a-f-]{36})" >Ola Nordmann`).FindStringSubmatch(page)
	if citizen == nil {
		t.Fatalf("no option for the person in %s", page)
	}

	// A private actor; then a relation to itself, refused by the command
	// service on its field "to", the form keeping its values.
	resp, _ = u.post(mapPath+"/actors", url.Values{"csrf": {u.csrf}, "name": {"Anne S."}, "kind": {"person"}, "sector": {"informal"}, "level": {"individual"}, "relation": {"family"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=add_actor_relation") {
		t.Fatalf("add private actor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = u.post(mapPath+"/relations", url.Values{"csrf": {u.csrf}, "from": {citizen[1]}, "to": {citizen[1]}, "type": {"collaborates"}, "quality": {"good"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a relation to itself: %d", resp.StatusCode)
	}
	for _, want := range []string{`id="add-relation-to" name="to" aria-invalid="true" aria-describedby="add-relation-to-error"`,
		`<p class="field-error" id="add-relation-to-error">Check this value: a relation cannot join an actor to itself</p>`,
		`<option value="collaborates" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused relation: the page lacks %s", want)
		}
	}
	// A national identity number is refused with its own message.
	resp, body = u.post(mapPath+"/actors", url.Values{"csrf": {u.csrf}, "name": {"15108695088"}, "kind": {"person"}, "sector": {"informal"}, "level": {"individual"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "national identity number") {
		t.Errorf("a national id as a name: %d", resp.StatusCode)
	}
	// The plan with a new forum in one step.
	resp, _ = u.post(mapPath+"/plan", url.Values{"csrf": {u.csrf}, "actorId": {"new"}, "forumName": {"Individuell plan"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("create plan: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, body = u.get(mapPath)
		if strings.Contains(body, "Individual plan: active") && strings.Contains(body, "Anne S.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the map page does not show the plan and the actor: %.2000s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Without script, the directory search is a plain submit that lists
	// the entries to choose from.
	admin := access.Principal{Subject: "dev-ada", Role: access.Admin, Via: "oidc"}
	if _, err := s.web.client.command(s.as(admin), "register_entry", map[string]any{
		"entryId": "dps-drammen", "kind": "service", "name": "DPS Drammen", "sector": "specialist-mh", "municipality": "3301"}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		resp, body = u.post(mapPath+"/directory-actors", url.Values{"csrf": {u.csrf}, "q": {"dps"}, "search": {"1"}})
		if strings.Contains(body, `<input type="radio" name="directory" value="dps-drammen" checked> DPS Drammen`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search without script: %d %.3000s", resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, _ = u.post(mapPath+"/directory-actors", url.Values{"csrf": {u.csrf}, "q": {"dps"}, "directory": {"", "dps-drammen"}, "relation": {"serves"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("add the chosen entry: %d", resp.StatusCode)
	}

	// Downloads come through the application with the assertion; the
	// page links to them there, not to the HTTP API.
	if !strings.Contains(page, `href="`+mapPath+`/export.json"`) || strings.Contains(page, `href="/v1/`) {
		t.Errorf("the map page's download links: %s", regexp.MustCompile(`href="[^"]*export[^"]*"`).FindAllString(page, -1))
	}
	resp, body = u.get(mapPath + "/export.json")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(body, "Ola Nordmann") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("export.json: %d %v %.300s", resp.StatusCode, resp.Header, body)
	}
	if resp, body := u.get(mapPath + "/export.csv?table=actors"); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "Anne S.") {
		t.Errorf("export.csv of actors: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, _ := u.get(mapPath + "/careteam.json"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/fhir+json" {
		t.Errorf("careteam.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := u.get(mapPath + "/export.json?at=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad date: %d", resp.StatusCode)
	}

	// The live stream opens for the map's coordinator (as the web's own
	// NATS user, which may subscribe to the map's subjects).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.http.URL+mapPath+"/live", nil)
	req.Header.Set("Accept", "text/event-stream")
	live, err := u.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 64)
	n, _ := io.ReadAtLeast(live.Body, first, len("retry: 3000\n: connected"))
	live.Body.Close()
	if live.StatusCode != 200 || !strings.Contains(string(first[:n]), ": connected") {
		t.Errorf("live stream: %d %q", live.StatusCode, first[:n])
	}

	// The map is on my list.
	if _, body := u.get("/app/"); !strings.Contains(body, ">Ola N.</a>") {
		t.Errorf("my maps does not list the map")
	}
	// And not on another coordinator's, who cannot open it either: the
	// graph and command services refuse, and the page says so.
	other := s.user()
	other.signIn("dev-per")
	if _, body := other.get("/app/"); strings.Contains(body, ">Ola N.</a>") || !strings.Contains(body, "You have no maps yet") {
		t.Errorf("another coordinator's list shows my map: %s", body)
	}
	resp, body = other.get(mapPath)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only for the coordinators it is assigned to") || strings.Contains(body, "Ola") {
		t.Errorf("another coordinator at my map: %d %.500s", resp.StatusCode, body)
	}
	if resp, _ := other.get(mapPath + "/live"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another coordinator follows my map live: %d", resp.StatusCode)
	}
	if resp, body := other.get(mapPath + "/export.json"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Ola") {
		t.Errorf("another coordinator downloads my map: %d", resp.StatusCode)
	}
	resp, body = other.post(mapPath+"/participation", url.Values{"csrf": {other.csrf}, "level": {"3"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only for the coordinators it is assigned to") {
		t.Errorf("another coordinator writes to my map: %d %.500s", resp.StatusCode, body)
	}
	// The administrator registered the entry; an administrator's
	// assertion opens no map page.
	a := s.user()
	a.signIn("dev-ada")
	if resp, _ := a.get(mapPath); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an administrator at a map: %d", resp.StatusCode)
	}

	// An analyst downloads the region's matrix (made by the graph
	// service, k-suppressed) and organisation graph through the
	// application; without the gap service, the prevalence says so.
	an := s.user()
	an.signIn("dev-arne")
	_, region := an.get("/app/areas/3301")
	if !strings.Contains(region, `href="/app/areas/3301/matrix.csv"`) {
		t.Errorf("the region page does not link its matrix: %.2000s", region)
	}
	resp, body = an.get("/app/areas/3301/matrix.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "aEntryId,aName,aSector,") || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="matrix-3301-`) {
		t.Errorf("matrix.csv: %d %v %.300s", resp.StatusCode, resp.Header, body)
	}
	if resp, body := an.get("/app/areas/3301/export.graphml"); resp.StatusCode != 200 || !strings.Contains(body, "<graphml") {
		t.Errorf("the region's GraphML: %d %.300s", resp.StatusCode, body)
	}
	if resp, body := an.get("/app/areas/3301/prevalence.csv"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Not available right now") {
		t.Errorf("prevalence.csv without the gap service: %d", resp.StatusCode)
	}
	if resp, _ := an.get("/app/areas/0301/matrix.csv"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another region's matrix: %d", resp.StatusCode)
	}
	if resp, _ := u.get("/app/areas/3301/matrix.csv"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a coordinator downloads the matrix: %d", resp.StatusCode)
	}
}
