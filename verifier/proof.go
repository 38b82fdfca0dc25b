package verifier

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/errs"
)

// proofOutcome is the proof, issuer_key and terms checks of one document,
// decided together because one JSON-LD pass serves all three.
type proofOutcome struct {
	proof, issuerKey, terms Check
	proofs                  []Proof
	controller              string // controller of the proof that counted
}

// embeddedProof verifies the Data Integrity proofs of doc (VC Data
// Integrity 1.0 §4.4; OB30 Verification step 2: one valid proof from the
// issuer is enough). signer is the party that must control the key (the
// issuer, or a presentation's holder; "" = any controller). doc is the
// decodeObject of the bytes presented, read once for every check: it has
// refused duplicate members, so the tree is the one the signed bytes say.
func (v *Verifier) embeddedProof(ctx context.Context, doc map[string]any, signer, purpose, challenge, domain string) proofOutcome {
	checkID, keyID := CheckProof, CheckIssuerKey
	if purpose != "assertionMethod" {
		checkID = CheckPresentationProof
	}
	var out proofOutcome
	if _, ok := doc["proof"]; !ok {
		out.terms = v.termsCheck(true, doc)
		out.proof = Check{checkID, Failed, codeProofMissing, "There is no proof (signature), so nothing shows who issued it or that it is unchanged."}
		out.issuerKey = Check{keyID, Skipped, codeIssuerKeyNotRun, "No signing key to check, because there is no proof."}
		return out
	}
	results, err := dataintegrity.VerifyDecoded(ctx, doc, dataintegrity.VerifyOptions{
		Resolver:      v.resolver,
		Purpose:       purpose,
		Challenge:     challenge,
		Domain:        domain,
		Now:           v.now(),
		Canonicalizer: v.canon,
	})
	if err != nil {
		// Contexts were checked before; a document-level failure now is an
		// undefined term or JSON-LD the canonicalizer refuses.
		out.terms = termsFailure(err)
		out.proof = Check{checkID, Skipped, codeProofNotRun, "The signature was not checked because the document's terms could not all be checked, and a signature does not cover an undefined term."}
		out.issuerKey = Check{keyID, Skipped, codeIssuerKeyNotRun, "The signing key was not checked because the signature was not checked."}
		return out
	}
	out.terms = Check{CheckTerms, Passed, codeTermsOK, "Every term is defined by the credential's contexts, so the signature covers all of it."}

	var good, fromSigner *dataintegrity.ProofResult
	var firstErr *dataintegrity.ProofResult
	for i := range results {
		p := &results[i]
		pr := Proof{ID: p.ID, Type: p.Type, Cryptosuite: p.Cryptosuite, VerificationMethod: p.VerificationMethod, Controller: p.Controller, Verified: p.Verified}
		if p.Verified {
			pr.Code, pr.Message = codeProofOK, "The signature is valid."
			if good == nil {
				good = p
			}
			if fromSigner == nil && (signer == "" || p.Controller == signer) {
				fromSigner = p
			}
		} else {
			pr.Code, pr.Message = classifyProofErr(p.Err)
			if firstErr == nil || (errs.Is(p.Err, errs.Unavailable) && !errs.Is(firstErr.Err, errs.Unavailable)) {
				firstErr = p
			}
		}
		out.proofs = append(out.proofs, pr)
	}
	n := len(results)
	switch {
	case fromSigner != nil:
		out.controller = fromSigner.Controller
		out.proof = Check{checkID, Passed, codeProofOK, proofPassedMessage(fromSigner, n)}
		out.issuerKey = keyBound(keyID, signer, fromSigner.Controller)
	case good != nil:
		out.controller = good.Controller
		out.proof = Check{checkID, Passed, codeProofOK, proofPassedMessage(good, n)}
		out.issuerKey = Check{keyID, Failed, codeIssuerKeyMismatch, fmt.Sprintf("The signing key belongs to %s, not to %s, so the credential was not signed by its issuer.", orUnknown(good.Controller), signer)}
	default:
		code, msg := classifyProofErr(firstErr.Err)
		status := Failed
		if errs.Is(firstErr.Err, errs.Unavailable) {
			status = CouldNotRun
		}
		if n > 1 {
			msg = fmt.Sprintf("None of the %d proofs verified. %s", n, msg)
		}
		out.proof = Check{checkID, status, code, msg}
		out.issuerKey = Check{keyID, Skipped, codeIssuerKeyNotRun, "The signing key was not checked because no proof verified."}
	}
	return out
}

func proofPassedMessage(p *dataintegrity.ProofResult, n int) string {
	suite := p.Type
	if p.Cryptosuite != "" {
		suite = p.Cryptosuite
	}
	msg := fmt.Sprintf("The signature (%s) is valid: nothing has changed since it was signed.", suite)
	if n > 1 {
		msg = fmt.Sprintf("One of %d proofs is valid (%s): nothing has changed since it was signed.", n, suite)
	}
	return msg
}

func keyBound(id, signer, controller string) Check {
	if signer == "" {
		return Check{id, Passed, codeIssuerKeyOK, fmt.Sprintf("The signing key is controlled by %s.", controller)}
	}
	return Check{id, Passed, codeIssuerKeyOK, fmt.Sprintf("The signing key is controlled by the issuer, %s.", signer)}
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown party"
	}
	return s
}

// classifyProofErr maps a proof suite's error to a stable code and a plain
// sentence.
func classifyProofErr(err error) (string, string) {
	field := errs.ErrorField(err)
	m := plain(err)
	switch errs.ErrorCode(err) {
	case errs.Unavailable:
		return codeProofKeyFetch, sentence("The signing key could not be fetched, so the signature could not be checked: " + m)
	case errs.NotFound:
		return codeProofKeyNotFound, sentence("The signing key could not be found: " + m)
	case errs.Unsupported:
		return codeProofUnsupported, sentence("The proof uses a method tohu does not verify: " + m)
	case errs.Invalid:
		switch {
		case errors.Is(err, credential.ErrBadSignature):
			return codeProofBadSig, msgBadSignature
		case strings.HasSuffix(field, "/proofPurpose"):
			return codeProofPurpose, sentence("The proof was made for another purpose: " + m)
		case strings.HasSuffix(field, "/verificationMethod") || strings.Contains(m, "verification method"):
			return codeProofKeyNotFound, sentence("The signing key is not usable: " + m)
		}
		return codeProofMalformed, sentence("The proof is malformed: " + m)
	}
	return codeProofMalformed, sentence("The proof could not be checked: " + m)
}

// termsMessage turns an undefined-term (or JSON-LD) error into a sentence
// that names the term and where it is.
func termsMessage(err error) string {
	m := plain(err)
	if f := errs.ErrorField(err); f != "" && !strings.Contains(m, f) {
		m += " (at " + f + ")"
	}
	return sentence("The credential uses a term no context defines, which a signature would not cover: " + m)
}
