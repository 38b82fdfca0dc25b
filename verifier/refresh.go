package verifier

import (
	"context"
	"fmt"
	"strings"
)

// Refresh (OB30 Verification step 3; NOTES §2 refreshService).
//
// A credential whose refreshService is of type 1EdTechCredentialRefresh
// names a URL where its issuer serves the current copy. When the credential's
// proof and issuer key passed and a fetcher is configured
// (WithRefreshFetcher, else the status fetcher), tohu fetches that URL once,
// verifies what comes back with the same verifier (without refreshing again),
// and — if its proof and issuer key pass, it is not not_verified, and it has
// the same issuer and the same id — reports on the refreshed copy, with a
// passed "refresh" check saying so.
//
// Decided here: refreshing is the issuer's offer of a newer copy, not a
// condition of validity (OB30: when the refresh request fails, the credential
// as presented is what gets verified). So every refresh that does not
// happen leaves the report about the credential as presented, and the
// "refresh" check — advisory, it does not change the result — says why:
// skipped when offline (no fetcher) or when the signature did not verify,
// could_not_check when the URL could not be fetched or the copy's key could
// not be fetched, failed when the copy does not verify or is another
// credential (different id or issuer). The summary repeats a failed or
// could_not_check refresh.

// typeRefresh is the one refresh service type OB 3.0 defines.
const typeRefresh = "1EdTechCredentialRefresh"

// Codes of the refresh check.
const (
	codeRefreshOK          = "refresh.ok"
	codeRefreshNoFetcher   = "refresh.no_fetcher"
	codeRefreshNotRun      = "refresh.not_run"
	codeRefreshUnsupported = "refresh.unsupported_type"
	codeRefreshUnreachable = "refresh.unreachable"
	codeRefreshNotVerified = "refresh.not_verified"
	codeRefreshMismatch    = "refresh.mismatch"
)

// WithRefreshFetcher sets the fetcher used for refresh services (OB30
// Verification step 3). Without it the status fetcher (WithStatusFetcher)
// is used; with neither, refresh services are not followed and the report
// says so. Like the status fetcher it must refuse anything unsafe to fetch.
func WithRefreshFetcher(f Fetcher) Option { return func(v *Verifier) { v.refreshFetcher = f } }

// refreshStep follows doc's refresh service. It returns the refresh check
// to add to doc's report (ID "" when there is nothing to say), or, when the
// refreshed copy verified, that copy's report, complete with its refresh
// check, to be returned in place of doc's.
func (v *Verifier) refreshStep(ctx context.Context, doc map[string]any, trusted bool) (Check, *Report) {
	raw, ok := doc["refreshService"]
	if !ok || v.noRefresh {
		return Check{}, nil
	}
	url := ""
	var other []string
	for _, s := range objects(raw) {
		if has(typesOf(s["type"]), typeRefresh) {
			url = strings.TrimSpace(str(s, "id"))
			break
		}
		other = append(other, strings.Join(typesOf(s["type"]), ","))
	}
	switch {
	case url == "" && len(other) > 0:
		return Check{CheckRefresh, Skipped, codeRefreshUnsupported, fmt.Sprintf("The credential's refresh service is of type %s, which tohu does not follow; this report is about the credential as presented.", orUnknown(strings.Join(other, ", ")))}, nil
	case url == "":
		return Check{CheckRefresh, Failed, codeRefreshNotVerified, "The credential's refreshService names no URL; this report is about the credential as presented."}, nil
	case !trusted:
		return Check{CheckRefresh, Skipped, codeRefreshNotRun, fmt.Sprintf("The newer copy at %s was not fetched because the credential's own signature did not verify.", url)}, nil
	}
	f := v.refreshFetcher
	if f == nil {
		f = v.fetcher
	}
	if f == nil {
		return Check{CheckRefresh, Skipped, codeRefreshNoFetcher, fmt.Sprintf("The credential offers a newer copy at %s, but tohu is not fetching anything (offline), so this report is about the credential as presented.", url)}, nil
	}
	body, err := f.Fetch(ctx, url)
	if err != nil {
		return Check{CheckRefresh, CouldNotRun, codeRefreshUnreachable, fmt.Sprintf("The newer copy the credential offers at %s could not be fetched, so this report is about the credential as presented.", url)}, nil
	}
	once := *v
	once.noRefresh = true
	// The copy is a credential, not a presentation or a container: verify
	// at the last nesting level so none is followed.
	nr := once.verify(ctx, body, maxNesting-1)
	if len(nr.Credentials) > 0 || strings.HasPrefix(nr.Format, "vp") {
		return Check{CheckRefresh, Failed, codeRefreshNotVerified, fmt.Sprintf("%s returned a presentation, not a refreshed credential; this report is about the credential as presented.", url)}, nil
	}
	proofC, _ := nr.Check(CheckProof)
	keyC, _ := nr.Check(CheckIssuerKey)
	if proofC.Status == CouldNotRun || keyC.Status == CouldNotRun {
		return Check{CheckRefresh, CouldNotRun, codeRefreshUnreachable, fmt.Sprintf("The newer copy from %s could not be checked (%s), so this report is about the credential as presented.", url, reason(nr, CouldNotRun))}, nil
	}
	if proofC.Status != Passed || keyC.Status != Passed || nr.Result == NotVerified {
		return Check{CheckRefresh, Failed, codeRefreshNotVerified, fmt.Sprintf("The newer copy from %s did not verify (%s), so this report is about the credential as presented.", url, reason(nr, Failed))}, nil
	}
	ndoc, err := decodeObject(nr.Credential)
	if err != nil {
		return Check{CheckRefresh, Failed, codeRefreshNotVerified, fmt.Sprintf("The newer copy from %s cannot be read, so this report is about the credential as presented.", url)}, nil
	}
	id, nid := str(doc, "id"), str(ndoc, "id")
	iss, niss := idOf(doc["issuer"]), idOf(ndoc["issuer"])
	switch {
	case id == "":
		return Check{CheckRefresh, Failed, codeRefreshMismatch, fmt.Sprintf("The credential has no id, so the copy from %s cannot be shown to be a newer copy of it; this report is about the credential as presented.", url)}, nil
	case nid != id:
		return Check{CheckRefresh, Failed, codeRefreshMismatch, fmt.Sprintf("%s returned a different credential (%s, not %s); this report is about the credential as presented.", url, orUnknown(nid), id)}, nil
	case niss != iss:
		return Check{CheckRefresh, Failed, codeRefreshMismatch, fmt.Sprintf("%s returned a copy issued by %s, not by the credential's issuer %s; this report is about the credential as presented.", url, orUnknown(niss), iss)}, nil
	}
	nr.pass(CheckRefresh, codeRefreshOK, fmt.Sprintf("The credential offered a newer copy at %s; it verified, so this report is about that copy (same id, same issuer).", url))
	nr.decide()
	return Check{}, nr
}
