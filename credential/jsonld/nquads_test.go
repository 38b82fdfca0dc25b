package jsonld_test

import (
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// TestNQuadsEscapeGold: the N-Quads lines tohu writes (and hashes) escape
// every byte as json-gold's serializer does, in literals, IRIs and
// datatypes, whatever surrounds it.
func TestNQuadsEscapeGold(t *testing.T) {
	var values []string
	for c := range 256 {
		b := string([]byte{byte(c)})
		values = append(values, b, "a"+b, b+"z", "Ā"+b+b+"ō", strings.Repeat(b, 3))
	}
	values = append(values, "", `plain text`, `say "kia ora"\n`, "line\nbreak\r\ttab\\", `\"`, "ā\"ē\\ī")
	for _, v := range values {
		quads := []*ld.Quad{
			ld.NewQuad(ld.NewBlankNode("_:b0"), ld.NewIRI("https://schema.org/name"), ld.NewLiteral(v, ld.XSDString, ""), ""),
			ld.NewQuad(ld.NewBlankNode("_:b0"), ld.NewIRI("https://schema.org/name"), ld.NewLiteral(v, ld.RDFLangString, "mi"), ""),
			ld.NewQuad(ld.NewIRI("https://example.nz/"+v), ld.NewIRI("https://schema.org/url"), ld.NewLiteral(v, "https://example.nz/dt"+v, ""), "https://example.nz/g"+v),
		}
		ds := ld.NewRDFDataset()
		for _, q := range quads {
			g := "@default"
			if q.Graph != nil {
				g = q.Graph.GetValue()
			}
			ds.Graphs[g] = append(ds.Graphs[g], q)
		}
		var want strings.Builder
		for _, g := range []string{"@default", "https://example.nz/g" + v} {
			one := ld.NewRDFDataset()
			one.Graphs[g] = ds.Graphs[g]
			s, err := (&ld.NQuadRDFSerializer{}).Serialize(one)
			if err != nil {
				t.Fatal(err)
			}
			want.WriteString(s.(string))
		}
		if got := string(jsonld.NQuads(quads)); got != want.String() {
			t.Errorf("value %q:\n got %q\nwant %q", v, got, want.String())
		}
	}
}
