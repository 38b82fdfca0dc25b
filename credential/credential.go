package credential

import (
	"encoding/json"
	"slices"

	"github.com/tohu-nz/tohu/contexts"
)

// Type names used by tohu (OB30 Appendix "Data Models"; VCDM2 §4.4).
const (
	TypeVerifiableCredential  = "VerifiableCredential"
	TypeOpenBadgeCredential   = "OpenBadgeCredential"
	TypeAchievementCredential = "AchievementCredential"
	TypeEndorsementCredential = "EndorsementCredential"

	// SchemaValidatorType is the credentialSchema type OB 3.0 verifiers
	// understand. It is defined only in the OB extensions context, so a
	// credential using it must list contexts.OBExtensions (json-gold would
	// otherwise turn it into a relative IRI without complaint).
	SchemaValidatorType = "1EdTechJsonSchemaValidator2019"

	// AchievementCredentialSchemaURL is the id OB 3.0 §"Verification" gives
	// the AchievementCredential JSON Schema in credentialSchema.
	AchievementCredentialSchemaURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

// Credential is a W3C VC 2.0 credential in the Open Badges 3.0 shape
// (OpenBadgeCredential, alias AchievementCredential). Its JSON is the
// credential's own wire format: decoding keeps members the type does not model
// in Extra, dates stay the exact strings given (NOTES §15.8: the lexical form
// is signed), and numbers keep their literal form.
type Credential struct {
	Context     OneOrMany[ContextEntry] `json:"@context,omitzero"`
	ID          string                  `json:"id,omitzero"`
	Type        Types                   `json:"type,omitzero"`
	Name        string                  `json:"name,omitzero"`
	Description string                  `json:"description,omitzero"`
	Image       *Image                  `json:"image,omitzero"`
	Issuer      *Profile                `json:"issuer,omitzero"`
	ValidFrom   string                  `json:"validFrom,omitzero"`
	ValidUntil  string                  `json:"validUntil,omitzero"`
	AwardedDate string                  `json:"awardedDate,omitzero"`
	// IssuanceDate and ExpirationDate are the VC 1.1 names of validFrom and
	// validUntil; tohu never issues them but verifies older badges with them.
	IssuanceDate      string                      `json:"issuanceDate,omitzero"`
	ExpirationDate    string                      `json:"expirationDate,omitzero"`
	CredentialSubject AchievementSubject          `json:"credentialSubject,omitzero"`
	Evidence          []Evidence                  `json:"evidence,omitzero"`
	Endorsement       []json.RawMessage           `json:"endorsement,omitzero"`
	EndorsementJwt    []string                    `json:"endorsementJwt,omitzero"`
	CredentialSchema  OneOrMany[CredentialSchema] `json:"credentialSchema,omitzero"`
	CredentialStatus  *BitstringStatusListEntry   `json:"credentialStatus,omitzero"`
	RefreshService    json.RawMessage             `json:"refreshService,omitzero"`
	TermsOfUse        OneOrMany[json.RawMessage]  `json:"termsOfUse,omitzero"`
	Proof             OneOrMany[Proof]            `json:"proof,omitzero"`
	Extra             Extra                       `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (c Credential) MarshalJSON() ([]byte, error) {
	type plain Credential
	return encodeObject(plain(c), c.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (c *Credential) UnmarshalJSON(b []byte) error {
	type plain Credential
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*c = Credential(p)
	c.Extra = extra
	return nil
}

// ContextURLs returns the @context entries that are URLs, in order.
func (c *Credential) ContextURLs() []string {
	var out []string
	for _, e := range c.Context.Items {
		if e.Inline == nil {
			out = append(out, e.URL)
		}
	}
	return out
}

// HasContext reports whether url is one of the credential's @context URLs.
func (c *Credential) HasContext(url string) bool { return slices.Contains(c.ContextURLs(), url) }

// OBContexts returns tohu's @context for an OB 3.0 credential: VC 2.0 first
// and the OB 3.0.3 context second, as OB30 "Data Model" (and the schema's
// @context items) require, plus the OB extensions context when extensions is
// true (needed for 1EdTechJsonSchemaValidator2019 and the other 1EdTech
// schema/status/refresh types).
func OBContexts(extensions bool) OneOrMany[ContextEntry] {
	ctx := Many(ContextEntry{URL: contexts.CredentialsV2}, ContextEntry{URL: contexts.OBv3p0})
	if extensions {
		ctx.Items = append(ctx.Items, ContextEntry{URL: contexts.OBExtensions})
	}
	return ctx
}

// obExtensionTypes are the type names only contexts.OBExtensions defines,
// and the members of a credential that carry them.
var (
	obExtensionTypes   = []string{SchemaValidatorType, "1EdTechRevocationList", "1EdTechCredentialRefresh"}
	obExtensionMembers = []string{"credentialSchema", "credentialStatus", "refreshService"}
)

// AddOBExtensionsContext appends contexts.OBExtensions to doc's @context
// (a decoded JSON credential) when its credentialSchema, credentialStatus or
// refreshService uses a type that only that context defines and the
// context is not listed yet. It reports whether it added it. Without the
// context those types are undefined: json-gold would turn them into
// relative IRIs, and tohu's term check refuses them.
func AddOBExtensionsContext(doc map[string]any) bool {
	uses := false
	for _, m := range obExtensionMembers {
		for _, obj := range objectsOf(doc[m]) {
			for _, t := range typeNames(obj["type"]) {
				uses = uses || slices.Contains(obExtensionTypes, t)
			}
		}
	}
	if !uses {
		return false
	}
	switch c := doc["@context"].(type) {
	case string:
		if c == contexts.OBExtensions {
			return false
		}
		doc["@context"] = []any{c, contexts.OBExtensions}
	case []any:
		if slices.Contains(c, any(contexts.OBExtensions)) {
			return false
		}
		doc["@context"] = append(c, contexts.OBExtensions)
	default:
		return false // no usable @context: the term check names that
	}
	return true
}

// objectsOf returns v as a list of JSON objects (one object or an array).
func objectsOf(v any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}
	case []any:
		var out []map[string]any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// ContextEntry is one @context entry: a URL, or an inline context object
// (kept verbatim in Inline).
type ContextEntry struct {
	URL    string
	Inline json.RawMessage
}

// MarshalJSON implements json.Marshaler.
func (e ContextEntry) MarshalJSON() ([]byte, error) {
	if e.Inline != nil {
		return e.Inline, nil
	}
	return marshal(e.URL)
}

// UnmarshalJSON implements json.Unmarshaler; strings become URL, anything
// else is kept as Inline.
func (e *ContextEntry) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = ContextEntry{URL: s}
		return nil
	}
	*e = ContextEntry{Inline: append(json.RawMessage(nil), b...)}
	return nil
}

// CredentialSchema names a JSON Schema the credential claims to satisfy
// (VCDM2 §5.4; OB30 §"Verification" step 1).
type CredentialSchema struct {
	ID    string `json:"id,omitzero"`
	Type  Types  `json:"type,omitzero"`
	Extra Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (s CredentialSchema) MarshalJSON() ([]byte, error) {
	type plain CredentialSchema
	return encodeObject(plain(s), s.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (s *CredentialSchema) UnmarshalJSON(b []byte) error {
	type plain CredentialSchema
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*s = CredentialSchema(p)
	s.Extra = extra
	return nil
}

// BitstringStatusListEntry is a credentialStatus entry (BSL §2.1). Other
// status types (e.g. 1EdTechRevocationList) decode into it too: Type tells
// them apart and their other members land in Extra.
type BitstringStatusListEntry struct {
	ID            string `json:"id,omitzero"`
	Type          Types  `json:"type,omitzero"`
	StatusPurpose string `json:"statusPurpose,omitzero"`
	// StatusListIndex is a string holding a base-10 integer (BSL §2.1).
	StatusListIndex      string `json:"statusListIndex,omitzero"`
	StatusListCredential string `json:"statusListCredential,omitzero"`
	Extra                Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (s BitstringStatusListEntry) MarshalJSON() ([]byte, error) {
	type plain BitstringStatusListEntry
	return encodeObject(plain(s), s.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (s *BitstringStatusListEntry) UnmarshalJSON(b []byte) error {
	type plain BitstringStatusListEntry
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*s = BitstringStatusListEntry(p)
	s.Extra = extra
	return nil
}

// Proof is an embedded proof (VCDI §2.1). The proof suites in
// credential/dataintegrity work on the JSON; this type is for reading and
// carrying proofs. PreviousProof is a string or an array of strings, kept raw.
type Proof struct {
	ID                 string          `json:"id,omitzero"`
	Type               string          `json:"type,omitzero"`
	Cryptosuite        string          `json:"cryptosuite,omitzero"`
	Created            string          `json:"created,omitzero"`
	Expires            string          `json:"expires,omitzero"`
	VerificationMethod string          `json:"verificationMethod,omitzero"`
	ProofPurpose       string          `json:"proofPurpose,omitzero"`
	ProofValue         string          `json:"proofValue,omitzero"`
	Challenge          string          `json:"challenge,omitzero"`
	Domain             string          `json:"domain,omitzero"`
	Nonce              string          `json:"nonce,omitzero"`
	PreviousProof      json.RawMessage `json:"previousProof,omitzero"`
	Extra              Extra           `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (p Proof) MarshalJSON() ([]byte, error) {
	type plain Proof
	return encodeObject(plain(p), p.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (p *Proof) UnmarshalJSON(b []byte) error {
	type plain Proof
	var q plain
	extra, err := decodeObject(b, &q)
	if err != nil {
		return err
	}
	*p = Proof(q)
	p.Extra = extra
	return nil
}
