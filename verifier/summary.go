package verifier

import (
	"fmt"
	"strings"
)

// summaryOf extracts who issued the credential and what it says was
// achieved, for display. Nothing here is trusted unless the report verifies.
func summaryOf(doc map[string]any) (*Issuer, *Subject) {
	var iss *Issuer
	switch t := doc["issuer"].(type) {
	case string:
		iss = &Issuer{ID: t}
	case map[string]any:
		iss = &Issuer{ID: str(t, "id"), Name: langString(t["name"])}
	}
	s := obj(doc, "credentialSubject")
	if s == nil {
		return iss, nil
	}
	sub := &Subject{ID: str(s, "id"), LearnerName: langString(s["name"]), CreditsEarned: numberText(s["creditsEarned"])}
	if sub.LearnerName == "" {
		for _, id := range objects(s["identifier"]) {
			if str(id, "identityType") == "name" && id["hashed"] == false {
				sub.LearnerName = str(id, "identityHash")
				break
			}
		}
	}
	if a := obj(s, "achievement"); a != nil {
		sub.Achievement = langString(a["name"])
		sub.AchievementType = str(a, "achievementType")
		sub.Code = str(a, "humanCode")
		sub.CreditsAvailable = numberText(a["creditsAvailable"])
		sub.Level = nzqcfLevel(a)
	}
	if sub.Achievement == "" {
		sub.Achievement = langString(doc["name"])
	}
	return iss, sub
}

// nzqcfLevel finds the NZQCF level among an achievement's alignments
// (ARCHITECTURE.md: level → an alignment with targetFramework "New Zealand
// Qualifications and Credentials Framework" and the level as targetCode).
func nzqcfLevel(a map[string]any) string {
	for _, al := range objects(a["alignment"]) {
		fw := strings.ToLower(str(al, "targetFramework"))
		if strings.Contains(fw, "nzqcf") || strings.Contains(fw, "qualifications and credentials framework") {
			if c := str(al, "targetCode"); c != "" {
				return c
			}
		}
	}
	return ""
}

// langString returns a plain string, or the first value of a JSON-LD
// language map / value object.
func langString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if s, ok := t["@value"].(string); ok {
			return s
		}
	case []any:
		for _, x := range t {
			if s := langString(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// summarize writes the one-sentence summary of a decided report.
func summarize(r *Report) string {
	what := "This credential"
	if len(r.Credentials) > 0 || strings.HasPrefix(r.Format, "vp") {
		what = "This presentation"
	}
	by := ""
	if r.Issuer != nil {
		switch {
		case r.Issuer.Name != "" && r.Issuer.ID != "":
			by = fmt.Sprintf(" by %s (%s)", r.Issuer.Name, r.Issuer.ID)
		case r.Issuer.ID != "":
			by = " by " + r.Issuer.ID
		}
	}
	switch r.Result {
	case Verified:
		if what == "This presentation" {
			return fmt.Sprintf("This presentation is genuine and every credential in it verified (%d).", len(r.Credentials))
		}
		return fmt.Sprintf("This credential is genuine: it was issued%s and has not been changed since.", by)
	case Revoked:
		return fmt.Sprintf("%s was issued%s, but the issuer has revoked it.", what, by)
	case Suspended:
		return fmt.Sprintf("%s was issued%s, but the issuer has suspended it.", what, by)
	case Expired:
		return fmt.Sprintf("%s was issued%s, but it has expired.", what, by)
	case NotYetValid:
		return fmt.Sprintf("%s was issued%s, but it is not valid yet.", what, by)
	case CouldNotCheck:
		if c := firstWith(r, CouldNotRun); c != nil {
			return fmt.Sprintf("%s could not be fully checked: %s", what, lowerFirst(c.Message))
		}
		return fmt.Sprintf("%s could not be fully checked.", what)
	}
	if c := firstWith(r, Failed); c != nil {
		return fmt.Sprintf("%s could not be verified: %s", what, lowerFirst(c.Message))
	}
	for i := range r.Credentials {
		if r.Credentials[i].Result != Verified {
			return fmt.Sprintf("%s could not be verified: credential %d: %s", what, i+1, lowerFirst(r.Credentials[i].Summary))
		}
	}
	return fmt.Sprintf("%s could not be verified.", what)
}

func firstWith(r *Report, status string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Status == status {
			return &r.Checks[i]
		}
	}
	return nil
}

// lowerFirst lower-cases the first letter unless the sentence starts with
// an acronym or a name-like token.
func lowerFirst(s string) string {
	if len(s) < 2 || strings.ToUpper(s[:2]) == s[:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
