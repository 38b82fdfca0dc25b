package verifier

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/credential"
)

// Recipient (OB30 Verification step 5, optional; NOTES §2 IdentityObject).
//
// A relying party that knows who the credential should belong to (an
// employer knows the applicant's email) asks with WithRecipient. The
// "recipient" check then passes when a credentialSubject's id is that
// identifier (for emailAddress also as a mailto: URI), or when one of its
// identifier IdentityObjects of that identityType matches it — hashed
// (sha256$hex of identifier ‖ salt, hex in either case) or plain text —
// and fails otherwise. A failed recipient check makes the result
// not_verified: the credential may be genuine, but not for the person the
// caller named. Only sha256 hashes are checked; an identifier of the right
// type hashed otherwise (md5) gives could_not_check. Without WithRecipient
// there is no recipient check. The identifier itself is never written into
// the report.

// Codes of the recipient check.
const (
	codeRecipientOK          = "recipient.ok"
	codeRecipientMismatch    = "recipient.mismatch"
	codeRecipientNotRun      = "recipient.not_run"
	codeRecipientUnsupported = "recipient.unsupported_hash"
)

// WithRecipient asks every credential verified to be about this recipient:
// identifier is the value the caller knows (an email address, a DID, a
// student number) and identityType the OB IdentityObject type it is
// (credential.IdentityTypeEmail "emailAddress", "sourcedId", …; "" accepts
// an identifier of any type). An empty identifier turns the check off.
func WithRecipient(identifier, identityType string) Option {
	return func(v *Verifier) {
		v.recipient = strings.TrimSpace(identifier)
		v.recipientType = strings.TrimSpace(identityType)
	}
}

// recipientCheck compares the requested recipient with doc's subjects; ok is
// false when no recipient was requested.
func (v *Verifier) recipientCheck(doc map[string]any, trusted bool) (c Check, ok bool) {
	if v.recipient == "" {
		return Check{}, false
	}
	kind := v.recipientType
	what := "identifier"
	if kind != "" {
		what = kind + " identifier"
	}
	if !trusted {
		return Check{CheckRecipient, Skipped, codeRecipientNotRun, "The recipient was not compared because the credential's signature did not verify."}, true
	}
	subjects := objects(doc["credentialSubject"])
	var otherHash []string
	seen := 0
	for _, s := range subjects {
		if id := str(s, "id"); id != "" && v.sameID(id) {
			return Check{CheckRecipient, Passed, codeRecipientOK, "The credential was issued to the recipient you named: its subject id is that identifier."}, true
		}
		for _, io := range objects(s["identifier"]) {
			var o credential.IdentityObject
			b, err := json.Marshal(io)
			if err != nil || json.Unmarshal(b, &o) != nil {
				continue
			}
			if kind != "" && o.IdentityType != kind {
				continue
			}
			seen++
			if o.Matches(v.recipient) {
				how := "plain-text"
				if o.Hashed {
					how = "hashed"
				}
				return Check{CheckRecipient, Passed, codeRecipientOK, fmt.Sprintf("The credential was issued to the recipient you named: it matches the credential's %s %s %s.", how, orUnknown(o.IdentityType), "identifier")}, true
			}
			if alg, _, found := strings.Cut(o.IdentityHash, "$"); o.Hashed && found && !strings.EqualFold(alg, "sha256") {
				otherHash = append(otherHash, alg)
			}
		}
	}
	if len(otherHash) > 0 {
		return Check{CheckRecipient, CouldNotRun, codeRecipientUnsupported, fmt.Sprintf("The credential's %s is hashed with %s, which tohu does not check (only sha256), so whether it was issued to the recipient you named is unknown.", what, strings.Join(otherHash, ", "))}, true
	}
	if seen == 0 {
		return Check{CheckRecipient, Failed, codeRecipientMismatch, fmt.Sprintf("The credential was not issued to the recipient you named: its subject id is not that identifier and it has no %s to compare.", what)}, true
	}
	return Check{CheckRecipient, Failed, codeRecipientMismatch, fmt.Sprintf("The credential was not issued to the recipient you named: neither its subject id nor its %s (%d) match.", what, seen)}, true
}

// sameID reports whether a subject id names the requested recipient: equal,
// or for an email the mailto: URI of it (compared as NormalizeEmail does).
func (v *Verifier) sameID(id string) bool {
	if id == v.recipient {
		return true
	}
	if v.recipientType == credential.IdentityTypeEmail || v.recipientType == "" {
		if rest, ok := strings.CutPrefix(id, "mailto:"); ok {
			return credential.NormalizeEmail(rest) == credential.NormalizeEmail(v.recipient)
		}
	}
	return false
}

// ApplyRecipient adds the recipient check to a report made without
// WithRecipient — for callers that hold the verifier behind an interface
// with Verify only (the VC-API handler) — and decides the report again. A
// presentation's credentials are each checked. Reports that already have a
// recipient check, and an empty identifier, are left alone.
func (r *Report) ApplyRecipient(identifier, identityType string) {
	if r == nil || strings.TrimSpace(identifier) == "" {
		return
	}
	v := &Verifier{}
	WithRecipient(identifier, identityType)(v)
	for i := range r.Credentials {
		r.Credentials[i].ApplyRecipient(identifier, identityType)
	}
	if len(r.Credentials) == 0 && len(r.Credential) > 0 {
		if _, done := r.Check(CheckRecipient); done {
			return
		}
		doc, err := decodeObject(r.Credential)
		if err != nil {
			return
		}
		if c, ok := v.recipientCheck(doc, r.hasPassed(CheckProof) && r.hasPassed(CheckIssuerKey)); ok {
			r.Checks = append(r.Checks, c)
		}
	}
	r.decide()
}
