package web

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
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

// system is a web application in front of the real command and graph
// services on an embedded JetStream server.
type system struct {
	t    *testing.T
	http *httptest.Server
	web  *Server
	now  *time.Time
}

func start(t *testing.T, withServices bool) *system {
	t.Helper()
	js := jsservertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := slog.New(slog.DiscardHandler)
	if withServices {
		key := make([]byte, 32)
		cmds, err := command.Boot(ctx, js.Conn(), command.Options{MasterKey: key, Replicas: 1, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cmds.Stop)
		g, err := graph.Boot(ctx, js.Conn(), graph.Options{MasterKey: key, Replicas: 1, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Stop(context.Background()) })
	}
	now := time.Now()
	s := &system{t: t, now: &now}
	srv, err := New(ctx, js.Conn(), Options{Logger: logger, SessionKey: []byte("test key of thirty-two bytes ok!"),
		Timeout: 5 * time.Second, Now: func() time.Time { return *s.now }})
	if err != nil {
		t.Fatal(err)
	}
	s.web = srv
	s.http = httptest.NewServer(BrowserHome(srv.Routes()))
	t.Cleanup(s.http.Close)
	return s
}

// user is a browser without script: a cookie jar that does not follow
// redirects by itself.
type user struct {
	t    *testing.T
	s    *system
	c    *http.Client
	csrf string
}

func (s *system) user() *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: s.t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (u *user) get(path string) (*http.Response, string) {
	u.t.Helper()
	req, _ := http.NewRequest("GET", u.s.http.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		u.csrf = m[1]
	}
	return resp, string(b)
}

func (u *user) post(path string, form url.Values) (*http.Response, string) {
	u.t.Helper()
	resp, err := u.c.PostForm(u.s.http.URL+path, form)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (u *user) signIn(name, role string) {
	u.t.Helper()
	u.get("/app/signin")
	resp, body := u.post("/app/signin", url.Values{"csrf": {u.csrf}, "name": {name}, "role": {role}, "municipality": {"3301"}})
	if resp.StatusCode != http.StatusSeeOther {
		u.t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
}

func TestSignInSessionsAndCSRF(t *testing.T) {
	s := start(t, false)
	u := s.user()

	// A browser at / goes to the application, then to the sign-in.
	resp, _ := u.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/" {
		t.Fatalf("GET / from a browser: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/app/signin") {
		t.Fatalf("GET /app/ signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := u.get("/app/signin")
	if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="en">`) || u.csrf == "" {
		t.Fatalf("sign-in page: %d %.300s", resp.StatusCode, body)
	}

	// Without the token: 403. With a bad field: the form again, with the
	// error next to its field and the values kept.
	if resp, _ := u.post("/app/signin", url.Values{"name": {"Kari"}, "role": {"coordinator"}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a CSRF token: %d", resp.StatusCode)
	}
	resp, body = u.post("/app/signin", url.Values{"csrf": {u.csrf}, "name": {"Kari Nordmann"}, "role": {"coordinator"}, "municipality": {"33"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true" aria-describedby="signin-municipality-hint signin-municipality-error"`) ||
		!strings.Contains(body, `value="Kari Nordmann"`) {
		t.Errorf("bad municipality: %d %s", resp.StatusCode, body)
	}
	u.signIn("Kari Nordmann", "coordinator")

	// Signed in, with no graph service running: an honest state.
	resp, body = u.get("/app/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Not available right now") || !strings.Contains(body, "Kari Nordmann") {
		t.Errorf("start page without services: %d %.500s", resp.StatusCode, body)
	}
	// A POST without the session's token is refused; another session's
	// token too.
	if resp, _ := u.post("/app/maps", url.Values{"label": {"Ola N."}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d", resp.StatusCode)
	}
	other := s.user()
	other.signIn("Per Hansen", "coordinator")
	other.get("/app/")
	if resp, _ := u.post("/app/maps", url.Values{"csrf": {other.csrf}, "label": {"Ola N."}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST with another session's token: %d", resp.StatusCode)
	}

	// The language switch sets a cookie and goes back.
	resp, _ = u.get("/app/lang?to=nb&back=/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/" {
		t.Errorf("language switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := u.get("/app/"); !strings.Contains(body, `<html lang="nb">`) || !strings.Contains(body, "Mine kart") {
		t.Errorf("after the switch the page is not in Norwegian: %.300s", body)
	}
	if resp, _ := u.get("/app/lang?to=en&back=https://evil.example/"); resp.Header.Get("Location") != "/app/" {
		t.Errorf("the switch follows a foreign back link: %s", resp.Header.Get("Location"))
	}

	// Eight hours later: back to the sign-in, saying why.
	*s.now = s.now.Add(8*time.Hour + time.Minute)
	resp, _ = u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/signin?expired=1" {
		t.Errorf("expired session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestAnalystSeesNoCitizenMap(t *testing.T) {
	s := start(t, false)
	u := s.user()
	u.signIn("Arne Analytiker", "analyst")
	resp, _ := u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/areas/3301" {
		t.Errorf("an analyst's start: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/app/maps/5b0c9f7e-4a51-4c1e-9a57-0d1f7b7c2e11", "/app/maps/5b0c9f7e-4a51-4c1e-9a57-0d1f7b7c2e11/live", "/app/directory?q=nav"} {
		if resp, body := u.get(path); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "analysts see aggregated figures") {
			t.Errorf("analyst at %s: %d", path, resp.StatusCode)
		}
	}
	// The region page says honestly what is not available.
	resp, body := u.get("/app/areas/3301")
	if resp.StatusCode != 200 || strings.Count(body, "Not available right now") < 2 || !strings.Contains(body, `src="/app/areas/3301/picture.svg?lang=en"`) {
		t.Errorf("region page without services: %d %.400s", resp.StatusCode, body)
	}
}

func TestMapFormsAgainstTheCommandService(t *testing.T) {
	s := start(t, true)
	u := s.user()
	u.signIn("Kari Nordmann", "coordinator")
	u.get("/app/")
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
	if _, err := s.web.client.command(context.Background(), "user:admin", "register_entry", map[string]any{
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

	// The map is on my list.
	if _, body := u.get("/app/"); !strings.Contains(body, ">Ola N.</a>") {
		t.Errorf("my maps does not list the map")
	}
	// And not on another coordinator's.
	other := s.user()
	other.signIn("Per Hansen", "coordinator")
	if _, body := other.get("/app/"); strings.Contains(body, ">Ola N.</a>") || !strings.Contains(body, "You have no maps yet") {
		t.Errorf("another coordinator's list shows my map: %s", body)
	}
}
