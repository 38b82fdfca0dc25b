package pages

import (
	"sort"
	"strconv"
	"strings"
)

// Lang is a page language. Only English and te reo Māori are offered.
type Lang string

// The page languages.
const (
	En Lang = "en"
	Mi Lang = "mi"
)

// Langs lists the page languages in the order the language switch shows them.
var Langs = []Lang{En, Mi}

// Tag is the BCP 47 tag for the html lang attribute: "en-NZ" or "mi".
func (l Lang) Tag() string {
	if l == Mi {
		return "mi"
	}
	return "en-NZ"
}

// Other is the language the switch offers.
func (l Lang) Other() Lang {
	if l == Mi {
		return En
	}
	return Mi
}

// parseLang maps a tag such as "mi", "mi-NZ" or "EN-nz" to a page language.
func parseLang(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	primary, _, _ := strings.Cut(tag, "-")
	switch primary {
	case "mi":
		return Mi, true
	case "en":
		return En, true
	}
	return "", false
}

// Negotiate picks the page language: an explicit ?lang= query value wins;
// otherwise the Accept-Language entry (RFC 9110 §12.5.4) with the highest
// q-value that names English or te reo Māori; otherwise English.
func Negotiate(query, acceptLanguage string) Lang {
	if l, ok := parseLang(query); ok {
		return l
	}
	type choice struct {
		lang Lang
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		l, ok := parseLang(tag)
		if !ok {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, found := strings.Cut(strings.TrimSpace(p), "=")
			if found && strings.EqualFold(k, "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > 0 {
			choices = append(choices, choice{l, q})
		}
	}
	if len(choices) == 0 {
		return En
	}
	sort.SliceStable(choices, func(a, b int) bool { return choices[a].q > choices[b].q })
	return choices[0].lang
}
