package jose

// ReadsDecoded reports whether SignDecoded takes its claims from doc rather
// than reading the credential's bytes again (so a test can show that the
// decoded path, not the fallback, made the token it compares).
func ReadsDecoded(doc map[string]any) bool {
	_, plain := plainClaims(doc)
	return plain
}
