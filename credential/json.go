package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tohu-nz/tohu/errs"
)

// Extra holds the members of a JSON object that the Go type does not model,
// exactly as they were given, so that decoding and re-encoding a credential
// loses nothing (extensions, newer OB properties, the issuer's own terms).
// Known members always win over an Extra entry of the same name.
type Extra map[string]json.RawMessage

// knownKeys caches, per struct type, the JSON member names its fields use.
var knownKeys sync.Map // reflect.Type → map[string]bool

func jsonKeys(t reflect.Type) map[string]bool {
	if m, ok := knownKeys.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = true
	}
	knownKeys.Store(t, m)
	return m
}

// decodeObject decodes the JSON object data into plain (a pointer to a struct
// without custom methods) and returns the members plain does not know.
//
// Only members whose names match a field's JSON name exactly are decoded
// into plain: encoding/json matches names case-insensitively, but JSON-LD
// terms are case-sensitive, so "CredentialSubject" is a different (and
// probably undefined) term that must stay in Extra, not shadow the real one.
func decodeObject(data []byte, plain any) (Extra, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil { // JSON null
		return nil, nil
	}
	known := jsonKeys(reflect.TypeOf(plain).Elem())
	var extra Extra
	exact := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		if known[k] {
			exact[k] = v
			continue
		}
		if extra == nil {
			extra = Extra{}
		}
		extra[k] = v
	}
	if len(extra) == 0 {
		return nil, json.Unmarshal(data, plain)
	}
	b, err := json.Marshal(exact)
	if err != nil {
		return nil, err
	}
	return extra, json.Unmarshal(b, plain)
}

// encodeObject encodes plain (a struct without custom methods) and appends
// the extra members, in sorted order after the known ones so output is
// deterministic. Marshal's one-pass encoder (encode.go) writes the same
// bytes; a change here must be made there too (TestDirectEncoding fails
// otherwise).
func encodeObject(plain any, extra Extra) ([]byte, error) {
	b, err := marshal(plain)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	known := jsonKeys(reflect.TypeOf(plain))
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // drop the closing brace
	first := len(b) == 2    // "{}"
	for _, k := range keys {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		v := extra[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		if err := json.Compact(&buf, v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping: narratives are markdown and
// "&" or "<" must stay readable in the stored credential. (Escaping changes
// no decoded value, so signatures are unaffected either way.)
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Marshal encodes v (normally a *Credential) as compact JSON without HTML
// escaping. Members the types do not model are written back unchanged.
//
// A pointer to a model value (normally a *Credential) is written in one pass
// (encodeDirect); anything else, or a value that pass cannot write, goes
// through encoding/json and the MarshalJSON methods, which give the same
// bytes.
func Marshal(v any) ([]byte, error) {
	if b, ok := encodeDirect(v); ok {
		return b, nil
	}
	b, err := marshal(v)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the credential")
	}
	return b, nil
}

// MarshalIndent is Marshal with two-space indentation, for files people read.
func MarshalIndent(v any) ([]byte, error) {
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not indent the credential")
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Parse decodes a credential. It checks only that the JSON fits the model
// (objects where objects belong, and so on); use ValidateSchema for the OB
// rules. Errors are *errs.Error with code Invalid and, when the decoder says
// where, a JSON pointer Field.
func Parse(data []byte) (*Credential, error) {
	var c Credential
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, decodeError(err)
	}
	return &c, nil
}

// decodeError turns an encoding/json error into an errs.Invalid, keeping the
// location the decoder reports (dotted Go-style path → JSON pointer).
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := ""
		if te.Field != "" {
			field = "/" + strings.ReplaceAll(te.Field, ".", "/")
		}
		return errs.F(errs.Invalid, field, "expected %s, got a JSON %s", te.Type.String(), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errs.Wrap(err, errs.Invalid, "not valid JSON at byte %d", se.Offset)
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	return errs.Wrap(err, errs.Invalid, "the credential does not fit the Open Badges 3.0 model")
}

// Types is a JSON-LD "type" value: a set of type names. OB 3.0 §"Serialization"
// lets a single type be written as a bare string; Single remembers that form
// so a decoded credential re-encodes as it came. The builder writes arrays
// where the OB JSON Schema wants arrays and strings where it wants strings.
type Types struct {
	Values []string
	Single bool // encode as a bare string (only when there is exactly one value)
}

// TypesOf returns an array-form type set.
func TypesOf(v ...string) Types { return Types{Values: v} }

// TypeOf returns a single type written as a bare string (Image,
// IdentityObject, IdentifierEntry, CredentialSchema, credentialStatus and
// proof types are strings in the OB JSON Schema).
func TypeOf(v string) Types { return Types{Values: []string{v}, Single: true} }

// Has reports whether t contains name.
func (t Types) Has(name string) bool { return slices.Contains(t.Values, name) }

// IsZero reports whether t is unset (used by omitzero); a decoded empty
// array is not zero, so it is written back.
func (t Types) IsZero() bool { return t.Values == nil && !t.Single }

// MarshalJSON implements json.Marshaler.
func (t Types) MarshalJSON() ([]byte, error) {
	if t.Single && len(t.Values) == 1 {
		return marshal(t.Values[0])
	}
	if t.Values == nil {
		return []byte("[]"), nil
	}
	return marshal(t.Values)
}

// UnmarshalJSON implements json.Unmarshaler; it accepts a string or an array
// of strings.
func (t *Types) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = Types{Values: []string{one}, Single: true}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*t = Types{Values: many}
	return nil
}

// OneOrMany is a property OB 3.0 lets be compacted to a single value when it
// has one (proof, credentialSchema, termsOfUse, @context). Single remembers
// the form it was decoded from.
type OneOrMany[T any] struct {
	Items  []T
	Single bool
}

// Many returns an array-form value.
func Many[T any](items ...T) OneOrMany[T] { return OneOrMany[T]{Items: items} }

// IsZero reports whether o is unset (used by omitzero); a decoded empty
// array is not zero, so it is written back.
func (o OneOrMany[T]) IsZero() bool { return o.Items == nil && !o.Single }

// MarshalJSON implements json.Marshaler.
func (o OneOrMany[T]) MarshalJSON() ([]byte, error) {
	if o.Single && len(o.Items) == 1 {
		return marshal(o.Items[0])
	}
	if o.Items == nil {
		return []byte("[]"), nil
	}
	return marshal(o.Items)
}

// UnmarshalJSON implements json.Unmarshaler; it accepts one value or an array.
func (o *OneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*o = OneOrMany[T]{Items: many}
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = OneOrMany[T]{Items: []T{one}, Single: true}
	return nil
}

// Number is a JSON number kept as its literal text (e.g. "15", "7.5",
// "1.50E1"), so a decoded credential re-encodes exactly: OB's
// creditsAvailable/creditsEarned are signed as xsd:float from the lexical
// form (NOTES §15.7). Unlike json.Number it refuses a JSON string, which
// would otherwise come back out as a number.
type Number string

// Int returns n as the literal of an integer.
func Int(i int) Number { return Number(strconv.Itoa(i)) }

// Float64 returns the value of n.
func (n Number) Float64() (float64, error) { return strconv.ParseFloat(string(n), 64) }

// String returns the literal.
func (n Number) String() string { return string(n) }

// MarshalJSON implements json.Marshaler. The literal is checked for JSON
// number syntax only (a value beyond float64, like 1e400, is kept as given).
func (n Number) MarshalJSON() ([]byte, error) {
	if !isNumberLiteral(string(n)) {
		return nil, fmt.Errorf("credential: %q is not a JSON number", string(n))
	}
	return []byte(n), nil
}

// isNumberLiteral reports whether s is exactly one JSON number (RFC 8259
// §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), nothing around it.
func isNumberLiteral(s string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	num, ok := v.(json.Number)
	if !ok {
		return &json.UnmarshalTypeError{Value: jsonKind(v), Type: reflect.TypeFor[Number]()}
	}
	*n = Number(num)
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	case []any:
		return "array"
	default:
		return "object"
	}
}
