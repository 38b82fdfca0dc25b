package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// maxDepth bounds JSON nesting. encoding/json stops at 10,000 levels; real
// credentials need a few dozen, and JSON-LD processing recurses per level.
const maxDepth = 64

// decodeObject parses b as exactly one JSON object, keeping numbers as
// json.Number so their lexical form (which the signature covers) survives.
func decodeObject(b []byte) (map[string]any, error) {
	if d := jsonDepth(b); d > maxDepth {
		return nil, errs.E(errs.Invalid, "it is nested more than %d levels deep", maxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errs.Wrap(err, errs.Invalid, "syntax error at byte %d", se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errs.Wrap(err, errs.Invalid, "it is not a JSON object")
		}
		return nil, errs.Wrap(err, errs.Invalid, "it ends before the JSON is complete")
	}
	if doc == nil {
		return nil, errs.E(errs.Invalid, "it is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errs.E(errs.Invalid, "there is more data after the JSON object")
	}
	return doc, nil
}

// jsonDepth returns the deepest nesting of b, ignoring brackets in strings.
func jsonDepth(b []byte) int {
	depth, max, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr:
			if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}

// typesOf returns a JSON-LD "type" value as a list (it may be one string).
func typesOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// idOf returns v itself when it is a string, or v["id"] when it is an object.
func idOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		s, _ := t["id"].(string)
		return s
	}
	return ""
}

// str returns m[k] when it is a string.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// obj returns m[k] when it is an object, or the first element when it is a
// non-empty array of objects.
func obj(m map[string]any, k string) map[string]any {
	switch t := m[k].(type) {
	case map[string]any:
		return t
	case []any:
		if len(t) > 0 {
			o, _ := t[0].(map[string]any)
			return o
		}
	}
	return nil
}

// objects returns m[k] as a list of objects (one object or an array).
func objects(v any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}
	case []any:
		var out []map[string]any
		for _, x := range t {
			if o, ok := x.(map[string]any); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

// numberText returns a JSON number's lexical form, or a string as is.
func numberText(v any) string {
	switch t := v.(type) {
	case json.Number:
		return t.String()
	case string:
		return t
	}
	return ""
}

// parseDate parses an XML Schema dateTime as VCDM2 §4.9 uses it (RFC 3339,
// with a time zone).
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// plain returns an error's safe message as a sentence fragment (no trailing
// full stop), for embedding in a report message.
func plain(err error) string {
	if err == nil {
		return ""
	}
	m := errs.ErrorMessage(err)
	if m == "Internal error." {
		m = "an unexpected error"
	}
	return strings.TrimRight(m, ". ")
}

// sentence returns s with a capital first letter and a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
