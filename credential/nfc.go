package credential

import (
	"bytes"
	"encoding/json"
	"strconv"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/errs"
)

// NFC returns v, a JSON value as encoding/json decodes it (maps, slices,
// strings, numbers, bools, nil), with every string, object keys included, in
// Unicode Normalization Form C. Te reo Māori vowels typed as a base letter
// plus U+0304 COMBINING MACRON become the precomposed ā ē ī ō ū, so every
// verifier hashes the same bytes whatever keyboard or database produced them
// (ARCHITECTURE "Mapping onto OB 3.0": all text NFC before signing).
// json.Number values are left as they are. v itself is not modified.
func NFC(v any) any {
	switch t := v.(type) {
	case string:
		return norm.NFC.String(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[norm.NFC.String(k)] = NFC(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = NFC(e)
		}
		return out
	}
	return v
}

// NormalizeJSON returns doc with every string NFC-normalised (see NFC).
// Numbers keep their literal form; object members come out in sorted order.
// Returns errs.Invalid if doc is not one JSON value, or if normalising makes
// two object keys equal (which would silently drop one).
func NormalizeJSON(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the document is not valid JSON")
	}
	if dec.More() {
		return nil, errs.E(errs.Invalid, "the document has data after its JSON value")
	}
	if p, ok := keyClash(v, ""); ok {
		return nil, errs.F(errs.Invalid, p, "two member names are the same after Unicode NFC normalisation")
	}
	return marshal(NFC(v))
}

// keyClash finds an object whose keys collide once normalised.
func keyClash(v any, at string) (string, bool) {
	switch t := v.(type) {
	case map[string]any:
		seen := make(map[string]bool, len(t))
		for k, e := range t {
			nk := norm.NFC.String(k)
			if seen[nk] {
				return at + pointer([]string{nk}), true
			}
			seen[nk] = true
			if p, ok := keyClash(e, at+pointer([]string{k})); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range t {
			if p, ok := keyClash(e, at+"/"+strconv.Itoa(i)); ok {
				return p, true
			}
		}
	}
	return "", false
}
