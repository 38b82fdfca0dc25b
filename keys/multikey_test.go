package keys_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// NOTES §7 check vector and the W3C vc-di-eddsa test key pair
// (https://www.w3.org/TR/vc-di-eddsa/ §"Test Vectors").
const (
	vectorMultikey   = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
	vectorHex        = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
	w3cPublicKey     = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	w3cSecretKey     = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
	employP256DIDKey = "did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76" // vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/employ
)

func TestMultikeyVector(t *testing.T) {
	raw, _ := hex.DecodeString(vectorHex)
	mb, err := keys.MultikeyFromPublic(ed25519.PublicKey(raw))
	if err != nil || mb != vectorMultikey {
		t.Fatalf("MultikeyFromPublic = %q, %v; want %q", mb, err, vectorMultikey)
	}
	pub, err := keys.PublicFromMultikey(vectorMultikey)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(pub.(ed25519.PublicKey)); got != vectorHex {
		t.Fatalf("PublicFromMultikey = %s, want %s", got, vectorHex)
	}
}

// The W3C secret key multibase is 0x80 0x26 ‖ seed (ed25519-priv); its
// public key must encode to the published publicKeyMultibase.
func TestMultikeyW3CKeyPair(t *testing.T) {
	sk, err := base58.Decode(w3cSecretKey[1:])
	if err != nil || len(sk) != 34 || sk[0] != 0x80 || sk[1] != 0x26 {
		t.Fatalf("secret key vector does not decode: %x %v", sk, err)
	}
	priv := ed25519.NewKeyFromSeed(sk[2:])
	mb, err := keys.MultikeyFromPublic(priv.Public())
	if err != nil || mb != w3cPublicKey {
		t.Fatalf("MultikeyFromPublic = %q, %v; want %q", mb, err, w3cPublicKey)
	}
	did, vm, err := keys.DIDKey(priv.Public())
	if err != nil || did != "did:key:"+w3cPublicKey || vm != did+"#"+w3cPublicKey {
		t.Fatalf("DIDKey = %q %q %v", did, vm, err)
	}
}

func TestMultikeyRoundTrip(t *testing.T) {
	tests := map[string]struct {
		kind   string
		prefix string
	}{
		"ok/ed25519": {keys.KindEd25519, "z6Mk"},
		"ok/p256":    {keys.KindP256, "zDn"},
		"ok/p384":    {keys.KindP384, "z82"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for range 20 { // both parities of y for the EC curves
				priv, err := keys.Generate(tc.kind)
				if err != nil {
					t.Fatal(err)
				}
				mb, err := keys.MultikeyFromPublic(priv.Public())
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(mb, tc.prefix) {
					t.Fatalf("%s does not start with %s", mb, tc.prefix)
				}
				pub, err := keys.PublicFromMultikey(mb)
				if err != nil {
					t.Fatal(err)
				}
				if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(priv.Public()) {
					t.Fatalf("round trip changed the key")
				}
			}
		})
	}
}

func TestMultikeyP256Vector(t *testing.T) {
	mb := strings.TrimPrefix(employP256DIDKey, "did:key:")
	pub, err := keys.PublicFromMultikey(mb)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pub.(*ecdsa.PublicKey); !ok {
		t.Fatalf("got %T, want *ecdsa.PublicKey", pub)
	}
	again, err := keys.MultikeyFromPublic(pub)
	if err != nil || again != mb {
		t.Fatalf("re-encoded %q, %v; want %q", again, err, mb)
	}
}

func TestPublicFromMultikeyErrors(t *testing.T) {
	good, _ := base58.Decode(vectorMultikey[1:])
	p256 := func(mod func([]byte) []byte) string {
		raw, _ := base58.Decode(strings.TrimPrefix(employP256DIDKey, "did:key:z"))
		return "z" + base58.Encode(mod(append([]byte(nil), raw...)))
	}
	tests := map[string]struct {
		in string
	}{
		"error/empty":             {""},
		"error/base64 multibase":  {"m7QFL3q/eLqi+763YxpuPx+BwTPURVNUuF7ILcTN8oEzFpQ"},
		"error/not base58":        {"z0OIl"},
		"error/only z":            {"z"},
		"error/unknown codec":     {"z" + base58.Encode(append([]byte{0xec, 0x01}, good[2:]...))},
		"error/ed25519 short":     {"z" + base58.Encode(good[:33])},
		"error/ed25519 long":      {"z" + base58.Encode(append(append([]byte(nil), good...), 0))},
		"error/p256 uncompressed": {p256(func(b []byte) []byte { b[2] = 0x04; return b })},
		"error/p256 short":        {p256(func(b []byte) []byte { return b[:20] })},
		"error/p256 x not in field": {p256(func(b []byte) []byte {
			for i := 3; i < len(b); i++ {
				b[i] = 0xff
			}
			return b
		})},
		"error/very long":          {"z" + strings.Repeat("2", 10000)},
		"error/rsa codec (0x1205)": {"z" + base58.Encode(append([]byte{0x85, 0x24}, make([]byte, 270)...))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pub, err := keys.PublicFromMultikey(tc.in)
			if errs.ErrorCode(err) != errs.Invalid {
				t.Fatalf("got %v, %v; want an Invalid error", pub, err)
			}
		})
	}
}

func FuzzPublicFromMultikey(f *testing.F) {
	f.Add(vectorMultikey)
	f.Add(w3cPublicKey)
	f.Add(strings.TrimPrefix(employP256DIDKey, "did:key:"))
	f.Add("zDn")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := keys.PublicFromMultikey(s)
		if err != nil {
			if errs.ErrorCode(err) != errs.Invalid {
				t.Fatalf("code %s for %q", errs.ErrorCode(err), s)
			}
			return
		}
		// Whatever decodes must encode back to the same string.
		if again, err := keys.MultikeyFromPublic(pub); err != nil || again != s {
			t.Fatalf("%q decoded but re-encodes to %q (%v)", s, again, err)
		}
	})
}
