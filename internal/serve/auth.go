package serve

import (
	"net/http"
	"strings"

	"github.com/keyward/keyward/internal/keys"
)

// auth answers /v1/auth and every path below it, for reverse proxies:
// 200 when the credential is valid, 401 when there is none or it is not
// good, 403 when it lacks a required role or scope. X-Keyward-Code is on
// every answer; a 200 also names who the credential belongs to, in
// headers the proxy passes upstream.
func (s *Server) auth(w http.ResponseWriter, r *http.Request, rec *logRecord) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	roles, scopes := requirement(r, "role", "X-Keyward-Role"), requirement(r, "scope", "X-Keyward-Scope")
	var req keys.VerifyRequest
	if err := s.requirements(&req, roles, scopes); err != nil {
		rec.code = codeInvalid
		h.Set("X-Keyward-Code", codeInvalid)
		rec.status = writeError(w, http.StatusBadRequest, reasonOf(err), messageOf(err))
		return
	}
	cred, ok := credential(r)
	if !ok {
		rec.code = codeMissing
		h.Set("X-Keyward-Code", codeMissing)
		h.Set("WWW-Authenticate", `Bearer realm="keyward"`)
		rec.status = http.StatusUnauthorized
		w.WriteHeader(rec.status)
		return
	}
	req.Credential = cred
	v, err := s.verifier.Verify(r.Context(), req)
	if err != nil {
		rec.code, rec.err = codeError, err
		h.Set("X-Keyward-Code", codeError)
		rec.status = writeError(w, http.StatusInternalServerError, "internal", "the database did not answer; try again")
		return
	}
	rec.note(v)
	h.Set("X-Keyward-Code", string(v.Code))
	switch v.Code {
	case keys.CodeValid:
		h.Set("X-Keyward-Id", v.ID)
		h.Set("X-Keyward-Alias", v.Alias)
		h.Set("X-Keyward-Kind", string(v.Kind))
		h.Set("X-Keyward-Roles", strings.Join(v.Roles, ","))
		h.Set("X-Keyward-Scopes", strings.Join(v.Scopes, ","))
		rec.status = http.StatusOK
	case keys.CodeInsufficientRole, keys.CodeInsufficientScope:
		rec.status = http.StatusForbidden
	default:
		h.Set("WWW-Authenticate", `Bearer realm="keyward"`)
		rec.status = http.StatusUnauthorized
	}
	w.WriteHeader(rec.status)
}

// credential is the key or token a request presents: Authorization:
// Bearer, else X-API-Key.
func credential(r *http.Request) (string, bool) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(a), " ")
		if strings.EqualFold(scheme, "Bearer") {
			if c := strings.TrimSpace(rest); c != "" {
				return c, true
			}
		}
	}
	if c := strings.TrimSpace(r.Header.Get("X-API-Key")); c != "" {
		return c, true
	}
	return "", false
}

// requirement gathers the repeatable query parameter param and the
// comma-separated header values of header.
func requirement(r *http.Request, param, header string) []string {
	var out []string
	if r.URL.RawQuery != "" {
		for _, v := range r.URL.Query()[param] {
			out = appendList(out, v)
		}
	}
	for _, v := range r.Header.Values(header) {
		out = appendList(out, v)
	}
	return out
}

func appendList(out []string, list string) []string {
	for item := range strings.SplitSeq(list, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
