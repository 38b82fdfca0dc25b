// Package jose signs and verifies credentials as compact JSON Web Signatures
// (RFC 7515) in the two forms Open Badges 3.0 issuers meet:
//
//   - VC-JOSE-COSE (W3C "Securing Verifiable Credentials using JOSE and COSE",
//     §3.1.1 "Securing JSON-LD Verifiable Credentials with JOSE"): media type
//     application/vc+jwt, the JWS payload is the credential JSON itself and
//     the protected header is {alg, kid, typ "vc+jwt", cty "vc"}.
//   - OB 3.0 VC-JWT (OB30 §8.2 "JSON Web Token Proof Format"): the header holds
//     only alg, kid (or jwk) and typ "JWT"; the payload is the credential plus
//     the registered claims iss, jti, nbf, sub and exp (RFC 7519 §4.1) mirrored
//     from issuer.id, id, validFrom, credentialSubject.id and validUntil.
//
// Verification also reads VC Data Model 1.1 JWTs (the credential sits in a
// "vc" claim, VC-DATA-MODEL-1.1 §6.3.1) and presentation JWTs (typ vp+jwt or
// a "vp" claim).
//
// Signing goes through any crypto.Signer (via go-jose's cryptosigner), so a
// KMS or HSM key signs unchanged. Verification is secure by default: an
// explicit algorithm allow-list is passed to go-jose's parser, "none" and
// the HMAC algorithms can never be allowed, and the signing key must be
// controlled by the credential's issuer unless the caller opts in to keys
// embedded in the header.
package jose
