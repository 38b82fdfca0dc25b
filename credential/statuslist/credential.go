package statuslist

import (
	"encoding/json"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Status purposes tohu issues lists for (BSL §2.1 "statusPurpose").
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// The type names of BSL §2.1 and §2.2.
const (
	TypeEntry          = "BitstringStatusListEntry"
	TypeList           = "BitstringStatusList"
	TypeListCredential = "BitstringStatusListCredential"
	// TypeLegacyEntry is the StatusList2021 entry, read for older credentials.
	TypeLegacyEntry = "StatusList2021Entry"
)

const contextV2 = "https://www.w3.org/ns/credentials/v2"

type listSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

type listCredential struct {
	Context           []string    `json:"@context"`
	ID                string      `json:"id"`
	Type              []string    `json:"type"`
	Issuer            string      `json:"issuer"`
	ValidFrom         string      `json:"validFrom"`
	CredentialSubject listSubject `json:"credentialSubject"`
}

// ListCredential returns the unsigned BitstringStatusListCredential (BSL
// §2.2) for l: a VC 2.0 credential with the given id and issuer whose
// subject (id = id + "#list") carries statusPurpose and encodedList. The
// caller signs it with the issuer's key, like any credential.
//
// Returns Invalid for an empty id or issuer, or a purpose other than
// revocation or suspension (the 1-bit purposes tohu issues).
func ListCredential(id, issuerID, purpose string, l *List, validFrom time.Time) ([]byte, error) {
	if id == "" {
		return nil, errs.F(errs.Invalid, "/id", "a status list credential needs an id")
	}
	if issuerID == "" {
		return nil, errs.F(errs.Invalid, "/issuer", "a status list credential needs an issuer")
	}
	if purpose != PurposeRevocation && purpose != PurposeSuspension {
		return nil, errs.F(errs.Invalid, "/credentialSubject/statusPurpose", "status purpose %q is not revocation or suspension", purpose)
	}
	if l == nil {
		return nil, errs.E(errs.Invalid, "no status list")
	}
	enc, err := l.Encode()
	if err != nil {
		return nil, err
	}
	return json.Marshal(listCredential{
		Context:   []string{contextV2},
		ID:        id,
		Type:      []string{"VerifiableCredential", TypeListCredential},
		Issuer:    issuerID,
		ValidFrom: validFrom.UTC().Format(time.RFC3339),
		CredentialSubject: listSubject{
			ID:            id + "#list",
			Type:          TypeList,
			StatusPurpose: purpose,
			EncodedList:   enc,
		},
	})
}
