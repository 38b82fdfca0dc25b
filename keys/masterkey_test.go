package keys_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

func mustMaster(t *testing.T) *keys.MasterKey {
	t.Helper()
	m, err := keys.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMasterKeySealOpen(t *testing.T) {
	m := mustMaster(t)
	for _, kind := range []string{"ed25519", "p256", "p384", "rsa"} {
		t.Run("ok/"+kind, func(t *testing.T) {
			priv, _ := keys.Generate(kind)
			aad := []byte("did:web:tohu.example:issuers:wintec#key-1")
			sealed, err := m.Seal(priv, aad)
			if err != nil {
				t.Fatal(err)
			}
			der := mustPKCS8(t, priv)
			if bytes.Contains(sealed, der[len(der)-16:]) {
				t.Fatal("sealed data contains private key bytes in clear")
			}
			got, err := m.Open(sealed, aad)
			if err != nil {
				t.Fatal(err)
			}
			if !equalKey(got.Public(), priv.Public()) || !bytes.Equal(mustPKCS8(t, got), der) {
				t.Fatal("opened key differs")
			}
			// The same master key read back from its encoding opens it too.
			again, err := keys.ParseMasterKey(m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := again.Open(sealed, aad); err != nil {
				t.Fatalf("re-parsed master key: %v", err)
			}
		})
	}
}

func TestMasterKeyOpenErrors(t *testing.T) {
	m := mustMaster(t)
	priv, _ := keys.Generate("")
	aad := []byte("provider-1/key-1")
	sealed, err := m.Seal(priv, aad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := map[string]struct {
		key    *keys.MasterKey
		sealed []byte
		aad    []byte
		want   errs.Code
	}{
		"error/wrong master key":     {mustMaster(t), sealed, aad, errs.Forbidden},
		"error/moved to another row": {m, sealed, []byte("provider-2/key-1"), errs.Invalid},
		"error/no aad":               {m, sealed, nil, errs.Invalid},
		"error/version changed":      {m, flip(0), aad, errs.Unsupported},
		"error/check value changed":  {m, flip(3), aad, errs.Forbidden},
		"error/nonce changed":        {m, flip(12), aad, errs.Invalid},
		"error/ciphertext changed":   {m, flip(30), aad, errs.Invalid},
		"error/tag changed":          {m, flip(len(sealed) - 1), aad, errs.Invalid},
		"error/truncated":            {m, sealed[:len(sealed)-1], aad, errs.Invalid},
		"error/header only":          {m, sealed[:20], aad, errs.Invalid},
		"error/empty":                {m, nil, aad, errs.Invalid},
		"error/nil master key":       {nil, sealed, aad, errs.Invalid},
		"error/appended byte":        {m, append(bytes.Clone(sealed), 0), aad, errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.key.Open(tc.sealed, tc.aad)
			if errs.ErrorCode(err) != tc.want || got != nil {
				t.Fatalf("Open = %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestMasterKeyNeverPrinted(t *testing.T) {
	m := mustMaster(t)
	raw, _ := base64.StdEncoding.DecodeString(m.Encode())
	secrets := []string{m.Encode(), hex.EncodeToString(raw), fmt.Sprint(raw)[1:20]}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "master", m, "value", *m)
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct{ M *keys.MasterKey }{m}); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String": m.String(),
		"%v":     fmt.Sprintf("%v", m),
		"%+v":    fmt.Sprintf("%+v", *m),
		"%#v":    fmt.Sprintf("%#v", m),
		"%x":     fmt.Sprintf("%x", *m),
		"%s":     fmt.Sprintf("%s", m),
		"%d":     fmt.Sprintf("%d", *m),
		"slog":   logged.String(),
		"json":   js.String(),
		"error":  fmt.Sprint(errs.Wrap(fmt.Errorf("%v", m), errs.Internal, "x")),
	}
	for how, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output %q reveals the key", how, out)
			}
		}
		if !strings.Contains(out, "<redacted>") {
			t.Errorf("%s output %q does not say <redacted>", how, out)
		}
	}
}

func TestParseMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xa7}, 32)
	ref, err := keys.ParseMasterKey(hex.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		in   string
		want errs.Code
	}{
		"ok/hex":                {hex.EncodeToString(raw), ""},
		"ok/hex upper":          {strings.ToUpper(hex.EncodeToString(raw)), ""},
		"ok/base64 padded":      {base64.StdEncoding.EncodeToString(raw), ""},
		"ok/base64 raw":         {base64.RawStdEncoding.EncodeToString(raw), ""},
		"ok/base64url":          {base64.RawURLEncoding.EncodeToString(raw), ""},
		"ok/file with newline":  {base64.StdEncoding.EncodeToString(raw) + "\n", ""},
		"error/empty":           {"", errs.Invalid},
		"error/16 bytes":        {base64.StdEncoding.EncodeToString(raw[:16]), errs.Invalid},
		"error/33 bytes":        {base64.StdEncoding.EncodeToString(append(raw, 1)), errs.Invalid},
		"error/not an encoding": {"correct horse battery staple!!!", errs.Invalid},
		"error/hex 63 digits":   {hex.EncodeToString(raw)[:63], errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := keys.ParseMasterKey(tc.in)
			if tc.want != "" {
				if errs.ErrorCode(err) != tc.want {
					t.Fatalf("err = %v, want %s", err, tc.want)
				}
				if tc.in != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) {
					t.Fatalf("error repeats the input: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.CheckValue() != ref.CheckValue() || m.Encode() != ref.Encode() {
				t.Fatal("parsed a different key")
			}
		})
	}
}

func TestMasterKeyCheckValue(t *testing.T) {
	a, b := mustMaster(t), mustMaster(t)
	if a.CheckValue() == b.CheckValue() || len(a.CheckValue()) != 16 {
		t.Fatalf("check values %q %q", a.CheckValue(), b.CheckValue())
	}
	if err := a.VerifyCheckValue(a.CheckValue()); err != nil {
		t.Fatal(err)
	}
	if err := a.VerifyCheckValue(b.CheckValue()); errs.ErrorCode(err) != errs.Forbidden {
		t.Fatalf("err = %v, want Forbidden", err)
	}
	if strings.Contains(a.Encode(), a.CheckValue()) {
		t.Fatal("check value is part of the key")
	}
}

func mustPKCS8(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestMasterKeyCheckToken: a check token opens under its own master key
// only, every alteration is caught, it is never a sealed key (nor a sealed
// key a check token), and two tokens of one key differ (random nonce).
func TestMasterKeyCheckToken(t *testing.T) {
	m := mustMaster(t)
	token, err := m.SealCheck()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.OpenCheck(token); err != nil {
		t.Fatalf("OpenCheck of its own token: %v", err)
	}
	again, _ := keys.ParseMasterKey(m.Encode())
	if err := again.OpenCheck(token); err != nil {
		t.Fatalf("OpenCheck with the re-parsed key: %v", err)
	}
	second, _ := m.SealCheck()
	if bytes.Equal(token, second) {
		t.Fatal("two check tokens are identical: the nonce is not random")
	}
	raw, _ := base64.StdEncoding.DecodeString(m.Encode())
	if bytes.Contains(token, raw[:8]) || bytes.Contains(token, []byte(m.Encode()[:8])) {
		t.Fatal("the check token holds master key bytes")
	}
	priv, _ := keys.Generate("")
	sealedKey, _ := m.Seal(priv, []byte("k1"))
	flip := func(i int) []byte {
		b := bytes.Clone(token)
		b[i] ^= 0x01
		return b
	}
	tests := map[string]struct {
		key   *keys.MasterKey
		token []byte
		want  errs.Code
	}{
		"error/other master key":    {mustMaster(t), token, errs.Forbidden},
		"error/check value changed": {m, flip(2), errs.Forbidden},
		"error/version changed":     {m, flip(0), errs.Unsupported},
		"error/nonce changed":       {m, flip(10), errs.Invalid},
		"error/ciphertext changed":  {m, flip(22), errs.Invalid},
		"error/tag changed":         {m, flip(len(token) - 1), errs.Invalid},
		"error/truncated":           {m, token[:len(token)-1], errs.Invalid},
		"error/empty":               {m, nil, errs.Invalid},
		"error/a sealed key":        {m, sealedKey, errs.Invalid},
		"error/nil master key":      {nil, token, errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := errs.ErrorCode(tc.key.OpenCheck(tc.token)); got != tc.want {
				t.Fatalf("OpenCheck = %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := m.Open(token, []byte(nil)); err == nil {
		t.Fatal("a check token opened as a sealed key")
	}
}
