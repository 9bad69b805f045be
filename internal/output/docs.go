package output

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v as compact JSON without HTML escaping: keyward's JSON
// is read by scripts, and "<" in a description stays "<".
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// ErrorDoc is the JSON error document written to stderr with -o json.
type ErrorDoc struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is an error's reason, message and hint.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}
