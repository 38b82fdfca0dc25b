package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// vetJSONTokens is vetJSON as it was before the one-pass scanner: a loop
// over encoding/json's Decoder.Token. It is kept as the reference the
// scanner must agree with (TestVetJSONAgrees, FuzzVetJSON).
func vetJSONTokens(body []byte) error {
	type frame struct {
		object  bool
		wantKey bool // objects: the next string is a member name
		index   int
		key     string // the member being read (objects)
		seen    map[string]bool
		at      string // pointer of the container
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// Numbers stay text, so one beyond float64 does not end the scan.
	dec.UseNumber()
	var stack []*frame
	// here is the pointer of the value the next token starts.
	here := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.at + "/" + escapePointer(f.key)
		}
		return f.at + "/" + strconv.Itoa(f.index)
	}
	// done marks the end of one value inside the top container.
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.wantKey = true
		} else {
			f.index++
		}
	}
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // EOF, or a syntax error the decoder reports
		}
		cur := dec.InputOffset()
		raw := body[prev:cur]
		prev = cur
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if str, ok := tok.(string); ok {
			isKey := top != nil && top.object && top.wantKey
			ptr := here()
			if isKey {
				ptr = top.at + "/" + escapePointer(str)
			}
			switch {
			case !utf8.Valid(raw):
				return malformedf(ptr, "%s holds bytes that are not UTF-8.", memberName(ptr))
			case strings.ContainsRune(str, utf8.RuneError) && !bytes.ContainsRune(raw, utf8.RuneError) &&
				!bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)):
				return malformedf(ptr, "%s holds an unpaired UTF-16 surrogate escape.", memberName(ptr))
			case strings.IndexByte(str, 0) >= 0:
				return malformedf(ptr, "%s holds a NUL character.", memberName(ptr))
			}
			if isKey {
				if top.seen[str] {
					return malformedf(ptr, "The member %s appears twice.", memberName(ptr))
				}
				top.seen[str] = true
				top.key, top.wantKey = str, false
				continue
			}
			done()
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			obj := tok == json.Delim('{')
			stack = append(stack, &frame{object: obj, wantKey: obj, at: here(), seen: map[string]bool{}})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// vetVerdict is what a client would see of a vetJSON result: accepted, or
// the error's type, code, pointer and message.
func vetVerdict(err error) string {
	if err == nil {
		return "accepted"
	}
	var br *badRequest
	if !errors.As(err, &br) {
		return fmt.Sprintf("%T %v", err, err)
	}
	p, _ := problemFor(err)
	return fmt.Sprintf("%d %s code=%s pointer=%q message=%q", p.Status, p.Type, br.err.Code, br.err.Field, br.err.Message)
}

func checkVetAgrees(t *testing.T, body []byte) {
	t.Helper()
	got, want := vetVerdict(vetJSON(body)), vetVerdict(vetJSONTokens(body))
	if got != want {
		t.Fatalf("body %q:\n scanner: %s\n  tokens: %s", body, got, want)
	}
}

// vetSeeds are bodies that reach every verdict and every way a scan ends
// early: the hostile battery's whole-body forms and strings, TestVetJSON's
// cases, the quirks of Decoder.Token the scanner mirrors (several top-level
// values, a number too large for a float64 not ending the scan, a literal or
// escaped U+FFFD excusing a lone surrogate in the same string), and syntax
// errors before and after a problem.
func vetSeeds(tb testing.TB) []string {
	seeds := []string{
		``, ` `, `{}`, `[]`, `null`, `"x"`, `42`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `{,}`, `[,1]`, `{"a"::1}`,
		`{"a":1 "a":2}`, `{"a":1}{"a":2}`, `{} {"a":1,"a":2}`, `"a\u0000" {`, `1 2 [3] "\ud800"`, `01 {"a":1,"a":1}`,
		`[01]`, `[1x]`, `[-]`, `[-0]`, `[1.]`, `[1.5e]`, `[1e+]`, `[1E-9]`, `[tru]`, `[truex]`, `[nul]`, `[falsey]`,
		`truefalse {"a":0,"a":0}`, `{"a":1e400,"a":2}`, `{"a":-1e400,"a":2}`, `{"a":1e-400,"a":2}`, `[1e308,{"a":0,"a":0}]`,
		`{"a":1` + strings.Repeat("0", 400) + `,"a":2}`, `{"a":1` + strings.Repeat("0", 307) + `,"a":2}`,
		`{"a":1` + strings.Repeat("0", 308) + `,"a":2}`, `{"a":0.` + strings.Repeat("0", 400) + `1,"a":2}`,
		`{"a":1,"a"`, `{"a":1,"a":`, `{"a":"x\u0000`, `{"a":"x\u0000"`, `["\ud800"`, `["\ud800`, `{"\u0000"`,
		`{"name":"a","roles":[],"name":"b"}`, `{"raw":{"x":[0,{"k":1,"k":2}]}}`, `{"raw":{"":1,"":2}}`,
		`{"roles":["a","b\u0000"]}`, `{"raw":{"a\u0000":1}}`, `{"name":"\ud800x"}`, "{\"raw\":{\"a\":[\"\xff\"]}}",
		`{"name":"\ufffd"}`, `{"name":"\uFFFD\ud800"}`, `{"name":"\\ufffd\ud800"}`, `{"name":"` + "\uFFFD" + `\ud800"}`,
		`{"name":"\ud83e\udd89"}`, `{"name":"\udd89\ud83e"}`, `{"name":"\ud83e\ud83e\udd89"}`, `{"name":"\ud83e\u0041"}`,
		`{"name":"\ud83e\n"}`, `{"name":"\ud83e"}`, `{"\udc00":1}`, `{"\ud800\ufffd":1,"\ufffd\ufffd":2}`,
		`{"a~/b":1,"a~/b":2}`, `{"a":{"b~c/d":[{"x":"\u0000"}]}}`, `{"a\u0062":1,"ab":2}`, `{"a\/":1,"a/":2}`,
		`{"k":1,"K":2}`, "{\"a\xff\":1}", "{\"a\":\"\xff\" \"", "[\"\xc3\xa9\", \"\xc3\"]", "[\"\xed\xa0\x80\"]",
		"{\"a\":\"x\ty\"}", "{\"a\":\"\x00\"}", `{"a":"\x"}`, `{"a":"\u00g0"}`, `{"a":"\u00`, `{"a":"\`,
		"\xef\xbb\xbf{\"a\":1,\"a\":2}", "\x00\x01\xff{\"", " \r\n\t{\"a\" : [ 1 , 2 ] , \"a\" : 3 }", "\f{}",
	}
	for _, v := range hostileStrings {
		seeds = append(seeds, `{"name":`+string(v)+`,"name":1}`, `[`+string(v)+`]`, `{`+string(v)+`:1}`)
	}
	for _, v := range hostileNumbers {
		seeds = append(seeds, `{"n":`+string(v)+`,"n":1}`)
	}
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	seeds = append(seeds, `{`+strings.Join(many, ",")+`}`, `{`+strings.Join(many, ",")+`,"k33":0}`,
		`{`+strings.Join(many, ",")+`,"k3":0}`, `{`+strings.Join(many[:17], ",")+`,"k16":0}`)
	deep := strings.Repeat(`[`, 70) + `{"a":1,"a":2}` + strings.Repeat(`]`, 70)
	seeds = append(seeds, deep, strings.Repeat(`{"a":`, 200)+`"\u0000"`+strings.Repeat(`}`, 200),
		strings.Repeat(`{"a":[`, 100)+`0,{"b":1,"b":1}`+strings.Repeat(`]}`, 100), strings.Repeat(`[`, 5000))
	return append(seeds, string(vetCredentialBody(tb)))
}

// vetCredentialBody is a realistic verify body: the jsbench peers' OB 3.0
// sample (credential/testdata) with a Data Integrity proof block as tohu
// signs them. vetJSON only reads the bytes, so the signature is not real.
func vetCredentialBody(tb testing.TB) []byte {
	vc, err := os.ReadFile("../credential/testdata/jsbench-sample-credential.json")
	if err != nil {
		tb.Fatal(err)
	}
	vc = bytes.TrimRight(vc, " \n")
	vc = append(vc[:len(vc)-1], `,
  "proof": {
    "type": "DataIntegrityProof",
    "created": "2026-03-14T09:30:00Z",
    "verificationMethod": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
    "proofValue": "z58DAdFfa9SkqZMVPxAQpic7ndSayn1PzZs6ZjWp1CktyGesjuTSwRdoWhAfGFCF5bppETSTojQCrfFPP2oumHKtz"
  }
}`...)
	body := []byte(`{"verifiableCredential":` + string(vc) + `}`)
	if !json.Valid(body) {
		tb.Fatal("the verify body is not JSON")
	}
	return body
}

// TestVetJSONAgrees: the scanner gives the token loop's verdict (accepted,
// or the same problem, message and pointer) on every seed, every seed cut
// at every byte, and generated and mutated JSON.
func TestVetJSONAgrees(t *testing.T) {
	for _, s := range vetSeeds(t) {
		checkVetAgrees(t, []byte(s))
		if len(s) < 400 {
			for i := range len(s) {
				checkVetAgrees(t, []byte(s[:i]))
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		body := []byte(genVetJSON(rng, 0))
		checkVetAgrees(t, body)
		for range 3 {
			body = mutateVetJSON(rng, body)
			checkVetAgrees(t, body)
		}
	}
}

// vetPieces are the string contents generated JSON draws from: few enough
// names that duplicates are common, and every escape the verdicts turn on.
var vetPieces = []string{
	`a`, `b`, `~`, `/`, `é`, "\uFFFD", `\ufffd`, `\uFFFD`, `\\ufffd`, `\u0000`, `\ud800`, `\udc00`, `\ud83e\udd89`,
	`\ud83e\ud83e`, `\u0061`, `\n`, `\"`, `\\`, `\/`, "\xff", "\xc3", `\u00e9`, ``,
}

func genVetString(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteByte('"')
	for range rng.IntN(3) {
		b.WriteString(vetPieces[rng.IntN(len(vetPieces))])
	}
	b.WriteByte('"')
	return b.String()
}

var vetNumbers = []string{`0`, `-1`, `1.5`, `1e400`, `-1e400`, `1e-400`, `2e308`, `1E+2`, `01`, `-`, `1.`, `9` + strings.Repeat("9", 310)}

func genVetJSON(rng *rand.Rand, depth int) string {
	space := func() string { return []string{``, ``, ` `, "\n\t"}[rng.IntN(4)] }
	k := rng.IntN(10)
	if depth > 4 {
		k = 4 + rng.IntN(6)
	}
	switch k {
	case 0, 1:
		var parts []string
		for range rng.IntN(5) {
			parts = append(parts, space()+genVetString(rng)+space()+":"+space()+genVetJSON(rng, depth+1))
		}
		return "{" + strings.Join(parts, ",") + space() + "}"
	case 2, 3:
		var parts []string
		for range rng.IntN(4) {
			parts = append(parts, space()+genVetJSON(rng, depth+1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case 4, 5, 6:
		return genVetString(rng)
	case 7:
		return vetNumbers[rng.IntN(len(vetNumbers))]
	case 8:
		return []string{`true`, `false`, `null`}[rng.IntN(3)]
	default:
		return genVetJSON(rng, depth+1) + space() + genVetJSON(rng, depth+1) // several values
	}
}

func mutateVetJSON(rng *rand.Rand, body []byte) []byte {
	if len(body) == 0 {
		return []byte(`{`)
	}
	i := rng.IntN(len(body))
	out := append([]byte{}, body[:i]...)
	switch rng.IntN(4) {
	case 0: // drop a byte
		return append(out, body[i+1:]...)
	case 1: // insert one
		const ins = `{}[]:,"\u 0-e.x`
		out = append(out, ins[rng.IntN(len(ins))])
	case 2: // replace one
		out = append(out, byte(rng.IntN(256)))
		return append(out, body[i+1:]...)
	default: // duplicate a stretch
		j := i + rng.IntN(len(body)-i)
		out = append(out, body[i:j]...)
	}
	return append(out, body[i:]...)
}

// FuzzVetJSON: the scanner and the token loop agree on any input.
func FuzzVetJSON(f *testing.F) {
	for _, s := range vetSeeds(f) {
		f.Add([]byte(s))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		f.Add([]byte(genVetJSON(rng, 0)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkVetAgrees(t, body)
	})
}

// BenchmarkVetJSON compares the scanner with the token loop it replaced on
// a verify body holding a signed OB 3.0 credential.
func BenchmarkVetJSON(b *testing.B) {
	body := vetCredentialBody(b)
	for _, bc := range []struct {
		name string
		vet  func([]byte) error
	}{{"scan", vetJSON}, {"tokens", vetJSONTokens}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.vet(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
