package verifier

// Check codes. They are stable identifiers: the web layer maps them to
// translated text, and API clients may switch on them. A code starts with
// the check id it belongs to.
const (
	codeFormatOK          = "format.ok"
	codeFormatTooLarge    = "format.too_large"
	codeFormatEmpty       = "format.empty"
	codeFormatUnknown     = "format.unrecognised"
	codeFormatBadJSON     = "format.bad_json"
	codeFormatNotObject   = "format.not_object"
	codeFormatBadJWT      = "format.bad_jwt"
	codeFormatBadEnvelope = "format.bad_envelope"
	codeFormatNotVC       = "format.not_credential"
	codeFormatTooDeep     = "format.too_deep"

	codeContextsOK      = "contexts.ok"
	codeContextsMissing = "contexts.missing"
	codeContextsBase    = "contexts.wrong_base"
	codeContextsUnknown = "contexts.unknown"
	codeContextsInline  = "contexts.inline"

	codeTermsOK          = "terms.ok"
	codeTermsUndefined   = "terms.undefined"
	codeTermsNotRun      = "terms.not_run"
	codeTermsUnsupported = "terms.unsupported"

	codeSchemaOK         = "schema.ok"
	codeSchemaInvalid    = "schema.invalid"
	codeSchemaNotOB      = "schema.not_open_badge"
	codeSchemaVC11       = "schema.vc11"
	codeSchemaNotBuilt   = "schema.unavailable"
	codeSchemaUndeclared = "schema.undeclared_mismatch"

	codeFieldsOK      = "required_fields.ok"
	codeFieldsMissing = "required_fields.missing"

	codeProofOK          = "proof.ok"
	codeProofMissing     = "proof.missing"
	codeProofBadSig      = "proof.bad_signature"
	codeProofMalformed   = "proof.malformed"
	codeProofUnsupported = "proof.unsupported"
	codeProofKeyNotFound = "proof.key_not_found"
	codeProofKeyFetch    = "proof.key_unavailable"
	codeProofPurpose     = "proof.wrong_purpose"
	codeProofNotRun      = "proof.not_run"
	codeProofClaims      = "proof.claims_mismatch"

	codeIssuerKeyOK       = "issuer_key.ok"
	codeIssuerKeyMismatch = "issuer_key.mismatch"
	codeIssuerKeyEmbedded = "issuer_key.embedded_jwk"
	codeIssuerKeyNotRun   = "issuer_key.not_run"

	codeValidFromOK = "valid_from.ok"
	codeNotYetValid = "valid_from.in_future"
	codeValidFromNo = "valid_from.absent"
	codeBadDate     = "date.malformed"

	codeValidUntilOK = "valid_until.ok"
	codeExpired      = "valid_until.passed"
	codeValidUntilNo = "valid_until.absent"

	codeStatusOK          = "status.ok"
	codeStatusNone        = "status.none"
	codeStatusRevoked     = "status.revoked"
	codeStatusSuspended   = "status.suspended"
	codeStatusNoFetcher   = "status.no_fetcher"
	codeStatusFetch       = "status.unreachable"
	codeStatusUnsupported = "status.unsupported_type"
	codeStatusBadEntry    = "status.bad_entry"
	codeStatusBadList     = "status.bad_list"
	codeStatusListProof   = "status.list_not_verified"
	codeStatusListIssuer  = "status.list_wrong_issuer"
	codeStatusListPurpose = "status.list_wrong_purpose"
	codeStatusListKey     = "status.list_key_unavailable"

	codeVPProofOK      = "presentation_proof.ok"
	codeVPProofNone    = "presentation_proof.unsigned"
	codeVPProofMissing = "presentation_proof.missing"

	codeChallengeOK       = "challenge.ok"
	codeChallengeMismatch = "challenge.mismatch"
	codeChallengeNone     = "challenge.not_requested"

	codeCredentialsNone    = "credentials.none"
	codeCredentialsOK      = "credentials.ok"
	codeCredentialsTooMany = "credentials.too_many"
)

// msgBadSignature is the sentence for the commonest failure.
const msgBadSignature = "The signature does not match the credential: it was changed after signing, or signed with another key."
