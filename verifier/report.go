package verifier

import (
	"encoding/json"
)

// Result is the overall outcome of a verification. The values are stable:
// the web layer translates them, and API clients switch on them.
type Result string

// The overall results, from best to worst as far as a relying party cares.
const (
	Verified      Result = "verified"        // every check ran and passed
	Revoked       Result = "revoked"         // genuine, but the issuer revoked it
	Suspended     Result = "suspended"       // genuine, but the issuer suspended it
	Expired       Result = "expired"         // genuine, but past its validUntil
	NotYetValid   Result = "not_yet_valid"   // genuine, but before its validFrom
	NotVerified   Result = "not_verified"    // a structural or proof check failed
	CouldNotCheck Result = "could_not_check" // a check could not run (network, missing fetcher)
)

// Check statuses.
const (
	Passed      = "passed"
	Failed      = "failed"
	CouldNotRun = "could_not_check"
	Skipped     = "skipped" // not applicable, or not run because an earlier check failed
)

// Check ids, in the order a report lists them.
const (
	CheckFormat            = "format"
	CheckContexts          = "contexts"
	CheckTerms             = "terms"
	CheckSchema            = "schema"
	CheckRequiredFields    = "required_fields"
	CheckProof             = "proof"
	CheckIssuerKey         = "issuer_key"
	CheckValidFrom         = "valid_from"
	CheckValidUntil        = "valid_until"
	CheckStatus            = "status"
	CheckPresentationProof = "presentation_proof"
	CheckChallenge         = "challenge"
	CheckCredentials       = "credentials"
	CheckRefresh           = "refresh"          // OB30 Verification step 3 (refresh.go)
	CheckRecipient         = "recipient"        // step 5, only with WithRecipient (recipient.go)
	CheckEndorsements      = "endorsements"     // step 6 (endorsement.go)
	CheckEndorsementType   = "endorsement_type" // in an endorsement's own report
)

// advisory checks are reported but do not change the overall result (see
// endorsement.go and refresh.go for why): a failed or unchecked endorsement
// or refresh says something about a third party's statement or about a newer
// copy, not about the credential presented. The summary names them.
var advisory = map[string]bool{CheckEndorsements: true, CheckRefresh: true}

// Check is one named step of a verification.
type Check struct {
	// ID names the step (CheckFormat, CheckProof, …).
	ID string `json:"id"`
	// Status is Passed, Failed, CouldNotRun or Skipped.
	Status string `json:"status"`
	// Code is a stable machine code such as "proof.bad_signature" or
	// "status.revoked"; the web layer translates from it.
	Code string `json:"code"`
	// Message is one plain English sentence saying what was found.
	Message string `json:"message"`
}

// Issuer is who the credential says issued it.
type Issuer struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Subject summarises what was achieved and by whom, as the credential
// states it (whether or not it verified).
type Subject struct {
	ID               string `json:"id,omitempty"`
	LearnerName      string `json:"learnerName,omitempty"`
	Achievement      string `json:"achievement,omitempty"`
	AchievementType  string `json:"achievementType,omitempty"`
	Code             string `json:"code,omitempty"`  // humanCode, e.g. the NZQA reference
	Level            string `json:"level,omitempty"` // NZQCF level (targetCode of the level alignment)
	CreditsEarned    string `json:"creditsEarned,omitempty"`
	CreditsAvailable string `json:"creditsAvailable,omitempty"`
}

// Proof reports one proof of a credential (a proof set may hold several).
type Proof struct {
	ID                 string `json:"id,omitempty"`
	Type               string `json:"type"`
	Cryptosuite        string `json:"cryptosuite,omitempty"`
	VerificationMethod string `json:"verificationMethod,omitempty"`
	Controller         string `json:"controller,omitempty"`
	Verified           bool   `json:"verified"`
	Code               string `json:"code,omitempty"`
	Message            string `json:"message,omitempty"`
}

// Report is the outcome of verifying one input.
type Report struct {
	Result Result `json:"result"`
	// Summary is one plain English sentence for people.
	Summary string `json:"summary"`
	// Format names what was presented: "vc2+ld", "vc1.1+ld", "vc+jwt",
	// "ob-vcjwt", "vc1.1+jwt", "vp+ld", "vp+jwt", "enveloped-vc" or "unknown".
	Format string  `json:"format"`
	Checks []Check `json:"checks"`
	Proofs []Proof `json:"proofs,omitempty"`
	// Credential is the credential JSON as presented (for a JWT, its
	// payload credential). It is shown, never trusted, when not verified.
	Credential json.RawMessage `json:"credential,omitempty"`
	Issuer     *Issuer         `json:"issuer,omitempty"`
	Subject    *Subject        `json:"subject,omitempty"`
	// Credentials holds one report per credential in a presentation.
	Credentials []Report `json:"credentials,omitempty"`
	// Endorsements holds one report per EndorsementCredential embedded in
	// the credential (OB30 Verification step 6), in the order the
	// "endorsements" check names them. They are not folded into Result.
	Endorsements []Report `json:"endorsements,omitempty"`

	// credentialID is the credential's "id" as decoded for the checks
	// (the one an issuer_records lookup asks about), so that the lookup
	// does not parse Credential again.
	credentialID string
}

// Check returns the check with the given id, and whether there is one.
func (r *Report) Check(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Verified reports whether the overall result is Verified.
func (r *Report) Verified() bool { return r != nil && r.Result == Verified }

func (r *Report) add(id, status, code, msg string) {
	r.Checks = append(r.Checks, Check{ID: id, Status: status, Code: code, Message: msg})
}

func (r *Report) pass(id, code, msg string)   { r.add(id, Passed, code, msg) }
func (r *Report) fail(id, code, msg string)   { r.add(id, Failed, code, msg) }
func (r *Report) cannot(id, code, msg string) { r.add(id, CouldNotRun, code, msg) }
func (r *Report) skip(id, code, msg string)   { r.add(id, Skipped, code, msg) }

// outcomeCodes are failed-check codes that describe a genuine credential in a
// particular state rather than a broken one; every other failure means
// not_verified.
var outcomeCodes = map[string]Result{
	codeStatusRevoked:   Revoked,
	codeStatusSuspended: Suspended,
	codeExpired:         Expired,
	codeNotYetValid:     NotYetValid,
}

// rank orders results for combining: a higher rank wins.
var rank = map[Result]int{
	Verified:      0,
	CouldNotCheck: 1,
	NotYetValid:   2,
	Expired:       3,
	Suspended:     4,
	Revoked:       5,
	NotVerified:   6,
}

// worst returns the result with the higher rank.
func worst(a, b Result) Result {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// decide sets r.Result from its checks (and its nested credentials):
// any failed structural or proof check → not_verified; then revoked >
// suspended > expired > not_yet_valid; then any check that could not run →
// could_not_check; else verified. A report is only verified when some proof
// check actually passed.
func (r *Report) decide() {
	res := Verified
	proofPassed := false
	for _, c := range r.Checks {
		if advisory[c.ID] {
			continue
		}
		switch c.Status {
		case Failed:
			if o, ok := outcomeCodes[c.Code]; ok {
				res = worst(res, o)
			} else {
				res = worst(res, NotVerified)
			}
		case CouldNotRun:
			res = worst(res, CouldNotCheck)
		case Passed:
			if c.ID == CheckProof || c.ID == CheckPresentationProof {
				proofPassed = true
			}
		}
	}
	for i := range r.Credentials {
		res = worst(res, r.Credentials[i].Result)
		if r.Credentials[i].Result != NotVerified {
			proofPassed = proofPassed || r.Credentials[i].hasPassed(CheckProof)
		}
	}
	if res == Verified && !proofPassed {
		// Defensive: nothing proved the content, so nothing is verified.
		res = NotVerified
	}
	r.Result = res
	r.Summary = summarize(r) + advisoryNote(r)
}

func (r *Report) hasPassed(id string) bool {
	c, ok := r.Check(id)
	return ok && c.Status == Passed
}
