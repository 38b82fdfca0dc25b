package verifier

import (
	"context"
	"fmt"
)

// CheckIssuerRecords is the check an IssuerRecords lookup adds: what the
// issuer's own records say about a credential it issued.
const CheckIssuerRecords = "issuer_records"

// Codes of the issuer_records check.
const (
	codeRecordsOK          = "issuer_records.ok"
	codeRecordsSuspended   = "issuer_records.suspended"
	codeRecordsRevoked     = "issuer_records.revoked"
	codeRecordsUnavailable = "issuer_records.unavailable"
)

func init() {
	// A suspension or revocation found in the records describes a genuine
	// credential in that state, exactly as the status list bits do.
	outcomeCodes[codeRecordsSuspended] = Suspended
	outcomeCodes[codeRecordsRevoked] = Revoked
}

// IssuerRecords looks up a credential in the records of the issuer running
// this verifier. It returns the credential's state ("issued", "suspended"
// or "revoked") and known=true only for a credential it issued itself
// (its id is one of the issuer's and issuerID is the issuer's DID); known
// is false for everything else, and then no check is added. err means the
// records could not be read (the check is then could_not_check).
type IssuerRecords func(ctx context.Context, credentialID, issuerID string) (state string, known bool, err error)

// RecordsVerifier is a Verifier that also consults the issuer's records
// (tohu verifying what tohu issued). A credential can carry only one
// credentialStatus entry under the OB 3.0 schema, so a suspension of such a
// credential is visible only here. Build one with WithIssuerRecords.
type RecordsVerifier struct {
	*Verifier
	records IssuerRecords
}

// WithIssuerRecords returns v with the "issuer_records" check added after
// the others: for each credential (a presentation's included) whose proof
// and issuer key passed, records is asked about its id; a suspended or
// revoked state fails the check with that outcome. A nil records returns a
// RecordsVerifier that adds nothing.
func (v *Verifier) WithIssuerRecords(records IssuerRecords) *RecordsVerifier {
	return &RecordsVerifier{Verifier: v, records: records}
}

// Verify is Verifier.Verify plus the issuer_records check.
func (rv *RecordsVerifier) Verify(ctx context.Context, input []byte) *Report {
	rep := rv.Verifier.Verify(ctx, input)
	rv.apply(ctx, rep)
	return rep
}

// VerifyWith is Verifier.VerifyWith plus the issuer_records check.
func (rv *RecordsVerifier) VerifyWith(ctx context.Context, input []byte, opts ...Option) *Report {
	rep := rv.Verifier.VerifyWith(ctx, input, opts...)
	rv.apply(ctx, rep)
	return rep
}

// apply adds the check to rep and to each nested credential report, then
// decides the results again.
func (rv *RecordsVerifier) apply(ctx context.Context, rep *Report) {
	if rv.records == nil || rep == nil {
		return
	}
	changed := false
	for i := range rep.Credentials {
		if rv.applyOne(ctx, &rep.Credentials[i]) {
			rep.Credentials[i].decide()
			changed = true
		}
	}
	if len(rep.Credentials) == 0 && rv.applyOne(ctx, rep) {
		changed = true
	}
	if changed {
		rep.decide()
	}
}

// applyOne adds the check to one credential report; it reports whether it
// added one. A forgery's id is never looked up: the proof and the issuer
// key must have passed first (as for status lists).
func (rv *RecordsVerifier) applyOne(ctx context.Context, r *Report) bool {
	if !r.hasPassed(CheckProof) || !r.hasPassed(CheckIssuerKey) || r.Issuer == nil || r.credentialID == "" {
		return false
	}
	state, known, err := rv.records(ctx, r.credentialID, r.Issuer.ID)
	switch {
	case err != nil:
		r.cannot(CheckIssuerRecords, codeRecordsUnavailable, "The issuer's records could not be read, so a suspension could not be checked.")
	case !known:
		return false
	case state == "revoked":
		r.fail(CheckIssuerRecords, codeRecordsRevoked, "The issuer's records say the credential has been revoked.")
	case state == "suspended":
		r.fail(CheckIssuerRecords, codeRecordsSuspended, "The issuer's records say the credential is suspended.")
	case state == "issued":
		r.pass(CheckIssuerRecords, codeRecordsOK, "The issuer's records say the credential is in good standing.")
	default:
		r.cannot(CheckIssuerRecords, codeRecordsUnavailable, fmt.Sprintf("The issuer's records give an unknown state %q.", state))
	}
	return true
}
