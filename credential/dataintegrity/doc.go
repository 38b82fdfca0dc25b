// Package dataintegrity creates and verifies embedded Data Integrity proofs
// (W3C VC Data Integrity 1.0) on JSON-LD credentials and presentations.
//
// Sign creates DataIntegrityProof proofs with the eddsa-rdfc-2022
// cryptosuite (W3C Data Integrity EdDSA Cryptosuites 1.0, §3.2). Verify
// checks every proof in a document: eddsa-rdfc-2022, and the legacy
// Ed25519Signature2020 suite that older Open Badges 3.0 issuers still use,
// including proof sets and previousProof chains (VC Data Integrity 1.0,
// §4.2 and §4.4).
//
// The package imports neither keys nor store: it signs with any
// crypto.Signer holding an Ed25519 key and resolves verification methods
// through credential.KeyResolver.
package dataintegrity
