// Package problem writes RFC 9457 problem details, the error body of every
// Samspill HTTP API, and carries the same content over NATS micro replies.
package problem

import (
	"encoding/json"
	"net/http"
)

// TypeBase is the URI prefix of problem types; a problem's type is
// TypeBase followed by its code.
const TypeBase = "https://samspill.no/problems/"

// Problem is an RFC 9457 problem details body with Samspill's extension
// members code, field and version.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Version  uint64 `json:"version,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// New returns a problem of the given HTTP status and code.
func New(status int, code, field, detail string) Problem {
	return Problem{Type: TypeBase + code, Title: http.StatusText(status), Status: status, Detail: detail, Code: code, Field: field}
}

// Write writes p as application/problem+json, with the request path as
// its instance.
func Write(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		// RFC 9110: a 401 says how to authenticate.
		w.Header().Set("WWW-Authenticate", `Bearer realm="samspill"`)
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
