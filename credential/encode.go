package credential

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The model's MarshalJSON methods each encode their own level and hand the
// bytes back to encoding/json, which checks and compacts them again at every
// level above: a credential nested five deep is scanned five more times,
// through a buffer and an Encoder per object. Marshal instead writes a
// credential in one pass into one buffer, with an encoder per type planned
// once (encoderFor below). It writes exactly the bytes the MarshalJSON methods
// give (TestDirectEncoding compares them on generated values of every model
// type); when it meets anything it was not planned for, or an error, Marshal
// falls back to encoding/json, so the errors are its errors too.

// encodeDirect is Marshal's one-pass encoding of v, a non-nil pointer to a
// model value; ok is false when v is anything else or cannot be written
// here.
func encodeDirect(v any) (out []byte, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, false
	}
	enc := encoderFor(rv.Type())
	bp := encodeBuffers.Get().(*[]byte)
	defer encodeBuffers.Put(bp)
	b, ok := enc((*bp)[:0], rv)
	if !ok {
		return nil, false
	}
	if cap(b) <= maxPooledBuffer {
		*bp = b
	}
	return bytes.Clone(b), true
}

// encodeBuffers hold Marshal's working buffers between calls: a credential
// is written once into a buffer that has grown to fit one before, then
// copied out at its size.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

const maxPooledBuffer = 256 << 10

// encodeFunc appends the JSON of v, an addressable value of the type it was
// made for. ok is false when the value cannot be written here (invalid raw
// JSON, a number that is not one): the caller then falls back.
type encodeFunc func(dst []byte, v reflect.Value) (out []byte, ok bool)

// encoders caches an encodeFunc per type (reflect.Type → encodeFunc).
var encoders sync.Map

// encoderFor returns the encodeFunc of t. Types that refer to themselves
// (Profile.ParentOrg) get an indirect function while their own is built, as
// encoding/json does.
func encoderFor(t reflect.Type) encodeFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encodeFunc)
	}
	var (
		wg sync.WaitGroup
		f  encodeFunc
	)
	wg.Add(1)
	fi, loaded := encoders.LoadOrStore(t, encodeFunc(func(dst []byte, v reflect.Value) ([]byte, bool) {
		wg.Wait()
		return f(dst, v)
	}))
	if loaded {
		return fi.(encodeFunc)
	}
	f = newEncoder(t)
	wg.Done()
	encoders.Store(t, f)
	return f
}

var (
	typesType       = reflect.TypeFor[Types]()
	numberType      = reflect.TypeFor[Number]()
	contextType     = reflect.TypeFor[ContextEntry]()
	profileType     = reflect.TypeFor[Profile]()
	rawType         = reflect.TypeFor[json.RawMessage]()
	extraType       = reflect.TypeFor[Extra]()
	isZeroerType    = reflect.TypeFor[interface{ IsZero() bool }]()
	oneOrManyMarker = reflect.TypeFor[interface{ oneOrMany() }]()
)

func newEncoder(t reflect.Type) encodeFunc {
	switch {
	case t == typesType:
		return encodeTypes
	case t == numberType:
		return encodeNumber
	case t == contextType:
		return encodeContext
	case t == rawType:
		return encodeRaw
	case reflect.PointerTo(t).Implements(oneOrManyMarker):
		return oneOrManyEncoder(t)
	case t == profileType:
		obj := objectEncoder(t)
		return func(dst []byte, v reflect.Value) ([]byte, bool) {
			if p := v.Addr().Interface().(*Profile); p.RefOnly {
				return appendString(dst, p.ID), true
			}
			return obj(dst, v)
		}
	}
	switch t.Kind() {
	case reflect.String:
		return func(dst []byte, v reflect.Value) ([]byte, bool) { return appendString(dst, v.String()), true }
	case reflect.Bool:
		return func(dst []byte, v reflect.Value) ([]byte, bool) {
			if v.Bool() {
				return append(dst, "true"...), true
			}
			return append(dst, "false"...), true
		}
	case reflect.Pointer:
		elem := encoderFor(t.Elem())
		return func(dst []byte, v reflect.Value) ([]byte, bool) {
			if v.IsNil() {
				return append(dst, "null"...), true
			}
			return elem(dst, v.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // []byte is base64 in encoding/json
		}
		elem := encoderFor(t.Elem())
		return func(dst []byte, v reflect.Value) ([]byte, bool) {
			if v.IsNil() {
				return append(dst, "null"...), true
			}
			return appendArray(dst, v, elem)
		}
	case reflect.Struct:
		if f, ok := t.FieldByName("Extra"); ok && f.Type == extraType {
			return objectEncoder(t)
		}
	}
	return unplanned
}

// unplanned is the encoder of a type the model does not use: the caller
// falls back to encoding/json.
func unplanned([]byte, reflect.Value) ([]byte, bool) { return nil, false }

func appendArray(dst []byte, v reflect.Value, elem encodeFunc) ([]byte, bool) {
	dst = append(dst, '[')
	for i := range v.Len() {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = elem(dst, v.Index(i)); !ok {
			return nil, false
		}
	}
	return append(dst, ']'), true
}

// field is one member an object encoder writes.
type field struct {
	index  int
	key    []byte // `"name":`
	isZero func(reflect.Value) bool
	enc    encodeFunc
}

// objectEncoder encodes a model struct as encodeObject does: the fields in
// order (omitzero as encoding/json applies it), then the Extra members the
// fields do not name, sorted, their values compacted.
func objectEncoder(t reflect.Type) encodeFunc {
	var fields []field
	extra := -1
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		if sf.Anonymous {
			return unplanned
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			if sf.Type == extraType {
				extra = i
			}
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := field{index: i, key: append(appendString(nil, name), ':'), enc: encoderFor(sf.Type)}
		switch opts {
		case "":
		case "omitzero":
			if f.isZero = zeroFunc(sf.Type); f.isZero == nil {
				return unplanned
			}
		default:
			return unplanned
		}
		fields = append(fields, f)
	}
	known := jsonKeys(t)
	return func(dst []byte, v reflect.Value) ([]byte, bool) {
		dst = append(dst, '{')
		first := true
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.isZero != nil && f.isZero(fv) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.key...)
			var ok bool
			if dst, ok = f.enc(dst, fv); !ok {
				return nil, false
			}
		}
		if extra >= 0 {
			var ok bool
			if dst, ok = appendExtra(dst, v.Field(extra).Interface().(Extra), known, first); !ok {
				return nil, false
			}
		}
		return append(dst, '}'), true
	}
}

// appendExtra writes the members of extra that known does not name, in
// sorted order; first says no member was written before them.
func appendExtra(dst []byte, extra Extra, known map[string]bool, first bool) ([]byte, bool) {
	if len(extra) == 0 {
		return dst, true
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(appendString(dst, k), ':')
		raw := extra[k]
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		var ok bool
		if dst, ok = appendCompact(dst, raw); !ok {
			return nil, false
		}
	}
	return dst, true
}

// zeroFunc is encoding/json's omitzero test for a field of type t: the
// type's IsZero method when it has one, else reflect's zero value. nil
// means a case this encoder does not plan (an interface field).
func zeroFunc(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface:
		return nil
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerType) || reflect.PointerTo(t).Implements(isZeroerType):
		// Called through the field's address: no copy of the value boxed.
		return func(v reflect.Value) bool { return v.Addr().Interface().(interface{ IsZero() bool }).IsZero() }
	}
	return reflect.Value.IsZero
}

// encodeTypes is Types.MarshalJSON.
func encodeTypes(dst []byte, v reflect.Value) ([]byte, bool) {
	t := v.Addr().Interface().(*Types)
	switch {
	case t.Single && len(t.Values) == 1:
		return appendString(dst, t.Values[0]), true
	case t.Values == nil:
		return append(dst, "[]"...), true
	}
	dst = append(dst, '[')
	for i, s := range t.Values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']'), true
}

// encodeNumber is Number.MarshalJSON.
func encodeNumber(dst []byte, v reflect.Value) ([]byte, bool) {
	s := v.String()
	if !isNumberLiteral(s) {
		return nil, false
	}
	return append(dst, s...), true
}

// encodeContext is ContextEntry.MarshalJSON.
func encodeContext(dst []byte, v reflect.Value) ([]byte, bool) {
	e := v.Addr().Interface().(*ContextEntry)
	if e.Inline != nil {
		return appendCompact(dst, e.Inline)
	}
	return appendString(dst, e.URL), true
}

// encodeRaw is json.RawMessage as encoding/json writes it: null when nil,
// otherwise compacted (and refused when it is not JSON).
func encodeRaw(dst []byte, v reflect.Value) ([]byte, bool) {
	if v.IsNil() {
		return append(dst, "null"...), true
	}
	return appendCompact(dst, v.Bytes())
}

// oneOrManyEncoder is OneOrMany[T].MarshalJSON for t = OneOrMany[T].
func oneOrManyEncoder(t reflect.Type) encodeFunc {
	items, _ := t.FieldByName("Items")
	single, _ := t.FieldByName("Single")
	elem := encoderFor(items.Type.Elem())
	return func(dst []byte, v reflect.Value) ([]byte, bool) {
		list := v.Field(items.Index[0])
		switch {
		case v.Field(single.Index[0]).Bool() && list.Len() == 1:
			return elem(dst, list.Index(0))
		case list.IsNil():
			return append(dst, "[]"...), true
		}
		return appendArray(dst, list, elem)
	}
}

func (OneOrMany[T]) oneOrMany() {}

// appendCompact is json.Compact appending to dst; ok is false when src is not
// one JSON value.
func appendCompact(dst, src []byte) ([]byte, bool) {
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, src); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// appendString writes s as a JSON string exactly as encoding/json does
// without HTML escaping: `"` and `\` escaped, \b \f \n \r \t by name, other
// control characters as \u00XX, invalid UTF-8 as \ufffd, and U+2028/U+2029
// escaped (JSONP safety, which encoding/json applies regardless).
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
