package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// maxJSONDepth bounds the nesting of request bodies. encoding/json's own
// limit is 10,000 levels; nothing tohu accepts needs more than a few dozen,
// and credentials are checked again by the verifier.
const maxJSONDepth = 64

// decodeJSON decodes the request body into v strictly: the Content-Type must
// be JSON (or absent), the body one JSON value with nothing after it, no
// deeper than maxJSONDepth, and, when v is a struct, with no member v does
// not declare. Every failure is a 400 problem naming the member as a JSON
// pointer where there is one. The body size is capped by the server.
//
// The body is copied first: fiber reuses its buffers after the handler
// returns, and v may keep json.RawMessage slices of it.
func decodeJSON(c *fiber.Ctx, v any) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	return decodeBytes(bytes.Clone(c.Body()), v)
}

// requireJSON refuses a body declared as something other than JSON.
func requireJSON(c *fiber.Ctx) error {
	ct := c.Get(fiber.HeaderContentType)
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the body as application/json.")
	}
	return nil
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return malformedf("", "The request body is empty; a JSON object is expected.")
	}
	if err := checkDepth(body, maxJSONDepth); err != nil {
		return err
	}
	if err := vetJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(body, v, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformedf("", "The request body holds more than one JSON value.")
	}
	return checkIntRange(reflect.ValueOf(v), "")
}

// checkIntRange refuses a whole number outside the 32-bit range in any
// integer member of v: the database columns are INTEGER (PostgreSQL fails
// the query; SQLite would store what no other replica can read back), and
// no count, level, credit or version comes near it. 422 at the member.
func checkIntRange(v reflect.Value, at string) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uint32:
		var big bool
		if v.CanInt() {
			big = v.Int() > math.MaxInt32 || v.Int() < math.MinInt32
		} else {
			big = v.Uint() > math.MaxInt32
		}
		if big {
			return errs.F(errs.Invalid, at, "%s is out of range.", memberName(at))
		}
	case reflect.Struct:
		if v.Type() == rawMessageType {
			return nil
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := at + "/" + escapePointer(name)
			if f.Anonymous && f.Tag.Get("json") == "" {
				p = at
			}
			if err := checkIntRange(v.Field(i), p); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == rawMessageType {
			return nil
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkIntRange(v.Index(i), at+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if it.Key().Kind() == reflect.String {
				if err := checkIntRange(it.Value(), at+"/"+escapePointer(it.Key().String())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// decodeError turns an encoding/json error into a 400 naming the member.
func decodeError(body []byte, v any, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return malformedf("", "The body is not valid JSON (at byte %d).", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformedf("", "The body is not valid JSON (it ends too early).")
	case errors.As(err, &typ):
		ptr := dottedToPointer(typ.Field)
		// encoding/json's path leaves out array indices ("roles" for
		// roles[2]); find the element in the body.
		var raw any
		if json.Unmarshal(body, &raw) == nil {
			t := typ.Type
			for t != nil && t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			wantArray := t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array)
			if p, ok := typeErrorPointer(raw, splitDotted(typ.Field), typ.Value, wantArray); ok {
				ptr = p
			}
		}
		return malformedf(ptr, "%s must be a JSON %s, not %s.", memberName(ptr), jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json does not say where the member is; find it.
		var raw any
		if json.Unmarshal(body, &raw) == nil {
			if ptr, ok := unknownMember(reflect.TypeOf(v), raw, ""); ok {
				return malformedf(ptr, "Unknown member %s.", memberName(ptr))
			}
		}
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		ptr := "/" + escapePointer(name)
		return malformedf(ptr, "Unknown member %s.", memberName(ptr))
	default:
		return malformedf("", "The body could not be decoded.")
	}
}

func memberName(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return strconv.Quote(ptr)
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// dottedToPointer turns encoding/json's "a.b.c" path into "/a/b/c".
func dottedToPointer(path string) string {
	if path == "" {
		return ""
	}
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = escapePointer(p)
	}
	return "/" + strings.Join(parts, "/")
}

// escapePointer escapes one reference token (RFC 6901 §3).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
)

// unknownMember walks raw (the body decoded generically) alongside t and
// returns the pointer of the first object member t does not declare. It
// follows encoding/json's rules: exported fields, `json` tag names, embedded
// structs promoted, names matched case-insensitively.
func unknownMember(t reflect.Type, raw any, at string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t == rawMessageType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return "", false
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				ft, ok = fields[strings.ToLower(k)]
			}
			if !ok {
				return at + "/" + escapePointer(k), true
			}
			if p, ok := unknownMember(ft, obj[k], at+"/"+escapePointer(k)); ok {
				return p, true
			}
		}
	case reflect.Map:
		if obj, ok := raw.(map[string]any); ok {
			for k, v := range obj {
				if p, ok := unknownMember(t.Elem(), v, at+"/"+escapePointer(k)); ok {
					return p, true
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if arr, ok := raw.([]any); ok {
			for i, v := range arr {
				if p, ok := unknownMember(t.Elem(), v, at+"/"+strconv.Itoa(i)); ok {
					return p, true
				}
			}
		}
	}
	return "", false
}

// jsonFields maps each JSON member name of struct t (and its lower-cased
// form) to the field's type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
		if _, dup := out[strings.ToLower(name)]; !dup {
			out[strings.ToLower(name)] = f.Type
		}
	}
	return out
}

// checkDepth scans body once and refuses nesting deeper than max. It only
// counts brackets outside strings; syntax is left to the decoder.
func checkDepth(body []byte, max int) error {
	depth, inStr, esc := 0, false, false
	for _, b := range body {
		switch {
		case esc:
			esc = false
		case inStr:
			if b == '\\' {
				esc = true
			} else if b == '"' {
				inStr = false
			}
		case b == '"':
			inStr = true
		case b == '{' || b == '[':
			depth++
			if depth > max {
				return malformedf("", "The body is nested deeper than %d levels.", max)
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return nil
}

func splitDotted(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

// typeErrorPointer finds, in the generically decoded body, the value of JSON
// kind want (encoding/json's UnmarshalTypeError.Value: "string", "number",
// "bool", "array", "object") at the member path parts, stepping into arrays
// wherever the path does not name them, and returns its pointer.
func typeErrorPointer(raw any, parts []string, want string, wantArray bool) (string, bool) {
	// An array where the path goes on, or where the Go type is not a
	// slice, is a list of the target type: the culprit is an element.
	if arr, ok := raw.([]any); ok && (len(parts) > 0 || !wantArray) {
		for i, el := range arr {
			if len(parts) == 0 && rawKind(el) == want {
				return "/" + strconv.Itoa(i), true
			}
			if p, ok := typeErrorPointer(el, parts, want, wantArray); ok {
				return "/" + strconv.Itoa(i) + p, true
			}
		}
		return "", false
	}
	if len(parts) == 0 {
		return "", rawKind(raw) == want || strings.HasPrefix(want, "number") && rawKind(raw) == "number"
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return "", false
	}
	key, found := parts[0], false
	if _, found = obj[key]; !found {
		for k := range obj {
			if strings.EqualFold(k, key) {
				key, found = k, true
				break
			}
		}
	}
	if !found {
		return "", false
	}
	p, ok := typeErrorPointer(obj[key], parts[1:], want, wantArray)
	return "/" + escapePointer(key) + p, ok
}

// rawKind names a generically decoded value's kind as encoding/json does.
func rawKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// vetJSON refuses what encoding/json would accept by silently changing or
// dropping input: a member name that appears twice in one object (the last
// one would win), bytes that are not UTF-8 and unpaired UTF-16 surrogate
// escapes (each would become U+FFFD), and NUL characters, which no text
// field needs and PostgreSQL cannot store. Each is a 400 naming the member.
// Syntax errors are left to the decoder, which reports them with offsets:
// vetJSON stops at the first one and accepts what it read before it.
//
// It is one pass over the bytes that reads tokens the way encoding/json's
// Decoder.Token does (it replaced a Token loop, which allocated per token;
// decode_vet_test.go keeps that loop and checks both agree): several
// top-level values are read in turn. A number too large for a float64 does
// not end the scan (the Token loop stopped there, so a duplicate member or a
// NUL after 1e400 reached a json.RawMessage target unrefused): the decoder
// judges the number itself. Only strings with escapes, and the
// member names of a refused body, are decoded, by encoding/json itself.
func vetJSON(body []byte) error {
	const (
		topValue = iota
		arrayStart
		arrayValue
		arrayComma
		objectStart
		objectKey
		objectColon
		objectValue
		objectComma
	)
	type frame struct {
		parent int // the state to return to after the container
		object bool
		index  int    // arrays: the element being read
		key    []byte // objects: the member being read, decoded
		names  int    // objects: where this object's names start in names
		seen   map[string]struct{}
	}
	// manyNames is where an object's duplicate check moves from a scan of
	// its names to a set.
	const manyNames = 16
	frames := make([]frame, 0, 16)
	names := make([][]byte, 0, 64)
	// pointer names the value being read; with a name, the member of that
	// name in the innermost object instead.
	pointer := func(name []byte, isName bool) string {
		var b strings.Builder
		last := len(frames)
		if isName {
			last--
		}
		for _, f := range frames[:last] {
			b.WriteByte('/')
			if f.object {
				b.WriteString(escapePointer(string(f.key)))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		if isName {
			b.WriteString("/" + escapePointer(string(name)))
		}
		return b.String()
	}
	valueAllowed := func(state int) bool {
		return state == topValue || state == arrayStart || state == arrayValue || state == objectValue
	}
	// valueEnd moves past one value read in state.
	valueEnd := func(state int) int {
		switch state {
		case arrayStart, arrayValue:
			frames[len(frames)-1].index++
			return arrayComma
		case objectValue:
			return objectComma
		}
		return state
	}
	state, i, n := topValue, 0, len(body)
	for {
		for i < n && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
			i++
		}
		if i == n {
			return nil
		}
		switch c := body[i]; c {
		case '[', '{':
			if !valueAllowed(state) {
				return nil
			}
			i++
			f := frame{parent: state, object: c == '{', names: len(names)}
			frames = append(frames, f)
			state = arrayStart
			if f.object {
				state = objectStart
			}
			continue
		case ']', '}':
			if c == ']' && state != arrayStart && state != arrayComma ||
				c == '}' && state != objectStart && state != objectComma {
				return nil
			}
			i++
			f := frames[len(frames)-1]
			names = names[:f.names]
			frames = frames[:len(frames)-1]
			state = valueEnd(f.parent)
			continue
		case ':':
			if state != objectColon {
				return nil
			}
			i++
			state = objectValue
			continue
		case ',':
			switch state {
			case arrayComma:
				state = arrayValue
			case objectComma:
				state = objectKey
			default:
				return nil
			}
			i++
			continue
		}
		isName := state == objectStart || state == objectKey
		if !isName && !valueAllowed(state) {
			return nil
		}
		end, ok := 0, false
		switch c := body[i]; {
		case c == '"':
			var escaped, high bool
			if end, escaped, high, ok = scanJSONString(body, i); !ok {
				return nil
			}
			tok := body[i:end]
			str := tok[1 : len(tok)-1]
			if escaped {
				str = []byte(unquoteJSON(tok))
			}
			var problem string
			switch {
			case high && !utf8.Valid(tok):
				problem = "%s holds bytes that are not UTF-8."
			case escaped && bytes.ContainsRune(str, utf8.RuneError) && !bytes.ContainsRune(tok, utf8.RuneError) &&
				!bytes.Contains(bytes.ToLower(tok), []byte(`\ufffd`)):
				problem = "%s holds an unpaired UTF-16 surrogate escape."
			case escaped && bytes.IndexByte(str, 0) >= 0:
				problem = "%s holds a NUL character."
			}
			if problem != "" {
				ptr := pointer([]byte(unquoteJSON(tok)), isName)
				return malformedf(ptr, problem, memberName(ptr))
			}
			if isName {
				f := &frames[len(frames)-1]
				if f.seen != nil {
					_, dup := f.seen[string(str)]
					ok = !dup
				} else {
					for _, seen := range names[f.names:] {
						if bytes.Equal(seen, str) {
							ok = false
							break
						}
					}
				}
				if !ok {
					ptr := pointer(str, true)
					return malformedf(ptr, "The member %s appears twice.", memberName(ptr))
				}
				names = append(names, str)
				if f.seen != nil {
					f.seen[string(str)] = struct{}{}
				} else if len(names)-f.names > manyNames {
					f.seen = make(map[string]struct{}, 2*manyNames)
					for _, name := range names[f.names:] {
						f.seen[string(name)] = struct{}{}
					}
				}
				f.key = str
				i, state = end, objectColon
				continue
			}
		case c == '-' || c >= '0' && c <= '9':
			if end, ok = scanJSONNumber(body, i); !ok {
				return nil
			}
		case c == 't':
			end, ok = i+4, bytes.HasPrefix(body[i:], []byte("true"))
		case c == 'f':
			end, ok = i+5, bytes.HasPrefix(body[i:], []byte("false"))
		case c == 'n':
			end, ok = i+4, bytes.HasPrefix(body[i:], []byte("null"))
		}
		if !ok || isName {
			return nil
		}
		i, state = end, valueEnd(state)
	}
}

// scanJSONString reads the string that starts at body[start] (a quote) and
// returns the offset just past it, whether it holds escapes or bytes above
// ASCII, and false if it is not a valid JSON string.
func scanJSONString(body []byte, start int) (end int, escaped, high, ok bool) {
	for i := start + 1; i < len(body); i++ {
		switch c := body[i]; {
		case c == '"':
			return i + 1, escaped, high, true
		case c == '\\':
			escaped = true
			i++
			if i == len(body) {
				return 0, false, false, false
			}
			switch body[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(body) {
					return 0, false, false, false
				}
				for _, h := range body[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, false, false, false
					}
				}
				i += 4
			default:
				return 0, false, false, false
			}
		case c < 0x20:
			return 0, false, false, false
		case c >= 0x80:
			high = true
		}
	}
	return 0, false, false, false
}

// scanJSONNumber reads the number that starts at body[start] and returns
// the offset just past it, or false where the JSON number grammar (RFC 8259
// §6) is broken. Its size is not judged here: that is the decoder's.
func scanJSONNumber(body []byte, start int) (int, bool) {
	i, n := start, len(body)
	digits := func() int {
		from := i
		for i < n && body[i] >= '0' && body[i] <= '9' {
			i++
		}
		return i - from
	}
	if body[i] == '-' {
		i++
	}
	switch {
	case i < n && body[i] == '0':
		i++
	case i < n && body[i] >= '1' && body[i] <= '9':
		digits()
	default:
		return 0, false
	}
	if i < n && body[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < n && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < n && (body[i] == '+' || body[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	return i, true
}

// unquoteJSON decodes a string token the way encoding/json does (invalid
// UTF-8 and unpaired surrogates become U+FFFD).
func unquoteJSON(tok []byte) string {
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return string(tok[1 : len(tok)-1]) // not reached: tok was scanned
	}
	return s
}
