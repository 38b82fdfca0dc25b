package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Request and response bodies of /api/v1. They are the wire format, kept
// apart from the issuer's domain types (CONVENTIONS §3); member names match
// the JSON pointers the issuer puts in its errors.

// parseDate reads an optional calendar date ("2026-03-14"; an RFC 3339
// timestamp is accepted too). Invalid at pointer otherwise.
func parseDate(pointer, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, nil
		}
	}
	return nil, errs.F(errs.Invalid, pointer, "Write the date as YYYY-MM-DD.")
}

// formatDate writes an optional date as YYYY-MM-DD.
func formatDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// marshal encodes v without HTML escaping: these documents are data, and
// "&" or "<" in a provider's name must stay as written.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the response")
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}
