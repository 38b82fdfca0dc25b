package store

import "encoding/json"

// List columns (outcomes, tags, roles, URLs, provider ids) are stored as a
// JSON array in a TEXT column: the same on both dialects, and never queried
// element-wise except the accredited-provider check, whose ids are opaque
// random strings.

func toJSON[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	b, _ := json.Marshal(v) // a slice of strings cannot fail to marshal
	return string(b)
}

func fromJSON[T any](s string) []T {
	var v []T
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil
	}
	return v
}

func mapToJSON(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func mapFromJSON(s string) map[string]string {
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m)
	return m
}
