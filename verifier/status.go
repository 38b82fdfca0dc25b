package verifier

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/errs"
)

// Status entry and list types (BSL §2.1, §2.2; StatusList2021 is read only).
const (
	typeBSLEntry      = "BitstringStatusListEntry"
	typeSL2021Entry   = "StatusList2021Entry"
	typeBSLCredential = "BitstringStatusListCredential"
	typeSL2021Cred    = "StatusList2021Credential"
)

// maxStatusEntries bounds the network requests one credential can cause.
const maxStatusEntries = 4

// statusCheck reads the credential's revocation and suspension bits (BSL
// §3.2 "Validate Algorithm"): fetch each list credential, verify its proof
// with the same resolver, require the same issuer and purpose, decode the
// list and read the bit.
func (v *Verifier) statusCheck(ctx context.Context, raw []byte, doc map[string]any, issuerID string) Check {
	if _, ok := doc["credentialStatus"]; !ok {
		return Check{CheckStatus, Skipped, codeStatusNone, "The credential has no status entry, so its issuer cannot revoke or suspend it."}
	}
	entries, err := statuslist.ParseEntries(raw)
	if err != nil {
		if errs.Is(err, errs.Unsupported) {
			return Check{CheckStatus, CouldNotRun, codeStatusUnsupported, sentence("The credential's status could not be checked: " + plain(err))}
		}
		return Check{CheckStatus, Failed, codeStatusBadEntry, sentence("The credential's status entry is malformed: " + plain(err))}
	}
	var checkable []statuslist.Entry
	var unknown []string
	for _, e := range entries {
		switch {
		case e.Type != typeBSLEntry && e.Type != typeSL2021Entry:
			unknown = append(unknown, e.Type)
		case e.StatusPurpose == "revocation" || e.StatusPurpose == "suspension":
			checkable = append(checkable, e)
		}
		// Other purposes (refresh, message) say nothing about validity.
	}
	if len(unknown) > 0 {
		return Check{CheckStatus, CouldNotRun, codeStatusUnsupported, fmt.Sprintf("The credential's status uses %s, which tohu cannot read, so whether it was revoked is unknown.", strings.Join(unknown, ", "))}
	}
	if len(checkable) == 0 {
		return Check{CheckStatus, Skipped, codeStatusNone, "The credential has no revocation or suspension status entry."}
	}
	if len(checkable) > maxStatusEntries {
		return Check{CheckStatus, Failed, codeStatusBadEntry, fmt.Sprintf("The credential has %d status entries; tohu reads at most %d.", len(checkable), maxStatusEntries)}
	}
	if v.fetcher == nil {
		return Check{CheckStatus, CouldNotRun, codeStatusNoFetcher, "The credential has a status entry but status lists are not being fetched (offline), so whether it was revoked or suspended is unknown."}
	}
	var result *Check
	for _, e := range checkable {
		c := v.readStatus(ctx, e, issuerID)
		switch {
		case c.Status == Failed && (c.Code == codeStatusRevoked || c.Code == codeStatusSuspended):
			// Revoked outranks suspended; keep looking only to prefer it.
			if result == nil || result.Code != codeStatusRevoked {
				cc := c
				result = &cc
			}
		case c.Status != Passed:
			return c
		}
	}
	if result != nil {
		return *result
	}
	return Check{CheckStatus, Passed, codeStatusOK, "The issuer has not revoked or suspended the credential."}
}

// readStatus checks one entry.
func (v *Verifier) readStatus(ctx context.Context, e statuslist.Entry, issuerID string) Check {
	idx, err := e.Index()
	if err != nil {
		return Check{CheckStatus, Failed, codeStatusBadEntry, sentence("The status entry is malformed: " + plain(err))}
	}
	body, err := v.fetcher.Fetch(ctx, e.StatusListCredential)
	if err != nil {
		return Check{CheckStatus, CouldNotRun, codeStatusFetch, fmt.Sprintf("The status list %s could not be fetched, so whether the credential was revoked or suspended is unknown.", e.StatusListCredential)}
	}
	list, c := v.verifyList(ctx, body, e, issuerID)
	if list == nil {
		return c
	}
	set, err := list.Get(idx)
	if err != nil {
		return Check{CheckStatus, Failed, codeStatusBadEntry, sentence("The status entry points outside its list: " + plain(err))}
	}
	if set {
		if e.StatusPurpose == "revocation" {
			return Check{CheckStatus, Failed, codeStatusRevoked, "The issuer has revoked this credential."}
		}
		return Check{CheckStatus, Failed, codeStatusSuspended, "The issuer has suspended this credential."}
	}
	return Check{CheckStatus, Passed, codeStatusOK, "The issuer has not revoked or suspended the credential."}
}

// verifyList verifies a fetched status list credential (JSON with an
// embedded proof, or a compact JWT) and decodes its list. On failure it
// returns nil and the check to report.
func (v *Verifier) verifyList(ctx context.Context, body []byte, e statuslist.Entry, issuerID string) (*statuslist.List, Check) {
	where := e.StatusListCredential
	bad := func(code, msg string) (*statuslist.List, Check) {
		return nil, Check{CheckStatus, Failed, code, msg}
	}
	body = bytes.TrimSpace(body)
	var raw []byte
	var controller string
	jwt := jose.LooksLikeJWT(body)
	var key listKey
	if !jwt && v.lists != nil {
		key = keyOf(body, issuerID, e.StatusPurpose)
		if list := v.lists.get(key, v.now()); list != nil {
			return list, Check{}
		}
	}
	if jwt {
		ver, err := jose.Verify(ctx, string(body), jose.VerifyOptions{Resolver: v.resolver, Now: v.now()})
		if err != nil {
			if errs.Is(err, errs.Unavailable) {
				return nil, Check{CheckStatus, CouldNotRun, codeStatusListKey, fmt.Sprintf("The key that signed the status list %s could not be fetched, so the status is unknown.", where)}
			}
			return bad(codeStatusListProof, fmt.Sprintf("The status list %s is not validly signed (%s), so it cannot be trusted.", where, plain(err)))
		}
		raw, controller = ver.Credential, ver.Controller
	} else {
		raw = body
		results, err := dataintegrity.Verify(ctx, body, dataintegrity.VerifyOptions{
			Resolver: v.resolver, Purpose: credential.PurposeAssertion, Now: v.now(), Canonicalizer: v.canon,
		})
		if err != nil {
			return bad(codeStatusListProof, fmt.Sprintf("The status list %s is not a valid signed credential (%s).", where, plain(err)))
		}
		unavailable := false
		for _, r := range results {
			if r.Verified {
				if controller == "" || r.Controller == issuerID {
					controller = r.Controller
				}
			} else if errs.Is(r.Err, errs.Unavailable) {
				unavailable = true
			}
		}
		if controller == "" {
			if unavailable {
				return nil, Check{CheckStatus, CouldNotRun, codeStatusListKey, fmt.Sprintf("The key that signed the status list %s could not be fetched, so the status is unknown.", where)}
			}
			return bad(codeStatusListProof, fmt.Sprintf("The status list %s is not validly signed, so it cannot be trusted.", where))
		}
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return bad(codeStatusBadList, fmt.Sprintf("The status list %s is not a JSON credential.", where))
	}
	listIssuer := idOf(doc["issuer"])
	if listIssuer != issuerID || controller != issuerID {
		return bad(codeStatusListIssuer, fmt.Sprintf("The status list %s was issued by %s, not by the credential's issuer, so it cannot be trusted.", where, orUnknown(listIssuer)))
	}
	types := typesOf(doc["type"])
	if !has(types, typeBSLCredential) && !has(types, typeSL2021Cred) {
		return bad(codeStatusBadList, fmt.Sprintf("The document at %s is not a status list credential.", where))
	}
	subj := obj(doc, "credentialSubject")
	if subj == nil {
		return bad(codeStatusBadList, fmt.Sprintf("The status list %s has no list in it.", where))
	}
	if p := str(subj, "statusPurpose"); p != e.StatusPurpose {
		return bad(codeStatusListPurpose, fmt.Sprintf("The status list %s is for %q, but the credential's entry is for %q.", where, p, e.StatusPurpose))
	}
	now := v.now()
	for _, name := range []string{"validUntil", "expirationDate"} {
		if s := str(doc, name); s != "" {
			if t, ok := parseDate(s); ok && now.Add(-v.skew).After(t) {
				return nil, Check{CheckStatus, CouldNotRun, codeStatusFetch, fmt.Sprintf("The status list %s expired on %s, so the current status is unknown.", where, human(t))}
			}
		}
	}
	list, err := statuslist.Decode(str(subj, "encodedList"))
	if err != nil {
		return bad(codeStatusBadList, sentence(fmt.Sprintf("The status list %s could not be decoded: %s", where, plain(err))))
	}
	if !jwt && v.lists != nil {
		if until, ok := v.keepUntil(doc, now); ok {
			v.lists.put(key, list, now, until)
		}
	}
	return list, Check{}
}
