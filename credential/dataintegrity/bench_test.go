package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"
)

// benchDoc is the jsbench sample credential with its issuer replaced by the
// bench key's did:key, as the JavaScript benchmark does.
func benchDoc(b *testing.B) ([]byte, ed25519.PrivateKey, string) {
	priv := testKey("bench")
	pub := priv.Public().(ed25519.PublicKey)
	doc := bytes.Replace(readFile(b, "testdata/sample-credential.json"),
		[]byte("did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"), []byte("did:key:"+multikeyOf(pub)), 1)
	return doc, priv, didKeyVM(pub)
}

func BenchmarkSign(b *testing.B) {
	doc, priv, vm := benchDoc(b)
	ctx := context.Background()
	opts := SignOptions{VerificationMethod: vm, Created: testCreated}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(ctx, doc, priv, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	doc, priv, vm := benchDoc(b)
	ctx := context.Background()
	signed, err := Sign(ctx, doc, priv, SignOptions{VerificationMethod: vm, Created: testCreated})
	if err != nil {
		b.Fatal(err)
	}
	opts := VerifyOptions{Resolver: didKeyResolver{}}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Verify(ctx, signed, opts)
		if err != nil || !r[0].Verified {
			b.Fatal(err, r)
		}
	}
}

func BenchmarkEd25519Sign(b *testing.B) {
	priv := testKey("bench")
	msg := bytes.Repeat([]byte{7}, 64)
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	priv := testKey("bench")
	pub := priv.Public().(ed25519.PublicKey)
	msg := bytes.Repeat([]byte{7}, 64)
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("no")
		}
	}
}
