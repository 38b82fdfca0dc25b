// Package credential is the vocabulary the issuer and the verifier share: the
// W3C Verifiable Credentials 2.0 and Open Badges 3.0 data model, the NZ
// micro-credential mapping, schema validation, and (in subpackages) JSON-LD
// canonicalization, proof suites, status lists and baking.
//
// It signs with any crypto.Signer and resolves keys through KeyResolver, so
// it imports neither keys nor store: a KMS or HSM key works unchanged.
package credential
