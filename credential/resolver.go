package credential

import (
	"context"
	"crypto"
	"errors"
)

// ErrBadSignature is the cause (errors.Is) of every proof-suite error that
// means the signature was checked and does not match: the document or proof
// was changed, or another key signed it. Other failures (malformed proofs,
// keys that cannot be found) have other causes.
var ErrBadSignature = errors.New("signature does not verify")

// Proof purposes (VC Data Integrity §"Proof Purposes"): the verification
// relationship a controller document must list a key under.
const (
	PurposeAssertion      = "assertionMethod"
	PurposeAuthentication = "authentication"
)

// KeyResolver resolves a verification method URL (did:key:…#…, did:web:…#…,
// https://…#…) to its public key, after checking that the controller's
// document lists the method under purpose.
//
// Errors (as *errs.Error): NotFound when there is no such method; Invalid when
// the method is not authorised for purpose or the id is malformed;
// Unavailable when the controller document could not be fetched (the
// verifier reports "could not check", not "invalid"); Unsupported for a DID
// method or key type tohu does not handle.
//
// keys.Resolver satisfies this interface; credential does not import keys.
type KeyResolver interface {
	PublicKey(ctx context.Context, vmID, purpose string) (pub crypto.PublicKey, controller string, err error)
}
