package jsonld

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"
)

// TestPlainURLVerdict: wherever plainURLVerdict decides, it decides as
// json-gold's ld.IsURL does — on the URLs tohu mints, on near misses of the
// plain form, and on generated strings around it.
func TestPlainURLVerdict(t *testing.T) {
	cases := []string{
		"https://tohu.example.nz/c/0c7c3a52-6f2b-4a7e-9d0f-3b1c5d2e8a91",
		"https://tohu.example.nz/status/p1/revocation#40213",
		"https://tohu.example.nz/achievements/a1/v2", "http://localhost:8080/c/1", "https://127.0.0.1:8080/x",
		"https://ab.cd", "https://abc", "https://ab", "https://a.bc", "https://ab.c", "https://ab.c.de", "https://xn--mori-qsa.nz/",
		"https://tohu-nz.example/c/1", "https://tohu.example.nz:/x", "https://tohu.example.nz:123456/x", "https://tohu.example.nz:443",
		"https://tohu.example.nz/a b", "https://tohu.example.nz/a\tb", "https://tohu.example.nz/%zz", "https://tohu.example.nz/#%zz",
		"https://tohu.example.nz/\x7f", "https://tohu.example.nz/\x01", "https://tohu.example.nz/kōrero", "https://tohu.example.nz?q=1 ",
		"https://tohu.example.nz#f", "https://tohu.example.nz?", "https://tohu..example.nz/", "https://.tohu.example.nz/",
		"https://tohu.example.nz./", "https://user@tohu.example.nz/", "https://tohu.example.nz/\xff", "https://TOHU.Example.NZ/",
		"https://tohu.example.nz/" + strings.Repeat("a", 2100), "https://tohu.example.nz/a\vb", "https://tohu.example.nz/a\u2028b",
		"https://[::1]/x", "https://tohu_nz.example/", "https://1.2.3.4.5/",
	}
	r := rand.New(rand.NewPCG(15, 4))
	const alphabet = "abcxyzAZ0189.-_:/?#% @\t\n\x7fō"
	for range 40000 {
		var b strings.Builder
		b.WriteString([]string{"http://", "https://"}[r.IntN(2)])
		// A plain host most of the time, so the fast path is exercised.
		if r.IntN(3) != 0 {
			for i := range 1 + r.IntN(3) {
				if i > 0 {
					b.WriteByte('.')
				}
				for range 1 + r.IntN(4) {
					b.WriteByte("abz09Q"[r.IntN(6)])
				}
			}
		}
		b.WriteString([]string{"", "/", "?", "#", ":8", ":443/", ":123456", "."}[r.IntN(8)])
		for range r.IntN(8) {
			c := []rune(alphabet)
			b.WriteRune(c[r.IntN(len(c))])
		}
		cases = append(cases, b.String())
	}
	known := 0
	for _, iri := range cases {
		v, ok := plainURLVerdict(iri)
		if !ok {
			continue
		}
		known++
		if want := ld.IsURL(iri); v != want {
			t.Errorf("plainURLVerdict(%q) = %v, ld.IsURL says %v", iri, v, want)
		}
	}
	if known < 5000 {
		t.Fatalf("the fast path decided only %d of %d strings", known, len(cases))
	}
	for _, iri := range cases[:3] {
		if v, ok := plainURLVerdict(iri); !ok || !v {
			t.Errorf("plainURLVerdict(%q) = %v, %v; want a verdict of valid (a URL tohu mints)", iri, v, ok)
		}
	}
}
