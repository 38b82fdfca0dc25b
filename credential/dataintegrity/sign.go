package dataintegrity

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// SignOptions are the proof options of a new proof (VC Data Integrity 1.0,
// §2.1 "Proofs").
type SignOptions struct {
	// VerificationMethod is the URL of the signing key's verification
	// method, e.g. did:key:z6Mk…#z6Mk…. Required.
	VerificationMethod string
	// Created is the proof's creation time; zero means now. It is written
	// in UTC to the second.
	Created time.Time
	// ProofPurpose defaults to credential.PurposeAssertion.
	ProofPurpose string
	// Challenge and Domain bind a presentation proof to one verifier
	// request; empty means absent.
	Challenge, Domain string
	// Expires, when not zero, is written as the proof's expires.
	Expires time.Time
	// PreviousProof is the id of a proof already in the document that the
	// new proof chains to (VC Data Integrity 1.0, §4.2 "Add Proof
	// Set/Chain"). Empty means the new proof joins a proof set unchained.
	PreviousProof string
	// ID is the new proof's id (a URL, e.g. urn:uuid:…); optional, but a
	// proof that others chain to needs one.
	ID string
	// Shared names objects of the document that many documents signed
	// with the same Shared embed unchanged (a cohort's Achievement), so
	// their canonicalization is reused; the signature is the same as
	// without. Nil: none. See jsonld.Shared for what it promises.
	Shared *jsonld.Shared
}

// proofJSON is the member order of the proofs Sign writes.
type proofJSON struct {
	Type               string `json:"type"`
	ID                 string `json:"id,omitempty"`
	Cryptosuite        string `json:"cryptosuite"`
	Created            string `json:"created"`
	Expires            string `json:"expires,omitempty"`
	VerificationMethod string `json:"verificationMethod"`
	ProofPurpose       string `json:"proofPurpose"`
	Challenge          string `json:"challenge,omitempty"`
	Domain             string `json:"domain,omitempty"`
	PreviousProof      any    `json:"previousProof,omitempty"` // string or []string
	ProofValue         string `json:"proofValue"`
}

// members returns the proof options as a map, without proofValue, for
// canonicalization.
func (p *proofJSON) members() map[string]any {
	m := map[string]any{
		"type": p.Type, "cryptosuite": p.Cryptosuite, "created": p.Created,
		"verificationMethod": p.VerificationMethod, "proofPurpose": p.ProofPurpose,
	}
	for k, v := range map[string]string{"id": p.ID, "expires": p.Expires, "challenge": p.Challenge,
		"domain": p.Domain} {
		if v != "" {
			m[k] = v
		}
	}
	switch v := p.PreviousProof.(type) {
	case string:
		m["previousProof"] = v
	case []string:
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		m["previousProof"] = l
	}
	return m
}

// Sign adds a DataIntegrityProof with cryptosuite eddsa-rdfc-2022 to doc,
// the JSON bytes of a credential or presentation, following EdDSA
// Cryptosuites 1.0 §3.2.1 "Create Proof (eddsa-rdfc-2022)": the proof
// configuration (with the document's @context) and the unsecured document
// are canonicalized apart with RDFC-1.0, hashed with SHA-256, and the proof
// hash ‖ document hash is signed with pure Ed25519.
//
// The result keeps doc's bytes and member order and adds the proof
// textually; a document that has a proof already gets a proof set (VC Data
// Integrity 1.0, §4.2). With PreviousProof, the named proof is part of what
// the new proof signs.
//
// Errors (*errs.Error): Unsupported when signer is not Ed25519 or a context
// is not pinned; Invalid when doc is not a JSON object with @context, uses
// an undefined term, lacks the proof vocabulary in its contexts, or when the
// options are incomplete or name a missing previous proof; Conflict when ID
// is already a proof's id; Unavailable when the signer fails.
func Sign(ctx context.Context, doc []byte, signer crypto.Signer, opts SignOptions) ([]byte, error) {
	return SignDecoded(ctx, doc, nil, signer, opts)
}

// SignDecoded is Sign for a caller that has decoded doc already, as
// encoding/json does with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil): root must be exactly that decoding of doc, which
// Sign would otherwise repeat (the issuer's builder decodes every
// credential to check it against the schema). root is read, never changed.
// A nil root means doc is decoded here, as by Sign.
func SignDecoded(ctx context.Context, doc []byte, root map[string]any, signer crypto.Signer, opts SignOptions) ([]byte, error) {
	var previous []string
	if opts.PreviousProof != "" {
		previous = []string{opts.PreviousProof}
	}
	return sign(ctx, doc, root, signer, opts, previous)
}

// sign is SignDecoded with any number of previous proofs (VC Data
// Integrity 1.0 allows previousProof to be a string or a list);
// opts.PreviousProof is ignored in favour of previous.
func sign(ctx context.Context, doc []byte, root map[string]any, signer crypto.Signer, opts SignOptions, previous []string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "signing was cancelled")
	}
	if signer == nil {
		return nil, errs.E(errs.Invalid, "no signer given")
	}
	if _, ok := signer.Public().(ed25519.PublicKey); !ok {
		return nil, errs.E(errs.Unsupported, "eddsa-rdfc-2022 needs an Ed25519 key; the signer holds a %T", signer.Public())
	}
	if opts.VerificationMethod == "" {
		return nil, errs.E(errs.Invalid, "the verification method is required")
	}
	var err error
	if root == nil {
		if root, err = decodeObject(doc); err != nil {
			return nil, err
		}
	} else if _, ok := root["@context"]; !ok {
		return nil, errs.F(errs.Invalid, "/@context", "the document has no @context")
	}
	existing, _, err := proofObjects(root)
	if err != nil {
		return nil, err
	}

	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	p := proofJSON{
		Type:               TypeDataIntegrityProof,
		ID:                 opts.ID,
		Cryptosuite:        CryptosuiteEdDSARDFC2022,
		Created:            created.UTC().Truncate(time.Second).Format(time.RFC3339),
		VerificationMethod: opts.VerificationMethod,
		ProofPurpose:       opts.ProofPurpose,
		Challenge:          opts.Challenge,
		Domain:             opts.Domain,
	}
	switch len(previous) {
	case 0:
	case 1:
		p.PreviousProof = previous[0]
	default:
		p.PreviousProof = previous
	}
	if p.ProofPurpose == "" {
		p.ProofPurpose = credential.PurposeAssertion
	}
	if !opts.Expires.IsZero() {
		p.Expires = opts.Expires.UTC().Truncate(time.Second).Format(time.RFC3339)
	}

	// The document the proof covers: without proofs, or, for a chain, with
	// the proof it follows (VC Data Integrity 1.0, §4.2 "Add Proof
	// Set/Chain", steps on previousProof).
	unsecured := withoutProof(root)
	for _, q := range existing {
		if id, _ := q["id"].(string); opts.ID != "" && id == opts.ID {
			return nil, errs.F(errs.Conflict, "/proof", "the document already has a proof with id %q", opts.ID)
		}
	}
	if len(previous) > 0 {
		matching := make([]any, 0, len(previous))
		for _, want := range previous {
			var found map[string]any
			for _, q := range existing {
				if id, _ := q["id"].(string); id == want {
					found = q
				}
			}
			if found == nil {
				return nil, errs.F(errs.Invalid, "/proof", "previousProof %q names no proof in the document", want)
			}
			matching = append(matching, found)
		}
		unsecured = withPrevious(unsecured, matching)
	}

	c := newCanonicalizer(nil)
	c.shared = opts.Shared
	docHash, err := c.hashDocument(unsecured)
	if err != nil {
		return nil, err
	}
	cfg := p.members()
	canonProof, err := c.proofConfig(proofConfigMap(cfg, root["@context"]), len(cfg)-boolInt(p.ID != "")+max(len(previous)-1, 0), "/@context")
	if err != nil {
		return nil, err
	}
	data := hashData(sha256.Sum256(canonProof), docHash)

	// Pure Ed25519 (crypto.Hash(0)): the 64 bytes are signed as they are.
	sig, err := signer.Sign(rand.Reader, data, crypto.Hash(0))
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "the signer failed")
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, errs.E(errs.Internal, "the signer returned %d bytes, not an Ed25519 signature", len(sig))
	}
	p.ProofValue = encodeProofValue(sig)
	_, hasProof := root["proof"]
	return insertProof(doc, &p, !hasProof)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
