package credential

// This file is the one place where a New Zealand micro-credential, as NZQA
// lists it, becomes an Open Badges 3.0 credential (ARCHITECTURE.md "Mapping
// onto OB 3.0"). The mapping, field by field:
//
//	NZ input                         OB 3.0 credential
//	-------------------------------  ----------------------------------------------------------
//	MicroCredential.ID               credentialSubject.achievement.id
//	Title (English)                  achievement.name and the credential's name
//	TitleMi (te reo Māori title)     achievement.related[] {id: MiID or ID+"#mi", name,
//	                                 inLanguage "mi"}; the achievement itself is inLanguage "en-NZ"
//	NZQAReference                    achievement.humanCode and otherIdentifier
//	                                 {identifierType "ext:NZQAReference"}
//	Version                          achievement.version (and related[].version)
//	Level (NZQCF 1–10)               alignment {targetFramework NZQCFFramework, targetCode "4",
//	                                 targetName "NZQCF Level 4", targetType "ext:NZQCFLevel",
//	                                 targetUrl NZQCFURL}
//	Credits                          achievement.creditsAvailable (a JSON number) and a sentence in
//	                                 achievement.description saying these are NZQCF credits
//	                                 (1 credit = 10 notional learning hours), not US credit hours
//	Description (aim / purpose)      achievement.description (before that sentence)
//	Outcomes                         criteria.narrative (a markdown list) and one alignment per
//	                                 outcome {targetType "ext:LearningOutcome", targetCode "LO1"…,
//	                                 targetUrl criteria URL (or achievement id) + "#outcome-N"}
//	AssessmentNarrative              criteria.narrative, after the outcomes
//	CriteriaURL                      criteria.id
//	FieldOfStudy {NZSCED code, name} achievement.fieldOfStudy (the name) and alignment
//	                                 {targetFramework "NZSCED", targetCode the six digits,
//	                                 targetType "ext:NZSCEDField", targetUrl NZSCEDURL}
//	Developer (e.g. a WDC)           achievement.creator (a Profile; not necessarily the issuer)
//	QualityAssurance                 alignment {targetType "ext:QualityAssurance", targetCode
//	                                 "NZQA" or "Te Hono o Te Kahurangi", targetUrl of that route}
//	EquityTags                       achievement.tag
//	Image                            achievement.image
//	Grades (optional scale)          resultDescription "#grade" (PerformanceLevel, allowedValue)
//	(always)                         resultDescription "#status" (resultType Status)
//	Learner.DID                      credentialSubject.id
//	Learner.Email                    credentialSubject.identifier[] emailAddress IdentityObject,
//	                                 hashed sha256 with Learner.Salt (or a fresh random salt)
//	Learner.Name                     credentialSubject.identifier[] IdentityObject of
//	                                 identityType "name", hashed false — OB 3.0 defines no
//	                                 name on AchievementSubject, and this is where its data
//	                                 model carries a recipient's name
//	(NSN)                            never: the National Student Number is kept for NZQA
//	                                 reporting outside the credential, so Learner has no field
//	AwardResult.ID                   the credential id (urn:uuid:… or a URL)
//	AwardResult.Status / Grade       credentialSubject.result[] (status; value)
//	AwardResult.CreditsEarned        credentialSubject.creditsEarned (defaults to Credits)
//	AwardResult.CompletedAt          awardedDate
//	AwardResult.ValidUntil           validUntil
//	AwardResult.Evidence             evidence[]
//	issuer Profile                   issuer (its NZQA provider number as an otherIdentifier,
//	                                 see NZQAProviderIdentifier)
//	issue time (the clock)           validFrom, UTC, whole seconds, "Z" form
//
// The @context is VC 2.0, OB 3.0.3 and the OB extensions context, because
// the credential carries credentialSchema of type 1EdTechJsonSchemaValidator2019,
// a term only the extensions context defines. Every string is NFC-normalised
// and the result is validated against the OB 3.0 AchievementCredential
// schema before it is returned.

import (
	"cmp"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/errs"
)

// Framework names and the stable public pages alignments point at.
const (
	NZQCFFramework = "New Zealand Qualifications and Credentials Framework"
	// NZQCFURL is NZQA's page describing the framework and its ten levels.
	NZQCFURL = "https://www.nzqa.govt.nz/qualifications-and-standards/about-nzqcf/"

	NZSCEDFramework = "NZSCED"
	// NZSCEDURL is the Ministry of Education (Education Counts) page for the
	// New Zealand Standard Classification of Education code set.
	NZSCEDURL = "https://www.educationcounts.govt.nz/data-services/code-sets-and-classifications/new_zealand_standard_classification_of_education_nzsced"

	QualityAssuranceFramework = "New Zealand micro-credential quality assurance"
	QANZQA                    = "NZQA"
	QATeHono                  = "Te Hono o Te Kahurangi"
	// QANZQAURL and QATeHonoURL describe the two quality-assurance routes:
	// NZQA's micro-credential approval, and Te Hono o Te Kahurangi, NZQA's
	// kaupapa Māori quality assurance.
	QANZQAURL   = "https://www.nzqa.govt.nz/providers-partners/approval-accreditation-and-registration/micro-credentials/"
	QATeHonoURL = "https://www.nzqa.govt.nz/maori-and-pasifika/te-hono-o-te-kahurangi/"

	// AchievementTypeMicroCredential is OB 3.0's achievementType for
	// micro-credentials (AchievementType enumeration).
	AchievementTypeMicroCredential = "MicroCredential"

	// IdentifierTypeNZQAReference and IdentifierTypeNZQAProvider are "ext:"
	// identifier types (the OB schema allows the enum or "ext:" names).
	IdentifierTypeNZQAReference = "ext:NZQAReference"
	IdentifierTypeNZQAProvider  = "ext:NZQAProviderNumber"
)

// FieldOfStudy is a six-digit NZSCED field of study.
type FieldOfStudy struct {
	Code string `json:"code"` // six digits, e.g. "080301"
	Name string `json:"name"` // e.g. "Sales and Marketing"
}

// MicroCredential is one micro-credential as NZQA lists it. Error fields name
// its members at the root ("/level", "/outcomes/2").
type MicroCredential struct {
	ID                  string       `json:"id"`      // achievement URL (or urn:uuid)
	Title               string       `json:"title"`   // English title
	TitleMi             string       `json:"titleMi"` // te reo Māori title, when listed
	MiID                string       `json:"miId"`    // id of the te reo edition; default ID+"#mi"
	NZQAReference       string       `json:"nzqaReference"`
	Version             string       `json:"version"`
	Level               int          `json:"level"`   // NZQCF level
	Credits             int          `json:"credits"` // NZQCF credits
	Description         string       `json:"description"`
	Outcomes            []string     `json:"outcomes"`
	AssessmentNarrative string       `json:"assessmentNarrative"`
	CriteriaURL         string       `json:"criteriaUrl"`
	FieldOfStudy        FieldOfStudy `json:"fieldOfStudy"`
	Developer           *Profile     `json:"developer"`
	QualityAssurance    string       `json:"qualityAssurance"` // QANZQA (default) or QATeHono
	EquityTags          []string     `json:"equityTags"`
	Image               *Image       `json:"image"`
	Grades              []string     `json:"grades"` // optional grade scale, low to high
}

// Learner is who achieved it. Error fields are under "/learner". There is
// deliberately no National Student Number: it never goes in a credential.
type Learner struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	DID   string `json:"did"`
	Salt  string `json:"salt"` // for the email hash; a fresh random salt when empty
}

// EvidenceLink is one piece of evidence for an award.
type EvidenceLink struct {
	ID          string `json:"id"` // URL
	Name        string `json:"name"`
	Description string `json:"description"`
}

// AwardResult is the learner's result. Error fields are under "/result".
type AwardResult struct {
	ID            string         `json:"id"`            // the credential id: urn:uuid:… or a URL
	Status        string         `json:"status"`        // OB ResultStatusType; default "Completed"
	Grade         string         `json:"grade"`         // optional; one of MicroCredential.Grades when those are set
	CreditsEarned int            `json:"creditsEarned"` // default: all the credits
	CompletedAt   time.Time      `json:"completedAt"`   // → awardedDate, when set
	ValidUntil    time.Time      `json:"validUntil"`    // → validUntil, when set
	Evidence      []EvidenceLink `json:"evidence"`
}

// Bounds are the accepted NZQCF level and credit ranges. Error fields for
// bad bounds are under "/bounds".
type Bounds struct {
	MinLevel, MaxLevel     int
	MinCredits, MaxCredits int
}

// DefaultBounds are NZQCF levels 1–10 and 1–40 credits, what NZQA lists now
// (the 2019 consultation proposed 5–40; a provider can configure that).
func DefaultBounds() Bounds { return Bounds{MinLevel: 1, MaxLevel: 10, MinCredits: 1, MaxCredits: 40} }

// NZQAProviderIdentifier is the otherIdentifier entry for an issuer's NZQA
// provider number.
func NZQAProviderIdentifier(number string) IdentifierEntry {
	return IdentifierEntry{Type: TypeOf("IdentifierEntry"), Identifier: number, IdentifierType: IdentifierTypeNZQAProvider}
}

// AwardOption adjusts BuildAward.
type AwardOption func(*awardConfig)

type awardConfig struct {
	now    func() time.Time
	status *BitstringStatusListEntry
	cohort *Cohort
}

// WithClock sets the issue time source (default time.Now).
func WithClock(now func() time.Time) AwardOption { return func(c *awardConfig) { c.now = now } }

// WithStatus adds a credentialStatus entry (its type defaults to
// BitstringStatusListEntry, which the VC 2.0 context defines).
func WithStatus(s BitstringStatusListEntry) AwardOption {
	return func(c *awardConfig) {
		if s.Type.IsZero() {
			s.Type = TypeOf("BitstringStatusListEntry")
		}
		c.status = &s
	}
}

var (
	nzscedCode = regexp.MustCompile(`^[0-9]{6}$`)
	// resultStatuses is OB 3.0's ResultStatusType enumeration.
	resultStatuses = []string{"Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"}
)

// BuildAward maps a micro-credential and one learner's result to an unsigned
// OB 3.0 OpenBadgeCredential issued by issuer at the clock's time.
//
// Errors are *errs.Error with code Invalid. Field is a JSON pointer into the
// input ("/level", "/learner", "/result/creditsEarned", "/issuer/id",
// "/bounds") for a bad input, or into the credential when the result fails
// the OB 3.0 schema (a malformed value the checks here let through, e.g. a
// bad URL in a developer profile's image); the schema error is then the
// cause, listing every violation.
func BuildAward(mc MicroCredential, learner Learner, res AwardResult, issuer Profile, b Bounds, opts ...AwardOption) (*Credential, error) {
	raw, err := BuildAwardJSON(mc, learner, res, issuer, b, opts...)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// BuildAwardJSON is BuildAward returning the credential already encoded:
// exactly the bytes Marshal(BuildAward(...)) gives, with the same checks
// (NFC, the OB 3.0 schema), without decoding and encoding it once more. The
// issuer signs these bytes.
func BuildAwardJSON(mc MicroCredential, learner Learner, res AwardResult, issuer Profile, b Bounds, opts ...AwardOption) ([]byte, error) {
	raw, _, err := BuildAwardDoc(mc, learner, res, issuer, b, opts...)
	return raw, err
}

// BuildAwardDoc is BuildAwardJSON that also returns the credential as the
// checks decoded it (encoding/json with UseNumber), for a signer that would
// otherwise decode the same bytes again (dataintegrity.SignDecoded). doc is
// nil when the bytes were re-encoded after the decoding (a string that was
// not NFC); the caller must not change doc.
func BuildAwardDoc(mc MicroCredential, learner Learner, res AwardResult, issuer Profile, b Bounds, opts ...AwardOption) (raw []byte, doc map[string]any, err error) {
	c, err := awardCredential(mc, learner, res, issuer, b, opts...)
	if err != nil {
		return nil, nil, err
	}
	return finishAward(c, newAwardConfig(opts).cohort)
}

// newAwardConfig is the configuration opts give (the issue time from
// time.Now unless WithClock).
func newAwardConfig(opts []AwardOption) awardConfig {
	cfg := awardConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// awardCredential checks the award and maps it onto the model, before
// finishAward encodes and checks the result.
func awardCredential(mc MicroCredential, learner Learner, res AwardResult, issuer Profile, b Bounds, opts ...AwardOption) (*Credential, error) {
	cfg := newAwardConfig(opts)
	now := cfg.now().UTC().Truncate(time.Second)
	if err := checkAward(mc, learner, res, issuer, b, now); err != nil {
		return nil, err
	}

	earned := res.CreditsEarned
	if earned == 0 {
		earned = mc.Credits
	}
	status := res.Status
	if status == "" {
		status = "Completed"
	}

	grade := len(mc.Grades) > 0 || res.Grade != ""
	build := func() *Achievement { return achievementOf(mc, grade) }
	var ach *Achievement
	if cfg.cohort != nil {
		ach = cfg.cohort.modelOf(mc, grade, build)
	} else {
		ach = build()
	}
	statusRD, gradeRD := resultDescriptionIDs(mc)
	results := []Result{{Type: TypesOf("Result"), ResultDescription: statusRD, Status: status}}
	if res.Grade != "" {
		results = append(results, Result{Type: TypesOf("Result"), ResultDescription: gradeRD, Value: res.Grade})
	}
	subj := AchievementSubject{
		ID:            learner.DID,
		Type:          TypesOf("AchievementSubject"),
		CreditsEarned: Int(earned),
		Achievement:   ach,
		Result:        results,
	}
	if learner.Email != "" {
		salt := learner.Salt
		if salt == "" {
			salt = NewSalt()
		}
		subj.Identifier = append(subj.Identifier, NewEmailIdentity(learner.Email, salt))
	}
	if strings.TrimSpace(learner.Name) != "" {
		subj.Identifier = append(subj.Identifier, NewNameIdentity(strings.TrimSpace(learner.Name)))
	}

	iss := issuer
	if iss.Type.IsZero() {
		iss.Type = TypesOf("Profile")
	}
	c := &Credential{
		Context:           OBContexts(true),
		ID:                res.ID,
		Type:              TypesOf(TypeVerifiableCredential, TypeOpenBadgeCredential),
		Name:              mc.Title,
		Issuer:            &iss,
		ValidFrom:         now.Format(time.RFC3339),
		CredentialSubject: subj,
		CredentialSchema:  Many(CredentialSchema{ID: AchievementCredentialSchemaURL, Type: TypeOf(SchemaValidatorType)}),
		CredentialStatus:  cfg.status,
	}
	if !res.CompletedAt.IsZero() {
		c.AwardedDate = res.CompletedAt.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	if !res.ValidUntil.IsZero() {
		c.ValidUntil = res.ValidUntil.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	for _, e := range res.Evidence {
		c.Evidence = append(c.Evidence, Evidence{ID: e.ID, Type: TypesOf("Evidence"), Name: e.Name, Description: e.Description})
	}
	return c, nil
}

// achievementOf is the Achievement of an award of mc: the part every award
// of the micro-credential shares. grade: the award has a grade scale or a
// grade (a grade result description is included).
func achievementOf(mc MicroCredential, grade bool) *Achievement {
	ach := &Achievement{
		ID:               mc.ID,
		Type:             TypesOf("Achievement"),
		AchievementType:  AchievementTypeMicroCredential,
		Name:             mc.Title,
		Description:      strings.TrimSpace(mc.Description) + "\n\n" + creditsSentence(mc.Level, mc.Credits),
		Criteria:         &Criteria{ID: mc.CriteriaURL, Narrative: criteriaNarrative(mc)},
		Image:            imageCopy(mc.Image),
		CreditsAvailable: Int(mc.Credits),
		FieldOfStudy:     cmp.Or(mc.FieldOfStudy.Name, "NZSCED "+mc.FieldOfStudy.Code),
		HumanCode:        mc.NZQAReference,
		Version:          mc.Version,
		InLanguage:       "en-NZ",
		Tag:              slices.Clone(mc.EquityTags),
		Alignment:        alignments(mc),
		OtherIdentifier: []IdentifierEntry{{
			Type: TypeOf("IdentifierEntry"), Identifier: mc.NZQAReference, IdentifierType: IdentifierTypeNZQAReference,
		}},
	}
	if mc.Developer != nil {
		dev := *mc.Developer
		if dev.Type.IsZero() {
			dev.Type = TypesOf("Profile")
		}
		ach.Creator = &dev
	}
	if mc.TitleMi != "" {
		ach.Related = []Related{{
			ID: cmp.Or(mc.MiID, mc.ID+"#mi"), Type: TypesOf("Related"), Name: mc.TitleMi, InLanguage: "mi", Version: mc.Version,
		}}
	}
	// Results: a Status result always (OB: status needs a resultDescription
	// of resultType Status), and a grade when one is given.
	statusRD, gradeRD := resultDescriptionIDs(mc)
	ach.ResultDescription = []ResultDescription{{ID: statusRD, Type: TypesOf("ResultDescription"), Name: "Completion status", ResultType: "Status"}}
	if grade {
		ach.ResultDescription = append(ach.ResultDescription, ResultDescription{
			ID: gradeRD, Type: TypesOf("ResultDescription"), Name: "Grade", ResultType: "PerformanceLevel", AllowedValue: slices.Clone(mc.Grades),
		})
	}
	return ach
}

// resultDescriptionIDs are the ids of mc's result descriptions, which an
// award's results name: completion status and grade.
func resultDescriptionIDs(mc MicroCredential) (status, grade string) {
	return mc.ID + "#status", mc.ID + "#grade"
}

// finishAward NFC-normalises every string (ARCHITECTURE: macrons must
// survive every verifier), validates against the OB 3.0 schema and returns
// the encoded credential.
//
// The credential's decoded form is made once, and that one value is both
// checked for NFC and validated. When every string and member name is
// already NFC (the usual case: inputs are normalised when stored),
// normalising would change no string, so the encoding is returned as it
// is; the model round-trips
// (Marshal(Parse(b)) == b for what the builder encodes, tested), so these
// are the bytes the slower path below gives. Otherwise the document is
// normalised, validated, and re-encoded through the typed model as before.
func finishAward(c *Credential, cohort *Cohort) ([]byte, map[string]any, error) {
	// The decoded value comes from the same pass as the bytes (the decoding
	// of them, without parsing them back), unless a string is not UTF-8.
	raw, v, span, ok := encodeValue(c, true, cohort)
	if !ok {
		var err error
		if raw, err = Marshal(c); err != nil {
			return nil, nil, err
		}
		if v, err = decodeInstance(raw); err != nil {
			return nil, nil, err
		}
	}
	// The cohort's Achievement object (span.shared) is one a whole award
	// passed these checks with; it is not walked again.
	var shared map[string]any
	if ok && span.n == 1 && span.shared {
		if m, isMap := v.(map[string]any); isMap {
			_, shared, _ = awardAchievement(m)
		}
	}
	if isNFCExcept(v, shared) {
		var ach []byte // the award's one Achievement, as encoded
		if ok && span.n == 1 {
			ach = raw[span.start:span.end]
		}
		if err := validateAchievementCredential(v, ach, shared != nil); err != nil {
			return nil, nil, err
		}
		doc, _ := v.(map[string]any) // a Credential encodes as an object
		if cohort != nil && doc != nil {
			cohort.share(doc, ach)
		}
		return raw, doc, nil
	}
	raw, err := NormalizeJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	if err := ValidateSchema(raw); err != nil {
		return nil, nil, err
	}
	nc, err := Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	raw, err = Marshal(nc)
	return raw, nil, err
}

// isNFC reports whether every string and member name in v (a decoded JSON
// value) is in Unicode Normalization Form C, so NFC(v) would equal v.
func isNFC(v any) bool { return isNFCExcept(v, nil) }

// isNFCExcept is isNFC, not looking into the object skip (nil: none),
// known to be NFC.
func isNFCExcept(v any, skip map[string]any) bool {
	switch t := v.(type) {
	case string:
		return isNFCString(t)
	case map[string]any:
		if skip != nil && sameObject(t, skip) {
			return true
		}
		for k, e := range t {
			if !isNFCString(k) || !isNFCExcept(e, skip) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !isNFCExcept(e, skip) {
				return false
			}
		}
	}
	return true
}

// sameObject reports whether a and b are the same map (not equal ones).
func sameObject(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// isNFCString is norm.NFC.IsNormalString, answering ASCII at once: every
// ASCII character is NFC-stable (quick check Yes, combining class 0), and
// most strings and every member name of a credential are ASCII (the call
// itself allocates).
func isNFCString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return norm.NFC.IsNormalString(s)
		}
	}
	return true
}

func creditsSentence(level, credits int) string {
	return fmt.Sprintf("This micro-credential is worth %d credits at level %d of the %s (NZQCF). "+
		"These are NZQCF credits: one credit is 10 notional learning hours, so %d credits are about %d hours of learning. "+
		"They are not US semester or quarter credit hours.",
		credits, level, NZQCFFramework, credits, credits*10)
}

// criteriaNarrative writes the outcomes as a markdown list, then the
// assessment narrative (OB Criteria.narrative is markdown).
func criteriaNarrative(mc MicroCredential) string {
	var sb strings.Builder
	sb.WriteString("## Learning outcomes\n\nA learner awarded this micro-credential is able to:\n\n")
	for _, o := range mc.Outcomes {
		sb.WriteString("- " + strings.TrimSpace(o) + "\n")
	}
	if n := strings.TrimSpace(mc.AssessmentNarrative); n != "" {
		sb.WriteString("\n## Assessment\n\n" + n + "\n")
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

func alignments(mc MicroCredential) []Alignment {
	a := []Alignment{{
		Type:              TypesOf("Alignment"),
		TargetName:        "NZQCF Level " + strconv.Itoa(mc.Level),
		TargetURL:         NZQCFURL,
		TargetDescription: fmt.Sprintf("Level %d of the %s.", mc.Level, NZQCFFramework),
		TargetFramework:   NZQCFFramework,
		TargetCode:        strconv.Itoa(mc.Level),
		TargetType:        "ext:NZQCFLevel",
	}, {
		Type:            TypesOf("Alignment"),
		TargetName:      cmp.Or(mc.FieldOfStudy.Name, "NZSCED "+mc.FieldOfStudy.Code),
		TargetURL:       NZSCEDURL,
		TargetFramework: NZSCEDFramework,
		TargetCode:      mc.FieldOfStudy.Code,
		TargetType:      "ext:NZSCEDField",
	}}
	qa, qaURL := QANZQA, QANZQAURL
	if mc.QualityAssurance == QATeHono {
		qa, qaURL = QATeHono, QATeHonoURL
	}
	a = append(a, Alignment{
		Type:            TypesOf("Alignment"),
		TargetName:      "Quality assured by " + qa,
		TargetURL:       qaURL,
		TargetFramework: QualityAssuranceFramework,
		TargetCode:      qa,
		TargetType:      "ext:QualityAssurance",
	})
	base := cmp.Or(mc.CriteriaURL, mc.ID)
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	for i, o := range mc.Outcomes {
		a = append(a, Alignment{
			Type:            TypesOf("Alignment"),
			TargetName:      strings.TrimSpace(o),
			TargetURL:       fmt.Sprintf("%s#outcome-%d", base, i+1),
			TargetFramework: mc.Title + " learning outcomes",
			TargetCode:      fmt.Sprintf("LO%d", i+1),
			TargetType:      "ext:LearningOutcome",
		})
	}
	return a
}

// checkAward applies the NZ rules; the first problem found is returned.
func checkAward(mc MicroCredential, l Learner, r AwardResult, iss Profile, b Bounds, now time.Time) error {
	if b.MinLevel < 1 || b.MaxLevel > 10 || b.MinLevel > b.MaxLevel {
		return errs.F(errs.Invalid, "/bounds", "level bounds must lie within NZQCF levels 1–10, got %d–%d", b.MinLevel, b.MaxLevel)
	}
	if b.MinCredits < 1 || b.MinCredits > b.MaxCredits {
		return errs.F(errs.Invalid, "/bounds", "credit bounds must be positive and ordered, got %d–%d", b.MinCredits, b.MaxCredits)
	}
	switch {
	case !isURI(mc.ID):
		return errs.F(errs.Invalid, "/id", "the micro-credential id must be an absolute URL or URN, got %q", mc.ID)
	case blank(mc.Title):
		return errs.F(errs.Invalid, "/title", "the micro-credential title is required")
	case blank(mc.NZQAReference):
		return errs.F(errs.Invalid, "/nzqaReference", "the NZQA reference is required")
	case mc.Level < b.MinLevel || mc.Level > b.MaxLevel:
		return errs.F(errs.Invalid, "/level", "NZQCF level must be %d–%d, got %d", b.MinLevel, b.MaxLevel, mc.Level)
	case mc.Credits < b.MinCredits || mc.Credits > b.MaxCredits:
		return errs.F(errs.Invalid, "/credits", "credits must be %d–%d, got %d", b.MinCredits, b.MaxCredits, mc.Credits)
	case blank(mc.Description):
		return errs.F(errs.Invalid, "/description", "the micro-credential description (its aim) is required")
	case len(mc.Outcomes) == 0:
		return errs.F(errs.Invalid, "/outcomes", "at least one learning outcome is required")
	case !nzscedCode.MatchString(mc.FieldOfStudy.Code):
		return errs.F(errs.Invalid, "/fieldOfStudy/code", "the NZSCED field of study must be six digits, got %q", mc.FieldOfStudy.Code)
	case mc.QualityAssurance != "" && mc.QualityAssurance != QANZQA && mc.QualityAssurance != QATeHono:
		return errs.F(errs.Invalid, "/qualityAssurance", "quality assurance must be %q or %q, got %q", QANZQA, QATeHono, mc.QualityAssurance)
	case mc.CriteriaURL != "" && !isURI(mc.CriteriaURL):
		return errs.F(errs.Invalid, "/criteriaUrl", "the criteria URL must be an absolute URL, got %q", mc.CriteriaURL)
	case mc.MiID != "" && !isURI(mc.MiID):
		return errs.F(errs.Invalid, "/miId", "the te reo Māori edition id must be an absolute URL or URN, got %q", mc.MiID)
	case mc.Image != nil && !isURI(mc.Image.ID):
		return errs.F(errs.Invalid, "/image/id", "the image must be a URL or data: URI")
	}
	for i, o := range mc.Outcomes {
		if blank(o) {
			return errs.F(errs.Invalid, "/outcomes/"+strconv.Itoa(i), "a learning outcome cannot be empty")
		}
	}
	for i, t := range mc.EquityTags {
		if blank(t) {
			return errs.F(errs.Invalid, "/equityTags/"+strconv.Itoa(i), "an equity tag cannot be empty")
		}
	}
	if err := checkProfile(mc.Developer, "/developer"); err != nil {
		return err
	}
	if err := checkProfile(&iss, "/issuer"); err != nil {
		return err
	}

	switch {
	case l.DID == "" && blank(l.Email):
		return errs.F(errs.Invalid, "/learner", "the learner needs a DID or an email address (OB 3.0 requires a recipient)")
	case l.DID != "" && (!strings.HasPrefix(l.DID, "did:") || !isURI(l.DID)):
		return errs.F(errs.Invalid, "/learner/did", "the learner's DID must start with \"did:\", got %q", l.DID)
	case !blank(l.Email) && !strings.Contains(strings.Trim(l.Email, " @"), "@"):
		return errs.F(errs.Invalid, "/learner/email", "the learner's email address is not valid")
	}

	switch {
	case !isURI(r.ID):
		return errs.F(errs.Invalid, "/result/id", "the award id must be a urn:uuid: or an absolute URL, got %q", r.ID)
	case r.Status != "" && !slices.Contains(resultStatuses, r.Status):
		return errs.F(errs.Invalid, "/result/status", "result status must be one of %s, got %q", strings.Join(resultStatuses, ", "), r.Status)
	case r.Grade != "" && len(mc.Grades) > 0 && !slices.Contains(mc.Grades, r.Grade):
		return errs.F(errs.Invalid, "/result/grade", "grade %q is not on this micro-credential's scale (%s)", r.Grade, strings.Join(mc.Grades, ", "))
	case r.CreditsEarned < 0:
		return errs.F(errs.Invalid, "/result/creditsEarned", "credits earned cannot be negative, got %d", r.CreditsEarned)
	case r.CreditsEarned > mc.Credits:
		return errs.F(errs.Invalid, "/result/creditsEarned", "credits earned (%d) cannot exceed the micro-credential's %d credits", r.CreditsEarned, mc.Credits)
	case !r.CompletedAt.IsZero() && r.CompletedAt.After(now):
		return errs.F(errs.Invalid, "/result/completedAt", "the completion date is in the future")
	case !r.ValidUntil.IsZero() && !r.ValidUntil.After(now):
		return errs.F(errs.Invalid, "/result/validUntil", "validUntil must be after the issue time")
	}
	for i, e := range r.Evidence {
		if !isURI(e.ID) {
			return errs.F(errs.Invalid, "/result/evidence/"+strconv.Itoa(i)+"/id", "evidence must be an absolute URL, got %q", e.ID)
		}
	}
	return nil
}

func checkProfile(p *Profile, at string) error {
	if p == nil {
		return nil
	}
	switch {
	case !isURI(p.ID):
		return errs.F(errs.Invalid, at+"/id", "the profile id must be an absolute URL or DID, got %q", p.ID)
	case blank(p.Name):
		return errs.F(errs.Invalid, at+"/name", "the profile name is required")
	case !p.Type.IsZero() && !p.Type.Has("Profile"):
		return errs.F(errs.Invalid, at+"/type", "the profile type must include \"Profile\"")
	}
	return nil
}

// isURI accepts absolute URIs: http(s) URLs with a host, and other schemes
// (urn:, did:, data:) with something after the colon.
func isURI(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return u.Host != ""
	}
	return u.Opaque != "" || u.Path != ""
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func imageCopy(i *Image) *Image {
	if i == nil {
		return nil
	}
	c := *i
	if c.Type.IsZero() {
		c.Type = TypeOf("Image")
	}
	return &c
}
