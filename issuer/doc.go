// Package issuer is tohu's award workflow: providers and their signing keys,
// API keys and roles, versioned micro-credentials (achievements), awards and
// their lifecycle pending → approved → issued ↔ suspended → revoked, the
// issuance of signed Open Badges 3.0 credentials in both proof forms, and the
// Bitstring Status Lists that revoke and suspend them.
//
// The package holds no SQL and no HTTP. It declares the Store it needs
// (store.go) and the store package implements it; cmd/tohu wires the two.
//
// Who is acting is passed explicitly: every Service method that reads or
// changes provider data takes an Actor (the authenticated API key, its
// provider, its roles and the request id). An explicit parameter, rather
// than a value hidden in the context, makes it impossible to call a method
// without deciding who is calling, and the compiler checks it. Every state
// change appends an AuditEvent naming the actor and request id, in the same
// transaction as the change.
//
// Errors are *errs.Error: Invalid (with a JSON pointer Field) for input that
// breaks a rule, NotFound for things that do not exist or that the actor's
// provider may not see, Conflict for a state that forbids the change,
// Unauthorized for a bad API key, Forbidden for a missing role.
package issuer
