package verifier_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// FuzzVerify: Verify never panics, always returns a decided report, and a
// mutation of a signed input never verifies (CONVENTIONS §12). Seeds: the
// official vectors, a freshly signed credential (DI and JWT), and truncated
// and garbled forms of them (more in testdata/fuzz/FuzzVerify).
func FuzzVerify(f *testing.F) {
	// A fixed key and clock make the signed seeds identical in every fuzz
	// worker process (Ed25519 signatures are deterministic).
	seed := sha256.Sum256([]byte("tohu FuzzVerify seed key"))
	kf, err := keys.NewKeyFile(ed25519.NewKeyFromSeed(seed[:]), "")
	if err != nil {
		f.Fatal(err)
	}
	signer, err := kf.Signer()
	if err != nil {
		f.Fatal(err)
	}
	k := &issuerKey{kf: kf, signer: signer}
	di := k.signDI(f, k.unsigned(f, nil))
	jwt := k.signJWT(f, k.unsigned(f, nil), "vc+jwt")
	originals := [][]byte{di, jwt}
	files, _ := filepath.Glob("testdata/*/*.json")
	files = append(files, "testdata/validator/simple.jwt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		originals = append(originals, b)
	}
	for _, b := range originals {
		f.Add(b)
		f.Add(b[:len(b)/2])
		g := bytes.Clone(b)
		g[len(g)/3] ^= 0x20
		f.Add(g)
	}
	v := verifier.New(verifier.WithNow(func() time.Time { return testNow }))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := v.Verify(context.Background(), in)
		if r == nil || r.Result == "" || r.Summary == "" || len(r.Checks) == 0 {
			t.Fatalf("undecided report %+v", r)
		}
		if r.Result != verifier.Verified {
			return
		}
		// Only the two tohu-signed inputs verify offline; any other input
		// that verifies must be byte-identical to one of them, or carry the
		// same signed content (whitespace/ordering of JSON members).
		if bytes.Equal(in, di) || bytes.Equal(in, jwt) {
			return
		}
		if sameSigned(t, v, in, di) || sameJWT(in, jwt) {
			return
		}
		t.Fatalf("a mutated input verified:\n%q", in)
	})
}

// sameSigned reports whether in is di re-serialised (same JSON value): the
// proof covers the JSON-LD data, not the bytes, so that verifies rightly.
// Numbers are compared as written (15 and 15.0 are signed differently), so
// a number changed to an equal float64 is still a mutation that must fail.
func sameSigned(t *testing.T, _ *verifier.Verifier, in, di []byte) bool {
	a, errA := decodeNumbers(in)
	b, errB := decodeNumbers(di)
	if errA != nil || errB != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// sameJWT reports whether in decodes to the same three segments as jwt
// (base64url may carry ignorable trailing bits).
func sameJWT(in, jwt []byte) bool {
	a, b := bytes.Split(bytes.TrimSpace(in), []byte(".")), bytes.Split(jwt, []byte("."))
	if len(a) != 3 {
		return false
	}
	for i := range a {
		x, err1 := base64.RawURLEncoding.DecodeString(string(a[i]))
		y, err2 := base64.RawURLEncoding.DecodeString(string(b[i]))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}
