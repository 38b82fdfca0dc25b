package verifier

import (
	"fmt"
	"time"
)

// dateChecks compares validFrom/validUntil (VCDM2 §4.9; issuanceDate and
// expirationDate in VC 1.1) with the clock, allowing the configured skew
// (OB30 Verification step 4).
func (v *Verifier) dateChecks(doc map[string]any, vc1 bool) (from, until Check) {
	fromName, untilName := "validFrom", "validUntil"
	if vc1 {
		fromName, untilName = "issuanceDate", "expirationDate"
	}
	now := v.now()

	from = Check{CheckValidFrom, Skipped, codeValidFromNo, fmt.Sprintf("The credential has no %s.", fromName)}
	if raw, ok := doc[fromName]; ok && raw != nil {
		s, _ := raw.(string)
		t, ok := parseDate(s)
		switch {
		case !ok:
			from = Check{CheckValidFrom, Failed, codeBadDate, fmt.Sprintf("%s is not a date and time with a time zone (such as 2025-03-01T00:00:00Z).", fromName)}
		case now.Add(v.skew).Before(t):
			from = Check{CheckValidFrom, Failed, codeNotYetValid, fmt.Sprintf("The credential is not valid until %s.", human(t))}
		default:
			from = Check{CheckValidFrom, Passed, codeValidFromOK, fmt.Sprintf("Valid from %s.", human(t))}
		}
	}

	until = Check{CheckValidUntil, Passed, codeValidUntilNo, "The credential has no expiry date."}
	if raw, ok := doc[untilName]; ok && raw != nil {
		s, _ := raw.(string)
		t, ok := parseDate(s)
		switch {
		case !ok:
			until = Check{CheckValidUntil, Failed, codeBadDate, fmt.Sprintf("%s is not a date and time with a time zone (such as 2030-03-01T00:00:00Z).", untilName)}
		case now.Add(-v.skew).After(t):
			until = Check{CheckValidUntil, Failed, codeExpired, fmt.Sprintf("The credential expired on %s.", human(t))}
		default:
			until = Check{CheckValidUntil, Passed, codeValidUntilOK, fmt.Sprintf("Valid until %s.", human(t))}
		}
	}
	return from, until
}

// human formats a time for a report sentence.
func human(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2 January 2006")
	}
	return t.Format("2 January 2006 15:04 UTC")
}
