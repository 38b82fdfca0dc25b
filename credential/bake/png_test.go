package bake_test

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
)

const (
	testJSON = `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","OpenBadgeCredential"],"name":"Whakapapa Māori ]]> test"}`
	testJWT  = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"
)

func TestBakePNG(t *testing.T) {
	tests := map[string]struct {
		image      func(testing.TB) []byte
		credential string
	}{
		"ok/json into image/png output":        {smallPNG, testJSON},
		"ok/jwt into image/png output":         {smallPNG, testJWT},
		"ok/jwt replaces the fixture's json":   {func(tb testing.TB) []byte { return readFixture(tb, "simple-json.png") }, testJWT},
		"ok/json replaces the fixture's jwt":   {func(tb testing.TB) []byte { return readFixture(tb, "simple-jwt.png") }, testJSON},
		"ok/json with surrounding white space": {smallPNG, "\r\n " + testJSON + "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := tc.image(t)
			out, err := bake.BakePNG(in, []byte(tc.credential))
			wantCode(t, err, "")
			got, err := bake.UnbakePNG(out)
			wantCode(t, err, "")
			if string(got) != tc.credential {
				t.Fatalf("unbaked %q, want %q", got, tc.credential)
			}
			if _, err := png.Decode(bytes.NewReader(out)); err != nil {
				t.Fatalf("the baked PNG does not decode: %v", err)
			}
			checkOneChunkBeforeIDAT(t, out, tc.credential)

			// Baking again replaces the chunk: still exactly one.
			again, err := bake.BakePNG(out, []byte(testJWT))
			wantCode(t, err, "")
			checkOneChunkBeforeIDAT(t, again, testJWT)

			// Every other chunk is kept byte for byte, in order.
			if a, b := otherChunks(t, in), otherChunks(t, again); a != b {
				t.Fatalf("other chunks changed:\n%s\n%s", a, b)
			}
		})
	}
}

// checkOneChunkBeforeIDAT checks the PNG has exactly one openbadgecredential
// chunk, laid out as OB 3.0 specifies, before the first IDAT.
func checkOneChunkBeforeIDAT(t *testing.T, p []byte, credential string) {
	t.Helper()
	n, seenIDAT := 0, false
	for _, c := range chunks(t, p) {
		switch {
		case c.typ == "IDAT":
			seenIDAT = true
		case bytes.HasPrefix(c.data, []byte(bake.PNGKeyword+"\x00")):
			n++
			if c.typ != "iTXt" || seenIDAT {
				t.Fatalf("credential in a %s chunk, after IDAT: %v", c.typ, seenIDAT)
			}
			want := bake.PNGKeyword + "\x00\x00\x00\x00\x00" + credential
			if string(c.data) != want {
				t.Fatalf("iTXt data %q, want %q", c.data, want)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d openbadgecredential chunks, want 1", n)
	}
}

// otherChunks describes every chunk but the credential, as a string.
func otherChunks(t *testing.T, p []byte) string {
	var s strings.Builder
	for _, c := range chunks(t, p) {
		if !bytes.HasPrefix(c.data, []byte(bake.PNGKeyword+"\x00")) {
			s.WriteString(c.typ + ":" + string(c.data) + "|")
		}
	}
	return s.String()
}

func TestUnbakePNG(t *testing.T) {
	base := smallPNG(t)
	with := func(chunks ...[]byte) []byte {
		p := base
		for _, c := range chunks {
			p = insertBeforeIEND(p, c)
		}
		return p
	}
	bomb := bytes.Repeat([]byte{' '}, bake.MaxCredentialSize+1)
	tests := map[string]struct {
		png  []byte
		want string
		code errs.Code
	}{
		"ok/plain iTXt":                  {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte(testJWT)))), want: testJWT},
		"ok/compressed iTXt is inflated": {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, true, "", "", []byte(testJSON)))), want: testJSON},
		"ok/language tag and translated keyword are skipped": {
			png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "mi", "tohu", []byte(testJWT)))), want: testJWT,
		},
		"ok/first of two iTXt wins": {png: with(
			chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte(testJWT))),
			chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte(testJSON))),
		), want: testJWT},
		"ok/iTXt preferred to an earlier tEXt": {png: with(
			chunkBytes("tEXt", []byte(bake.PNGKeyword+"\x00"+testJSON)),
			chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte(testJWT))),
		), want: testJWT},
		"ok/tEXt tolerated when there is no iTXt": {png: with(chunkBytes("tEXt", []byte(bake.PNGKeyword+"\x00"+testJWT))), want: testJWT},
		"ok/someone else's broken iTXt is ignored": {png: with(
			chunkBytes("iTXt", []byte("Comment\x00\x07")),
			chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte(testJWT))),
		), want: testJWT},

		"error/no credential":             {png: base, code: errs.NotFound},
		"error/other text chunks only":    {png: with(chunkBytes("tEXt", []byte("Software\x00tohu"))), code: errs.NotFound},
		"error/Open Badges 2.0 iTXt":      {png: with(chunkBytes("iTXt", iTXt("openbadges", false, "", "", []byte(testJWT)))), code: errs.Unsupported},
		"error/Open Badges 2.0 tEXt":      {png: with(chunkBytes("tEXt", []byte("openbadges\x00https://example.org/assertion"))), code: errs.Unsupported},
		"error/empty text":                {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", nil))), code: errs.Invalid},
		"error/text not UTF-8":            {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", []byte("\xff\xfe")))), code: errs.Invalid},
		"error/iTXt cut after keyword":    {png: with(chunkBytes("iTXt", []byte(bake.PNGKeyword+"\x00"))), code: errs.Invalid},
		"error/iTXt without its NULs":     {png: with(chunkBytes("iTXt", []byte(bake.PNGKeyword+"\x00\x00\x00en"))), code: errs.Invalid},
		"error/compression flag 2":        {png: with(chunkBytes("iTXt", []byte(bake.PNGKeyword+"\x00\x02\x00\x00\x00x"))), code: errs.Invalid},
		"error/compression method 1":      {png: with(chunkBytes("iTXt", []byte(bake.PNGKeyword+"\x00\x01\x01\x00\x00x"))), code: errs.Invalid},
		"error/compressed text not zlib":  {png: with(chunkBytes("iTXt", []byte(bake.PNGKeyword+"\x00\x01\x00\x00\x00not zlib"))), code: errs.Invalid},
		"error/decompression bomb capped": {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, true, "", "", bomb))), code: errs.Invalid},
		"error/text over the size cap":    {png: with(chunkBytes("iTXt", iTXt(bake.PNGKeyword, false, "", "", bomb))), code: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := bake.UnbakePNG(tc.png)
			wantCode(t, err, tc.code)
			if tc.code == "" && string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMalformedPNG feeds broken datastreams to both directions: each must
// be refused as Invalid, never panic.
func TestMalformedPNG(t *testing.T) {
	good, err := bake.BakePNG(smallPNG(t), []byte(testJWT))
	wantCode(t, err, "")
	setLen := func(n uint32) []byte { // the first chunk after IHDR declares n bytes
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[8+25:], n)
		return b
	}
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x40; return b }
	ihdrLast := append(append(bytes.Clone(good[:8]), chunkBytes("tEXt", []byte("a\x00b"))...), good[8:]...)

	tests := map[string][]byte{
		"error/empty":                       nil,
		"error/bad signature":               flip(1),
		"error/signature only":              good[:8],
		"error/cut inside the first chunk":  good[:20],
		"error/cut inside the credential":   good[:60],
		"error/cut before IEND":             good[:len(good)-12],
		"error/cut inside IEND":             good[:len(good)-3],
		"error/length 0xFFFFFFFF":           setLen(0xFFFFFFFF),
		"error/length 2^31-1":               setLen(0x7FFFFFFF),
		"error/length one past the end":     setLen(uint32(len(good))),
		"error/bad CRC in IHDR":             flip(8 + 4 + 4 + 13),
		"error/bad CRC after a data change": flip(8 + 25 + 12),
		"error/chunk type not letters":      func() []byte { b := bytes.Clone(good); b[8+25+4] = '1'; return b }(),
		"error/first chunk is not IHDR":     ihdrLast,
		"error/a JPEG":                      []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := bake.UnbakePNG(in)
			wantCode(t, err, errs.Invalid)
			_, err = bake.BakePNG(in, []byte(testJWT))
			wantCode(t, err, errs.Invalid)
		})
	}
}

func TestBakePNGRefuses(t *testing.T) {
	noIDAT := append(bytes.Clone(smallPNG(t)[:8+25]), chunkBytes("IEND", nil)...)
	tests := map[string]struct {
		png        []byte
		credential []byte
	}{
		"error/no IDAT":                   {noIDAT, []byte(testJWT)},
		"error/empty credential":          {smallPNG(t), nil},
		"error/credential not UTF-8":      {smallPNG(t), []byte("{\"a\":\"\xff\"}")},
		"error/credential neither form":   {smallPNG(t), []byte("hello")},
		"error/JSON array, not object":    {smallPNG(t), []byte(`[{"a":1}]`)},
		"error/truncated JSON":            {smallPNG(t), []byte(`{"a":`)},
		"error/JWS with two segments":     {smallPNG(t), []byte("eyJh.eyJz")},
		"error/JWS with an empty segment": {smallPNG(t), []byte("eyJh..c2ln")},
		"error/credential over the cap":   {smallPNG(t), append(append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), bake.MaxCredentialSize)...), `"}`...)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := bake.BakePNG(tc.png, tc.credential)
			wantCode(t, err, errs.Invalid)
		})
	}
}
