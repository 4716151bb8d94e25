package web

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"
)

// form is the state of one form on a page: the values it was submitted
// with (kept when a command is refused) and the error of each field.
type form struct {
	id        string
	submitted bool
	values    url.Values
	errs      map[string]string
	// General is an error that belongs to no field of the form.
	General string
}

// Value returns the submitted value of name.
func (f *form) Value(name string) string { return f.values.Get(name) }

// Or returns the submitted value of name, or def when the form was not
// submitted.
func (f *form) Or(name, def string) string {
	if f.submitted {
		return f.values.Get(name)
	}
	return def
}

// Err returns the error of the field name.
func (f *form) Err(name string) string { return f.errs[name] }

// HasErrors reports whether the form has any error.
func (f *form) HasErrors() bool { return len(f.errs) > 0 || f.General != "" }

// ID returns the element id of the field name.
func (f *form) ID(name string) string { return f.id + "-" + name }

// Attrs returns the id, name and, when the field has an error,
// aria-invalid and aria-describedby of an input.
func (f *form) Attrs(name string) template.HTMLAttr { return f.attrs(name, false) }

// AttrsHint is Attrs for an input described by a hint, whose id is the
// input's with "-hint".
func (f *form) AttrsHint(name string) template.HTMLAttr { return f.attrs(name, true) }

func (f *form) attrs(name string, hint bool) template.HTMLAttr {
	var b strings.Builder
	b.WriteString(`id="` + html.EscapeString(f.ID(name)) + `" name="` + html.EscapeString(name) + `"`)
	var described []string
	if hint {
		described = append(described, f.ID(name)+"-hint")
	}
	if f.errs[name] != "" {
		b.WriteString(` aria-invalid="true"`)
		described = append(described, f.ID(name)+"-error")
	}
	if len(described) > 0 {
		b.WriteString(` aria-describedby="` + html.EscapeString(strings.Join(described, " ")) + `"`)
	}
	return template.HTMLAttr(b.String())
}

// Error returns the error paragraph of the field name, or nothing.
func (f *form) Error(name string) template.HTML {
	msg := f.errs[name]
	if msg == "" {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + html.EscapeString(f.ID(name)+"-error") + `">` + html.EscapeString(msg) + `</p>`)
}

// Selected returns the selected attribute when name's value is value.
func (f *form) Selected(name, value string) template.HTMLAttr {
	if f.values.Get(name) == value {
		return "selected"
	}
	return ""
}

// Checked returns the checked attribute when name's value is value.
func (f *form) Checked(name, value string) template.HTMLAttr {
	if f.values.Get(name) == value {
		return "checked"
	}
	return ""
}

// templateFuncs returns the helpers the templates use.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"join": strings.Join,
		"list": func(xs ...string) []string { return xs },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"percent": func(x float64) string { return fmt.Sprintf("%.0f %%", x*100) },
		"add":     func(a, b int) int { return a + b },
	}
}
