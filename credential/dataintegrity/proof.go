package dataintegrity

import (
	"regexp"
	"strconv"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Proof types and cryptosuites this package knows.
const (
	// TypeDataIntegrityProof is the proof type of VC Data Integrity 1.0,
	// §2.1 "Proofs"; the cryptosuite member says which algorithm was used.
	TypeDataIntegrityProof = "DataIntegrityProof"
	// CryptosuiteEdDSARDFC2022 is the cryptosuite of EdDSA Cryptosuites
	// 1.0, §3.2 "eddsa-rdfc-2022": RDFC-1.0, SHA-256 and pure Ed25519.
	CryptosuiteEdDSARDFC2022 = "eddsa-rdfc-2022"
	// TypeEd25519Signature2020 is the legacy Ed25519 Signature 2020 suite,
	// which older Open Badges 3.0 issuers use. Verified only, never issued.
	TypeEd25519Signature2020 = "Ed25519Signature2020"

	// legacyCryptosuiteEdDSA2022 is the pre-Recommendation name of
	// eddsa-rdfc-2022; its proofs are rejected as Unsupported.
	legacyCryptosuiteEdDSA2022 = "eddsa-2022"
)

// proof is one parsed, type-checked proof object.
type proof struct {
	raw   map[string]any // the proof object as decoded
	field string         // its JSON pointer: "/proof" or "/proof/2"

	id, typ, cryptosuite, vm, purpose string
	created, expires                  time.Time
	hasCreated                        bool
	challenge                         string
	domain                            []string
	previous                          []string
	value                             string

	// quads is the number of N-Quads the proof configuration must yield
	// when every member is defined by the document's contexts.
	quads int
}

// memberQuads lists the members a proof of each type may have, with the
// number of RDF statements each value contributes to the canonical proof
// configuration (0: not part of the statements). A member outside the list
// is refused: JSON-LD would drop an undefined one silently, leaving it
// unsigned (VC Data Integrity 1.0, §2.1 "Proofs" lists these properties).
var memberQuads = map[string]map[string]bool{
	TypeDataIntegrityProof: {
		"@context": true, "id": true, "type": true, "cryptosuite": true, "created": true,
		"expires": true, "verificationMethod": true, "proofPurpose": true, "challenge": true,
		"domain": true, "nonce": true, "previousProof": true, "proofValue": true,
	},
	TypeEd25519Signature2020: {
		"@context": true, "id": true, "type": true, "created": true, "expires": true,
		"verificationMethod": true, "proofPurpose": true, "challenge": true, "domain": true,
		"nonce": true, "proofValue": true,
	},
}

// dateTimeRE is the lexical form of an XML Schema dateTimeStamp: a
// dateTime with a time zone, as VC Data Integrity 1.0 §2.1 requires for
// created and expires.
var dateTimeRE = regexp.MustCompile(`^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// parseDateTime parses an XML Schema dateTimeStamp.
func parseDateTime(s string) (time.Time, bool) {
	if !dateTimeRE.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// parseProof type-checks one proof object. It reports malformed members as
// errs.Invalid with the member's JSON pointer, and proof types or
// cryptosuites tohu does not verify as errs.Unsupported. What it fills in
// before failing is kept, so the caller can still report it.
func parseProof(raw map[string]any, field string) (*proof, *errs.Error) {
	p := &proof{raw: raw, field: field}
	str := func(name string, required bool) (string, *errs.Error) {
		v, ok := raw[name]
		if !ok {
			if required {
				return "", errs.F(errs.Invalid, field+"/"+name, "the proof has no %s", name)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", errs.F(errs.Invalid, field+"/"+name, "the proof's %s must be a non-empty string", name)
		}
		return s, nil
	}
	var e *errs.Error
	if p.typ, e = str("type", true); e != nil {
		return p, e
	}
	p.id, _ = str("id", false)
	p.cryptosuite, _ = str("cryptosuite", false)
	p.vm, _ = str("verificationMethod", false)
	p.purpose, _ = str("proofPurpose", false)

	switch p.typ {
	case TypeDataIntegrityProof:
		switch p.cryptosuite {
		case CryptosuiteEdDSARDFC2022:
		case legacyCryptosuiteEdDSA2022:
			return p, errs.F(errs.Unsupported, field+"/cryptosuite",
				"cryptosuite %q is the pre-Recommendation name of eddsa-rdfc-2022 and is not accepted; the issuer must re-sign with eddsa-rdfc-2022", p.cryptosuite)
		case "":
			return p, errs.F(errs.Invalid, field+"/cryptosuite", "a DataIntegrityProof needs a cryptosuite")
		default:
			return p, errs.F(errs.Unsupported, field+"/cryptosuite", "cryptosuite %q is not supported (tohu verifies eddsa-rdfc-2022)", p.cryptosuite)
		}
	case TypeEd25519Signature2020:
		if _, ok := raw["cryptosuite"]; ok {
			return p, errs.F(errs.Invalid, field+"/cryptosuite", "an Ed25519Signature2020 proof has no cryptosuite")
		}
	default:
		return p, errs.F(errs.Unsupported, field+"/type", "proof type %q is not supported (tohu verifies DataIntegrityProof/eddsa-rdfc-2022 and Ed25519Signature2020)", p.typ)
	}

	allowed := memberQuads[p.typ]
	for name := range raw {
		if !allowed[name] {
			return p, errs.F(errs.Invalid, field+"/"+name, "%s is not a %s property; it would not be signed", strconv.Quote(name), p.typ)
		}
	}
	// Statements in the proof configuration: one per member value, except
	// @context, id (the subject) and proofValue (removed before hashing).
	p.quads = 0
	for name := range raw {
		switch name {
		case "@context", "id", "proofValue", "domain", "previousProof":
		default:
			p.quads++
		}
	}

	if _, e = str("verificationMethod", true); e != nil {
		return p, e
	}
	if _, e = str("proofPurpose", true); e != nil {
		return p, e
	}
	if _, ok := raw["id"]; ok && p.id == "" {
		return p, errs.F(errs.Invalid, field+"/id", "the proof's id must be a non-empty string")
	}
	if s, e := str("created", false); e != nil {
		return p, e
	} else if s != "" {
		t, ok := parseDateTime(s)
		if !ok {
			return p, errs.F(errs.Invalid, field+"/created", "created %q is not an XML Schema dateTime with a time zone", s)
		}
		p.created, p.hasCreated = t, true
	}
	if s, e := str("expires", false); e != nil {
		return p, e
	} else if s != "" {
		t, ok := parseDateTime(s)
		if !ok {
			return p, errs.F(errs.Invalid, field+"/expires", "expires %q is not an XML Schema dateTime with a time zone", s)
		}
		p.expires = t
	}
	if p.challenge, e = str("challenge", false); e != nil {
		return p, e
	}
	if _, e = str("nonce", false); e != nil {
		return p, e
	}
	if p.domain, e = stringOrList(raw, "domain", field); e != nil {
		return p, e
	}
	p.quads += len(p.domain)
	if p.typ == TypeDataIntegrityProof {
		if p.previous, e = stringOrList(raw, "previousProof", field); e != nil {
			return p, e
		}
		p.quads += len(p.previous)
	}
	if p.value, e = str("proofValue", true); e != nil {
		return p, e
	}
	return p, nil
}

// stringOrList reads a member that is a string or a non-empty array of
// distinct non-empty strings (domain, previousProof).
func stringOrList(raw map[string]any, name, field string) ([]string, *errs.Error) {
	v, ok := raw[name]
	if !ok {
		return nil, nil
	}
	bad := errs.F(errs.Invalid, field+"/"+name, "the proof's %s must be a string or an array of distinct strings", name)
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil, bad
		}
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, bad
		}
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok || s == "" {
				return nil, bad
			}
			for _, o := range out {
				if o == s {
					return nil, bad
				}
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, bad
}
