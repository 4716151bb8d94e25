package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/samspill/samspill/services/samspill/demo"
)

// The browser tests drive the web application of samspill up (/app/) with
// a real headless Chromium. Each user signs in with OpenID Connect at the
// development identity provider (/idp/) as a demo user: a coordinator of
// 3301 maps a person's network and watches a gap open and close live, is
// refused another coordinator's map and signs out; an analyst of 3301
// reads the region's tables and picture and is refused a citizen map.
// Each step leaves a full-page screenshot in $SAMSPILL_ARTIFACTS/screenshots
// (default <repo>/artifacts/screenshots).

// chromiumPath finds the browser: $CHROMIUM, /usr/bin/chromium or chromium
// on the PATH. Without one the test fails and says how to install it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM=%s: %v (run `make chromium` to install Debian's chromium)", p, err)
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("the browser tests need Chromium and found none (no $CHROMIUM, no /usr/bin/chromium, no chromium on PATH): run `make chromium` to install it, or set CHROMIUM")
	return ""
}

// browser is one headless Chromium with a fresh profile, and where its
// screenshots go.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	step int
	name string
}

func newBrowser(t *testing.T, base, name string) *browser {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v (run `make chromium` if it is missing)", err)
	}
	dir := os.Getenv("SAMSPILL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, name+"-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return &browser{t: t, ctx: ctx, base: base, dir: dir, name: name}
}

// run runs actions, failing the test with what (and a screenshot) when
// they fail or take more than 90 seconds.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a full-page PNG screenshot named after the step.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.step++
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(b.dir, fmt.Sprintf("%s-%02d-%s.png", b.name, b.step, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise it returns)
// and decodes its value.
func eval[T any](b *browser, what, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// js is an action that runs a script for its effect.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](script)
}

// waitJS waits until the expression is true.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(60*time.Second),
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// checkPage checks what every page must have: a language, one h1, the
// landmarks (header, nav and main unless others are named), an accessible
// label on every form control, captions and scoped headers in tables,
// and, on a page just loaded, the skip link first in the tab order.
func (b *browser) checkPage(page string, landmarks ...string) {
	b.t.Helper()
	b.checkMarkup(page, landmarks...)
	b.run("tab to the skip link on "+page, chromedp.KeyEvent(kb.Tab))
	first := eval[string](b, "focus after Tab", `document.activeElement ? document.activeElement.className : ''`)
	if !strings.Contains(first, "skip-link") {
		b.t.Errorf("%s: the first Tab reaches %q, not the skip link", page, first)
	}
	b.run("leave the skip link", js(`document.activeElement.blur()`))
}

// checkMarkup is checkPage without the keyboard.
func (b *browser) checkMarkup(page string, landmarks ...string) {
	b.t.Helper()
	if len(landmarks) == 0 {
		landmarks = []string{"header", "nav", "main"}
	}
	list, _ := json.Marshal(landmarks)
	var problems []string
	problems = eval[[]string](b, "accessibility of "+page, `((landmarks) => {
		const out = [];
		const lang = document.documentElement.getAttribute('lang');
		if (lang !== 'en' && lang !== 'nb') out.push('html lang is ' + lang);
		if (document.querySelectorAll('h1').length !== 1) out.push(document.querySelectorAll('h1').length + ' h1 elements');
		for (const sel of landmarks) if (!document.querySelector(sel)) out.push('no ' + sel + ' landmark');
		for (const el of document.querySelectorAll('input, select, textarea')) {
			if (el.type === 'hidden') continue;
			const id = el.id;
			const labelled = (id && document.querySelector('label[for="' + CSS.escape(id) + '"]')) || el.closest('label') ||
				(el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
			if (!labelled) out.push('no label: ' + el.outerHTML.slice(0, 120));
		}
		for (const t of document.querySelectorAll('table')) {
			if (!t.querySelector('caption')) out.push('table without caption');
			for (const th of t.querySelectorAll('th')) if (!th.getAttribute('scope')) { out.push('th without scope: ' + th.textContent.trim()); break; }
		}
		const img = document.querySelector('figure img');
		if (img && !(img.getAttribute('alt') || '').trim()) out.push('picture without alt');
		return out;
	})(`+string(list)+`)`)
	if len(problems) > 0 {
		b.t.Errorf("%s: accessibility: %s", page, strings.Join(problems, "; "))
	}
}

// signIn signs in with OpenID Connect as a user of the development
// identity provider (a demo user such as dev-coordinator-3301): a browser
// at / is sent through /app/login to the provider's authorization page,
// where it chooses the user, and comes back through /app/callback signed
// in.
func (b *browser) signIn(subject string) {
	b.t.Helper()
	b.run("open Samspill",
		chromedp.Navigate(b.base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-subject]`)))
	at, err := url.Parse(eval[string](b, "location", `location.href`))
	if err != nil {
		b.t.Fatal(err)
	}
	q := at.Query()
	if at.Path != "/idp/authorize" || q.Get("client_id") != webClientID || q.Get("redirect_uri") != b.base+"/app/callback" ||
		q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("state") == "" || q.Get("nonce") == "" {
		b.t.Errorf("a browser at / lands on %s, want the provider's authorization of %s (code, PKCE S256, state, nonce) back to /app/callback", at, webClientID)
	}
	if h1 := eval[string](b, "provider heading", `document.querySelector('h1').textContent`); h1 != "Development sign-in" {
		b.t.Errorf("the provider's page has the heading %q", h1)
	}
	// The provider's page is not the application's: it has a header and
	// a main landmark but no navigation.
	b.checkPage("development sign-in", "header", "main")
	b.shot("dev-signin")
	b.run("sign in as "+subject,
		chromedp.Click(chromedp.CSS(`button[name=sub][value="`+subject+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/app/logout"] button`)))
}

// signOut signs out with the header's button: the signed-out page says so
// and offers to sign in again, and the session is gone: the page's script
// is refused and a page sends the browser to sign in.
func (b *browser) signOut() {
	b.t.Helper()
	b.run("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/app/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button.primary[href="/app/login"]`)))
	if at := eval[string](b, "location", `location.pathname + location.search`); at != "/app/signin?out=1" {
		b.t.Errorf("signing out lands on %s, want /app/signin?out=1", at)
	}
	if text := eval[string](b, "signed out", `document.querySelector('main').textContent`); !strings.Contains(text, "You have signed out.") {
		b.t.Errorf("the signed-out page says %q", text)
	}
	if n := eval[int](b, "sign-out buttons", `document.querySelectorAll('form[action="/app/logout"]').length`); n != 0 {
		b.t.Errorf("the signed-out page still offers to sign out")
	}
	b.checkPage("signed out")
	b.shot("signed-out")
	if status := eval[int](b, "the directory signed out", `fetch('/app/directory?q=nav').then(r => r.status)`); status != http.StatusUnauthorized {
		b.t.Errorf("signed out, the page's directory search answers %d, want 401", status)
	}
	b.run("back to my maps",
		chromedp.Navigate(b.base+"/app/"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-subject]`)))
	if at := eval[string](b, "location", `location.pathname`); at != "/idp/authorize" {
		b.t.Errorf("signed out, /app/ leads to %s, want the sign-in at /idp/authorize", at)
	}
}

// refused navigates to path and wants the application's 403 page saying
// want.
func (b *browser) refused(what, path, want string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	b.run(what, chromedp.WaitVisible(chromedp.CSS(`h1`)))
	text := eval[string](b, what, `document.querySelector('main').textContent`)
	if resp.Status != http.StatusForbidden || !strings.Contains(text, want) {
		b.t.Errorf("%s: %d %q, want 403 saying %q", what, resp.Status, text, want)
	}
}

// submit clicks a map form's main button and waits for the page to show
// the result (the enhanced form swaps the main region).
func (b *browser) submit(form string) {
	b.t.Helper()
	var before string
	before = eval[string](b, "before "+form, `document.body.getAttribute('data-submitted') || ''`)
	b.run("submit "+form, chromedp.Click(chromedp.CSS(`#`+form+` button.primary`)))
	b.waitJS("answer to "+form, fmt.Sprintf(`(document.body.getAttribute('data-submitted') || '') !== %q`, before))
}

// noErrors fails when the form shows errors.
func (b *browser) noErrors(form string) {
	b.t.Helper()
	var errs string
	errs = eval[string](b, "errors of "+form, `Array.from(document.querySelectorAll('#`+form+` .field-error, #`+form+` .form-error')).map(e => e.textContent).join(' | ')`)
	if errs != "" {
		b.shot("error-" + form)
		b.t.Fatalf("%s was refused: %s", form, errs)
	}
}

// selectByText chooses the option of a select whose text contains text.
func (b *browser) selectByText(sel, text string) {
	b.t.Helper()
	var ok bool
	ok = eval[bool](b, "choose "+text+" in "+sel, fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		const o = Array.from(s.options).find(o => o.textContent.includes(%q));
		if (!o) return false;
		s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, sel, text))
	if !ok {
		b.t.Fatalf("%s has no option with %q", sel, text)
	}
}

// addFromDirectory types into the directory search, waits for the listbox
// and chooses the first entry with the keyboard.
func (b *browser) addFromDirectory(typed, want, since string) {
	b.t.Helper()
	if since != "" {
		b.run("since", chromedp.SetValue(chromedp.CSS(`#add-directory-validTime`), since))
	}
	b.run("search the directory for "+typed,
		chromedp.Focus(chromedp.CSS(`#add-directory-q`)),
		chromedp.SendKeys(chromedp.CSS(`#add-directory-q`), typed),
		chromedp.WaitVisible(chromedp.CSS(`#directory-listbox [role=option]`)))
	var expanded string
	expanded = eval[string](b, "aria-expanded", `document.getElementById('add-directory-q').getAttribute('aria-expanded')`)
	if expanded != "true" {
		b.t.Errorf("the combobox is open but aria-expanded=%q", expanded)
	}
	b.shot("directory-" + strings.ToLower(strings.Fields(want)[0]))
	b.waitJS("the option "+want, fmt.Sprintf(`Array.from(document.querySelectorAll('#directory-listbox [role=option]')).some(o => o.textContent.includes(%q))`, want))
	// Arrow down to the wanted option, then Enter.
	var index int
	index = eval[int](b, "index of "+want, fmt.Sprintf(`Array.from(document.querySelectorAll('#directory-listbox [role=option]')).findIndex(o => o.textContent.includes(%q))`, want))
	for i := 0; i <= index; i++ {
		b.run("arrow down", chromedp.KeyEvent(kb.ArrowDown))
	}
	var active string
	active = eval[string](b, "active option", `(document.getElementById(document.getElementById('add-directory-q').getAttribute('aria-activedescendant')) || {}).textContent || ''`)
	if !strings.Contains(active, want) {
		b.t.Fatalf("aria-activedescendant is %q, want %q", active, want)
	}
	b.run("choose with Enter", chromedp.KeyEvent(kb.Enter))
	var chosen string
	chosen = eval[string](b, "chosen entry", `document.querySelector('#add-directory [data-directory-id]').value`)
	if chosen == "" {
		b.t.Fatal("choosing an entry left the directory id empty")
	}
	b.submit("add-directory")
	b.noErrors("add-directory")
	b.waitJS("actor "+want+" in the table", fmt.Sprintf(`document.getElementById('actors-region').textContent.includes(%q)`, want))
}

func (b *browser) addPrivate(name, kind, sector, level string) {
	b.t.Helper()
	b.run("fill the private actor "+name,
		chromedp.SendKeys(chromedp.CSS(`#add-private-name`), name),
		chromedp.SetValue(chromedp.CSS(`#add-private-kind`), kind),
		chromedp.SetValue(chromedp.CSS(`#add-private-sector`), sector),
		chromedp.SetValue(chromedp.CSS(`#add-private-level`), level))
	b.submit("add-private")
	b.noErrors("add-private")
	b.waitJS("actor "+name+" in the table", fmt.Sprintf(`document.getElementById('actors-region').textContent.includes(%q)`, name))
}

func (b *browser) addRelation(from, typ, to, since string) {
	b.t.Helper()
	b.selectByText(`#add-relation-from`, from)
	b.run("relation type", chromedp.SetValue(chromedp.CSS(`#add-relation-type`), typ))
	b.selectByText(`#add-relation-to`, to)
	b.run("quality", chromedp.SetValue(chromedp.CSS(`#add-relation-quality`), "good"))
	if since != "" {
		b.run("since", chromedp.SetValue(chromedp.CSS(`#add-relation-validTime`), since))
	}
	b.submit("add-relation")
	b.noErrors("add-relation")
}

func TestBrowserCoordinatorAndAnalyst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts samspill up with the demo region and a headless Chromium")
	}
	chromiumPath(t) // fail early, before starting everything, when there is no browser
	cfg := upConfig{data: t.TempDir(), httpAddr: "127.0.0.1:0", natsPort: 0, sync: "interval", demoSeed: 1}
	base, stop := startUp(t, cfg)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("samspill up did not stop cleanly: %v", err)
		}
	}()
	admin := mustAdminToken(t, cfg.data)
	// The map the coordinator makes, for the analyst to be refused.
	mapID := "00000000-0000-4000-8000-000000000000"
	t.Run("coordinator", func(t *testing.T) { mapID = coordinatorPath(t, base, admin) })
	t.Run("analyst", func(t *testing.T) { analystPath(t, base, mapID) })
}

// coordinatorPath is the coordinator of 3301's afternoon; it returns the
// id of the map they made.
func coordinatorPath(t *testing.T, base, admin string) string {
	b := newBrowser(t, base, "coordinator")
	b.signIn(demo.Coordinator("3301"))
	if at := eval[string](b, "location", `location.pathname`); at != "/app/" {
		t.Errorf("a coordinator signs in to %s, want /app/", at)
	}
	b.waitJS("my maps", `document.querySelector('h1').textContent.includes('My maps')`)
	b.checkPage("my maps")
	// The demo's maps of 3301 were opened in this coordinator's name: they
	// are their caseload, and nobody else's is in it.
	caseload := eval[[]string](b, "my maps", `Array.from(document.querySelectorAll('table.data tbody tr td:first-of-type')).map(td => td.textContent.trim())`)
	if len(caseload) == 0 {
		t.Error("the coordinator of 3301 has no maps; the demo's maps of 3301 are theirs")
	}
	for _, m := range caseload {
		if m != "3301" {
			t.Errorf("my maps lists a map of municipality %q", m)
			break
		}
	}
	if n := eval[int](b, "region link", `document.querySelectorAll('nav a[href^="/app/areas"]').length`); n != 0 {
		t.Error("a coordinator's navigation links to the region's figures, which are the analysts'")
	}
	b.shot("my-maps")

	// Open a map.
	b.run("open a map",
		chromedp.SendKeys(chromedp.CSS(`#new-map-label`), "Ola N."),
		chromedp.SendKeys(chromedp.CSS(`#new-map-citizenName`), "Ola Nordmann"),
		chromedp.SetValue(chromedp.CSS(`#new-map-validTime`), time.Now().AddDate(0, 0, -60).Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`#new-map button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#add-directory-q, main p.notice`)))
	// The new map is the coordinator's at once: the page it opens on is
	// the map, not a refusal because the graph service has not yet seen
	// the map opened in their name.
	if eval[int](b, "refused at once", `document.querySelectorAll('#add-directory-q').length`) == 0 {
		b.shot("new-map-refused")
		t.Errorf("opening a map lands on %q: the web app reads the map before the graph service has applied map_opened (who it is assigned to)",
			eval[string](b, "refusal", `document.querySelector('main').textContent.trim().replace(/\s+/g, ' ')`))
		refusedAt := eval[string](b, "map url", `location.pathname`)
		deadline := time.Now().Add(30 * time.Second)
		for eval[int](b, "the map at last", `document.querySelectorAll('#add-directory-q').length`) == 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
			b.run("load the map again", chromedp.Navigate(b.base+refusedAt), chromedp.WaitVisible(chromedp.CSS(`#add-directory-q, main p.notice`)))
		}
	}
	var h1, mapURL string
	h1 = eval[string](b, "map heading", `document.querySelector('h1').textContent`)
	mapURL = eval[string](b, "map url", `location.pathname`)
	if h1 != "Ola N." || !strings.HasPrefix(mapURL, "/app/maps/") {
		t.Fatalf("after opening a map: h1 %q at %s", h1, mapURL)
	}
	mapID := strings.TrimPrefix(mapURL, "/app/maps/")
	b.waitJS("live updates connected", `document.body.getAttribute('data-live') === 'connected'`)
	b.checkPage("map")
	b.shot("map-new")
	// From here on the page is never loaded again: a marker on window
	// would be lost by a reload.
	b.run("marker", js(`window.__samspillNoReload = 'yes'`))

	// Five actors: three from the directory (searched as you type, with
	// Nordic letters), two private.
	// The GP has served Ola for a month, which gives the timeline a date
	// between the map's opening and today.
	monthAgo := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	b.addFromDirectory("Mjøn", "Fastlegekontor Mjøndalen, Drammen", monthAgo)
	b.addFromDirectory("dps dra", "DPS Drammen", "")
	b.addFromDirectory("NAV Dram", "NAV Drammen", "")
	b.addPrivate("Anne S.", "person", "informal", "individual")
	b.addPrivate("Per L.", "person", "peer", "individual")
	var actors int
	actors = eval[int](b, "actor rows", `document.querySelectorAll('#actors-region tbody tr').length`)
	if actors != 5 {
		t.Errorf("the actors table has %d rows, want 5", actors)
	}
	b.shot("five-actors")

	// A refused command: a relation from an actor to itself. The error is
	// next to its field and the form keeps its values.
	b.selectByText(`#add-relation-from`, "DPS Drammen")
	b.run("relation type", chromedp.SetValue(chromedp.CSS(`#add-relation-type`), "collaborates"))
	b.selectByText(`#add-relation-to`, "DPS Drammen")
	b.submit("add-relation")
	var invalid, described, keptType string
	invalid = eval[string](b, "aria-invalid", `document.getElementById('add-relation-to').getAttribute('aria-invalid') || ''`)
	described = eval[string](b, "aria-describedby", `(document.getElementById(document.getElementById('add-relation-to').getAttribute('aria-describedby') || 'none') || {}).textContent || ''`)
	keptType = eval[string](b, "kept value", `document.getElementById('add-relation-type').value`)
	if invalid != "true" || !strings.Contains(described, "itself") || keptType != "collaborates" {
		t.Errorf("a refused relation: aria-invalid %q, described by %q, type kept %q", invalid, described, keptType)
	}
	var focused string
	focused = eval[string](b, "focus after error", `document.activeElement.id`)
	if focused != "add-relation-to" {
		t.Errorf("after a refusal the focus is on %q, want the field at fault", focused)
	}
	b.shot("relation-refused")

	// The GP and the DPS both serve Ola and do not work together: a P1
	// gap opens, and the page shows it without being loaded again.
	b.addRelation("Fastlegekontor Mjøndalen", "serves", "Ola Nordmann", monthAgo)
	b.addRelation("DPS Drammen", "serves", "Ola Nordmann", "")
	b.addRelation("Anne S.", "family", "Ola Nordmann", "")
	b.waitJS("the P1 gap appears", `!!document.querySelector('#gaps-region [data-rule="P1"]')`)
	var marker string
	marker = eval[string](b, "marker", `window.__samspillNoReload || ''`)
	if marker != "yes" {
		t.Fatal("the page was loaded again; the gap should arrive live")
	}
	var relRows int
	relRows = eval[int](b, "relation rows", `document.querySelectorAll('#relations-region tbody tr').length`)
	if relRows != 3 {
		t.Errorf("the relations table has %d rows, want 3", relRows)
	}
	b.shot("gap-opened")

	// A colleague's change (another client of the HTTP API, with their
	// own API token) arrives live. The map is not theirs until the
	// administrator assigns it to them too.
	colleague, colleagueSubject := mustToken(t, base, admin, tokenSpec{Name: "Colleague", Role: "coordinator", Municipality: "3301"})
	addHousing := fmt.Sprintf(`{"mapId":%q,"kind":"service","level":"service","sector":"housing","name":"Boligkontoret"}`, mapID)
	if status, res := postAs(t, base, colleague, "add_actor", addHousing); status != http.StatusForbidden {
		t.Errorf("add_actor by a coordinator the map is not assigned to: %d %v, want 403", status, res)
	}
	if status, res := postAs(t, base, admin, "grant_access", fmt.Sprintf(`{"mapId":%q,"principal":%q}`, mapID, colleagueSubject)); status != http.StatusCreated {
		t.Fatalf("grant_access by the administrator: %d %v", status, res)
	}
	if status, res := postAs(t, base, colleague, "add_actor", addHousing); status != http.StatusCreated {
		t.Fatalf("add_actor by the colleague the map is now assigned to: %d %v", status, res)
	}
	b.waitJS("a colleague's actor appears live", `document.getElementById('actors-region').textContent.includes('Boligkontoret')`)

	// Fix the gap: the GP and the DPS collaborate. P1 closes.
	b.addRelation("Fastlegekontor Mjøndalen", "collaborates", "DPS Drammen", "")
	b.waitJS("the P1 gap closes", `!document.querySelector('#gaps-region [data-rule="P1"]')`)
	marker = eval[string](b, "marker", `window.__samspillNoReload || ''`)
	if marker != "yes" {
		t.Fatal("the page was loaded again")
	}
	b.shot("gap-closed")

	// The rest of a meeting: assess an actor, a coordinator, the plan
	// (with its forum in the same step), a member, a contact and the
	// person's participation.
	b.selectByText(`#assess-actorId`, "Anne S.")
	b.run("assess",
		chromedp.SetValue(chromedp.CSS(`#assess-importance`), "high"),
		chromedp.SetValue(chromedp.CSS(`#assess-influence`), "medium"),
		chromedp.Click(chromedp.CSS(`#assess input[name=problemRecognition][value=yes]`)),
		chromedp.Click(chromedp.CSS(`#assess input[name=constraintRecognition][value=no]`)),
		chromedp.Click(chromedp.CSS(`#assess input[name=involvement][value=yes]`)),
		chromedp.SetValue(chromedp.CSS(`#assess-attitude`), "supportive"),
		chromedp.SendKeys(chromedp.CSS(`#assess-whatMatters`), "Å bo hjemme"))
	b.submit("assess")
	b.noErrors("assess")
	b.selectByText(`#coordinator-actorId`, "DPS Drammen")
	b.submit("coordinator")
	b.noErrors("coordinator")
	b.submit("plan")
	b.noErrors("plan")
	b.selectByText(`#plan-member-actorId`, "Fastlegekontor Mjøndalen")
	b.submit("plan-member")
	b.noErrors("plan-member")
	b.selectByText(`#record-contact-relationId`, "Anne S.")
	b.run("contact mode", chromedp.SetValue(chromedp.CSS(`#record-contact-mode`), "phone"))
	b.submit("record-contact")
	b.noErrors("record-contact")
	b.run("participation", chromedp.Click(chromedp.CSS(`#participation input[name=level][value="4"]`)))
	b.submit("participation")
	b.noErrors("participation")
	var meta string
	meta = eval[string](b, "map facts", `document.querySelector('.map-head .meta').textContent`)
	for _, want := range []string{"Coordinator: DPS Drammen", "Individual plan: active", "Participation: 4/5"} {
		if !strings.Contains(meta, want) {
			t.Errorf("the map's facts %q lack %q", meta, want)
		}
	}
	b.waitJS("the picture has drawn", `(() => { const i = document.getElementById('map-picture'); return i.complete && i.naturalWidth > 0; })()`)
	b.checkMarkup("map with actors")
	b.shot("map-complete")

	// Downloads come through the application (the HTTP API wants a token
	// a browser does not have): every link is under the map's own path,
	// and the map document answers.
	links := eval[[]string](b, "download links", `Array.from(document.querySelectorAll('.downloads a')).map(a => new URL(a.href).pathname)`)
	for _, l := range links {
		if !strings.HasPrefix(l, "/app/maps/"+mapID+"/") {
			t.Errorf("a download link goes to %s, not under /app/maps/%s/", l, mapID)
		}
	}
	if !slices.Contains(links, "/app/maps/"+mapID+"/export.json") {
		t.Errorf("the downloads %v have no map document (export.json)", links)
	}
	exportType := eval[string](b, "export link", `(async () => { const a = Array.from(document.querySelectorAll('.downloads a')).find(a => a.href.includes('export.json'));
			const r = await fetch(a.href); return r.status + ' ' + r.headers.get('content-type'); })()`)
	if !strings.HasPrefix(exportType, "200 application/json") {
		t.Errorf("the map document export answers %q", exportType)
	}

	// The timeline: back to the first date, the picture follows.
	dates := strings.Split(eval[string](b, "timeline dates", `document.getElementById('timeline-step').getAttribute('data-dates')`), ",")
	if len(dates) != 3 {
		t.Fatalf("the timeline has the dates %v, want the map's opening, the GP's relation's start and today", dates)
	}
	// With the keyboard: Home (the opening), then one step right.
	b.run("move the timeline to the second date", chromedp.Focus(chromedp.CSS(`#timeline-step`)), chromedp.KeyEvent(kb.Home), chromedp.KeyEvent(kb.ArrowRight))
	b.waitJS("the picture of the second date", fmt.Sprintf(`document.getElementById('map-picture').getAttribute('src').includes('at=%s')`, dates[1]))
	if got := eval[string](b, "timeline output", `document.getElementById('timeline-date').textContent`); got != dates[1] {
		t.Errorf("the timeline shows %q, want %s", got, dates[1])
	}
	// On that date only the GP was there, serving Ola.
	b.waitJS("the relations of the second date", `document.querySelectorAll('#relations-region tbody tr').length === 1`)
	b.waitJS("the actors of the second date", `document.querySelectorAll('#actors-region tbody tr').length === 1`)
	b.waitJS("the picture of the second date loads", `(() => { const i = document.getElementById('map-picture'); return i.complete && i.naturalWidth > 0; })()`)
	b.shot("timeline")
	b.run("back to today", chromedp.KeyEvent(kb.End))
	b.waitJS("the picture of today", `!document.getElementById('map-picture').getAttribute('src').includes('at=')`)

	// Norwegian.
	b.run("switch to Norwegian",
		chromedp.Click(chromedp.CSS(`a[hreflang=nb]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang=nb]`)))
	var nbHeading string
	nbHeading = eval[string](b, "Norwegian heading", `document.getElementById('gaps-heading').textContent`)
	if nbHeading != "Åpne brudd" {
		t.Errorf("in Norwegian the gaps heading is %q", nbHeading)
	}
	if flash := eval[int](b, "flash after the switch", `document.querySelectorAll('[data-flash]').length`); flash != 0 {
		t.Errorf("the language switch shows a finished form's message again")
	}
	if got := eval[string](b, "timeline after the switch", `location.search`); got != "" {
		t.Errorf("after the switch the address has %q", got)
	}
	b.checkPage("map in Norwegian")
	b.shot("map-nb")
	b.run("back to English",
		chromedp.Click(chromedp.CSS(`a[hreflang=en]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang=en]`)))

	// My maps lists the map with its open gaps.
	b.run("my maps", chromedp.Navigate(base+"/app/"), chromedp.WaitVisible(chromedp.CSS(`table.data`)))
	var listed string
	listed = eval[string](b, "my maps", `document.querySelector('table.data tbody').textContent`)
	if !strings.Contains(listed, "Ola N.") || !strings.Contains(listed, "3301") {
		t.Errorf("my maps lists %q", listed)
	}
	b.shot("my-maps-with-ola")

	// Another coordinator's map, opened by its address, is refused, and
	// so is a map that does not exist: the page does not tell them apart.
	status, res := postAs(t, base, colleague, "open_map", `{"focus":"citizen","label":"Kim K.","municipality":"3301"}`)
	if status != http.StatusCreated {
		t.Fatalf("open_map by the colleague: %d %v", status, res)
	}
	ids, _ := res["ids"].(map[string]any)
	other, _ := ids["mapId"].(string)
	if other == "" {
		t.Fatalf("open_map answered no map id: %v", res)
	}
	const notYours = "A citizen map opens only for the coordinators it is assigned to"
	b.refused("another coordinator's map", "/app/maps/"+other, notYours)
	b.checkPage("refused map")
	b.shot("other-coordinators-map-refused")
	b.refused("a map that does not exist", "/app/maps/"+uuid.NewString(), notYours)
	if strings.Contains(eval[string](b, "refusal", `document.body.textContent`), "Kim K.") {
		t.Error("the refusal shows the other map's label")
	}

	b.signOut()
	return mapID
}

func analystPath(t *testing.T, base, mapID string) {
	b := newBrowser(t, base, "analyst")
	b.signIn(demo.Analyst("3301"))
	b.waitJS("the region page", `location.pathname === '/app/areas/3301'`)
	b.waitJS("the system picture loads", `(() => { const i = document.getElementById('area-picture'); return i.complete && i.naturalWidth > 0; })()`)
	var matrixRows, prevalenceRows int
	matrixRows = eval[int](b, "matrix rows", `document.querySelectorAll('#matrix-table tbody tr').length`)
	prevalenceRows = eval[int](b, "prevalence rows", `document.querySelectorAll('#prevalence-table tbody tr').length`)
	if matrixRows == 0 || prevalenceRows == 0 {
		var notices string
		notices = eval[string](b, "notices", `Array.from(document.querySelectorAll('.notice, .empty')).map(n => n.textContent).join(' | ')`)
		t.Errorf("region 3301: %d matrix rows, %d prevalence rows (%s)", matrixRows, prevalenceRows, notices)
	}
	var suppressed int
	suppressed = eval[int](b, "suppressed cells", `Array.from(document.querySelectorAll('#matrix-table td')).filter(td => td.textContent.trim() === '< 5').length`)
	t.Logf("region 3301: %d organisation pairs (%d suppressed cells), %d prevalence rows", matrixRows, suppressed, prevalenceRows)
	b.checkPage("region")
	b.shot("region")

	csv := eval[string](b, "the matrix CSV", `(async () => { const a = Array.from(document.querySelectorAll('a')).find(a => a.href.includes('matrix.csv'));
			const r = await fetch(a.href); return r.status + ' ' + r.headers.get('content-type'); })()`)
	if !strings.HasPrefix(csv, "200 text/csv") {
		t.Errorf("the matrix CSV answers %q", csv)
	}

	// An analyst opens no citizen map, not even the coordinator's of their
	// own municipality.
	b.refused("a citizen map", "/app/maps/"+mapID, "analysts see aggregated figures")
	if strings.Contains(eval[string](b, "refusal", `document.body.textContent`), "Ola") {
		t.Error("the refusal shows the map's label")
	}
	b.shot("analyst-refused")
	b.signOut()
}
