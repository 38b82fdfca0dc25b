package issuer

import "time"

// Provider is an issuing organisation (a PTE, polytechnic, university or
// Workforce Development Council) and its issuer identity.
type Provider struct {
	ID                       string
	Slug                     string // URL-safe, unique; did:web:<host>:issuers:<slug>
	Name                     string
	URL                      string
	Email                    string
	NZQAProviderNumber       string
	ImageURL                 string
	DIDMethod                string // DIDMethodWeb or DIDMethodKey
	DID                      string
	JWTAlgorithm             string // "RS256" or "ES256" (did:web); "EdDSA" for did:key providers
	RequireTwoPersonApproval bool   // the approver of an award must not be the key that created it
	StatusMode               string // StatusModeRevocation (default) or StatusModeBoth
	CreatedAt                time.Time
}

// Status modes: which credentialStatus entries an award's credential
// carries. Both lists (revocation and suspension) are kept either way.
//
// The OB 3.0 AchievementCredential JSON Schema allows ONE credentialStatus
// object, so the default writes only the revocation entry and the
// credential stays schema-valid; a suspension is then visible to tohu's own
// verification (its issuer records), not to other verifiers. StatusModeBoth
// writes the VC 2.0 array of two entries, which every VC 2.0 verifier reads
// but the 1EdTech validator's schema check rejects — hence opt-in. Such a
// credential does not declare the OB credentialSchema, since it no longer
// matches it.
const (
	StatusModeRevocation = "revocation"
	StatusModeBoth       = "revocation+suspension"
)

// DID methods a provider may choose.
const (
	DIDMethodWeb = "web" // the default: did:web:<host>:issuers:<slug>
	DIDMethodKey = "key" // local development: the DI key's did:key
)

// Key purposes: which proof form a signing key makes.
const (
	PurposeDI  = "di"  // Data Integrity eddsa-rdfc-2022 (Ed25519)
	PurposeJWT = "jwt" // VC-JWT (RS256 / ES256)
)

// Key states. A retired key signs nothing new but stays in the DID document
// so credentials it signed keep verifying.
const (
	KeyActive  = "active"
	KeyRetired = "retired"
)

// Key is one signing key of a provider. The private key is only ever held
// sealed (AES-256-GCM under the master key, with the key ID as associated
// data, so a sealed blob cannot be swapped onto another key's row).
type Key struct {
	ID                   string
	ProviderID           string
	Kind                 string // keys.KindEd25519, keys.KindRSA, keys.KindP256
	Purpose              string // PurposeDI or PurposeJWT
	VerificationMethodID string // e.g. did:web:example.org:issuers:acme#k1a2…
	PublicMultikey       string
	PublicJWK            []byte // JSON
	Sealed               []byte
	Status               string // KeyActive or KeyRetired
	CreatedAt            time.Time
	RetiredAt            *time.Time
}

// Achievement approval states (as NZQA lists the micro-credential).
const (
	ApprovalDraft     = "draft"
	ApprovalApproved  = "approved"
	ApprovalWithdrawn = "withdrawn"
)

// Quality-assurance routes.
const (
	QARouteNZQA   = "NZQA"
	QARouteTeHono = "Te Hono o Te Kahurangi" // kaupapa Māori QA
)

// Achievement is one version of a micro-credential as NZQA listed it. The
// pair (ID, Version) is immutable once an award refers to it: an update
// after that creates Version+1.
type Achievement struct {
	ID                  string
	Version             int
	ProviderID          string // the provider that registered it in tohu
	Title               string
	TitleMi             string // te reo Māori title, when listed
	NZQARef             string // NZQA reference (humanCode)
	NZQAVersion         string
	Level               int // NZQCF level
	Credits             int // NZQCF credits (1 credit = 10 notional learning hours)
	Aim                 string
	Outcomes            []string
	AssessmentNarrative string
	NZSCEDCode          string // six digits
	NZSCEDName          string
	Developer           string // e.g. a Workforce Development Council
	QARoute             string
	EquityTags          []string
	ApprovalStatus      string
	ListedOn            *time.Time
	NextReviewOn        *time.Time
	ImageURL            string
	AccreditedProviders []string // provider IDs accredited to deliver it
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// AwardState is where an award is in its lifecycle.
type AwardState string

// The award lifecycle: pending → approved → issued ↔ suspended; issued or
// suspended → revoked (permanent).
const (
	AwardPending   AwardState = "pending"
	AwardApproved  AwardState = "approved"
	AwardIssued    AwardState = "issued"
	AwardSuspended AwardState = "suspended"
	AwardRevoked   AwardState = "revoked"
)

// Award is one learner's achievement of one achievement version.
type Award struct {
	ID                 string
	ProviderID         string
	AchievementID      string
	AchievementVersion int
	LearnerName        string
	LearnerEmail       string
	LearnerDID         string
	NSN                string // National Student Number: kept for NZQA reporting, never in the credential
	Result             string
	CreditsEarned      int
	CompletedOn        time.Time
	EvidenceURLs       []string
	State              AwardState
	CreatedBy          string // API key id (or "operator")
	ApprovedBy         string
	IssuedAt           *time.Time
	Reason             string // of the last revoke/suspend/reinstate
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Credential formats.
const (
	FormatDI  = "di"  // JSON-LD with an embedded DataIntegrityProof
	FormatJWT = "jwt" // compact VC-JWT
)

// Status purposes (Bitstring Status List §2.1).
const (
	StatusRevocation = "revocation"
	StatusSuspension = "suspension"
)

// Credential is a signed artefact, stored verbatim as issued.
type Credential struct {
	AwardID     string
	ProviderID  string
	Format      string
	Body        []byte         // exactly the bytes that were signed and handed out
	StatusIndex map[string]int // status purpose → index in the provider's list
	CreatedAt   time.Time
}

// IssuedCredential is a credential a client asked tohu to sign through the
// VC-API (POST /credentials/issue), recorded so that its status can be
// changed later. Its status entries use ID in place of an award id.
type IssuedCredential struct {
	ID           string // tohu's id (same id space as awards)
	ProviderID   string
	CredentialID string // the credential's own id (a URL or urn:uuid)
	Format       string // FormatDI, or a JWT form ("vc+jwt", "ob-vcjwt")
	Body         []byte // exactly what was signed and handed out
	State        AwardState
	Reason       string
	IssuedBy     string // API key id
	StatusIndex  map[string]int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// StatusList is a provider's signed Bitstring Status List credential for one
// purpose.
type StatusList struct {
	ProviderID string
	Purpose    string
	Bits       int
	Body       []byte // the signed list credential (JSON-LD, DI proof)
	UpdatedAt  time.Time
}

// APIKey is a provider-scoped credential for the API. Only the SHA-256 hash
// of the token is stored; the token is shown once, when created.
type APIKey struct {
	ID         string
	ProviderID string
	Name       string
	Roles      []Role
	Hash       []byte // SHA-256 of the whole token
	Prefix     string // the first characters of the token, for lookup and display
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// AuditEvent records one state change.
type AuditEvent struct {
	ID         int64
	ProviderID string
	Actor      string // API key id, or "operator"
	Action     string // e.g. "award.issue"
	Subject    string // e.g. "award:01h…"
	RequestID  string
	At         time.Time
	Detail     map[string]string
}

// Idempotency records the outcome of a request made with an Idempotency-Key,
// so a retry returns the same result instead of doing the work twice.
type Idempotency struct {
	ProviderID  string
	Key         string
	RequestHash string // SHA-256 of the request, so a key reused for another request is refused
	AwardID     string
	CreatedAt   time.Time
}
