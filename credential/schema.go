package credential

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tohu-nz/tohu/errs"
)

//go:embed schema/*.json
var schemaFS embed.FS

// The schema URLs: each OB 3.0 schema is known by its $id and by the URL OB
// 3.0 §"Verification" puts in credentialSchema; both map to the same file.
const (
	obSchemaBase = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"

	AchievementCredentialSchemaID = obSchemaBase + "ob_v3p0_achievementcredential-jsonschema1.json"
	EndorsementCredentialSchemaID = obSchemaBase + "ob_v3p0_endorsementcredential-jsonschema1.json"
	ProfileSchemaID               = obSchemaBase + "ob_v3p0_profile-jsonschema1.json"

	EndorsementCredentialSchemaURL = obSchemaBase + "ob_v3p0_endorsementcredential_schema.json"
	ProfileSchemaURL               = obSchemaBase + "ob_v3p0_profile_schema.json"
)

var schemaFiles = []struct{ file, id, alias string }{
	{"schema/achievementcredential.json", AchievementCredentialSchemaID, AchievementCredentialSchemaURL},
	{"schema/endorsementcredential.json", EndorsementCredentialSchemaID, EndorsementCredentialSchemaURL},
	{"schema/profile.json", ProfileSchemaID, ProfileSchemaURL},
}

// Violation is one way a document breaks a schema: Pointer is a JSON pointer
// into the document ("" for the root) and Message says what is wrong.
type Violation struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// SchemaError lists every violation found. It is the cause of the *errs.Error
// ValidateSchema returns, so callers reach it with errors.As.
type SchemaError struct {
	Schema     string // the schema URL validated against
	Violations []Violation
}

func (e *SchemaError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d schema violation(s) against %s", len(e.Violations), e.Schema)
	for _, v := range e.Violations {
		fmt.Fprintf(&sb, "; %s: %s", pointerOrRoot(v.Pointer), v.Message)
	}
	return sb.String()
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "(document)"
	}
	return p
}

// SchemaValidator validates documents against the embedded OB 3.0 JSON
// Schemas. It is safe for concurrent use; apart from the achievements it
// has seen valid (validateAward), it is immutable after construction.
type SchemaValidator struct {
	schemas map[string]*jsonschema.Schema // by $id and by alias URL

	mu    sync.Mutex
	known map[[sha256.Size]byte]struct{} // sha-256 of achievements found valid in an award
}

// maxKnownAchievements bounds SchemaValidator.known: past it the set starts
// again (a process issues for a few hundred micro-credentials at most).
const maxKnownAchievements = 4096

// refuseLoader stops the compiler from reading files or the network: every
// schema tohu uses is registered as an embedded resource.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded in tohu", url)
}

// NewSchemaValidator compiles the embedded schemas. Formats (date-time, date)
// are asserted, as the 1EdTech validator does, although draft 2019-09 treats
// them as annotations by default.
func NewSchemaValidator() (*SchemaValidator, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	c.AssertFormat()
	for _, f := range schemaFiles {
		b, err := schemaFS.ReadFile(f.file)
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "embedded schema %s missing", f.file)
		}
		for _, url := range []string{f.id, f.alias} {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return nil, errs.Wrap(err, errs.Internal, "embedded schema %s is not JSON", f.file)
			}
			if url == f.alias {
				// The file's own $id would clash with the first registration.
				if m, ok := doc.(map[string]any); ok {
					m["$id"] = url
				}
			}
			if err := c.AddResource(url, doc); err != nil {
				return nil, errs.Wrap(err, errs.Internal, "could not register schema %s", url)
			}
		}
	}
	v := &SchemaValidator{schemas: map[string]*jsonschema.Schema{}, known: map[[sha256.Size]byte]struct{}{}}
	for _, f := range schemaFiles {
		for _, url := range []string{f.id, f.alias} {
			s, err := c.Compile(url)
			if err != nil {
				return nil, errs.Wrap(err, errs.Internal, "could not compile schema %s", url)
			}
			v.schemas[url] = s
		}
	}
	return v, nil
}

var defaultValidator = sync.OnceValues(NewSchemaValidator)

// ValidateSchema validates an OB 3.0 document with the schema its type
// selects: EndorsementCredential, Profile, or else AchievementCredential.
// See SchemaValidator.Validate.
func ValidateSchema(doc []byte) error {
	v, err := defaultValidator()
	if err != nil {
		return err
	}
	return v.Validate(doc)
}

// Validate picks the schema by the document's type and validates. Returns nil
// when valid; otherwise an *errs.Error with code Invalid, Field the JSON
// pointer of the most useful violation and a readable message, wrapping a
// *SchemaError with all of them.
func (v *SchemaValidator) Validate(doc []byte) error {
	inst, err := decodeInstance(doc)
	if err != nil {
		return err
	}
	url := AchievementCredentialSchemaID
	if m, ok := inst.(map[string]any); ok {
		switch types := typeNames(m["type"]); {
		case slices.Contains(types, TypeEndorsementCredential):
			url = EndorsementCredentialSchemaID
		case slices.Contains(types, "Profile"):
			url = ProfileSchemaID
		}
	}
	return v.validate(url, inst)
}

// ValidateAgainst validates doc against the schema with the given URL (a
// credentialSchema id). Returns Unsupported when tohu does not embed that
// schema (tohu never fetches schemas), else as Validate.
func (v *SchemaValidator) ValidateAgainst(schemaURL string, doc []byte) error {
	if _, ok := v.schemas[schemaURL]; !ok {
		return errs.E(errs.Unsupported, "schema %s is not one tohu knows", schemaURL)
	}
	inst, err := decodeInstance(doc)
	if err != nil {
		return err
	}
	return v.validate(schemaURL, inst)
}

// awardAchievement returns an award's credentialSubject and the
// Achievement object in it; ok is false when doc does not have that shape.
func awardAchievement(doc map[string]any) (subject, ach map[string]any, ok bool) {
	subject, ok = doc["credentialSubject"].(map[string]any)
	if !ok {
		return nil, nil, false
	}
	ach, ok = subject["achievement"].(map[string]any)
	return subject, ach, ok
}

// validateAchievementCredential validates an award the builder decoded (as
// decodeInstance would: json.Number numbers) against the
// AchievementCredential schema, as ValidateSchema does for its bytes; ach
// is the encoding of its one Achievement (empty if unknown), see
// validateAward. validated: that Achievement is a Cohort's object, which
// only an award that passed this validation put there.
func validateAchievementCredential(inst any, ach []byte, validated bool) error {
	v, err := defaultValidator()
	if err != nil {
		return err
	}
	return v.validateAward(inst, ach, validated)
}

// validateAward is validateAchievementCredential with v; validated says
// the Achievement is known valid without looking it up.
//
// Every award of a micro-credential carries the same Achievement, about
// two thirds of the credential and of the schema's work. The schema is
// compositional there: the only keyword that reaches
// /credentialSubject/achievement is AchievementSubject's
// {"$ref": "#/$defs/Achievement"} (plus "required"), and nothing in it is
// order- or sibling-dependent (no unevaluated*, dependent*, if or not;
// TestAchievementStubEquivalent checks). So once a whole award has passed,
// that Achievement is known valid, and a later award with the same
// Achievement bytes is valid exactly when it passes with the Achievement
// replaced by a minimal valid one. On any violation the whole award is
// validated again, so errors are the same as without the shortcut.
func (v *SchemaValidator) validateAward(inst any, ach []byte, validated bool) error {
	if len(ach) == 0 {
		return v.validate(AchievementCredentialSchemaID, inst)
	}
	var sum [sha256.Size]byte // hashed only when the set is consulted
	known := validated
	if !known {
		sum = sha256.Sum256(ach)
		v.mu.Lock()
		_, known = v.known[sum]
		v.mu.Unlock()
	}
	if known {
		if stubbed, ok := withStubAchievement(inst); ok && v.validate(AchievementCredentialSchemaID, stubbed) == nil {
			return nil
		}
	}
	if err := v.validate(AchievementCredentialSchemaID, inst); err != nil {
		return err
	}
	if validated {
		sum = sha256.Sum256(ach)
	}
	v.mu.Lock()
	if len(v.known) >= maxKnownAchievements {
		clear(v.known)
	}
	v.known[sum] = struct{}{}
	v.mu.Unlock()
	return nil
}

// stubAchievement is the smallest Achievement the schema accepts; it stands
// in for one already found valid (validateAward). A test checks it is valid.
var stubAchievement = map[string]any{
	"id": "urn:tohu:validated-achievement", "type": []any{"Achievement"},
	"name": "-", "description": "-", "criteria": map[string]any{"narrative": "-"},
}

// withStubAchievement returns doc with /credentialSubject/achievement
// replaced by stubAchievement, copying only the two objects on the way
// (doc is not changed). ok is false when doc does not have that shape.
func withStubAchievement(doc any) (any, bool) {
	m, _ := doc.(map[string]any)
	cs, _, ok := awardAchievement(m)
	if !ok {
		return nil, false
	}
	cs = maps.Clone(cs)
	cs["achievement"] = stubAchievement
	m = maps.Clone(m)
	m["credentialSubject"] = cs
	return m, true
}

func decodeInstance(doc []byte) (any, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the document is not valid JSON")
	}
	return inst, nil
}

func (v *SchemaValidator) validate(url string, inst any) error {
	err := v.schemas[url].Validate(promoteArrays(inst, ""))
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return errs.Wrap(err, errs.Internal, "schema validation failed")
	}
	se := &SchemaError{Schema: url, Violations: violations(ve)}
	best := se.Violations[0]
	return &errs.Error{Code: errs.Invalid, Field: best.Pointer, Message: best.Message, Err: se}
}

func typeNames(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// stringTyped are the properties whose objects have a single-string "type" in
// the OB JSON Schema (Image, IdentityObject, IdentifierEntry, Proof,
// CredentialSchema, CredentialStatus, RefreshService, TermsOfUse,
// GeoCoordinates). Elsewhere the schema wants "type" as an array.
var stringTyped = map[string]bool{
	"image": true, "identifier": true, "otherIdentifier": true, "proof": true,
	"credentialSchema": true, "credentialStatus": true, "refreshService": true,
	"termsOfUse": true, "geo": true,
}

// promoteArrays returns v in the shape the OB JSON Schema checks: OB30
// §"Serialization" lets type, proof, credentialSchema and termsOfUse be
// compacted to a single value, but the schema (written for the expanded
// form) wants arrays, so single values are wrapped first, as the 1EdTech
// validator does. parent is the property v sits under. v is not changed:
// an object or array with something to wrap under it is copied, the rest
// is shared (a credential the builder made has arrays where the schema
// wants them, so it is not copied at all).
func promoteArrays(v any, parent string) any {
	out, _ := promoted(v, parent)
	return out
}

// promoted is promoteArrays reporting whether anything was wrapped.
func promoted(v any, parent string) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		var out map[string]any // made at the first member that changes
		for k, e := range t {
			p, wrapped := e, false
			switch {
			case k == "type" && !stringTyped[parent]:
				if s, ok := e.(string); ok {
					p, wrapped = []any{s}, true
				}
			case k == "proof" || k == "credentialSchema" || k == "termsOfUse":
				if m, ok := e.(map[string]any); ok {
					p, wrapped = []any{m}, true
				}
			}
			p, changed := promoted(p, k)
			if !wrapped && !changed {
				continue
			}
			if out == nil {
				out = maps.Clone(t)
			}
			out[k] = p
		}
		if out == nil {
			return t, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range t {
			p, changed := promoted(e, parent)
			if !changed {
				continue
			}
			if out == nil {
				out = slices.Clone(t)
			}
			out[i] = p
		}
		if out == nil {
			return t, false
		}
		return out, true
	}
	return v, false
}

var printer = message.NewPrinter(language.English)

// violations flattens the error tree to its leaves, most useful first.
//
// A failed oneOf/anyOf reports every branch; when one branch got past the
// "type" check (the value had the right JSON type) its errors say more than
// the sibling branch's "want string, got object", so type-mismatch leaves
// from such groups are dropped when a more informative sibling exists. A
// missing required member is reported at its own pointer. The rest are
// ordered shallowest pointer first (a missing issuer matters more than a
// detail inside the subject), then by pointer, so the order is stable.
func violations(root *jsonschema.ValidationError) []Violation {
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		causes := e.Causes
		switch e.ErrorKind.(type) {
		case *kind.OneOf, *kind.AnyOf:
			var informative []*jsonschema.ValidationError
			for _, c := range causes {
				if !onlyTypeMismatch(c) {
					informative = append(informative, c)
				}
			}
			if len(informative) > 0 {
				causes = informative
			}
		}
		if _, ok := e.ErrorKind.(*kind.Contains); ok {
			// Each item's failure is noise: the array lacks a member.
			leaves = append(leaves, e)
			return
		}
		if len(causes) == 0 {
			leaves = append(leaves, e)
			return
		}
		for _, c := range causes {
			walk(c)
		}
	}
	walk(root)
	seen := map[Violation]bool{}
	var out []Violation
	add := func(v Violation) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, l := range leaves {
		at := pointer(l.InstanceLocation)
		if req, ok := l.ErrorKind.(*kind.Required); ok {
			// Point at the missing member itself: "/issuer is required"
			// says more than "/ is missing properties".
			for _, name := range req.Missing {
				add(Violation{Pointer: at + pointer([]string{name}), Message: fmt.Sprintf("%s is required", name)})
			}
			continue
		}
		msg := l.ErrorKind.LocalizedString(printer)
		if _, ok := l.ErrorKind.(*kind.Contains); ok && len(l.Causes) > 0 {
			msg = "no item is acceptable; one " + firstLeaf(l.Causes[0]).ErrorKind.LocalizedString(printer)
		}
		add(Violation{Pointer: at, Message: msg})
	}
	slices.SortFunc(out, func(a, b Violation) int {
		if da, db := strings.Count(a.Pointer, "/"), strings.Count(b.Pointer, "/"); da != db {
			return da - db
		}
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return out
}

func firstLeaf(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	return e
}

// onlyTypeMismatch reports whether every leaf under e is a "type" error at
// e's own location, i.e. the branch rejected the value's JSON type outright.
func onlyTypeMismatch(e *jsonschema.ValidationError) bool {
	if len(e.Causes) == 0 {
		_, ok := e.ErrorKind.(*kind.Type)
		return ok
	}
	for _, c := range e.Causes {
		if !onlyTypeMismatch(c) {
			return false
		}
	}
	return true
}

// pointer turns an instance location into an RFC 6901 JSON pointer.
func pointer(loc []string) string {
	var sb strings.Builder
	for _, tok := range loc {
		sb.WriteByte('/')
		sb.WriteString(errs.PointerToken(tok))
	}
	return sb.String()
}

// MarshalJSON lets a SchemaError be logged or returned as JSON.
func (e *SchemaError) MarshalJSON() ([]byte, error) {
	type plain SchemaError
	return json.Marshal(plain(*e))
}
