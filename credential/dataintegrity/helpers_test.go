package dataintegrity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// W3C EdDSA Cryptosuites test key pair (the spec's examples and TestVectors).
const (
	w3cPublicMultibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	w3cSecretMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
)

// didKeyResolver resolves did:key methods with the real keys.NewResolver
// (offline) and, in addition, a fixed set of other methods: the 1EdTech
// vector's https URL, whose controller document is not published.
type didKeyResolver struct {
	others map[string]ed25519.PublicKey
}

var offlineResolver = keys.NewResolver()

func (r didKeyResolver) PublicKey(ctx context.Context, vm, purpose string) (crypto.PublicKey, string, error) {
	if k, ok := r.others[vm]; ok {
		if purpose != "assertionMethod" {
			return nil, "", errs.E(errs.Invalid, "%s is not listed for %s", vm, purpose)
		}
		controller, _, _ := strings.Cut(vm, "#")
		return k, controller, nil
	}
	return offlineResolver.PublicKey(ctx, vm, purpose)
}

func multikeyOf(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append([]byte{0xed, 0x01}, pub...))
}

// multikeySecret decodes an Ed25519 secretKeyMultibase (z +
// base58btc(0x80 0x26 ‖ seed)) and checks the public key derived from the
// seed equals the published public key.
func multikeySecret(t testing.TB, secret, public string) ed25519.PrivateKey {
	t.Helper()
	b, err := base58.Decode(strings.TrimPrefix(secret, "z"))
	if err != nil || len(b) != 34 || b[0] != 0x80 || b[1] != 0x26 {
		t.Fatalf("secret key %q is not an ed25519-priv multikey (%v)", secret, err)
	}
	priv := ed25519.NewKeyFromSeed(b[2:])
	if got := multikeyOf(priv.Public().(ed25519.PublicKey)); got != public {
		t.Fatalf("public key derived from the secret = %s, published %s", got, public)
	}
	return priv
}

func didKeyVM(pub ed25519.PublicKey) string {
	mb := multikeyOf(pub)
	return "did:key:" + mb + "#" + mb
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readText(t testing.TB, path string) string {
	return strings.TrimSpace(string(readFile(t, path)))
}

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oneEdTechKey returns the 1EdTech implementation guide's test key and a
// resolver that knows its https verification method.
func oneEdTechKey(t testing.TB) (ed25519.PrivateKey, string, didKeyResolver) {
	t.Helper()
	var kp struct {
		PublicKeyHex, PrivateKeyHex, PublicKeyMultibase, VerificationMethod string
	}
	if err := json.Unmarshal(readFile(t, "testdata/1edtech/keypair.json"), &kp); err != nil {
		t.Fatal(err)
	}
	priv := ed25519.PrivateKey(mustHex(t, kp.PrivateKeyHex))
	pub := priv.Public().(ed25519.PublicKey)
	if hex.EncodeToString(pub) != kp.PublicKeyHex || multikeyOf(pub) != kp.PublicKeyMultibase {
		t.Fatalf("1EdTech key pair is inconsistent")
	}
	return priv, kp.VerificationMethod, didKeyResolver{others: map[string]ed25519.PublicKey{kp.VerificationMethod: pub}}
}

// wantCode fails unless err carries code (and field, when not empty).
func wantCode(t testing.TB, err error, code errs.Code, field string) {
	t.Helper()
	if errs.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
	if _, ok := err.(*errs.Error); !ok {
		t.Fatalf("error %T is not an *errs.Error", err)
	}
	if field != "" && errs.ErrorField(err) != field {
		t.Fatalf("error field = %q, want %q (%v)", errs.ErrorField(err), field, err)
	}
}

// verifyBoth is Verify of doc, checked against VerifyDecoded of doc's
// decoding: the same results and error, and the decoded tree left as it was
// (a caller goes on reading it for its other checks).
func verifyBoth(t testing.TB, doc []byte, opts VerifyOptions) ([]ProofResult, error) {
	t.Helper()
	results, err := Verify(context.Background(), doc, opts)
	root, fresh := decodeJSON(t, doc), decodeJSON(t, doc)
	dres, derr := VerifyDecoded(context.Background(), root, opts)
	if !reflect.DeepEqual(results, dres) || !reflect.DeepEqual(err, derr) {
		t.Fatalf("Verify and VerifyDecoded disagree:\n%+v %v\n%+v %v", results, err, dres, derr)
	}
	if !reflect.DeepEqual(root, fresh) {
		t.Fatal("VerifyDecoded changed the document it was given")
	}
	return results, err
}
