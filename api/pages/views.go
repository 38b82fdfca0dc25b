package pages

import (
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/verifier"
)

// URLs are the links a credential page offers. The route fills them; Page
// and Image must be absolute (https://…) because they go into the QR code,
// LinkedIn and Open Graph tags. Empty links are left off the page.
type URLs struct {
	Page        string // the credential page, /c/{id}: shared, QR-coded, sent to LinkedIn
	JSON        string // the signed credential as JSON-LD (Accept: application/ld+json or ?format=json)
	PNG         string // the baked badge image, PNG
	SVG         string // the baked badge image, SVG
	Image       string // the badge image shown and used for og:image
	Issuer      string // the provider's profile page, /issuers/{slug}
	Achievement string // the achievement page, /achievements/{id}
	Verify      string // the verify page, default "/verify"
	// WalletOffer is a standard wallet hand-off for this credential, such as
	// an OpenID for Verifiable Credential Issuance offer
	// (openid-credential-offer://…). tohu has none yet, so routes leave it
	// empty and the page tells learners to import the JSON file instead.
	WalletOffer string
	// LinkedInOrgID is the provider's LinkedIn company id, when known; it
	// links the certification to the company page instead of a bare name.
	LinkedInOrgID string
}

// Banner is the verification result as the page shows it: colour, icon and
// words together.
type Banner struct {
	Result verifier.Result
	Tone   string // "ok", "bad", "warn" or "info": the CSS modifier and the icon
	Title  template.HTML
	Desc   string
	Checks []CheckView
	// Confirmed: the signature and the provider's key checked out, so the
	// details are the provider's words even when the credential is revoked,
	// suspended or out of date. Otherwise the page warns not to rely on them.
	Confirmed bool
}

// CheckView is one line of the checks list.
type CheckView struct {
	Name        string
	Status      string // passed, failed, could_not_check, skipped
	StatusLabel template.HTML
	Tone        string
	Sentence    string // the plain sentence in the page language
	Detail      string // the verifier's own English message, when it adds something
}

// Tone returns the banner tone of a result.
func toneOf(r verifier.Result) string {
	switch r {
	case verifier.Verified:
		return "ok"
	case verifier.Revoked, verifier.NotVerified:
		return "bad"
	case verifier.Suspended, verifier.Expired, verifier.NotYetValid:
		return "warn"
	}
	return "info"
}

// NewBanner turns a verifier report into the banner in language l. A nil
// report is shown as could_not_check. issuerName names the provider in the
// sentence; empty means the report's issuer name, or "the provider".
func NewBanner(rep *verifier.Report, issuerName string, l Lang) Banner {
	res := verifier.CouldNotCheck
	if rep != nil && rep.Result != "" {
		res = rep.Result
	}
	if issuerName == "" && rep != nil && rep.Issuer != nil {
		issuerName = rep.Issuer.Name
	}
	if issuerName == "" {
		issuerName = T(l, "result.unknownIssuer")
	}
	key := "result." + string(res)
	if _, ok := catalogue[key]; !ok {
		key = "result." + string(verifier.CouldNotCheck)
	}
	b := Banner{Result: res, Tone: toneOf(res), Title: Label(l, key)}
	if strings.Contains(catalogue[key+".desc"].en, "%s") {
		b.Desc = T(l, key+".desc", issuerName)
	} else {
		b.Desc = T(l, key+".desc")
	}
	if rep == nil {
		return b
	}
	for _, c := range rep.Checks {
		b.Checks = append(b.Checks, newCheckView(c, l))
	}
	proof, hasProof := rep.Check(verifier.CheckProof)
	ik, hasKey := rep.Check(verifier.CheckIssuerKey)
	b.Confirmed = hasProof && proof.Status == verifier.Passed && (!hasKey || ik.Status == verifier.Passed)
	return b
}

func newCheckView(c verifier.Check, l Lang) CheckView {
	name := c.ID
	if _, ok := catalogue["checkname."+c.ID]; ok {
		name = T(l, "checkname."+c.ID)
	}
	statusKey := "status." + c.Status
	if _, ok := catalogue[statusKey]; !ok {
		statusKey = "status." + verifier.CouldNotRun
	}
	tone := "info"
	switch c.Status {
	case verifier.Passed:
		tone = "ok"
	case verifier.Failed:
		tone = "bad"
	case verifier.CouldNotRun:
		tone = "warn"
	}
	cv := CheckView{Name: name, Status: c.Status, StatusLabel: Label(l, statusKey), Tone: tone, Sentence: CheckSentence(l, c.Code, c.Message)}
	// The verifier's message is the technical detail: in a te reo Māori page
	// it is the English alongside every sentence; in an English page it is
	// shown only where something went wrong, since it names the field,
	// date or URL at fault and would otherwise repeat the sentence.
	showDetail := l == Mi || c.Status == verifier.Failed || c.Status == verifier.CouldNotRun
	if msg := strings.TrimSpace(c.Message); showDetail && msg != "" && (l == Mi || !repeats(msg, cv.Sentence)) {
		cv.Detail = msg
	}
	return cv
}

// repeats reports whether an English detail only says the sentence again
// in other words: every word of four or more letters in it is already in
// the sentence. A detail that helps names something the sentence cannot (a
// URL, a date, a field), so it has words the sentence lacks.
func repeats(detail, sentence string) bool {
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '/' && r != '.' && r != ':' && r != '-'
		})
	}
	have := map[string]bool{}
	for _, w := range words(sentence) {
		have[strings.Trim(w, ".:-")] = true
	}
	for _, w := range words(detail) {
		if w = strings.Trim(w, ".:-"); len(w) >= 4 && !have[w] {
			return false
		}
	}
	return true
}

// CredentialView is everything the credential page shows. Build it with
// NewCredentialView; the fields are plain so a test or another route can
// fill one by hand.
type CredentialView struct {
	Lang        Lang
	ID          string // the credential id
	Title       string // achievement title (English)
	TitleMi     string // te reo Māori title, when the achievement lists one
	Paragraphs  []string
	Level       string // NZQCF level, "4"
	Credits     string // credits earned (or available), "15"
	Hours       string // Credits × 10, "150"
	Reference   string // NZQA reference (humanCode)
	Outcomes    []string
	Learner     string
	Provider    string
	ProviderURL string // the provider's profile page on tohu, or its website
	Issued      time.Time
	ValidUntil  time.Time
	ImageURL    string
	Banner      Banner
	URLs        URLs
	LinkedIn    string        // LinkedIn add-to-profile URL
	QR          template.HTML // inline SVG of URLs.Page
}

// CreditsText is "15 credits — about 150 hours of learning" in the page
// language.
func creditsText(l Lang, credits, hours string) string {
	if credits == "1" {
		return T(l, "credits.hoursOne")
	}
	return T(l, "credits.hours", credits, hours)
}

// hoursFor multiplies NZQCF credits by 10 notional learning hours.
func hoursFor(credits string) string {
	f, err := strconv.ParseFloat(credits, 64)
	if err != nil || f < 0 {
		return ""
	}
	return strconv.FormatFloat(f*10, 'f', -1, 64)
}

// VerifyView is the verify page: the empty form, a result, or an error.
type VerifyView struct {
	Lang Lang
	URL  string // what was pasted, echoed back into the field
	// Error is a catalogue key under "verify.err.": "empty", "invalid",
	// "fetch", "unsupported" or "tooLarge". Use VerifyErrorKey to pick one
	// from an error.
	Error  string
	Report *verifier.Report
	// Set by NewVerifyView from Report.
	Banner  *Banner
	Subject *verifier.Subject
	Issuer  *verifier.Issuer
	Hours   string
	// Issued and ValidUntil are the credential's dates as it states them
	// (zero when it states none).
	Issued, ValidUntil time.Time
}

// NewVerifyView builds the verify page for a report (nil for the empty form).
func NewVerifyView(rep *verifier.Report, pasted string, l Lang) VerifyView {
	v := VerifyView{Lang: l, URL: pasted, Report: rep}
	if rep == nil {
		return v
	}
	b := NewBanner(rep, "", l)
	v.Banner = &b
	v.Subject, v.Issuer = rep.Subject, rep.Issuer
	if v.Subject != nil {
		v.Hours = hoursFor(firstNonEmpty(v.Subject.CreditsEarned, v.Subject.CreditsAvailable))
	}
	if len(rep.Credential) > 0 {
		if c, err := credential.Parse(withoutStatus(rep.Credential)); err == nil {
			v.Issued, v.ValidUntil = credentialDates(c)
		}
	}
	return v
}

// AchievementView is the public description of one micro-credential, as
// NZQA lists it. The route fills it from the stored achievement.
type AchievementView struct {
	Lang             Lang
	ID               string
	Title            string
	TitleMi          string
	Aim              string
	Level            int
	Credits          int
	Reference        string
	Version          string
	FieldOfStudy     string // "Sales and Marketing (080301)"
	QualityAssurance string // "NZQA" or "Te Hono o Te Kahurangi"
	Developer        string
	Outcomes         []string
	Assessment       string
	EquityTags       []string
	ListedOn         time.Time
	NextReviewOn     time.Time
	ImageURL         string
	PageURL          string // absolute URL of this page, for og:url
	Providers        []ProviderLink
}

// ProviderLink names a provider and links its profile page.
type ProviderLink struct {
	Name string
	URL  string
}

// IssuerView is a provider's public profile.
type IssuerView struct {
	Lang         Lang
	Name         string
	Description  string
	Website      string
	Email        string
	NZQANumber   string
	DID          string
	ImageURL     string
	PageURL      string
	Achievements []AchievementLink
}

// AchievementLink is one approved micro-credential on a provider's page.
type AchievementLink struct {
	Title   string
	TitleMi string
	URL     string
	Level   int
	Credits int
	Ref     string
}

// ErrorView is a plain error page: Kind "not_found" or anything else.
type ErrorView struct {
	Lang Lang
	Kind string
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
