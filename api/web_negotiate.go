package api

import (
	"strconv"
	"strings"
)

// Media types the pages and downloads negotiate besides those in public.go.
const (
	mimeHTML  = "text/html"
	mimeXHTML = "application/xhtml+xml"
	mimePNG   = "image/png"
	mimeSVG   = "image/svg+xml"
	typeLD    = "application/ld+json"
	typeJWT   = "application/jwt"
)

// preferred returns the offer the Accept header rates highest (RFC 9110
// §12.5.1): each offer takes the q-value of the most specific media range
// that matches it (type/subtype, then type/*, then */*); q=0 refuses it; on
// a tie the earlier offer wins, so the order of offers is the server's
// preference. An empty Accept, or one that accepts none of the offers,
// yields the first offer: a client that asks for nothing we have gets the
// default representation rather than a 406.
func preferred(accept string, offers ...string) string {
	if len(offers) == 0 {
		return ""
	}
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	type mediaRange struct {
		typ, sub string
		q        float64
	}
	var ranges []mediaRange
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(mt)), "/")
		if !ok || typ == "" || sub == "" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, found := strings.Cut(strings.TrimSpace(p), "=")
			if found && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		ranges = append(ranges, mediaRange{typ, sub, q})
	}
	best, bestQ := offers[0], 0.0
	for _, offer := range offers {
		ot, os, _ := strings.Cut(offer, "/")
		q, spec := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.typ == ot && r.sub == os:
				s = 2
			case r.typ == ot && r.sub == "*":
				s = 1
			case r.typ == "*" && r.sub == "*":
				s = 0
			}
			if s > spec {
				q, spec = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}
