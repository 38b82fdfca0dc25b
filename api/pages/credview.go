package pages

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/verifier"
)

// NewCredentialView reads what the credential page shows from a stored OB
// 3.0 credential (the JSON as issued) and the verifier's report on it,
// following the mapping in credential/nzmap.go:
//
//   - title: achievement.name; te reo Māori title: achievement.related[]
//     with inLanguage "mi"
//   - level: the alignment whose targetFramework is the NZQCF
//   - credits: credentialSubject.creditsEarned, else achievement.creditsAvailable
//   - outcomes: the ext:LearningOutcome alignments, else the list items of
//     criteria.narrative
//   - learner: the un-hashed "name" IdentityObject
//   - issued: validFrom (issuanceDate for VC 1.1, then awardedDate)
//
// Errors: errs.Invalid when credJSON is not a credential.
func NewCredentialView(credJSON []byte, report *verifier.Report, urls URLs, lang Lang) (CredentialView, error) {
	c, err := credential.Parse(withoutStatus(credJSON))
	if err != nil {
		return CredentialView{}, errs.Wrap(err, errs.Invalid, "the stored credential cannot be read")
	}
	v := CredentialView{Lang: lang, ID: c.ID, URLs: urls, Title: c.Name}
	if v.URLs.Verify == "" {
		v.URLs.Verify = "/verify"
	}
	subj := c.CredentialSubject
	a := subj.Achievement
	if a != nil {
		v.Title = firstNonEmpty(a.Name, c.Name)
		for _, r := range a.Related {
			if l, ok := parseLang(r.InLanguage); ok && l == Mi && r.Name != "" {
				v.TitleMi = r.Name
				break
			}
		}
		v.Level = nzqcfLevel(a.Alignment)
		v.Reference = a.HumanCode
		v.Paragraphs = paragraphs(a.Description)
		v.Outcomes = outcomes(a)
		if a.Image != nil {
			v.ImageURL = a.Image.ID
		}
	}
	v.Credits = subj.CreditsEarned.String()
	if v.Credits == "" && a != nil {
		v.Credits = a.CreditsAvailable.String()
	}
	v.Hours = hoursFor(v.Credits)
	v.Learner = learnerName(subj)
	if c.Issuer != nil {
		v.Provider = c.Issuer.Name
		v.ProviderURL = c.Issuer.URL
	}
	if v.Provider == "" && report != nil && report.Issuer != nil {
		v.Provider = report.Issuer.Name
	}
	if urls.Issuer != "" {
		v.ProviderURL = urls.Issuer
	}
	v.Issued, v.ValidUntil = credentialDates(c)
	if urls.Image != "" {
		v.ImageURL = urls.Image
	} else if c.Image != nil && v.ImageURL == "" {
		v.ImageURL = c.Image.ID
	}
	v.Banner = NewBanner(report, v.Provider, lang)
	v.LinkedIn = LinkedInCert{
		Name:             v.Title,
		OrganizationName: v.Provider,
		OrganizationID:   urls.LinkedInOrgID,
		Issued:           v.Issued,
		Expires:          v.ValidUntil,
		CertURL:          urls.Page,
		CertID:           c.ID,
	}.URL()
	if urls.Page != "" {
		qr, err := QRSVG(urls.Page, T(lang, "cred.qrAlt"))
		if err != nil {
			return CredentialView{}, errs.Wrap(err, errs.Invalid, "the page link cannot be drawn as a QR code")
		}
		v.QR = qr
	}
	return v, nil
}

// credentialDates are the dates a credential states: issued (validFrom, or
// issuanceDate for VC 1.1, then awardedDate) and valid until.
func credentialDates(c *credential.Credential) (issued, until time.Time) {
	return parseTime(firstNonEmpty(c.ValidFrom, c.IssuanceDate, c.AwardedDate)), parseTime(firstNonEmpty(c.ValidUntil, c.ExpirationDate))
}

// nzqcfLevel finds the level among alignments: the NZQCF framework name or
// the ext:NZQCFLevel target type.
func nzqcfLevel(as []credential.Alignment) string {
	for _, al := range as {
		fw := strings.ToLower(al.TargetFramework)
		if al.TargetType == "ext:NZQCFLevel" || fw == strings.ToLower(credential.NZQCFFramework) || strings.Contains(fw, "nzqcf") {
			if al.TargetCode != "" {
				return al.TargetCode
			}
		}
	}
	return ""
}

// outcomes lists the learning outcomes: one ext:LearningOutcome alignment
// each, or failing those, the "- " items of the criteria narrative's
// first list.
func outcomes(a *credential.Achievement) []string {
	var out []string
	for _, al := range a.Alignment {
		if al.TargetType == "ext:LearningOutcome" && strings.TrimSpace(al.TargetName) != "" {
			out = append(out, strings.TrimSpace(al.TargetName))
		}
	}
	if len(out) > 0 || a.Criteria == nil {
		return out
	}
	inList := false
	for _, line := range strings.Split(a.Criteria.Narrative, "\n") {
		line = strings.TrimSpace(line)
		item, ok := strings.CutPrefix(line, "- ")
		if !ok {
			item, ok = strings.CutPrefix(line, "* ")
		}
		switch {
		case ok:
			out = append(out, strings.TrimSpace(item))
			inList = true
		case inList && line != "":
			return out
		}
	}
	return out
}

// creditsParagraph starts the sentence credential.BuildAward appends to every
// achievement description; the page states credits in its own words, so the
// paragraph is not repeated.
const creditsParagraph = "This micro-credential is worth "

// paragraphs splits a description on blank lines.
func paragraphs(desc string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(desc, "\r\n", "\n"), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, creditsParagraph) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// learnerName is the name an OB 3.0 credential gives its subject: a
// "name" member when present, else the un-hashed name IdentityObject.
func learnerName(s credential.AchievementSubject) string {
	if raw, ok := s.Extra["name"]; ok {
		var n string
		if json.Unmarshal(raw, &n) == nil && strings.TrimSpace(n) != "" {
			return strings.TrimSpace(n)
		}
	}
	for _, id := range s.Identifier {
		if id.IdentityType == credential.IdentityTypeName && !id.Hashed && strings.TrimSpace(id.IdentityHash) != "" {
			return strings.TrimSpace(id.IdentityHash)
		}
	}
	return ""
}

// VerifyErrorKey names the verify page's error message for an error from
// reading or fetching the input: Unavailable → "fetch", Unsupported →
// "unsupported", anything else → "invalid".
func VerifyErrorKey(err error) string {
	switch errs.ErrorCode(err) {
	case errs.Unavailable:
		return "fetch"
	case errs.Unsupported:
		return "unsupported"
	}
	return "invalid"
}

// withoutStatus drops credentialStatus, which the view does not show (the
// verification report says whether the credential is revoked or
// suspended). credential.Parse models it as one entry, but VC 2.0 §4.10
// allows a set, and tohu itself issues two entries (revocation and
// suspension, issuer.StatusModeBoth): such a credential must still have a
// page and badges.
func withoutStatus(credJSON []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(credJSON, &m) != nil {
		return credJSON // Parse reports the error
	}
	if _, ok := m["credentialStatus"]; !ok {
		return credJSON
	}
	delete(m, "credentialStatus")
	b, err := json.Marshal(m)
	if err != nil {
		return credJSON
	}
	return b
}
