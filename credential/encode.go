package credential

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
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
	out, _, _, ok = encodeValue(v, false, nil)
	return out, ok
}

// encodeValue is encodeDirect, and with withDoc it also returns what
// decoding the bytes with encoding/json (UseNumber) would give —
// map[string]any, []any, string, json.Number, bool, nil — built from the
// model in the same pass instead of parsed back: the strings are the
// model's own. ok is then also false when a string or member name is not
// valid UTF-8 (its encoding says U+FFFD instead). With a cohort (nil:
// none), an Achievement whose bytes the cohort already holds decodes to
// the cohort's object, the one Cohort.share would swap in, instead of a
// copy built and dropped; ach says where the Achievement is.
func encodeValue(v any, withDoc bool, cohort *Cohort) (out []byte, doc any, ach achievementSpan, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, nil, ach, false
	}
	enc := encoderFor(rv.Type())
	e := encoders.Get().(*encoder)
	e.buf, e.doc, e.ach, e.cohort = e.buf[:0], withDoc, achievementSpan{}, cohort
	defer func() {
		if cap(e.buf) > maxPooledBuffer {
			e.buf = nil
		}
		e.cohort = nil
		encoders.Put(e)
	}()
	if doc, ok = enc(e, rv); !ok {
		return nil, nil, ach, false
	}
	return bytes.Clone(e.buf), doc, e.ach, true
}

// achievementSpan is where the last Achievement object encoded sits in the
// output: bytes [start, end), and n, how many were encoded. An award
// credential holds exactly one, the part every award of a micro-credential
// shares, so its bytes identify it (see SchemaValidator.validateAward).
//
// shared: the last one is the Cohort's object for those bytes (encodeValue),
// which only an award that passed isNFC and the schema put there.
type achievementSpan struct {
	start, end, n int
	shared        bool
}

// encoders hold encoders between calls: a credential is written once into
// a buffer that has grown to fit one before, then copied out at its size.
var encoders = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 8<<10)} }}

const maxPooledBuffer = 256 << 10

// encoder is the state of one encoding: the bytes so far, and whether the
// decoded form is wanted too.
type encoder struct {
	buf    []byte
	doc    bool
	ach    achievementSpan
	cohort *Cohort // see encodeValue
}

// encodeFunc appends the JSON of v, an addressable value of the type it was
// made for, to e.buf and, when e.doc, returns its decoded form. ok is false
// when the value cannot be written here (invalid raw JSON, a number that is
// not one, or, for the decoded form, a string that is not UTF-8): the caller
// then falls back.
type encodeFunc func(e *encoder, v reflect.Value) (doc any, ok bool)

// encodeFuncs caches an encodeFunc per type (reflect.Type → encodeFunc).
var encodeFuncs sync.Map

// encoderFor returns the encodeFunc of t. Types that refer to themselves
// (Profile.ParentOrg) get an indirect function while their own is built, as
// encoding/json does.
func encoderFor(t reflect.Type) encodeFunc {
	if f, ok := encodeFuncs.Load(t); ok {
		return f.(encodeFunc)
	}
	var (
		wg sync.WaitGroup
		f  encodeFunc
	)
	wg.Add(1)
	fi, loaded := encodeFuncs.LoadOrStore(t, encodeFunc(func(e *encoder, v reflect.Value) (any, bool) {
		wg.Wait()
		return f(e, v)
	}))
	if loaded {
		return fi.(encodeFunc)
	}
	f = newEncoder(t)
	wg.Done()
	encodeFuncs.Store(t, f)
	return f
}

var (
	typesType       = reflect.TypeFor[Types]()
	numberType      = reflect.TypeFor[Number]()
	contextType     = reflect.TypeFor[ContextEntry]()
	profileType     = reflect.TypeFor[Profile]()
	achievementType = reflect.TypeFor[Achievement]()
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
	case t == achievementType:
		obj := objectEncoder(t)
		return func(e *encoder, v reflect.Value) (any, bool) {
			start := len(e.buf)
			if e.doc && e.cohort != nil {
				// The bytes first: the cohort's object for the same bytes
				// is what decoding them gives. Otherwise encode again, with
				// the decoded form. An Achievement the cohort built
				// (modelOf) is encoded once: the encoding is a function of
				// the model, which is never changed.
				ach := v.Addr().Interface().(*Achievement)
				ok := true
				if raw := e.cohort.encoded(ach); raw != nil {
					e.buf = append(e.buf, raw...)
				} else {
					e.doc = false
					_, ok = obj(e, v)
					e.doc = true
					if ok {
						e.cohort.setEncoded(ach, e.buf[start:])
					}
				}
				if known := e.cohort.known(e.buf[start:]); ok && known != nil {
					e.ach = achievementSpan{start: start, end: len(e.buf), n: e.ach.n + 1, shared: true}
					return known, true
				}
				e.buf = e.buf[:start]
			}
			d, ok := obj(e, v)
			e.ach = achievementSpan{start: start, end: len(e.buf), n: e.ach.n + 1}
			return d, ok
		}
	case t == profileType:
		obj := objectEncoder(t)
		return func(e *encoder, v reflect.Value) (any, bool) {
			if p := v.Addr().Interface().(*Profile); p.RefOnly {
				return e.string(p.ID)
			}
			return obj(e, v)
		}
	}
	switch t.Kind() {
	case reflect.String:
		return encodeString
	case reflect.Bool:
		return func(e *encoder, v reflect.Value) (any, bool) {
			b := v.Bool()
			e.buf = strconv.AppendBool(e.buf, b)
			return b, true
		}
	case reflect.Pointer:
		elem := encoderFor(t.Elem())
		return func(e *encoder, v reflect.Value) (any, bool) {
			if v.IsNil() {
				e.buf = append(e.buf, "null"...)
				return nil, true
			}
			return elem(e, v.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // []byte is base64 in encoding/json
		}
		elem := encoderFor(t.Elem())
		return func(e *encoder, v reflect.Value) (any, bool) {
			if v.IsNil() {
				e.buf = append(e.buf, "null"...)
				return nil, true
			}
			return e.array(v, elem)
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
func unplanned(*encoder, reflect.Value) (any, bool) { return nil, false }

// string writes s; its decoded form is s itself when s is valid UTF-8.
func (e *encoder) string(s string) (any, bool) {
	e.buf = appendString(e.buf, s)
	switch {
	case !e.doc:
		return nil, true // no interface value made: it would be allocated
	case !utf8.ValidString(s):
		return nil, false
	}
	return s, true
}

// raw writes src compacted; its decoded form is decoded from src.
func (e *encoder) raw(src []byte) (any, bool) {
	start := len(e.buf)
	var ok bool
	if e.buf, ok = appendCompact(e.buf, src); !ok || !e.doc {
		return nil, ok
	}
	dec := json.NewDecoder(bytes.NewReader(e.buf[start:]))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func (e *encoder) array(v reflect.Value, elem encodeFunc) (any, bool) {
	var list []any
	if e.doc {
		list = make([]any, v.Len())
	}
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		d, ok := elem(e, v.Index(i))
		if !ok {
			return nil, false
		}
		if e.doc {
			list[i] = d
		}
	}
	e.buf = append(e.buf, ']')
	if !e.doc {
		return nil, true
	}
	return list, true
}

// field is one member an object encoder writes.
type field struct {
	index  int
	name   string
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
		if !utf8.ValidString(name) {
			return unplanned
		}
		f := field{index: i, name: name, key: append(appendString(nil, name), ':'), enc: encoderFor(sf.Type)}
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
	return func(e *encoder, v reflect.Value) (any, bool) {
		var obj map[string]any
		if e.doc {
			obj = make(map[string]any, len(fields))
		}
		e.buf = append(e.buf, '{')
		first := true
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.isZero != nil && f.isZero(fv) {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = append(e.buf, f.key...)
			d, ok := f.enc(e, fv)
			if !ok {
				return nil, false
			}
			if e.doc {
				obj[f.name] = d
			}
		}
		if extra >= 0 {
			if !e.extra(v.Field(extra).Interface().(Extra), known, first, obj) {
				return nil, false
			}
		}
		e.buf = append(e.buf, '}')
		if !e.doc {
			return nil, true
		}
		return obj, true
	}
}

// extra writes the members of x that known does not name, in sorted order
// (first says no member was written before them), adding their decoded
// forms to obj when e.doc.
func (e *encoder) extra(x Extra, known map[string]bool, first bool, obj map[string]any) bool {
	if len(x) == 0 {
		return true
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		if _, ok := e.string(k); !ok {
			return false
		}
		e.buf = append(e.buf, ':')
		raw := x[k]
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		d, ok := e.raw(raw)
		if !ok {
			return false
		}
		if e.doc {
			obj[k] = d
		}
	}
	return true
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
func encodeTypes(e *encoder, v reflect.Value) (any, bool) {
	t := v.Addr().Interface().(*Types)
	switch {
	case t.Single && len(t.Values) == 1:
		return e.string(t.Values[0])
	case t.Values == nil:
		e.buf = append(e.buf, "[]"...)
		if e.doc {
			return []any{}, true
		}
		return nil, true
	}
	return e.array(v.FieldByIndex(typesValues.Index), encodeString)
}

var typesValues, _ = typesType.FieldByName("Values")

func encodeString(e *encoder, v reflect.Value) (any, bool) { return e.string(v.String()) }

// encodeNumber is Number.MarshalJSON; decoded, a json.Number of the literal.
func encodeNumber(e *encoder, v reflect.Value) (any, bool) {
	s := v.String()
	if !isNumberLiteral(s) {
		return nil, false
	}
	e.buf = append(e.buf, s...)
	if !e.doc {
		return nil, true
	}
	return json.Number(s), true
}

// encodeContext is ContextEntry.MarshalJSON.
func encodeContext(e *encoder, v reflect.Value) (any, bool) {
	c := v.Addr().Interface().(*ContextEntry)
	if c.Inline != nil {
		return e.raw(c.Inline)
	}
	return e.string(c.URL)
}

// encodeRaw is json.RawMessage as encoding/json writes it: null when nil,
// otherwise compacted (and refused when it is not JSON).
func encodeRaw(e *encoder, v reflect.Value) (any, bool) {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil, true
	}
	return e.raw(v.Bytes())
}

// oneOrManyEncoder is OneOrMany[T].MarshalJSON for t = OneOrMany[T].
func oneOrManyEncoder(t reflect.Type) encodeFunc {
	items, _ := t.FieldByName("Items")
	single, _ := t.FieldByName("Single")
	elem := encoderFor(items.Type.Elem())
	return func(e *encoder, v reflect.Value) (any, bool) {
		list := v.Field(items.Index[0])
		switch {
		case v.Field(single.Index[0]).Bool() && list.Len() == 1:
			return elem(e, list.Index(0))
		case list.IsNil():
			e.buf = append(e.buf, "[]"...)
			if e.doc {
				return []any{}, true
			}
			return nil, true
		}
		return e.array(list, elem)
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
