package jsonld

// SharedReused reports how often s reused an expansion and a node's quads.
func SharedReused(s *Shared) (expansions, nodes int64) {
	return s.expReused.Load(), s.rdfReused.Load()
}
