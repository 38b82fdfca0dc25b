package keys_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// RFC 7638 §3.1 (RSA) and RFC 8037 Appendix A.3 (Ed25519) thumbprints.
func TestThumbprintVectors(t *testing.T) {
	tests := map[string]struct {
		jwk, want string
	}{
		"ok/rfc7638 rsa": {`{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`,
			"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		"ok/rfc8037 ed25519": {`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
			"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pub, err := keys.PublicFromJWK([]byte(tc.jwk))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := keys.Thumbprint(pub); err != nil || got != tc.want {
				t.Fatalf("thumbprint %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestJWKRoundTrip(t *testing.T) {
	for _, kind := range []string{"ed25519", "p256", "p384", "rsa"} {
		t.Run("ok/"+kind, func(t *testing.T) {
			priv, _ := keys.Generate(kind)
			pj, err := keys.PublicJWK(priv.Public(), "kid-1")
			if err != nil {
				t.Fatal(err)
			}
			pubJSON, _ := pj.MarshalJSON()
			if strings.Contains(string(pubJSON), `"d"`) {
				t.Fatalf("public JWK has private members: %s", pubJSON)
			}
			pub, err := keys.PublicFromJWK(pubJSON)
			if err != nil || !equalKey(pub, priv.Public()) {
				t.Fatalf("public round trip: %v", err)
			}
			sj, _ := keys.PrivateJWK(priv, "")
			privJSON, _ := sj.MarshalJSON()
			back, err := keys.PrivateFromJWK(privJSON)
			if err != nil || !equalKey(back.Public(), priv.Public()) {
				t.Fatalf("private round trip: %v", err)
			}
			if _, err := keys.PublicFromJWK(privJSON); errs.ErrorCode(err) != errs.Invalid {
				t.Fatalf("private JWK accepted as public: %v", err)
			}
			if _, err := keys.PrivateFromJWK(pubJSON); errs.ErrorCode(err) != errs.Invalid {
				t.Fatalf("public JWK accepted as private: %v", err)
			}
		})
	}
}

func TestPublicFromJWKErrors(t *testing.T) {
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	weakJWK, _ := (&jose.JSONWebKey{Key: &weak.PublicKey}).MarshalJSON()
	big, _ := json.Marshal(map[string]string{"kty": "OKP", "crv": "Ed25519", "x": strings.Repeat("A", 20000)})
	tests := map[string]struct {
		jwk  string
		want errs.Code
	}{
		"error/empty":           {``, errs.Invalid},
		"error/not json":        {`{`, errs.Invalid},
		"error/symmetric":       {`{"kty":"oct","k":"c2VjcmV0"}`, errs.Invalid},
		"error/short ed25519":   {`{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`, errs.Invalid},
		"error/point off curve": {`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, errs.Invalid},
		"error/unknown curve":   {`{"kty":"EC","crv":"P-192","x":"AAAA","y":"AAAA"}`, errs.Invalid},
		"error/too large":       {string(big), errs.Invalid},
		"error/rsa 1024":        {string(weakJWK), errs.Unsupported},
		"error/rsa 512":         {`{"kty":"RSA","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}`, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := keys.PublicFromJWK([]byte(tc.jwk))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if errs.ErrorCode(err) != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}
