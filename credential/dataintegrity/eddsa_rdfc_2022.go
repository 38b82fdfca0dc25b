package dataintegrity

import (
	"bytes"
	"errors"

	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// canonicalizer runs RDFC-1.0 for one Sign or Verify call.
type canonicalizer struct {
	c      *jsonld.Canonicalizer
	shared *jsonld.Shared // objects other documents embed unchanged, or nil
}

func newCanonicalizer(c *jsonld.Canonicalizer) canonicalizer {
	if c == nil {
		c = defaultCanonicalizer
	}
	return canonicalizer{c: c}
}

var defaultCanonicalizer = jsonld.New(nil)

// document canonicalizes an unsecured document (or a document carrying the
// previous proofs of a chain). It refuses terms no context defines, which
// JSON-LD would otherwise drop from what the signature covers (VC Data
// Model 2.0, §4.1 "Getting Started": undefined terms are an error). Errors
// are *errs.Error (Invalid, Unsupported).
func (c canonicalizer) document(doc any) ([]byte, error) {
	// Only the strict path: json-gold's Normalize (Canonicalize) drops
	// undefined terms even in SafeMode and misplaces a VC 2.0
	// presentation's credentials (credential/jsonld NOTES, finding 7).
	return c.c.CanonicalizeStrictShared(doc, c.shared)
}

// proofConfig canonicalizes a proof configuration (EdDSA Cryptosuites 1.0,
// §3.2.5 "Proof Configuration (eddsa-rdfc-2022)"): the proof options
// without proofValue, with @context set to the document's @context. It uses
// the strict path as well, so a proof property the document's contexts do
// not define (a VC 1.1 document without the Data Integrity context, for
// one) is an error rather than a member left unsigned. As a second,
// independent guard, want is the number of statements the members must
// yield; fewer means something was dropped. Errors: Invalid with field,
// Unsupported for an unpinned context.
func (c canonicalizer) proofConfig(cfg map[string]any, want int, field string) ([]byte, error) {
	out, err := c.canonicalProofConfig(cfg)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Code == errs.Invalid {
			return nil, &errs.Error{Code: errs.Invalid, Field: field, Err: err,
				Message: "the proof does not fit the document's @context (" + e.Message + "); a VC 1.1 document needs https://w3id.org/security/data-integrity/v2 in its @context"}
		}
		return nil, err
	}
	if got := bytes.Count(out, []byte{'\n'}); got != want {
		return nil, errs.F(errs.Invalid, field,
			"the document's @context does not define every proof property (%d of %d statements)", got, want)
	}
	return out, nil
}

// hashData is SHA-256(canonical proof configuration) ‖ SHA-256(canonical
// document): the 64 bytes Ed25519 signs (EdDSA Cryptosuites 1.0, §3.2.4
// "Hashing (eddsa-rdfc-2022)"). The proof hash comes first. Ed25519Signature2020
// uses the same construction.
func hashData(proofHash, docHash [32]byte) []byte {
	b := make([]byte, 0, 64)
	b = append(b, proofHash[:]...)
	return append(b, docHash[:]...)
}

// proofConfigMap returns the proof options without proofValue, with
// @context set to ctx (the document's @context), as a fresh map.
func proofConfigMap(raw map[string]any, ctx any) map[string]any {
	cfg := make(map[string]any, len(raw)+1)
	for k, v := range raw {
		if k != "proofValue" {
			cfg[k] = v
		}
	}
	cfg["@context"] = ctx
	return cfg
}

// hashDocument canonicalizes doc and returns SHA-256 of the N-Quads.
func (c canonicalizer) hashDocument(doc any) ([32]byte, error) {
	// Only the strict path, as document.
	return c.c.HashStrictShared(doc, c.shared)
}
