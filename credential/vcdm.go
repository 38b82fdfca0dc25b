package credential

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Base contexts of the two VC Data Model versions.
const (
	vcdm2Context  = "https://www.w3.org/ns/credentials/v2"
	vcdm11Context = "https://www.w3.org/2018/credentials/v1"
)

// CheckVCDM checks the structure a conforming credential must have under
// the W3C VC Data Model 2.0 (or 1.1, chosen by the first @context) before it
// is signed. It checks JSON shapes only; term definitions are the JSON-LD
// term check's job (jsonld.Canonicalizer.CheckTerms), which tohu runs as
// well. The error is Invalid with Field a JSON pointer into doc.
//
// The rules, by VCDM 2.0 section (1.1 differences noted):
//
//   - §4.3 @context: an ordered set (a JSON array) whose first item is the
//     base context URL; later items are URLs or context objects.
//   - §4.4 id: when present, one URL (not null, not a list).
//   - §4.5 type: one or more strings, including VerifiableCredential.
//   - §4.6 / §11.1 name, description: a string, a language value object
//     ({"@value", "@language"?, "@direction"?} and nothing else) or a list
//     of those; also on an issuer object.
//   - §4.7 issuer: a URL, or an object whose id is a URL.
//   - §4.8 credentialSubject: an object with at least one claim, or a
//     non-empty list of such objects; a subject id is one URL.
//   - §4.9 validFrom / validUntil (1.1: issuanceDate / expirationDate): an
//     XML Schema dateTimeStamp (time zone required), validFrom not after
//     validUntil.
//   - §4.10 credentialStatus, §4.11 credentialSchema, §5.4 refreshService,
//     §5.5 termsOfUse, §5.6 evidence: objects that name their type; an id,
//     when present, is one URL (credentialSchema must have one).
//   - §5.3 relatedResource: objects with a unique URL id and digestSRI or
//     digestMultibase.
func CheckVCDM(doc map[string]any) error {
	v11, err := checkContexts(doc)
	if err != nil {
		return err
	}
	if err := checkOptionalURL(doc, "id", "/id"); err != nil {
		return err
	}
	if err := checkTypes(doc["type"], "/type", true); err != nil {
		return err
	}
	if err := checkLanguageValues(doc, ""); err != nil {
		return err
	}
	if err := checkIssuer(doc); err != nil {
		return err
	}
	if err := checkSubjects(doc); err != nil {
		return err
	}
	if err := checkValidity(doc, v11); err != nil {
		return err
	}
	for _, m := range []string{"credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence"} {
		if err := checkTypedObjects(doc, m, m == "credentialSchema"); err != nil {
			return err
		}
	}
	return checkRelatedResources(doc)
}

func invalid(pointer, format string, args ...any) error {
	return errs.F(errs.Invalid, pointer, format, args...)
}

// checkContexts applies §4.3 and reports whether the credential is VC 1.1.
func checkContexts(doc map[string]any) (bool, error) {
	raw, ok := doc["@context"]
	if !ok {
		return false, invalid("/@context", "@context is required (VC Data Model §4.3)")
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return false, invalid("/@context", "@context must be a list whose first item is %s (VC Data Model 2.0) or %s (1.1)", vcdm2Context, vcdm11Context)
	}
	first, _ := list[0].(string)
	if first != vcdm2Context && first != vcdm11Context {
		return false, invalid("/@context/0", "the first @context must be %s (VC Data Model 2.0) or %s (1.1)", vcdm2Context, vcdm11Context)
	}
	for i, c := range list[1:] {
		p := "/@context/" + strconv.Itoa(i+1)
		switch c := c.(type) {
		case string:
			if !IsURL(c) {
				return false, invalid(p, "%q is not a context URL", c)
			}
			if c == vcdm2Context || c == vcdm11Context {
				return false, invalid(p, "the base context may appear only first")
			}
		case map[string]any:
		default:
			return false, invalid(p, "a @context item must be a URL or a context object")
		}
	}
	return first == vcdm11Context, nil
}

// urlScheme is RFC 3986 §3.1: a URL starts with a scheme and a colon.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:`)

// IsURL reports whether s is an absolute URL (RFC 3986: scheme ":" and the
// rest, with no white space), as VCDM 2.0 §4.4 asks of identifiers. DIDs
// and URNs qualify.
func IsURL(s string) bool {
	if len(s) > 4096 || !urlScheme.MatchString(s) || strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	return len(s) > len(u.Scheme)+1
}

func checkOptionalURL(obj map[string]any, member, pointer string) error {
	v, ok := obj[member]
	if !ok {
		return nil
	}
	s, isString := v.(string)
	if !isString {
		return invalid(pointer, "%s must be a single URL", member)
	}
	if !IsURL(s) {
		return invalid(pointer, "%s must be a URL, not %q", member, s)
	}
	return nil
}

// checkTypes applies §4.5 to a type member; needVC asks for
// VerifiableCredential among the values.
func checkTypes(v any, pointer string, needVC bool) error {
	var types []string
	switch t := v.(type) {
	case nil:
		return invalid(pointer, "type is required")
	case string:
		types = []string{t}
	case []any:
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				return invalid(pointer+"/"+strconv.Itoa(i), "each type must be a string")
			}
			types = append(types, s)
		}
	default:
		return invalid(pointer, "type must be a string or a list of strings")
	}
	if len(types) == 0 {
		return invalid(pointer, "type must name at least one type")
	}
	for i, s := range types {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\r\n") {
			return invalid(pointer+"/"+strconv.Itoa(i), "type %q is neither a term nor a URL", s)
		}
	}
	if needVC && !slices.Contains(types, "VerifiableCredential") {
		return invalid(pointer, "type must include VerifiableCredential")
	}
	return nil
}

// checkLanguageValues applies §4.6 / §11.1 to obj's name and description.
func checkLanguageValues(obj map[string]any, base string) error {
	for _, m := range []string{"name", "description"} {
		v, ok := obj[m]
		if !ok {
			continue
		}
		p := base + "/" + m
		if list, ok := v.([]any); ok {
			if len(list) == 0 {
				return invalid(p, "%s must not be an empty list", m)
			}
			for i, x := range list {
				if err := checkLanguageValue(x, p+"/"+strconv.Itoa(i), m); err != nil {
					return err
				}
			}
			continue
		}
		if err := checkLanguageValue(v, p, m); err != nil {
			return err
		}
	}
	return nil
}

func checkLanguageValue(v any, pointer, member string) error {
	switch x := v.(type) {
	case string:
		return nil
	case map[string]any:
		if _, ok := x["@value"].(string); !ok {
			return invalid(pointer, "a %s value object needs a string @value", member)
		}
		for k, kv := range x {
			switch k {
			case "@value":
			case "@language", "@direction":
				if _, ok := kv.(string); !ok {
					return invalid(pointer+"/"+k, "%s must be a string", k)
				}
			default:
				return invalid(pointer+"/"+errs.PointerToken(k), "a %s value object may hold only @value, @language and @direction", member)
			}
		}
		if d, ok := x["@direction"].(string); ok && d != "ltr" && d != "rtl" {
			return invalid(pointer+"/@direction", "@direction must be ltr or rtl")
		}
		return nil
	}
	return invalid(pointer, "%s must be a string or a language value object", member)
}

// checkIssuer applies §4.7.
func checkIssuer(doc map[string]any) error {
	switch iss := doc["issuer"].(type) {
	case nil:
		return invalid("/issuer", "issuer is required: a URL or an object whose id is a URL")
	case string:
		if !IsURL(iss) {
			return invalid("/issuer", "issuer must be a URL, not %q", iss)
		}
	case map[string]any:
		id, ok := iss["id"].(string)
		if !ok {
			return invalid("/issuer/id", "an issuer object needs an id that is a URL")
		}
		if !IsURL(id) {
			return invalid("/issuer/id", "issuer id must be a URL, not %q", id)
		}
		return checkLanguageValues(iss, "/issuer")
	default:
		return invalid("/issuer", "issuer must be a URL or an object whose id is a URL")
	}
	return nil
}

// checkSubjects applies §4.8.
func checkSubjects(doc map[string]any) error {
	v, ok := doc["credentialSubject"]
	if !ok {
		return invalid("/credentialSubject", "credentialSubject is required")
	}
	check := func(s any, p string) error {
		m, ok := s.(map[string]any)
		if !ok {
			return invalid(p, "a credential subject must be an object")
		}
		if len(m) == 0 {
			return invalid(p, "a credential subject must make at least one claim")
		}
		return checkOptionalURL(m, "id", p+"/id")
	}
	if list, ok := v.([]any); ok {
		if len(list) == 0 {
			return invalid("/credentialSubject", "credentialSubject must not be an empty list")
		}
		for i, s := range list {
			if err := check(s, "/credentialSubject/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		return nil
	}
	return check(v, "/credentialSubject")
}

// dateTimeStamp is XML Schema 1.1 dateTimeStamp: a dateTime whose time zone
// is required. VC 1.1 dates are dateTime, where it is optional.
var dateTimeStamp = regexp.MustCompile(`^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// ParseDateTimeStamp parses an XML Schema dateTime. With needZone, a
// missing time zone is an error (dateTimeStamp).
func ParseDateTimeStamp(s string, needZone bool) (time.Time, bool) {
	m := dateTimeStamp.FindStringSubmatch(s)
	if m == nil || (needZone && m[8] == "") {
		return time.Time{}, false
	}
	v := s
	if m[8] == "" {
		v += "Z"
	}
	if m[4] == "24" && m[5] == "00" && m[6] == "00" {
		return time.Time{}, false // legal in XSD, but nobody should sign it
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// checkValidity applies §4.9 (1.1: §4.6 issuanceDate, §4.7 expirationDate).
func checkValidity(doc map[string]any, v11 bool) error {
	from, until := "validFrom", "validUntil"
	if v11 {
		from, until = "issuanceDate", "expirationDate"
	}
	read := func(member string) (time.Time, bool, error) {
		v, ok := doc[member]
		if !ok {
			return time.Time{}, false, nil
		}
		s, _ := v.(string)
		t, ok := ParseDateTimeStamp(s, !v11)
		if !ok {
			return time.Time{}, false, invalid("/"+member, "%s must be an XML Schema dateTimeStamp such as 2025-03-01T09:00:00Z, not %s", member, jsonText(v))
		}
		return t, true, nil
	}
	f, hasF, err := read(from)
	if err != nil {
		return err
	}
	u, hasU, err := read(until)
	if err != nil {
		return err
	}
	if hasF && hasU && u.Before(f) {
		return invalid("/"+until, "%s must not be earlier than %s", until, from)
	}
	return nil
}

// checkTypedObjects applies the "MUST have a type" rule (§4.5 table) and
// §4.4 to the ids of member's objects.
func checkTypedObjects(doc map[string]any, member string, needID bool) error {
	v, ok := doc[member]
	if !ok {
		return nil
	}
	items, p := []any{v}, "/"+member
	list, isList := v.([]any)
	if isList {
		if len(list) == 0 {
			return invalid(p, "%s must not be an empty list", member)
		}
		items = list
	}
	for i, it := range items {
		ip := p
		if isList {
			ip += "/" + strconv.Itoa(i)
		}
		obj, ok := it.(map[string]any)
		if !ok {
			return invalid(ip, "each %s must be an object", member)
		}
		if _, ok := obj["type"]; !ok {
			return invalid(ip+"/type", "each %s must name its type", member)
		}
		if err := checkTypes(obj["type"], ip+"/type", false); err != nil {
			return err
		}
		if _, ok := obj["id"]; needID && !ok {
			return invalid(ip+"/id", "each %s must have an id that is a URL", member)
		}
		if err := checkOptionalURL(obj, "id", ip+"/id"); err != nil {
			return err
		}
	}
	return nil
}

// checkRelatedResources applies §5.3.
func checkRelatedResources(doc map[string]any) error {
	v, ok := doc["relatedResource"]
	if !ok {
		return nil
	}
	items, isList := []any{v}, false
	if list, ok := v.([]any); ok {
		items, isList = list, true
		if len(list) == 0 {
			return invalid("/relatedResource", "relatedResource must not be an empty list")
		}
	}
	seen := map[string]bool{}
	for i, it := range items {
		p := "/relatedResource"
		if isList {
			p += "/" + strconv.Itoa(i)
		}
		obj, ok := it.(map[string]any)
		if !ok {
			return invalid(p, "each relatedResource must be an object")
		}
		id, _ := obj["id"].(string)
		if !IsURL(id) {
			return invalid(p+"/id", "each relatedResource needs an id that is a URL")
		}
		if seen[id] {
			return invalid(p+"/id", "relatedResource id %q appears twice", id)
		}
		seen[id] = true
		_, sri := obj["digestSRI"].(string)
		_, mb := obj["digestMultibase"].(string)
		if !sri && !mb {
			return invalid(p, "each relatedResource needs digestSRI or digestMultibase")
		}
	}
	return nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return "this value"
	}
	return string(b)
}
