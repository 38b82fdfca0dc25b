package jsonld

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// plainURLVerdict decides ld.IsURL(iri) without its pattern for the URLs
// tohu itself mints (credential, status entry and achievement URLs, unique
// per award, so the verdict cache never holds them): known is false for
// anything else, and the caller asks ld.IsURL.
//
// A plain URL is "http://" or "https://", a host of dot-separated labels of
// ASCII letters and digits (the first and last at least two characters, a
// lone label at least three), an optional ":" and 1–5 digits, and then
// nothing, or "/", "?" or "#" followed by anything but the pattern's
// whitespace [\t\n\f\r ]. The pattern matches every such string: its
// scheme group takes the scheme; the optional group before the last host
// label (`[a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\.][a-zA-Z0-9]+)*`) takes
// the host but its last character, which `(([a-zA-Z…0-9]+-?-?)*[a-zA-Z…0-9]+)`
// takes; the optional TLD group and trailing dot take nothing; then the port
// and path groups (`(:(\d{1,5}))?((\/|\?|#)[^\s]*)?$`). What remains of
// IsURL then decides: fewer than 2,083 runes, and url.Parse succeeds (the
// host cannot be empty or start with a dot). TestPlainURLVerdict checks it
// against ld.IsURL.
func plainURLVerdict(iri string) (verdict, known bool) {
	rest, ok := strings.CutPrefix(iri, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(iri, "http://"); !ok {
			return false, false
		}
	}
	end := strings.IndexAny(rest, ":/?#")
	if end < 0 {
		end = len(rest)
	}
	if !plainHost(rest[:end]) {
		return false, false
	}
	rest = rest[end:]
	if port, ok := strings.CutPrefix(rest, ":"); ok {
		n := 0
		for n < len(port) && n < 6 && '0' <= port[n] && port[n] <= '9' {
			n++
		}
		if n == 0 || n > 5 {
			return false, false
		}
		rest = port[n:]
	}
	if rest != "" {
		if rest[0] != '/' && rest[0] != '?' && rest[0] != '#' {
			return false, false
		}
		if strings.ContainsAny(rest, "\t\n\f\r ") {
			return false, false
		}
	}
	if utf8.RuneCountInString(iri) >= 2083 {
		return false, true
	}
	_, err := url.Parse(iri)
	return err == nil, true
}

// plainHost reports whether h is dot-separated ASCII letter-and-digit
// labels, the first and last of at least two characters (a single label of
// at least three).
func plainHost(h string) bool {
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	if len(labels) == 1 {
		return len(h) >= 3
	}
	return len(labels[0]) >= 2 && len(labels[len(labels)-1]) >= 2
}
