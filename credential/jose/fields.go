package jose

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// object is a JSON object whose members are kept as raw bytes, so the
// credential is never re-serialised on the way through.
type object map[string]json.RawMessage

// parseObject decodes b as one JSON object. what names the thing in errors.
func parseObject(b []byte, what string) (object, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errs.E(errs.Invalid, "%s is not a JSON object", what)
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s is not valid JSON", what)
	}
	if o == nil {
		return nil, errs.E(errs.Invalid, "%s is not a JSON object", what)
	}
	return o, nil
}

// has reports whether member name is present and not null.
func (o object) has(name string) bool {
	v, ok := o[name]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str returns member name as a string; present reports whether it exists.
// A member of another type is Invalid.
func (o object) str(name string) (s string, present bool, err error) {
	if !o.has(name) {
		return "", false, nil
	}
	if err := json.Unmarshal(o[name], &s); err != nil {
		return "", true, errs.F(errs.Invalid, "/"+name, "%s is not a string", name)
	}
	return s, true, nil
}

// idOf returns member name's id: the member itself when it is a string, or
// its "id" when it is an object (VCDM2 §4.7 issuer; §4.8 credentialSubject).
func (o object) idOf(name string) (id string, present bool, err error) {
	if !o.has(name) {
		return "", false, nil
	}
	raw := bytes.TrimSpace(o[name])
	switch raw[0] {
	case '"':
		return o.str(name)
	case '{':
		inner, err := parseObject(raw, name)
		if err != nil {
			return "", true, err
		}
		id, ok, err := inner.str("id")
		if err != nil {
			return "", true, errs.F(errs.Invalid, "/"+name+"/id", "%s.id is not a string", name)
		}
		return id, ok, nil
	}
	return "", true, errs.F(errs.Invalid, "/"+name, "%s is neither a string nor an object", name)
}

// subjectIDs returns the ids of credentialSubject, an object or an array of
// objects (VCDM2 §4.8). Subjects without an id contribute "".
func (o object) subjectIDs() ([]string, error) {
	if !o.has("credentialSubject") {
		return nil, nil
	}
	raw := bytes.TrimSpace(o["credentialSubject"])
	if raw[0] != '[' {
		id, _, err := o.idOf("credentialSubject")
		return []string{id}, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errs.F(errs.Invalid, "/credentialSubject", "credentialSubject is not valid JSON")
	}
	ids := make([]string, 0, len(list))
	for _, item := range list {
		id, _, err := object{"s": item}.idOf("s")
		if err != nil {
			return nil, errs.F(errs.Invalid, "/credentialSubject", "credentialSubject entries must be objects")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// date returns member name parsed as an XML Schema dateTimeStamp (VCDM2
// §4.9), which RFC 3339 covers.
func (o object) date(name string) (t time.Time, present bool, err error) {
	s, ok, err := o.str(name)
	if !ok || err != nil {
		return time.Time{}, ok, err
	}
	t, err = time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, true, errs.F(errs.Invalid, "/"+name, "%s is not an RFC 3339 date-time", name)
	}
	return t, true, nil
}

// dateLayout parses an XML Schema dateTimeStamp (RFC 3339 covers it).
const dateLayout = time.RFC3339Nano

// numericDate returns claim name as an RFC 7519 §2 NumericDate (seconds
// since the epoch, possibly fractional), truncated to whole seconds.
func (o object) numericDate(name string) (sec int64, present bool, err error) {
	if !o.has(name) {
		return 0, false, nil
	}
	var f float64
	if err := json.Unmarshal(o[name], &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0, true, errs.F(errs.Invalid, "/"+name, "claim %s is not a NumericDate", name)
	}
	return int64(math.Floor(f)), true, nil
}

// isV1 reports whether the credential's first context is the VC 1.1 one,
// which names its dates issuanceDate/expirationDate rather than
// validFrom/validUntil.
func (o object) isV1() bool {
	var ctx []json.RawMessage
	if json.Unmarshal(o["@context"], &ctx) != nil || len(ctx) == 0 {
		var one string
		return json.Unmarshal(o["@context"], &one) == nil && one == contextV1
	}
	var first string
	return json.Unmarshal(ctx[0], &first) == nil && first == contextV1
}

const contextV1 = "https://www.w3.org/2018/credentials/v1"

// dateNames returns the members nbf and exp mirror: validFrom/validUntil for
// VC 2.0 (OB30 §8.2), issuanceDate/expirationDate for VC 1.1 (VC-DATA-MODEL-1.1
// §6.3.1). A VC 2.0 member that is present wins over the 1.1 one.
func (o object) dateNames() (from, until string) {
	return dateNames(o.isV1(), o.has("validFrom"), o.has("validUntil"))
}

// dateNames is object.dateNames for a credential whose first context is the
// VC 1.1 one (v1) and which has validFrom/validUntil members (not null).
func dateNames(v1, hasFrom, hasUntil bool) (from, until string) {
	from, until = "validFrom", "validUntil"
	if v1 {
		if !hasFrom {
			from = "issuanceDate"
		}
		if !hasUntil {
			until = "expirationDate"
		}
	}
	return from, until
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
