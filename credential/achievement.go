package credential

import (
	"encoding/json"
	"reflect"
)

// AchievementSubject is the credentialSubject of an OB 3.0 credential: who
// achieved what (OB30 Appendix "AchievementSubject"). The recipient is ID (a
// DID or URI) and/or Identifier; OB30 Verification step 1 needs at least one.
// OB defines no "name" here; tohu carries a learner's name as an
// IdentityObject of identityType "name" (see nzmap.go).
type AchievementSubject struct {
	ID                string           `json:"id,omitzero"`
	Type              Types            `json:"type,omitzero"`
	ActivityStartDate string           `json:"activityStartDate,omitzero"`
	ActivityEndDate   string           `json:"activityEndDate,omitzero"`
	CreditsEarned     Number           `json:"creditsEarned,omitzero"`
	Achievement       *Achievement     `json:"achievement,omitzero"`
	Identifier        []IdentityObject `json:"identifier,omitzero"`
	Image             *Image           `json:"image,omitzero"`
	LicenseNumber     string           `json:"licenseNumber,omitzero"`
	Narrative         string           `json:"narrative,omitzero"`
	Result            []Result         `json:"result,omitzero"`
	Role              string           `json:"role,omitzero"`
	Source            *Profile         `json:"source,omitzero"`
	Term              string           `json:"term,omitzero"`
	Extra             Extra            `json:"-"`

	present bool // decoded from JSON, so written back even when empty
}

// IsZero reports whether s is unset (used by omitzero on
// Credential.CredentialSubject); a decoded subject, even "{}", is not.
func (s AchievementSubject) IsZero() bool {
	return !s.present && reflect.ValueOf(s).IsZero()
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (s AchievementSubject) MarshalJSON() ([]byte, error) {
	type plain AchievementSubject
	return encodeObject(plain(s), s.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (s *AchievementSubject) UnmarshalJSON(b []byte) error {
	type plain AchievementSubject
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*s = AchievementSubject(p)
	s.Extra = extra
	s.present = true
	return nil
}

// Achievement is what was achieved (OB30 Appendix "Achievement"): required id,
// type, criteria, description and name. CreditsAvailable is a JSON number
// kept in its literal form (NOTES §15.7: it is signed as xsd:float from the
// lexical form).
type Achievement struct {
	ID                string              `json:"id,omitzero"`
	Type              Types               `json:"type,omitzero"`
	AchievementType   string              `json:"achievementType,omitzero"`
	Name              string              `json:"name,omitzero"`
	Description       string              `json:"description,omitzero"`
	Criteria          *Criteria           `json:"criteria,omitzero"`
	Image             *Image              `json:"image,omitzero"`
	Creator           *Profile            `json:"creator,omitzero"`
	CreditsAvailable  Number              `json:"creditsAvailable,omitzero"`
	FieldOfStudy      string              `json:"fieldOfStudy,omitzero"`
	HumanCode         string              `json:"humanCode,omitzero"`
	Specialization    string              `json:"specialization,omitzero"`
	Version           string              `json:"version,omitzero"`
	InLanguage        string              `json:"inLanguage,omitzero"`
	Tag               []string            `json:"tag,omitzero"`
	Alignment         []Alignment         `json:"alignment,omitzero"`
	OtherIdentifier   []IdentifierEntry   `json:"otherIdentifier,omitzero"`
	Related           []Related           `json:"related,omitzero"`
	ResultDescription []ResultDescription `json:"resultDescription,omitzero"`
	Endorsement       []json.RawMessage   `json:"endorsement,omitzero"`
	EndorsementJwt    []string            `json:"endorsementJwt,omitzero"`
	Extra             Extra               `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (a Achievement) MarshalJSON() ([]byte, error) {
	type plain Achievement
	return encodeObject(plain(a), a.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (a *Achievement) UnmarshalJSON(b []byte) error {
	type plain Achievement
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*a = Achievement(p)
	a.Extra = extra
	return nil
}

// Criteria says how the achievement is earned: a URL (ID) and/or a markdown
// Narrative (OB30 Appendix "Criteria").
type Criteria struct {
	ID        string `json:"id,omitzero"`
	Narrative string `json:"narrative,omitzero"`
	Extra     Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (c Criteria) MarshalJSON() ([]byte, error) {
	type plain Criteria
	return encodeObject(plain(c), c.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (c *Criteria) UnmarshalJSON(b []byte) error {
	type plain Criteria
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*c = Criteria(p)
	c.Extra = extra
	return nil
}

// Alignment points at a node in an educational framework (OB30 Appendix
// "Alignment"); targetName and targetUrl are required. TargetType is one of
// the OB enum values or an "ext:" name.
type Alignment struct {
	Type              Types  `json:"type,omitzero"`
	TargetName        string `json:"targetName,omitzero"`
	TargetURL         string `json:"targetUrl,omitzero"`
	TargetDescription string `json:"targetDescription,omitzero"`
	TargetFramework   string `json:"targetFramework,omitzero"`
	TargetCode        string `json:"targetCode,omitzero"`
	TargetType        string `json:"targetType,omitzero"`
	Extra             Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (a Alignment) MarshalJSON() ([]byte, error) {
	type plain Alignment
	return encodeObject(plain(a), a.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (a *Alignment) UnmarshalJSON(b []byte) error {
	type plain Alignment
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*a = Alignment(p)
	a.Extra = extra
	return nil
}

// Result is one result the subject earned (OB30 Appendix "Result").
// ResultDescription is the id of a ResultDescription of the achievement;
// Status is required when that description's resultType is "Status".
type Result struct {
	Type              Types       `json:"type,omitzero"`
	ResultDescription string      `json:"resultDescription,omitzero"`
	Value             string      `json:"value,omitzero"`
	Status            string      `json:"status,omitzero"`
	AchievedLevel     string      `json:"achievedLevel,omitzero"`
	Alignment         []Alignment `json:"alignment,omitzero"`
	Extra             Extra       `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return encodeObject(plain(r), r.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*r = Result(p)
	r.Extra = extra
	return nil
}

// ResultDescription describes a possible result of an achievement (OB30
// Appendix "ResultDescription"): id, type, name and resultType required.
// Rubric levels are kept raw.
type ResultDescription struct {
	ID                   string            `json:"id,omitzero"`
	Type                 Types             `json:"type,omitzero"`
	Name                 string            `json:"name,omitzero"`
	ResultType           string            `json:"resultType,omitzero"`
	AllowedValue         []string          `json:"allowedValue,omitzero"`
	RequiredLevel        string            `json:"requiredLevel,omitzero"`
	RequiredValue        string            `json:"requiredValue,omitzero"`
	ValueMin             string            `json:"valueMin,omitzero"`
	ValueMax             string            `json:"valueMax,omitzero"`
	Alignment            []Alignment       `json:"alignment,omitzero"`
	RubricCriterionLevel []json.RawMessage `json:"rubricCriterionLevel,omitzero"`
	Extra                Extra             `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (r ResultDescription) MarshalJSON() ([]byte, error) {
	type plain ResultDescription
	return encodeObject(plain(r), r.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (r *ResultDescription) UnmarshalJSON(b []byte) error {
	type plain ResultDescription
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*r = ResultDescription(p)
	r.Extra = extra
	return nil
}

// Related is another version or language edition of the same achievement
// (OB30 Appendix "Related"). Name is not in the OB JSON Schema's Related
// class but is the schema.org name term the OB context defines everywhere;
// tohu uses it for the te reo Māori title.
type Related struct {
	ID         string `json:"id,omitzero"`
	Type       Types  `json:"type,omitzero"`
	Name       string `json:"name,omitzero"`
	InLanguage string `json:"inLanguage,omitzero"`
	Version    string `json:"version,omitzero"`
	Extra      Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (r Related) MarshalJSON() ([]byte, error) {
	type plain Related
	return encodeObject(plain(r), r.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (r *Related) UnmarshalJSON(b []byte) error {
	type plain Related
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*r = Related(p)
	r.Extra = extra
	return nil
}

// Evidence supports the award (OB30 Appendix "Evidence").
type Evidence struct {
	ID          string `json:"id,omitzero"`
	Type        Types  `json:"type,omitzero"`
	Name        string `json:"name,omitzero"`
	Description string `json:"description,omitzero"`
	Narrative   string `json:"narrative,omitzero"`
	Genre       string `json:"genre,omitzero"`
	Audience    string `json:"audience,omitzero"`
	Extra       Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (e Evidence) MarshalJSON() ([]byte, error) {
	type plain Evidence
	return encodeObject(plain(e), e.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	type plain Evidence
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*e = Evidence(p)
	e.Extra = extra
	return nil
}

// Image is an image object (OB30 Appendix "Image"): ID is a URL or data: URI
// and Type is the single string "Image" in the OB JSON Schema.
type Image struct {
	ID      string `json:"id,omitzero"`
	Type    Types  `json:"type,omitzero"`
	Caption string `json:"caption,omitzero"`
	Extra   Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (i Image) MarshalJSON() ([]byte, error) {
	type plain Image
	return encodeObject(plain(i), i.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (i *Image) UnmarshalJSON(b []byte) error {
	type plain Image
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*i = Image(p)
	i.Extra = extra
	return nil
}
