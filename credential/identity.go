package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// IdentityObject identifies a recipient without (necessarily) revealing the
// identifier (OB30 Appendix "IdentityObject"). When Hashed is true,
// IdentityHash is "sha256$" + hex(SHA-256(identifier ‖ salt)) (OB30
// "IdentityHash"); when false it is the identifier in plain text. Hashed is
// always written, because the schema requires it even when false.
type IdentityObject struct {
	Type         Types  `json:"type,omitzero"`
	Hashed       bool   `json:"hashed"`
	IdentityHash string `json:"identityHash,omitzero"`
	IdentityType string `json:"identityType,omitzero"`
	Salt         string `json:"salt,omitzero"`
	Extra        Extra  `json:"-"`
}

// MarshalJSON implements json.Marshaler, writing Extra back.
func (o IdentityObject) MarshalJSON() ([]byte, error) {
	type plain IdentityObject
	return encodeObject(plain(o), o.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (o *IdentityObject) UnmarshalJSON(b []byte) error {
	type plain IdentityObject
	var p plain
	extra, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*o = IdentityObject(p)
	o.Extra = extra
	return nil
}

// Identity types tohu uses (OB30 IdentifierTypeEnum).
const (
	IdentityTypeEmail = "emailAddress"
	IdentityTypeName  = "name"
)

// NormalizeEmail is the form an email is hashed in: trimmed and lower-cased.
// OB leaves normalisation to the issuer (NOTES §2); a verifier must apply the
// same before calling Matches, which it does.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NewEmailIdentity returns a hashed emailAddress IdentityObject for email
// with the given salt, so the credential does not publish the address
// (Privacy Act 2020) but the learner can prove it is theirs.
func NewEmailIdentity(email, salt string) IdentityObject {
	return IdentityObject{
		Type:         TypeOf("IdentityObject"),
		Hashed:       true,
		IdentityType: IdentityTypeEmail,
		IdentityHash: hashIdentity(NormalizeEmail(email), salt),
		Salt:         salt,
	}
}

// NewNameIdentity returns a plain-text (hashed false) name IdentityObject.
// OB 3.0 has no name property on AchievementSubject; this is the place its
// data model gives a recipient's name.
func NewNameIdentity(name string) IdentityObject {
	return IdentityObject{
		Type:         TypeOf("IdentityObject"),
		Hashed:       false,
		IdentityType: IdentityTypeName,
		IdentityHash: name,
	}
}

func hashIdentity(identifier, salt string) string {
	sum := sha256.Sum256([]byte(identifier + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// Matches reports whether identifier is the one o identifies. For hashed
// objects it recomputes sha256(identifier ‖ salt) and compares the hex
// case-insensitively in constant time (OB30 "IdentityHash": either case is
// allowed); md5 hashes are not accepted. Emails are normalised with
// NormalizeEmail first, on both plain and hashed objects.
func (o IdentityObject) Matches(identifier string) bool {
	if o.IdentityType == IdentityTypeEmail {
		identifier = NormalizeEmail(identifier)
	}
	if !o.Hashed {
		want := o.IdentityHash
		if o.IdentityType == IdentityTypeEmail {
			want = NormalizeEmail(want)
		}
		return subtle.ConstantTimeCompare([]byte(want), []byte(identifier)) == 1
	}
	alg, hexHash, ok := strings.Cut(o.IdentityHash, "$")
	if !ok || !strings.EqualFold(alg, "sha256") {
		return false
	}
	got := hashIdentity(identifier, o.Salt)[len("sha256$"):]
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(hexHash)), []byte(got)) == 1
}

// NewSalt returns a fresh random salt: 16 bytes from crypto/rand, base64url
// without padding (NOTES §16 asks for at least 16 bytes).
func NewSalt() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
