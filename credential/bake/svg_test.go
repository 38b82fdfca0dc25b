package bake_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
)

const plainSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" role="img"><title>Tohu</title><circle cx="5" cy="5" r="4"/></svg>
`

func TestBakeSVG(t *testing.T) {
	tests := map[string]struct {
		svg        string
		credential string
		want       string // expected UnbakeSVG result when not the credential itself
	}{
		"ok/json into a plain svg":                   {svg: plainSVG, credential: testJSON},
		"ok/jwt into a plain svg":                    {svg: plainSVG, credential: testJWT},
		"ok/jwt replaces the fixture's json":         {svg: "simple-json.svg", credential: testJWT},
		"ok/json replaces the fixture's jwt":         {svg: "simple-jwt.svg", credential: testJSON},
		"ok/self-closing root":                       {svg: `<svg xmlns="http://www.w3.org/2000/svg"/>`, credential: testJSON},
		"ok/prefixed root":                           {svg: `<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:g/></s:svg>`, credential: testJWT},
		"ok/root without a namespace":                {svg: `<svg width="1"></svg>`, credential: testJWT},
		"ok/prefix already declared is not repeated": {svg: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"></svg>`, credential: testJWT},
		"ok/another prefix for the namespace":        {svg: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><g><ob:credential verify="a.b.c"/></g></svg>`, credential: testJSON},
		"ok/several old credentials are all removed": {
			svg:        `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a.b.c"/><g><openbadges:credential><![CDATA[{}]]></openbadges:credential></g></svg>`,
			credential: testJWT,
		},
		"ok/]]> in the JSON splits the CDATA":   {svg: plainSVG, credential: `{"a":"]]>","b":"]]]>>","c":"]"}`},
		"ok/JSON ending in ]]":                  {svg: plainSVG, credential: `{"a":[["x"]]}`},
		"ok/carriage returns survive":           {svg: plainSVG, credential: "{\r\n\"a\":\r1}"},
		"ok/surrounding white space is trimmed": {svg: plainSVG, credential: "\n  " + testJSON + "\n", want: testJSON},
		"ok/te reo and emoji survive":           {svg: plainSVG, credential: `{"name":"Tūhono ā-ipurangi 🌿 <&>"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := []byte(tc.svg)
			if strings.HasSuffix(tc.svg, ".svg") {
				in = readFixture(t, tc.svg)
			}
			want := tc.want
			if want == "" {
				want = tc.credential
			}
			out, err := bake.BakeSVG(in, []byte(tc.credential))
			wantCode(t, err, "")
			got, err := bake.UnbakeSVG(out)
			wantCode(t, err, "")
			if string(got) != want {
				t.Fatalf("unbaked %q, want %q", got, want)
			}
			if n := countCredentialElements(t, out); n != 1 {
				t.Fatalf("%d credential elements, want 1:\n%s", n, out)
			}
			// Baking twice still leaves exactly one element.
			again, err := bake.BakeSVG(out, []byte(testJWT))
			wantCode(t, err, "")
			if n := countCredentialElements(t, again); n != 1 {
				t.Fatalf("after a second bake: %d credential elements, want 1:\n%s", n, again)
			}
			if got, _ := bake.UnbakeSVG(again); string(got) != testJWT {
				t.Fatalf("second bake unbaked %q", got)
			}
			if n := bytes.Count(again, []byte(`xmlns:openbadges=`)); n != 1 {
				t.Fatalf("%d xmlns:openbadges declarations, want 1", n)
			}
		})
	}
}

// TestBakeSVGGolden pins the exact markup: the namespace declaration on the
// root, the element right after the start tag, the rest untouched.
func TestBakeSVGGolden(t *testing.T) {
	tests := map[string]struct {
		credential string
		golden     string
	}{
		"ok/json": {`{"name":"a ]]> b"}`, "golden/baked-json.svg"},
		"ok/jwt":  {testJWT, "golden/baked-jwt.svg"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := bake.BakeSVG([]byte(plainSVG), []byte(tc.credential))
			wantCode(t, err, "")
			golden(t, tc.golden, out)
		})
	}
}

func TestUnbakeSVG(t *testing.T) {
	const open = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">`
	// The root counts as one level.
	deep := open + strings.Repeat("<g>", bake.MaxSVGDepth-1) + strings.Repeat("</g>", bake.MaxSVGDepth-1) + "</svg>"
	tooDeep := open + strings.Repeat("<g>", bake.MaxSVGDepth) + strings.Repeat("</g>", bake.MaxSVGDepth) + "</svg>"
	laughs := `<?xml version="1.0"?>
<!DOCTYPE svg [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
` + open + `<openbadges:credential>&lol3;</openbadges:credential></svg>`

	tests := map[string]struct {
		svg  string
		want string
		code errs.Code
	}{
		"ok/verify attribute":                  {svg: open + `<openbadges:credential verify="` + testJWT + `"></openbadges:credential></svg>`, want: testJWT},
		"ok/verify wins over the body":         {svg: open + `<openbadges:credential verify="` + testJWT + `">{}</openbadges:credential></svg>`, want: testJWT},
		"ok/CDATA body":                        {svg: open + `<openbadges:credential><![CDATA[` + `{"a":1}` + `]]></openbadges:credential></svg>`, want: `{"a":1}`},
		"ok/escaped text body":                 {svg: open + `<openbadges:credential>{"a":"&lt;&amp;&#x101;"}</openbadges:credential></svg>`, want: `{"a":"<&ā"}`},
		"ok/any prefix bound to the namespace": {svg: `<svg xmlns="http://www.w3.org/2000/svg"><x:credential xmlns:x="https://purl.imsglobal.org/ob/v3p0" verify="` + testJWT + `"/></svg>`, want: testJWT},
		"ok/nested deep in the document":       {svg: open + `<g><g><openbadges:credential verify="` + testJWT + `"/></g></g></svg>`, want: testJWT},
		"ok/public DOCTYPE without entities":   {svg: `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` + open + `<openbadges:credential verify="` + testJWT + `"/></svg>`, want: testJWT},
		"ok/nesting at the limit":              {svg: strings.Replace(deep, "<g>", `<openbadges:credential verify="`+testJWT+`"/><g>`, 1), want: testJWT},

		"error/no credential":                 {svg: plainSVG, code: errs.NotFound},
		"error/credential prefix not bound":   {svg: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/ob"><openbadges:credential verify="a.b.c"/></svg>`, code: errs.NotFound},
		"error/Open Badges 2.0 assertion":     {svg: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="a.b.c"/></svg>`, code: errs.Unsupported},
		"error/empty credential element":      {svg: open + `<openbadges:credential>  </openbadges:credential></svg>`, code: errs.Invalid},
		"error/empty verify attribute":        {svg: open + `<openbadges:credential verify=""/></svg>`, code: errs.Invalid},
		"error/element inside the credential": {svg: open + `<openbadges:credential><g/></openbadges:credential></svg>`, code: errs.Invalid},
		"error/billion laughs":                {svg: laughs, code: errs.Invalid},
		"error/external entity":               {svg: `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + open + `<openbadges:credential>&xxe;</openbadges:credential></svg>`, code: errs.Invalid},
		"error/undeclared entity":             {svg: open + `<openbadges:credential>&xxe;</openbadges:credential></svg>`, code: errs.Invalid},
		"error/nesting past the limit":        {svg: tooDeep, code: errs.Invalid},
		"error/root is not svg":               {svg: `<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>`, code: errs.Invalid},
		"error/svg in another namespace":      {svg: `<svg xmlns="https://example.org/not-svg"/>`, code: errs.Invalid},
		"error/two roots":                     {svg: `<svg/><svg/>`, code: errs.Invalid},
		"error/unclosed element":              {svg: open + `<g>`, code: errs.Invalid},
		"error/mismatched tags":               {svg: open + `</g></svg>`, code: errs.Invalid},
		"error/no root":                       {svg: `<?xml version="1.0"?><!-- nothing -->`, code: errs.Invalid},
		"error/Latin-1 declared":              {svg: `<?xml version="1.0" encoding="ISO-8859-1"?><svg/>`, code: errs.Invalid},
		"error/invalid UTF-8":                 {svg: "<svg>\xff</svg>", code: errs.Invalid},
		"error/larger than MaxImageSize":      {svg: open + strings.Repeat(" ", bake.MaxImageSize) + "</svg>", code: errs.Invalid},
		"error/credential text over the cap":  {svg: open + `<openbadges:credential>` + strings.Repeat("x", bake.MaxCredentialSize+1) + `</openbadges:credential></svg>`, code: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := bake.UnbakeSVG([]byte(tc.svg))
			wantCode(t, err, tc.code)
			if tc.code == "" && string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBakeSVGRefuses(t *testing.T) {
	tests := map[string]struct {
		svg        string
		credential string
		code       errs.Code
	}{
		"error/openbadges prefix bound elsewhere": {svg: `<svg xmlns:openbadges="https://example.org/x"/>`, credential: testJWT, code: errs.Conflict},
		"error/Open Badges 2.0 badge":             {svg: `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="a.b.c"/></svg>`, credential: testJWT, code: errs.Unsupported},
		"error/entities":                          {svg: `<!DOCTYPE svg [<!ENTITY a "b">]><svg/>`, credential: testJWT, code: errs.Invalid},
		"error/not svg":                           {svg: `<html/>`, credential: testJWT, code: errs.Invalid},
		"error/credential neither JSON nor JWS":   {svg: plainSVG, credential: "<x/>", code: errs.Invalid},
		"error/JSON with a character XML forbids": {svg: plainSVG, credential: "{\"a\":\"\uffff\"}", code: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := bake.BakeSVG([]byte(tc.svg), []byte(tc.credential))
			wantCode(t, err, tc.code)
		})
	}
}
