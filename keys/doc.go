// Package keys owns tohu's key material and everything derived from it:
// key generation, crypto.Signer wrappers that know their verification
// method id and JOSE algorithm, Multikey and JWK encodings, did:key and
// did:web identifiers and documents, the key file the CLI writes, AES-256-GCM
// sealing of private keys under a master key, and a Resolver that turns a
// verification method URL into a public key.
//
// Network resolution (did:web, https controller documents) happens only
// through a Fetcher handed to NewResolver; without one the Resolver is
// offline and answers did:key only (CONVENTIONS §10, secure defaults).
//
// Errors are *errs.Error: Invalid for malformed input, Unsupported for key
// types or DID methods tohu does not handle, NotFound for a missing
// verification method, Unavailable when a document could not be fetched,
// Forbidden when a master key does not match, Conflict when a key file
// already exists.
package keys
