// Package verifier checks anything presented to tohu — a JSON credential
// (VC 2.0 or VC 1.1), a presentation, a compact JWT, an enveloped credential
// — and explains the outcome as a Report: one overall Result and a list of
// named Checks, each with a stable Code for machines and a plain English
// sentence for people.
//
// The report is honest: a check that did not run is never reported as
// passed. A credential with a status entry checked without a status fetcher,
// or whose key could not be fetched, is "could_not_check", not "verified".
//
// The package is a library: it imports no issuer, store or transport code.
// Network access (did:web, https controller documents, status lists) happens
// only through the resolver and the fetcher handed to New; by default the
// verifier is offline and resolves did:key only (CONVENTIONS §10).
//
// The verification steps follow Open Badges 3.0 §"OpenBadgeCredential
// Verification" (structure and schema, proof, status, dates) and VC Data
// Model 2.0 §4; the order of checks in a report follows that algorithm.
package verifier
