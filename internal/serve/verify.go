package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

// verifyBody is the body of POST /v1/verify.
type verifyBody struct {
	Key    *string  `json:"key"`
	Scopes []string `json:"scopes"`
	Roles  []string `json:"roles"`
}

// verify answers POST /v1/verify: 200 with the verdict, valid or not, as
// keyward verify -o json prints it; 400 for a body that is not a request.
// Error messages never quote the body: it holds a credential.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, rec *logRecord) {
	rec.code = codeInvalid
	req, status, reason, msg := s.readVerifyBody(w, r)
	if status != 0 {
		rec.status = writeError(w, status, reason, msg)
		return
	}
	v, err := s.verifier.Verify(r.Context(), req)
	if err != nil {
		rec.code, rec.err = codeError, err
		rec.status = writeError(w, http.StatusInternalServerError, "internal", "the database did not answer; try again")
		return
	}
	rec.note(v)
	rec.status = http.StatusOK
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Keyward-Code", string(v.Code))
	w.Write(append(VerificationJSON(v), '\n'))
}

// readVerifyBody decodes and checks the body; a non-zero status says why
// it is refused.
func (s *Server) readVerifyBody(w http.ResponseWriter, r *http.Request) (req keys.VerifyRequest, status int, reason, msg string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return req, http.StatusBadRequest, "body_too_large", "the body is larger than 4 KiB"
	case err != nil:
		return req, http.StatusBadRequest, "invalid_body", "the body could not be read"
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return req, http.StatusBadRequest, "invalid_body", `the body must be a JSON object: {"key": "…", "scopes": […], "roles": […]}`
	}
	var b verifyBody
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields() // a mistyped "scope" must not drop a requirement
	if err := dec.Decode(&b); err != nil {
		if bytes.Contains([]byte(err.Error()), []byte("unknown field")) {
			return req, http.StatusBadRequest, "unknown_field", "the body has a field other than key, scopes and roles"
		}
		return req, http.StatusBadRequest, "invalid_json", `the body is not valid JSON of the form {"key": "…", "scopes": […], "roles": […]}`
	}
	if dec.More() {
		return req, http.StatusBadRequest, "invalid_json", "the body holds more than one JSON value"
	}
	if b.Key == nil {
		return req, http.StatusBadRequest, "missing_key", `the body has no "key"`
	}
	req.Credential = *b.Key
	if err := s.requirements(&req, b.Roles, b.Scopes); err != nil {
		return req, http.StatusBadRequest, reasonOf(err), messageOf(err)
	}
	return req, 0, "", ""
}

// requirements checks required roles and scopes as keyward verify does:
// an unknown role or a malformed scope name is a mistake of the caller,
// not a verdict.
func (s *Server) requirements(req *keys.VerifyRequest, roles, scopes []string) error {
	if len(roles) > 0 {
		r, err := s.verifier.Policy.NormalizeRoles(roles)
		if err != nil {
			return err
		}
		req.Roles = r
	}
	for _, sc := range scopes {
		if err := keys.ValidateScopeName(sc); err != nil {
			return err
		}
		if !slices.Contains(req.Scopes, sc) {
			req.Scopes = append(req.Scopes, sc)
		}
	}
	return nil
}

// VerificationJSON is the object keyward verify -o json prints: what is
// known of a verified credential, null where nothing is.
func VerificationJSON(v keys.Verification) []byte {
	b, err := output.Marshal(output.NewVerificationDoc(v))
	if err != nil { // strings, lists and a time: it cannot fail
		panic(err)
	}
	return b
}

// writeError writes {"error": {"code", "message"}} with status.
func writeError(w http.ResponseWriter, status int, reason, msg string) int {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := output.Marshal(output.ErrorDoc{Error: output.ErrorBody{Code: reason, Message: msg}})
	w.Write(append(b, '\n'))
	return status
}

func reasonOf(err error) string {
	var ke *keys.Error
	if errors.As(err, &ke) {
		return ke.Reason
	}
	return "invalid_request"
}

func messageOf(err error) string {
	var ke *keys.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return "the request is invalid"
}
