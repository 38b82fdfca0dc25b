package dataintegrity

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Resolver turns a verificationMethod into a public key. Required.
	Resolver credential.KeyResolver
	// Purpose is the proof purpose the caller expects; every proof's
	// proofPurpose must equal it. Default credential.PurposeAssertion.
	Purpose string
	// Challenge and Domain, when set, must appear in each proof (VC Data
	// Integrity 1.0, §4.5 "Verify Proof", steps on domain and challenge).
	Challenge, Domain string
	// Now is the time expires is compared with. Default time.Now().
	Now time.Time
	// Canonicalizer is the JSON-LD canonicalizer; nil uses one over the
	// pinned contexts.
	Canonicalizer *jsonld.Canonicalizer
}

// ProofResult is the outcome of one proof.
type ProofResult struct {
	ID, Type, Cryptosuite, VerificationMethod, Controller, Purpose string
	Created                                                        time.Time
	Verified                                                       bool
	// Err is nil when Verified, otherwise an *errs.Error: Invalid for a
	// malformed proof or a signature that does not verify, Unsupported for
	// a proof type or cryptosuite tohu does not verify, and whatever the
	// resolver returned (Unavailable, NotFound, ...) when the key could not
	// be resolved.
	Err error
}

// Verify checks every proof in doc, the JSON bytes of a credential or
// presentation, following VC Data Integrity 1.0 §4.4 "Verify Proof Sets and
// Chains" and, per proof, EdDSA Cryptosuites 1.0 §3.2.2 "Verify Proof
// (eddsa-rdfc-2022)" (or the Ed25519Signature2020 suite).
//
// The error reports a failure of the whole document, with the results nil:
// errs.Invalid when doc is not a JSON object, has no @context or no proof,
// or uses a term no context defines; errs.Unsupported for a context that is
// not pinned; errs.Internal when no Resolver is given. Otherwise each proof's
// outcome is in the slice, in document order; a caller that accepts "one
// valid proof is enough" (Open Badges 3.0, "Verification") checks for any
// Verified result.
func Verify(ctx context.Context, doc []byte, opts VerifyOptions) ([]ProofResult, error) {
	results, _, err := verify(ctx, doc, opts)
	return results, err
}

// VerifyDecoded is Verify of a document the caller has already decoded
// (with json.Decoder.UseNumber, as Verify decodes), so that a caller which
// has read the document for its own checks does not parse it again. root is
// only read, never changed. The caller answers for root being what the
// signed bytes say: a reader that refuses duplicate members (where JSON
// readers disagree on the value) decodes the same tree Verify would.
func VerifyDecoded(ctx context.Context, root map[string]any, opts VerifyOptions) ([]ProofResult, error) {
	if _, ok := root["@context"]; !ok {
		return nil, errs.F(errs.Invalid, "/@context", "the document has no @context")
	}
	results, _, err := verifyRoot(ctx, root, opts)
	return results, err
}

// verify is Verify that also returns, for each verified proof, the 64 bytes
// its signature covers (the fuzz test checks those against known ones).
func verify(ctx context.Context, doc []byte, opts VerifyOptions) ([]ProofResult, [][]byte, error) {
	if opts.Resolver == nil {
		return nil, nil, errs.E(errs.Internal, "no key resolver configured")
	}
	root, err := decodeObject(doc)
	if err != nil {
		return nil, nil, err
	}
	return verifyRoot(ctx, root, opts)
}

// verifyRoot is verify of the decoded document.
func verifyRoot(ctx context.Context, root map[string]any, opts VerifyOptions) ([]ProofResult, [][]byte, error) {
	if opts.Resolver == nil {
		return nil, nil, errs.E(errs.Internal, "no key resolver configured")
	}
	if opts.Purpose == "" {
		opts.Purpose = credential.PurposeAssertion
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	raws, fields, err := proofObjects(root)
	if err != nil {
		return nil, nil, err
	}
	if len(raws) == 0 {
		return nil, nil, errs.F(errs.Invalid, "/proof", "the document has no proof")
	}
	c := newCanonicalizer(opts.Canonicalizer)
	unsecured := withoutProof(root)
	// The unsecured document is canonicalized once, for all proofs that do
	// not chain to others; this also runs the undefined-term check.
	docHash, err := c.hashDocument(unsecured)
	if err != nil {
		return nil, nil, err
	}

	v := &verifier{opts: opts, c: c, root: root, unsecured: unsecured, docHash: docHash,
		proofs: make([]*proof, len(raws)), chainHash: map[string][32]byte{}}
	results := make([]ProofResult, len(raws))
	signed := make([][]byte, len(raws))
	parseErrs := make([]*errs.Error, len(raws))
	for i, raw := range raws {
		v.proofs[i], parseErrs[i] = parseProof(raw, fields[i])
	}
	for i, p := range v.proofs {
		r := &results[i]
		r.ID, r.Type, r.Cryptosuite, r.VerificationMethod, r.Purpose, r.Created =
			p.id, p.typ, p.cryptosuite, p.vm, p.purpose, p.created
		e := parseErrs[i]
		if e == nil {
			r.Controller, signed[i], e = v.verifyOne(ctx, p)
		}
		if e != nil {
			r.Err = e
			continue
		}
		r.Verified = true
	}
	return results, signed, nil
}

// verifier holds the state of one Verify call.
type verifier struct {
	opts      VerifyOptions
	c         canonicalizer
	root      map[string]any
	unsecured map[string]any
	docHash   [32]byte
	proofs    []*proof
	chainHash map[string][32]byte // previousProof list → document hash
}

// verifyOne checks one well-formed proof and returns its controller and
// the bytes the signature covers.
func (v *verifier) verifyOne(ctx context.Context, p *proof) (string, []byte, *errs.Error) {
	if err := ctx.Err(); err != nil {
		return "", nil, errs.Wrap(err, errs.Unavailable, "verification was cancelled")
	}
	if p.purpose != v.opts.Purpose {
		return "", nil, errs.F(errs.Invalid, p.field+"/proofPurpose", "proofPurpose is %q; %q was expected", p.purpose, v.opts.Purpose)
	}
	if !p.expires.IsZero() && !v.opts.Now.Before(p.expires) {
		return "", nil, errs.F(errs.Invalid, p.field+"/expires", "the proof expired at %s", p.expires.UTC().Format(time.RFC3339))
	}
	if v.opts.Challenge != "" && p.challenge != v.opts.Challenge {
		return "", nil, errs.F(errs.Invalid, p.field+"/challenge", "the proof's challenge does not match the one expected")
	}
	if v.opts.Domain != "" && !contains(p.domain, v.opts.Domain) {
		return "", nil, errs.F(errs.Invalid, p.field+"/domain", "the proof's domain does not include %q", v.opts.Domain)
	}
	docCtx := v.root["@context"]
	if pc, ok := p.raw["@context"]; ok && !reflect.DeepEqual(pc, docCtx) {
		return "", nil, errs.F(errs.Invalid, p.field+"/@context", "the proof's @context differs from the document's")
	}
	sig, e := decodeProofValue(p.field+"/proofValue", p.value)
	if e != nil {
		return "", nil, e
	}

	docHash, e := v.documentHash(p)
	if e != nil {
		return "", nil, e
	}
	canonProof, err := v.c.proofConfig(proofConfigMap(p.raw, docCtx), p.quads, p.field)
	if err != nil {
		return "", nil, asErr(err, errs.Invalid, p.field, "the proof configuration could not be canonicalized")
	}
	data := hashData(sha256.Sum256(canonProof), docHash)

	pub, controller, err := v.opts.Resolver.PublicKey(ctx, p.vm, v.opts.Purpose)
	if err != nil {
		return "", nil, asErr(err, errs.Unavailable, p.field+"/verificationMethod", "the verification method could not be resolved")
	}
	key, ok := pub.(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PublicKeySize {
		return controller, nil, errs.F(errs.Unsupported, p.field+"/verificationMethod", "the verification method is not an Ed25519 key")
	}
	if !ed25519.Verify(key, data, sig) {
		return controller, nil, &errs.Error{Code: errs.Invalid, Field: p.field + "/proofValue", Err: credential.ErrBadSignature,
			Message: "the signature does not verify: the document or proof was changed, or signed with another key"}
	}
	return controller, data, nil
}

// documentHash returns the hash of the document this proof signed: the
// unsecured document, or, for a proof with previousProof, the unsecured
// document with proof set to the proofs it names (VC Data Integrity 1.0,
// §4.4 "Verify Proof Sets and Chains", and §4.2 "Add Proof Set/Chain").
func (v *verifier) documentHash(p *proof) ([32]byte, *errs.Error) {
	if len(p.previous) == 0 {
		return v.docHash, nil
	}
	key := strings.Join(p.previous, "\x00")
	if h, ok := v.chainHash[key]; ok {
		return h, nil
	}
	matching := make([]any, 0, len(p.previous))
	for _, id := range p.previous {
		var found map[string]any
		for _, q := range v.proofs {
			if q.id == id && q != p {
				found = q.raw
				break
			}
		}
		if found == nil {
			return [32]byte{}, errs.F(errs.Invalid, p.field+"/previousProof", "previousProof %q names no other proof in the document", id)
		}
		matching = append(matching, found)
	}
	h, err := v.c.hashDocument(withPrevious(v.unsecured, matching))
	if err != nil {
		return [32]byte{}, asErr(err, errs.Invalid, p.field+"/previousProof", "the previous proofs could not be canonicalized")
	}
	v.chainHash[key] = h
	return h, nil
}

// withPrevious returns a shallow copy of unsecured whose proof member holds
// the given previous proofs (one object, or an array of several).
func withPrevious(unsecured map[string]any, previous []any) map[string]any {
	m := make(map[string]any, len(unsecured)+1)
	for k, x := range unsecured {
		m[k] = x
	}
	if len(previous) == 1 {
		m["proof"] = previous[0]
	} else {
		m["proof"] = previous
	}
	return m
}

// asErr returns err as an *errs.Error, wrapping anything else with the
// given code, field and message.
func asErr(err error, code errs.Code, field, msg string) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	return &errs.Error{Code: code, Field: field, Message: msg, Err: err}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
