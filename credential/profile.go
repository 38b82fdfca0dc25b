package credential

import (
	"encoding/json"
	"strings"
)

// Profile describes an issuer, creator or source (OB30 Appendix "Profile"):
// id and type ["Profile"] are required. OB's ProfileRef also lets an issuer
// be a bare URI string; RefOnly records that form so it re-encodes the same.
// Members not modelled here (address, endorsements, personal names...) are
// kept in Extra.
type Profile struct {
	ID              string            `json:"id,omitzero"`
	Type            Types             `json:"type,omitzero"`
	Name            string            `json:"name,omitzero"`
	URL             string            `json:"url,omitzero"`
	Email           string            `json:"email,omitzero"`
	Phone           string            `json:"phone,omitzero"`
	Description     string            `json:"description,omitzero"`
	Image           *Image            `json:"image,omitzero"`
	OtherIdentifier []IdentifierEntry `json:"otherIdentifier,omitzero"`
	Official        string            `json:"official,omitzero"`
	ParentOrg       *Profile          `json:"parentOrg,omitzero"`
	Extra           Extra             `json:"-"`

	// RefOnly is true when the profile was given as a bare URI (only ID set).
	RefOnly bool `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (p Profile) MarshalJSON() ([]byte, error) {
	if p.RefOnly {
		return marshal(p.ID)
	}
	type plain Profile
	return encodeObject(plain(p), p.Extra)
}

// UnmarshalJSON implements json.Unmarshaler; a JSON string is a bare profile
// reference (RefOnly), an object keeps its unknown members in Extra.
func (p *Profile) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, `"`) {
		var id string
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		*p = Profile{ID: id, RefOnly: true}
		return nil
	}
	type plain Profile
	var q plain
	extra, err := decodeObject(b, &q)
	if err != nil {
		return err
	}
	*p = Profile(q)
	p.Extra = extra
	return nil
}

// IdentifierEntry is an otherIdentifier entry (OB30 Appendix
// "IdentifierEntry"). The schema closes the class (no other members) and
// limits IdentifierType to its enum or an "ext:" name.
type IdentifierEntry struct {
	Type           Types  `json:"type,omitzero"`
	Identifier     string `json:"identifier,omitzero"`
	IdentifierType string `json:"identifierType,omitzero"`
	Extra          Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (e IdentifierEntry) MarshalJSON() ([]byte, error) {
	type plain IdentifierEntry
	return encodeObject(plain(e), e.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (e *IdentifierEntry) UnmarshalJSON(b []byte) error {
	type plain IdentifierEntry
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*e = IdentifierEntry(p)
	e.Extra = extra
	return nil
}
