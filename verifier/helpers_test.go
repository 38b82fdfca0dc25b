package verifier_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// testNow is inside the validity window of ob3-unsigned.json.
var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// loopNet is the remote web the verifier would fetch from (controller
// documents, status lists), served by an httptest TLS server on loopback.
// Every https URL, whatever its host, is answered by this server from docs,
// keyed by the full URL; unknown URLs are 404. It is the one fake in these
// tests, because the real hosts cannot be reached from a test.
type loopNet struct {
	srv    *httptest.Server
	client *http.Client
	mu     sync.Mutex
	docs   map[string][]byte
	hits   map[string]int
}

func newLoopNet(t testing.TB) *loopNet {
	t.Helper()
	n := &loopNet{docs: map[string][]byte{}, hits: map[string]int{}}
	n.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := "https://" + r.Host + r.URL.RequestURI()
		n.mu.Lock()
		b, ok := n.docs[u]
		n.hits[u]++
		n.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(n.srv.Close)
	tr := n.srv.Client().Transport.(*http.Transport).Clone()
	addr := n.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	// The httptest certificate names example.com; every host is this server.
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	n.client = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	return n
}

func (n *loopNet) put(url string, body []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.docs[url] = body
}

func (n *loopNet) del(url string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.docs, url)
}

// Fetch implements verifier.Fetcher and keys.Fetcher over real HTTPS.
func (n *loopNet) Fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

var _ interface {
	Fetch(context.Context, string) ([]byte, error)
} = (*loopNet)(nil)

// controllerDoc is a controller document (Controlled Identifiers 1.0 §2)
// publishing one Multikey under assertionMethod and authentication.
func controllerDoc(t testing.TB, controller string, pub crypto.PublicKey) []byte {
	t.Helper()
	mb, err := keys.MultikeyFromPublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	vm := controller + "#" + mb
	doc := map[string]any{
		"@context":           []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":                 controller,
		"verificationMethod": []any{map[string]any{"id": vm, "type": "Multikey", "controller": controller, "publicKeyMultibase": mb}},
		"assertionMethod":    []any{vm},
		"authentication":     []any{vm},
	}
	b, _ := json.Marshal(doc)
	return b
}

// implGuideKey is the published 1EdTech implementation-guide test key
// (testdata/impl-guide/keypair.json), which also signed the validator
// fixtures.
func implGuideKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	var kp struct {
		PrivateKeyHex string `json:"privateKeyHex"`
	}
	if err := json.Unmarshal(readFile(t, "impl-guide/keypair.json"), &kp); err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(kp.PrivateKeyHex)
	if err != nil || len(b) != ed25519.PrivateKeySize {
		t.Fatalf("bad keypair.json: %v", err)
	}
	return ed25519.PrivateKey(b)
}

// fixtureNet serves the controller documents of every issuer the 1EdTech
// fixtures name (all use the implementation-guide key) and the validator's
// bit-string test list at its published URL.
func fixtureNet(t testing.TB) *loopNet {
	n := newLoopNet(t)
	pub := implGuideKey(t).Public()
	for _, c := range []string{"https://example.com/issuers/876543", "https://example.edu/issuers/565049", "https://1edtech.edu/issuers/565049"} {
		n.put(c, controllerDoc(t, c, pub))
	}
	n.put(testListURL, readFile(t, "validator/bit-string-list/testlist"))
	return n
}

const testListURL = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// issuerKey is a freshly generated signing key with its did:key.
type issuerKey struct {
	kf     *keys.KeyFile
	signer keys.Signer
}

func newIssuerKey(t testing.TB, kind string) *issuerKey {
	t.Helper()
	priv, err := keys.Generate(kind)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keys.NewKeyFile(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := kf.Signer()
	if err != nil {
		t.Fatal(err)
	}
	return &issuerKey{kf: kf, signer: s}
}

// unsigned returns testdata/ob3-unsigned.json with the issuer set to k's
// DID and edit applied.
func (k *issuerKey) unsigned(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	m := decode(t, readFile(t, "ob3-unsigned.json"))
	m["issuer"].(map[string]any)["id"] = k.kf.DID
	if edit != nil {
		edit(m)
	}
	return encode(t, m)
}

func (k *issuerKey) signDI(t testing.TB, doc []byte) []byte {
	t.Helper()
	out, err := dataintegrity.Sign(context.Background(), doc, k.signer, dataintegrity.SignOptions{
		VerificationMethod: k.kf.VerificationMethod,
		Created:            testNow.Add(-time.Hour).Truncate(time.Second),
		ProofPurpose:       "assertionMethod",
	})
	if err != nil {
		t.Fatalf("dataintegrity.Sign: %v", err)
	}
	return out
}

func (k *issuerKey) signJWT(t testing.TB, doc []byte, form string) []byte {
	t.Helper()
	tok, err := jose.Sign(context.Background(), doc, k.signer, jose.SignOptions{KeyID: k.kf.VerificationMethod, Algorithm: k.signer.Algorithm(), Form: form})
	if err != nil {
		t.Fatalf("jose.Sign: %v", err)
	}
	return []byte(tok)
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return m
}

func encode(t testing.TB, m any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newVerifier is the verifier the tests use: the test clock, a resolver
// that can reach net (if given) and status checking through net.
func newVerifier(n *loopNet, opts ...verifier.Option) *verifier.Verifier {
	base := []verifier.Option{verifier.WithNow(func() time.Time { return testNow })}
	if n != nil {
		base = append(base, verifier.WithResolver(keys.NewResolver(keys.WithFetcher(n))), verifier.WithStatusFetcher(n))
	}
	return verifier.New(append(base, opts...)...)
}

// checkStatus returns the status and code of check id in r ("" if absent).
func checkStatus(r *verifier.Report, id string) (string, string) {
	c, ok := r.Check(id)
	if !ok {
		return "", ""
	}
	return c.Status, c.Code
}

func dump(r *verifier.Report) string {
	b, _ := json.MarshalIndent(struct {
		Result  verifier.Result
		Summary string
		Format  string
		Checks  []verifier.Check
		Proofs  []verifier.Proof
	}{r.Result, r.Summary, r.Format, r.Checks, r.Proofs}, "", "  ")
	return string(b)
}

var _ = tls.VersionTLS12

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flipBase58 changes one character of a base58 string to another base58
// character, keeping it decodable.
func flipBase58(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == '2' {
		b[i] = '3'
	} else {
		b[i] = '2'
	}
	return string(b)
}

// flipB64 changes one base64url character in the middle of s.
func flipB64(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// statusEntry is a BitstringStatusListEntry (BSL §2.1).
func statusEntry(listURL, purpose string, index int) map[string]any {
	return map[string]any{
		"id":                   fmt.Sprintf("%s#%d", listURL, index),
		"type":                 "BitstringStatusListEntry",
		"statusPurpose":        purpose,
		"statusListIndex":      fmt.Sprint(index),
		"statusListCredential": listURL,
	}
}
