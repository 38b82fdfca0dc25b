package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
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
	if name, ptr, ok := duplicateMember(b); ok {
		return nil, errs.F(errs.Invalid, ptr, "the member %q appears twice in one object (at %s), and JSON readers disagree on which value counts", name, ptr)
	}
	return doc, nil
}

// duplicateMember finds the first object member whose name repeats an
// earlier member of the same object in b, which must be valid JSON, and
// returns the name and its JSON pointer. encoding/json (and JSON.parse)
// keep the last value, other readers the first: a credential showing one
// name to a person while the proof was checked over another is a parser
// differential, so the verifier refuses such input (I-JSON, RFC 7493 §2.3).
func duplicateMember(b []byte) (name, pointer string, found bool) {
	var stack []jsonFrame
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, jsonFrame{object: true, wantKey: true})
		case '[':
			stack = append(stack, jsonFrame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				top.wantKey = true
			} else {
				top.index++
			}
		case '"':
			j, escaped := i+1, false
			for ; b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				key := string(b[i+1 : j])
				if escaped {
					_ = json.Unmarshal(b[i:j+1], &key) // b is valid JSON
				}
				top := &stack[n-1]
				if slices.Contains(top.keys, key) {
					return key, framePointer(stack[:n-1]) + "/" + errs.PointerToken(key), true
				}
				top.keys = append(top.keys, key)
				top.wantKey = false
			}
			i = j
		}
	}
	return "", "", false
}

// jsonFrame is one open object or array in duplicateMember's scan.
type jsonFrame struct {
	object  bool
	wantKey bool     // the next string is a member name
	keys    []string // member names so far; the last is the current member
	index   int      // current element of an array
}

// framePointer is the JSON pointer of the value the innermost frame is in.
func framePointer(stack []jsonFrame) string {
	var sb strings.Builder
	for _, f := range stack {
		sb.WriteByte('/')
		if f.object {
			sb.WriteString(errs.PointerToken(f.keys[len(f.keys)-1]))
		} else {
			sb.WriteString(strconv.Itoa(f.index))
		}
	}
	return sb.String()
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
