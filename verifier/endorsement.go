package verifier

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/tohu-nz/tohu/credential/jose"
)

// Endorsements (OB30 Verification step 6; NOTES §2 EndorsementCredential).
//
// An Open Badges credential may embed EndorsementCredentials — signed
// statements by a third party about the credential, its issuer or its
// achievement — in "endorsement" (credentials as JSON) and "endorsementJwt"
// (compact JWS) on the credential, on the issuer Profile, on the
// Achievement and on the Achievement's creator Profile. Each is verified
// with the same verifier and the same steps (proof, issuer key, dates,
// status, its own endorsements up to maxEndorseDepth), and must be of type
// EndorsementCredential with a subject of type EndorsementSubject.
//
// Policy (decided here): an endorsement that does not verify does not make
// the credential not_verified. The "endorsements" check is then Failed and
// names the endorsement and the reason, and the summary says so, but the
// overall result is about the credential presented — an endorsement is a
// separate credential from someone else (the 1EdTech validator likewise
// inspects an EndorsementCredential as its own document, and
// endorsement-err-schema-status-refresh.json, which fails there, is a
// failing endorsement here, not a failing badge). Endorsements are only
// verified when the credential's own proof and issuer key passed: a forgery's
// endorsements are not worth the key lookups.

// Endorsement limits: how deep endorsements of endorsements are followed
// and how many one Verify call verifies in all.
const (
	maxEndorseDepth = 2
	maxEndorsements = 16
)

// Endorsement types (OB30 Appendix "EndorsementCredential").
const (
	typeEndorsementCredential = "EndorsementCredential"
	typeEndorsementSubject    = "EndorsementSubject"
)

// Codes of the endorsements and endorsement_type checks.
const (
	codeEndorsementsOK         = "endorsements.ok"
	codeEndorsementsFailed     = "endorsements.failed"
	codeEndorsementsIncomplete = "endorsements.incomplete"
	codeEndorsementsNotRun     = "endorsements.not_run"
	codeEndorsementsTooMany    = "endorsements.too_many"
	codeEndorsementsTooDeep    = "endorsements.too_deep"

	codeEndorsementTypeOK    = "endorsement_type.ok"
	codeEndorsementTypeWrong = "endorsement_type.wrong"
)

// endorseBudget counts the endorsements one Verify call may still verify,
// across the whole tree of endorsements.
type endorseBudget struct{ left atomic.Int32 }

func (b *endorseBudget) take() bool { return b.left.Add(-1) >= 0 }

// endorsementItem is one embedded endorsement as found in the credential.
type endorsementItem struct {
	where string // "the credential", "the issuer", "the achievement", "the achievement's creator"
	raw   []byte // JSON object or compact JWS; nil when the entry is malformed
	bad   string // why the entry cannot be read
}

// collectEndorsements returns every endorsement embedded where OB 3.0 allows
// one, in document order: the credential, its issuer, then each subject's
// achievement and the achievement's creator.
func collectEndorsements(doc map[string]any) []endorsementItem {
	var out []endorsementItem
	add := func(where string, holder map[string]any) {
		if holder == nil {
			return
		}
		for _, x := range asList(holder["endorsement"]) {
			if o, ok := x.(map[string]any); ok {
				b, err := marshalNoEscape(o)
				if err == nil {
					out = append(out, endorsementItem{where: where, raw: b})
					continue
				}
			}
			out = append(out, endorsementItem{where: where, bad: "an entry of endorsement is not a credential object"})
		}
		for _, x := range asList(holder["endorsementJwt"]) {
			s, _ := x.(string)
			s = strings.TrimSpace(s)
			if !jose.LooksLikeJWT([]byte(s)) {
				out = append(out, endorsementItem{where: where, bad: "an entry of endorsementJwt is not a compact JWS"})
				continue
			}
			out = append(out, endorsementItem{where: where, raw: []byte(s)})
		}
	}
	add("the credential", doc)
	if iss, ok := doc["issuer"].(map[string]any); ok {
		add("the issuer", iss)
	}
	for _, s := range objects(doc["credentialSubject"]) {
		for _, a := range objects(s["achievement"]) {
			add("the achievement", a)
			if c, ok := a["creator"].(map[string]any); ok {
				add("the achievement's creator", c)
			}
		}
	}
	return out
}

// asList returns v as a list: an array as is, nil as none, anything else as
// a list of one.
func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

// endorsementsStep adds the "endorsements" check and r.Endorsements for the
// endorsements embedded in doc. Nothing is added when there are none.
func (v *Verifier) endorsementsStep(ctx context.Context, r *Report, doc map[string]any, trusted bool) {
	items := collectEndorsements(doc)
	n := len(items)
	if n == 0 {
		return
	}
	switch {
	case !trusted:
		r.skip(CheckEndorsements, codeEndorsementsNotRun, fmt.Sprintf("The credential's %s %s not checked because the credential's own signature did not verify.", count(n, "endorsement"), wasWere(n)))
		return
	case v.endorseDepth >= maxEndorseDepth:
		r.cannot(CheckEndorsements, codeEndorsementsTooDeep, fmt.Sprintf("This endorsement carries %s of its own, which %s not checked: tohu follows endorsements of endorsements only %d levels deep.", count(n, "endorsement"), wasWere(n), maxEndorseDepth))
		return
	}
	budget := v.endorseBudget
	if budget == nil {
		budget = &endorseBudget{}
		budget.left.Store(maxEndorsements)
	}
	sub := *v
	sub.endorseDepth++
	sub.endorseBudget = budget

	var failed, unknown []string
	skipped := 0
	for i, it := range items {
		if !budget.take() {
			skipped = n - i
			break
		}
		var er *Report
		if it.raw == nil {
			er = formatFailure(codeFormatNotVC, sentence(it.bad))
		} else {
			// Presentations and containers are not endorsements: verify at
			// the last nesting level so none is followed.
			er = sub.verify(ctx, it.raw, maxNesting-1)
			checkEndorsementType(er)
		}
		r.Endorsements = append(r.Endorsements, *er)
		label := fmt.Sprintf("endorsement %d (of %s%s)", i+1, it.where, byWhom(er))
		switch er.Result {
		case Verified:
		case CouldNotCheck:
			unknown = append(unknown, label+": "+reason(er, CouldNotRun))
		default:
			failed = append(failed, label+": "+reason(er, Failed))
		}
	}
	checked := n - skipped
	ok := checked - len(failed) - len(unknown)
	switch {
	case len(failed) > 0:
		r.fail(CheckEndorsements, codeEndorsementsFailed, fmt.Sprintf("%d of the credential's %s did not verify: %s", len(failed), count(n, "endorsement"), strings.Join(withStop(failed), " ")))
	case len(unknown) > 0:
		r.cannot(CheckEndorsements, codeEndorsementsIncomplete, fmt.Sprintf("%d of the credential's %s could not be fully checked: %s", len(unknown), count(n, "endorsement"), strings.Join(withStop(unknown), " ")))
	case skipped > 0:
		r.cannot(CheckEndorsements, codeEndorsementsTooMany, fmt.Sprintf("%d %s verified; %d more %s not checked, because tohu verifies at most %d endorsements for one credential.", ok, endorsementWord(ok), skipped, wasWere(skipped), maxEndorsements))
	default:
		r.pass(CheckEndorsements, codeEndorsementsOK, fmt.Sprintf("%s verified.", count(ok, "endorsement")))
	}
}

// checkEndorsementType adds the endorsement_type check to an endorsement's
// report: it must be an EndorsementCredential about an EndorsementSubject
// (OB30 Appendix). A report whose input could not be read is left alone.
func checkEndorsementType(er *Report) {
	if c, ok := er.Check(CheckFormat); !ok || c.Status != Passed || len(er.Credential) == 0 {
		return
	}
	doc, err := decodeObject(er.Credential)
	if err != nil {
		return
	}
	var missing []string
	if !has(typesOf(doc["type"]), typeEndorsementCredential) {
		missing = append(missing, "its type does not include "+typeEndorsementCredential)
	}
	subjects := objects(doc["credentialSubject"])
	subjectOK := len(subjects) > 0
	for _, s := range subjects {
		if !has(typesOf(s["type"]), typeEndorsementSubject) {
			subjectOK = false
		}
	}
	if !subjectOK {
		missing = append(missing, "its credentialSubject is not of type "+typeEndorsementSubject)
	}
	if len(missing) > 0 {
		er.fail(CheckEndorsementType, codeEndorsementTypeWrong, sentence("This is not an endorsement: "+strings.Join(missing, ", and ")))
	} else {
		er.pass(CheckEndorsementType, codeEndorsementTypeOK, "This is an EndorsementCredential about an EndorsementSubject.")
	}
	er.decide()
}

// byWhom names an endorsement's issuer for a message (", by …" or "").
func byWhom(r *Report) string {
	if r.Issuer == nil || r.Issuer.ID == "" {
		return ""
	}
	if r.Issuer.Name != "" {
		return fmt.Sprintf(", by %s (%s)", r.Issuer.Name, r.Issuer.ID)
	}
	return ", by " + r.Issuer.ID
}

// reason is the first check of a report with the given status, as a
// sentence fragment; else its summary.
func reason(r *Report, status string) string {
	if c := firstWith(r, status); c != nil {
		return strings.TrimRight(lowerFirst(c.Message), ".")
	}
	if status == Failed {
		if c := firstWith(r, CouldNotRun); c != nil {
			return strings.TrimRight(lowerFirst(c.Message), ".")
		}
	}
	return strings.TrimRight(lowerFirst(r.Summary), ".")
}

func withStop(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s + "."
	}
	return out
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func endorsementWord(n int) string {
	if n == 1 {
		return "endorsement"
	}
	return "endorsements"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// advisoryNote is appended to a report's summary when an advisory check
// (endorsements, refresh) failed or could not run, so a reader of the
// summary alone still learns of it.
func advisoryNote(r *Report) string {
	var notes []string
	for _, c := range r.Checks {
		if advisory[c.ID] && (c.Status == Failed || c.Status == CouldNotRun) {
			notes = append(notes, c.Message)
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " " + strings.Join(notes, " ")
}
