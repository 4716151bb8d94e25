package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/services/web/session"
)

// This file is the development sign-in: a form that makes a session from
// a display name, a role and a municipality. OpenID Connect will replace
// this file; the pages read only the session.

// signinPage shows the sign-in form, with an anonymous session whose
// CSRF token the form carries.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := &req{w: w, r: r, lang: s.language(r)}
	sess, err := s.sessions.Read(r)
	if err == nil && sess.SignedIn() {
		http.Redirect(w, r, "/app/", http.StatusSeeOther)
		return
	}
	if err != nil {
		if sess, err = s.sessions.Anonymous(); err != nil {
			s.log.Error("anonymous session", "err", err)
			http.Error(w, "no session", http.StatusInternalServerError)
			return
		}
		if err := s.sessions.Write(w, r, sess); err != nil {
			s.log.Error("write session", "err", err)
		}
	}
	q.sess = sess
	v := s.newView(q, s.cat.text(q.lang, "signin.title"), map[string]any{
		"Expired": r.URL.Query().Get("expired") != "", "Next": safeBack(r.URL.Query().Get("next"))})
	s.render(q, http.StatusOK, "signin", v)
}

func (s *Server) signinPost(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := &req{w: w, r: r, lang: s.language(r)}
	anon, err := s.sessions.Read(r)
	if err != nil || r.ParseForm() != nil || !s.sessions.CheckCSRF(anon, r.PostForm.Get("csrf")) {
		s.errorPage(q, http.StatusForbidden, "error.csrf")
		return
	}
	q.sess = anon
	f := &form{id: "signin", submitted: true, values: r.PostForm, errs: map[string]string{}}
	name := strings.TrimSpace(f.Value("name"))
	role := session.Role(f.Value("role"))
	muni := strings.TrimSpace(f.Value("municipality"))
	if name == "" || session.Principal(name) == "" {
		f.errs["name"] = s.cat.text(q.lang, "signin.name.required")
	}
	if !role.Valid() {
		f.errs["role"] = s.cat.text(q.lang, "signin.role.required")
	}
	if !event.IsMunicipality(muni) {
		f.errs["municipality"] = s.cat.text(q.lang, "field.municipality.invalid")
	}
	if f.HasErrors() {
		v := s.newView(q, s.cat.text(q.lang, "signin.title"), map[string]any{"Next": safeBack(f.Value("next"))})
		v.forms["signin"] = f
		s.render(q, http.StatusUnprocessableEntity, "signin", v)
		return
	}
	sess, err := s.sessions.SignIn(name, role, muni)
	if err == nil {
		err = s.sessions.Write(w, r, sess)
	}
	if err != nil {
		s.log.Error("sign in", "err", err)
		s.errorPage(q, http.StatusInternalServerError, "state.failed")
		return
	}
	s.log.Info("signed in", "role", sess.Role)
	next := safeBack(f.Value("next"))
	if sess.Role == session.Analyst && strings.HasPrefix(next, "/app/maps") {
		next = "/app/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(q *req) {
	s.sessions.Clear(q.w, q.r)
	http.Redirect(q.w, q.r, "/app/signin?"+url.Values{"out": {"1"}}.Encode(), http.StatusSeeOther)
}
