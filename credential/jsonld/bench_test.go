package jsonld_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// proofConfig is the proof options document eddsa-rdfc-2022 canonicalizes
// (VC-DI-EDDSA §3.2.4): the proof without proofValue, carrying the
// document's @context.
func proofConfig(doc any) map[string]any {
	return map[string]any{
		"@context":           doc.(map[string]any)["@context"],
		"type":               "DataIntegrityProof",
		"cryptosuite":        "eddsa-rdfc-2022",
		"created":            "2025-01-15T09:30:00Z",
		"verificationMethod": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
		"proofPurpose":       "assertionMethod",
	}
}

func BenchmarkCanonicalize(b *testing.B) {
	c := jsonld.New(nil)
	doc := readJSON(b, "testdata/sample-credential.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Canonicalize(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalizeProofConfig(b *testing.B) {
	c := jsonld.New(nil)
	pc := proofConfig(readJSON(b, "testdata/sample-credential.json"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Canonicalize(pc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalizeStrict(b *testing.B) {
	c := jsonld.New(nil)
	doc := readJSON(b, "testdata/sample-credential.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CanonicalizeStrict(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalizeStrictPresentation: the Digital Bazaar-signed VP
// around sample-credential.json (one embedded credential in a named graph,
// two proofs); the credential's @context comes from the root cache after
// the null scoped context.
func BenchmarkCanonicalizeStrictPresentation(b *testing.B) {
	c := jsonld.New(nil)
	doc := readJSON(b, "testdata/presentations/db-signed-vp.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CanonicalizeStrict(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalizeStrictProofConfig(b *testing.B) {
	c := jsonld.New(nil)
	pc := proofConfig(readJSON(b, "testdata/sample-credential.json"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CanonicalizeStrict(pc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignPipeline is the eddsa-rdfc-2022 signing work per credential
// (VC-DI-EDDSA §3.2): canonicalize the proof config and the document
// strictly, hash both, sign, so ops/s compares with the 1,000/s target.
func BenchmarkSignPipeline(b *testing.B) {
	c := jsonld.New(nil)
	doc := readJSON(b, "testdata/sample-credential.json")
	pc := proofConfig(doc)
	_, priv, _ := ed25519.GenerateKey(nil)
	b.ReportAllocs()
	for b.Loop() {
		p, err := c.CanonicalizeStrict(pc)
		if err != nil {
			b.Fatal(err)
		}
		d, err := c.CanonicalizeStrict(doc)
		if err != nil {
			b.Fatal(err)
		}
		h1, h2 := sha256.Sum256(p), sha256.Sum256(d)
		ed25519.Sign(priv, append(h1[:], h2[:]...))
	}
}
