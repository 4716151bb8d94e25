package devidp

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/samspill/samspill/pkg/access"
)

// pageData is what the sign-in page shows.
type pageData struct {
	Request string
	Client  string
	Users   []User
	Message string
}

var roleLabels = map[access.Role]string{access.Coordinator: "Coordinator", access.Analyst: "Analyst",
	access.Admin: "Administrator", access.Integration: "Integration"}

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"role": func(r access.Role) string {
		if l, ok := roleLabels[r]; ok {
			return l
		}
		return string(r)
	},
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development sign-in · Samspill</title>
<style>
body{font:1rem/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:36rem;margin:2rem auto;padding:0 1rem}
.warning{border:2px solid #8a4b00;background:#fff4e0;padding:.75rem 1rem;border-radius:.5rem}
ul{list-style:none;padding:0}
li{margin:.5rem 0}
button{display:block;width:100%;text-align:left;font:inherit;padding:.75rem 1rem;border:1px solid #5b6470;border-radius:.5rem;background:#fff;color:inherit;cursor:pointer}
button:hover{background:#eef3fb}
button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.name{display:block;font-weight:600}
.meta{display:block;color:#3d4550}
.cancel{width:auto;display:inline-block;margin-top:1rem}
header{background:#1b1f24;color:#fff;padding:.5rem 1rem}
.skip-link{position:absolute;left:-999px}
.skip-link:focus{left:1rem;top:.5rem;background:#fff;color:#1b1f24;padding:.25rem .5rem}
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header><p>Samspill · development identity provider</p></header>
<main id="main" tabindex="-1">
<h1>Development sign-in</h1>
<p class="warning" role="note"><strong>Development sign-in — not for production.</strong>
There are no passwords: anyone who reaches this page can sign in as any of these users.
<span lang="nb">Utviklingsinnlogging – ikke for produksjon.</span></p>
{{if .Message}}<p role="alert">{{.Message}}</p>{{else}}
<form method="post">
<input type="hidden" name="request" value="{{.Request}}">
<fieldset>
<legend>Sign in to <strong>{{.Client}}</strong> as:</legend>
<ul>
{{range .Users}}<li><button type="submit" name="sub" value="{{.Subject}}" data-subject="{{.Subject}}"><span class="name">{{.Name}}</span><span class="meta">{{role .Role}}{{if .Municipality}} · municipality {{.Municipality}}{{end}}</span></button></li>
{{end}}</ul>
</fieldset>
<button type="submit" name="cancel" value="1" class="cancel">Cancel</button>
</form>{{end}}
</main>
</body>
</html>
`))

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		http.Error(w, "the sign-in page could not be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action: browsers apply it to the redirect after the form,
	// and that goes to the client's own origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *Provider) errorPage(w http.ResponseWriter, status int, msg string) {
	p.render(w, status, pageData{Message: msg})
}
