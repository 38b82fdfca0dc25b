package jose_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

// replaceSegment returns token with segment i replaced.
func replaceSegment(token string, i int, seg string) string {
	parts := strings.Split(token, ".")
	parts[i] = seg
	return strings.Join(parts, ".")
}

func TestVerifyTampered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ed := f.keys["EdDSA"].signer.(ed25519.PrivateKey)
	cred := credentialJSON(issuerDID)

	sign := func(c []byte, alg, form string) string {
		t.Helper()
		tok, err := jose.Sign(ctx, c, f.keys[alg].signer, jose.SignOptions{KeyID: vmFor(alg), Form: form})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(cred, "EdDSA", jose.FormVCJOSE)
	goodOB := sign(cred, "EdDSA", jose.FormOBJWT)
	goodRS := sign(cred, "RS256", jose.FormOBJWT)
	parts := strings.Split(good, ".")

	// The classic key-confusion attack: HS256 keyed with the issuer's public key.
	rsaDER, err := x509.MarshalPKIXPublicKey(f.keys["RS256"].signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	hsInput := b64([]byte(`{"alg":"HS256","kid":"`+vmFor("RS256")+`","typ":"JWT"}`)) + "." + strings.Split(goodRS, ".")[1]
	mac := func(secret []byte) string {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(hsInput))
		return hsInput + "." + b64(h.Sum(nil))
	}
	hsPEM := mac(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER}))
	hsDER := mac(rsaDER)

	// Payload byte changed, signature kept.
	payload := unb64(t, parts[1])
	changed := strings.Replace(string(payload), "Whakawhanaungatanga:", "Whakawhanaungatanga;", 1)

	// Genuine signatures over crafted headers/payloads, made with the issuer's Ed25519 key.
	edHdr := `{"alg":"EdDSA","kid":"` + vmFor("EdDSA") + `","typ":"vc+jwt","cty":"vc"}`
	withMember := func(member string) string {
		return rawEdDSA(edHdr, strings.Replace(string(cred), `"name": "Whaka`, member+`, "name": "Whaka`, 1), ed)
	}
	var pubJWK map[string]any
	_ = json.Unmarshal([]byte(`{"kty":"OKP","crv":"Ed25519","x":"`+b64(ed.Public().(ed25519.PublicKey))+`"}`), &pubJWK)
	privJWK := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": pubJWK["x"], "d": b64(ed.Seed())}

	tests := map[string]struct {
		token     string
		opts      func(o *jose.VerifyOptions)
		wantErr   errs.Code
		wantField string
	}{
		"ok/untouched":                                  {token: good},
		"ok/untouched OB form":                          {token: goodOB},
		"ok/surrounding whitespace":                     {token: "\n " + good + "\n"},
		"error/payload byte changed":                    {token: replaceSegment(good, 1, b64([]byte(changed))), wantErr: errs.Invalid},
		"error/signature truncated":                     {token: good[:len(good)-8], wantErr: errs.Invalid},
		"error/signature emptied":                       {token: parts[0] + "." + parts[1] + ".", wantErr: errs.Invalid},
		"error/extra segment":                           {token: good + ".e30", wantErr: errs.Invalid},
		"error/two segments":                            {token: parts[0] + "." + parts[1], wantErr: errs.Invalid},
		"error/not base64":                              {token: parts[0] + ".%%%." + parts[2], wantErr: errs.Invalid},
		"error/header not base64":                       {token: "!!!." + parts[1] + "." + parts[2], wantErr: errs.Invalid},
		"error/empty":                                   {token: "", wantErr: errs.Invalid},
		"error/header not JSON":                         {token: replaceSegment(good, 0, b64([]byte("alg=EdDSA"))), wantErr: errs.Invalid},
		"error/header is an array":                      {token: replaceSegment(good, 0, b64([]byte(`["EdDSA"]`))), wantErr: errs.Invalid},
		"error/header has no alg":                       {token: replaceSegment(good, 0, b64([]byte(`{"kid":"x"}`))), wantErr: errs.Invalid},
		"error/alg none":                                {token: b64([]byte(`{"alg":"none","typ":"vc+jwt"}`)) + "." + parts[1] + ".", wantErr: errs.Unsupported},
		"error/alg None mixed case":                     {token: b64([]byte(`{"alg":"None"}`)) + "." + parts[1] + ".", wantErr: errs.Unsupported},
		"error/HS256 with PEM public key":               {token: hsPEM, wantErr: errs.Unsupported},
		"error/HS256 with DER public key":               {token: hsDER, wantErr: errs.Unsupported},
		"error/HS256 even if the caller lists it":       {token: hsPEM, opts: func(o *jose.VerifyOptions) { o.Algorithms = []string{"RS256", "HS256"} }, wantErr: errs.Invalid},
		"error/alg outside the allow-list":              {token: goodRS, opts: func(o *jose.VerifyOptions) { o.Algorithms = []string{"EdDSA"} }, wantErr: errs.Unsupported},
		"error/alg header swapped to ES256":             {token: replaceSegment(good, 0, b64([]byte(`{"alg":"ES256","kid":"`+vmFor("EdDSA")+`","typ":"vc+jwt"}`))), wantErr: errs.Invalid},
		"error/kid points at another key of the issuer": {token: replaceSegment(good, 0, b64([]byte(`{"alg":"EdDSA","kid":"`+vmFor("ES256")+`"}`))), wantErr: errs.Invalid},
		"error/kid points at another issuer's key":      {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+otherVM+`","typ":"vc+jwt"}`, string(cred), f.other), wantErr: errs.Invalid, wantField: "/issuer"},
		"error/kid unknown":                             {token: replaceSegment(good, 0, b64([]byte(`{"alg":"EdDSA","kid":"did:web:nowhere.example#k"}`))), wantErr: errs.NotFound},
		"error/resolver could not check":                {token: good, opts: func(o *jose.VerifyOptions) { o.Resolver = unavailableResolver{} }, wantErr: errs.Unavailable},
		"error/no resolver":                             {token: good, opts: func(o *jose.VerifyOptions) { o.Resolver = nil }, wantErr: errs.Unavailable},
		"error/iss is not the issuer":                   {token: withMember(`"iss": "` + otherDID + `"`), wantErr: errs.Invalid, wantField: "/iss"},
		"error/jti is not the id":                       {token: withMember(`"jti": "urn:uuid:00000000-0000-0000-0000-000000000000"`), wantErr: errs.Invalid, wantField: "/jti"},
		"error/sub is not the subject":                  {token: withMember(`"sub": "did:example:someone-else"`), wantErr: errs.Invalid, wantField: "/sub"},
		"error/nbf is not validFrom":                    {token: withMember(`"nbf": 1769904001`), wantErr: errs.Invalid, wantField: "/nbf"},
		"error/exp is not validUntil":                   {token: withMember(`"exp": 1`), wantErr: errs.Invalid, wantField: "/exp"},
		"error/exp is a string":                         {token: withMember(`"exp": "2031-02-01"`), wantErr: errs.Invalid, wantField: "/exp"},
		"error/iss is a number":                         {token: withMember(`"iss": 5`), wantErr: errs.Invalid, wantField: "/iss"},
		"ok/claims that agree":                          {token: withMember(`"iss": "` + issuerDID + `", "jti": "urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10", "nbf": 1769904000.5, "exp": 1927670400`)},
		"error/payload is an array":                     {token: rawEdDSA(edHdr, `[1,2]`, ed), wantErr: errs.Invalid},
		"error/payload is a string":                     {token: rawEdDSA(edHdr, `"vc"`, ed), wantErr: errs.Invalid},
		"error/payload not JSON":                        {token: rawEdDSA(edHdr, `{"issuer":`, ed), wantErr: errs.Invalid},
		"error/payload has no issuer":                   {token: rawEdDSA(edHdr, `{"id":"x"}`, ed), wantErr: errs.Invalid, wantField: "/issuer"},
		"error/crit header":                             {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+vmFor("EdDSA")+`","crit":["exp"],"exp":1}`, string(cred), ed), wantErr: errs.Invalid},
		"error/b64 header":                              {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+vmFor("EdDSA")+`","b64":false}`, string(cred), ed), wantErr: errs.Invalid},
		"error/typ is not a credential":                 {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+vmFor("EdDSA")+`","typ":"at+jwt"}`, string(cred), ed), wantErr: errs.Unsupported},
		"error/cty is not vc":                           {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+vmFor("EdDSA")+`","typ":"vc+jwt","cty":"json"}`, string(cred), ed), wantErr: errs.Invalid},
		"ok/typ with application prefix":                {token: rawEdDSA(`{"alg":"EdDSA","kid":"`+vmFor("EdDSA")+`","typ":"application/vc+jwt"}`, string(cred), ed)},
		"ok/relative kid":                               {token: rawEdDSA(`{"alg":"EdDSA","kid":"#key-eddsa","typ":"vc+jwt"}`, string(cred), ed)},
		"error/embedded jwk not allowed":                {token: rawEdDSA(mustJSON(t, map[string]any{"alg": "EdDSA", "jwk": pubJWK}), string(cred), ed), wantErr: errs.Invalid},
		"ok/embedded jwk allowed":                       {token: rawEdDSA(mustJSON(t, map[string]any{"alg": "EdDSA", "jwk": pubJWK}), string(cred), ed), opts: func(o *jose.VerifyOptions) { o.AllowEmbeddedJWK = true }},
		"error/embedded jwk with private key":           {token: rawEdDSA(mustJSON(t, map[string]any{"alg": "EdDSA", "jwk": privJWK}), string(cred), ed), opts: func(o *jose.VerifyOptions) { o.AllowEmbeddedJWK = true }, wantErr: errs.Invalid},
		"error/embedded jwk is a string":                {token: rawEdDSA(`{"alg":"EdDSA","jwk":"x"}`, string(cred), ed), opts: func(o *jose.VerifyOptions) { o.AllowEmbeddedJWK = true }, wantErr: errs.Invalid},
		"error/no kid, no jwk, issuer not did:key":      {token: rawEdDSA(`{"alg":"EdDSA"}`, string(cred), ed), wantErr: errs.Invalid},
		"error/caller allows none":                      {token: good, opts: func(o *jose.VerifyOptions) { o.Algorithms = []string{"none"} }, wantErr: errs.Invalid},
		"error/caller allows PS256":                     {token: good, opts: func(o *jose.VerifyOptions) { o.Algorithms = []string{"PS256"} }, wantErr: errs.Unsupported},
		"error/too large":                               {token: good + strings.Repeat("A", jose.MaxTokenSize), wantErr: errs.Invalid},
	}
	// The cases whose signature is checked and does not match: their error
	// has credential.ErrBadSignature as its cause, and no other has.
	badSignature := map[string]bool{}
	for _, n := range []string{"error/payload byte changed", "error/signature truncated", "error/signature emptied"} {
		badSignature[n] = true
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := f.opts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			v, err := jose.Verify(ctx, tc.token, o)
			if bad := badSignature[name]; errors.Is(err, credential.ErrBadSignature) != bad {
				t.Fatalf("errors.Is(err, ErrBadSignature) = %v, want %v (err %v)", !bad, bad, err)
			}
			if errs.ErrorCode(err) != tc.wantErr || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v (field %q), want %q at %q", err, errs.ErrorField(err), tc.wantErr, tc.wantField)
			}
			if err != nil && v != nil {
				t.Fatal("Verify returned a result with an error")
			}
			if err == nil && v == nil {
				t.Fatal("Verify returned neither result nor error")
			}
		})
	}
}

// Without kid or jwk the key is the issuer's did:key (DID-KEY §3.1.2).
func TestVerifyIssuerDIDKey(t *testing.T) {
	key := fixedEd25519()
	did, vm := didKeyEd25519(key.Public().(ed25519.PublicKey))
	r := testKeyResolver{vm: {key.Public(), did, []string{credential.PurposeAssertion}}}
	cred := string(credentialJSON(did))

	v, err := jose.Verify(context.Background(), rawEdDSA(`{"alg":"EdDSA","typ":"vc+jwt"}`, cred, key), jose.VerifyOptions{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	if v.KeyID != vm || v.Controller != did || v.Form != jose.FormVCJOSE {
		t.Fatalf("Verified = %+v", v)
	}

	// A did:key issuer whose key did not sign: the signature fails.
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := jose.Verify(context.Background(), rawEdDSA(`{"alg":"EdDSA","typ":"vc+jwt"}`, cred, stranger), jose.VerifyOptions{Resolver: r}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
}

// VC-DATA-MODEL-1.1 §6.3.1: the credential is the vc claim, and missing
// members are filled back from iss/jti/sub/nbf/exp.
func TestVerifyVC11(t *testing.T) {
	f := newFixture(t)
	ed := f.keys["EdDSA"].signer.(ed25519.PrivateKey)
	hdr := `{"alg":"EdDSA","typ":"JWT","kid":"` + vmFor("EdDSA") + `"}`
	vc := `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":{"name":"Aroha"}}`
	claims := `"iss":"` + issuerDID + `","jti":"urn:uuid:1","sub":"` + learnerDID + `","nbf":1769904000,"exp":1927670400`

	v, err := jose.Verify(context.Background(), rawEdDSA(hdr, `{"vc":`+vc+`,`+claims+`}`, ed), f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if v.Form != jose.FormVCJWT11 {
		t.Fatalf("Form = %q", v.Form)
	}
	var got struct {
		Issuer, ID, IssuanceDate, ExpirationDate string
		CredentialSubject                        struct{ ID, Name string }
	}
	if err := json.Unmarshal(v.Credential, &got); err != nil {
		t.Fatal(err)
	}
	if got.Issuer != issuerDID || got.ID != "urn:uuid:1" || got.CredentialSubject.ID != learnerDID || got.CredentialSubject.Name != "Aroha" ||
		got.IssuanceDate != "2026-02-01T00:00:00Z" || got.ExpirationDate != "2031-02-01T00:00:00Z" {
		t.Fatalf("filled credential = %s", v.Credential)
	}

	tests := map[string]struct {
		payload   string
		wantErr   errs.Code
		wantField string
	}{
		"ok/members already present and equal": {payload: `{"vc":{"issuer":"` + issuerDID + `","id":"urn:uuid:1","issuanceDate":"2026-02-01T00:00:00Z"},` + claims + `}`},
		"error/vc id differs from jti":         {payload: `{"vc":{"issuer":"` + issuerDID + `","id":"urn:uuid:2"},` + claims + `}`, wantErr: errs.Invalid, wantField: "/jti"},
		"error/vc issuer differs from iss":     {payload: `{"vc":{"issuer":"` + otherDID + `"},` + claims + `}`, wantErr: errs.Invalid, wantField: "/issuer"},
		"error/issuanceDate differs from nbf":  {payload: `{"vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"issuanceDate":"2020-01-01T00:00:00Z"},` + claims + `}`, wantErr: errs.Invalid, wantField: "/nbf"},
		"error/vc is not an object":            {payload: `{"vc":"x",` + claims + `}`, wantErr: errs.Invalid},
		"error/no issuer anywhere":             {payload: `{"vc":{"id":"urn:uuid:1"}}`, wantErr: errs.Invalid, wantField: "/issuer"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := jose.Verify(context.Background(), rawEdDSA(hdr, tc.payload, ed), f.opts())
			if errs.ErrorCode(err) != tc.wantErr || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v (field %q), want %q at %q", err, errs.ErrorField(err), tc.wantErr, tc.wantField)
			}
		})
	}
}

// Presentations: typ vp+jwt (payload = the VP) and VC 1.1 vp claims. The
// holder's key must be an authentication key.
func TestVerifyPresentation(t *testing.T) {
	holderKey := fixedEd25519()
	did, vm := didKeyEd25519(holderKey.Public().(ed25519.PublicKey))
	r := testKeyResolver{vm: {holderKey.Public(), did, []string{credential.PurposeAuthentication}}}
	opts := jose.VerifyOptions{Resolver: r}
	vp := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"` + did + `","verifiableCredential":[]}`

	v, err := jose.Verify(context.Background(), rawEdDSA(`{"alg":"EdDSA","typ":"vp+jwt","cty":"vp","kid":"`+vm+`"}`, vp, holderKey), opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Form != jose.FormVPJWT || string(v.Credential) != vp || v.Controller != did {
		t.Fatalf("Verified = %+v", v)
	}

	v, err = jose.Verify(context.Background(), rawEdDSA(`{"alg":"EdDSA","typ":"JWT","kid":"`+vm+`"}`,
		`{"iss":"`+did+`","nonce":"n-0S6","aud":"https://verifier.example","vp":{"type":["VerifiablePresentation"]}}`, holderKey), opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Form != jose.FormVPJWT || v.Claims["nonce"] != "n-0S6" || v.Claims["aud"] != "https://verifier.example" || !strings.Contains(string(v.Credential), `"holder":"`+did+`"`) {
		t.Fatalf("Verified = %+v, credential %s", v, v.Credential)
	}

	tests := map[string]struct {
		header, payload string
		resolver        testKeyResolver
		wantErr         errs.Code
		wantField       string
	}{
		"error/holder is someone else": {header: `{"alg":"EdDSA","typ":"vp+jwt","kid":"` + vm + `"}`, payload: strings.Replace(vp, did, otherDID, 1), resolver: r, wantErr: errs.Invalid, wantField: "/holder"},
		"error/iss is not the holder":  {header: `{"alg":"EdDSA","typ":"vp+jwt","kid":"` + vm + `"}`, payload: strings.Replace(vp, `{`, `{"iss":"`+otherDID+`",`, 1), resolver: r, wantErr: errs.Invalid, wantField: "/iss"},
		"error/cty vc on a vp":         {header: `{"alg":"EdDSA","typ":"vp+jwt","cty":"vc","kid":"` + vm + `"}`, payload: vp, resolver: r, wantErr: errs.Invalid},
		"error/assertion-only key":     {header: `{"alg":"EdDSA","typ":"vp+jwt","kid":"` + vm + `"}`, payload: vp, resolver: testKeyResolver{vm: {holderKey.Public(), did, []string{credential.PurposeAssertion}}}, wantErr: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := jose.Verify(context.Background(), rawEdDSA(tc.header, tc.payload, holderKey), jose.VerifyOptions{Resolver: tc.resolver})
			if errs.ErrorCode(err) != tc.wantErr || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v (field %q), want %q at %q", err, errs.ErrorField(err), tc.wantErr, tc.wantField)
			}
		})
	}
}

// The 1EdTech validator's fixtures (testdata/SOURCE.md).
func TestVerify1EdTechFixtures(t *testing.T) {
	embedded := jose.VerifyOptions{AllowEmbeddedJWK: true, Resolver: testKeyResolver{}}
	tests := map[string]struct {
		token      string
		opts       jose.VerifyOptions
		wantErr    errs.Code
		wantForm   string
		wantIssuer string
	}{
		"ok/baked SVG, RS256 with embedded jwk": {token: svgToken(t, readFile(t, "testdata/1edtech/simple-jwt.svg")), opts: embedded, wantForm: jose.FormOBJWT, wantIssuer: "https://1edtech.edu/issuers/565049"},
		"ok/baked PNG, RS256 with embedded jwk": {token: pngToken(t, readFile(t, "testdata/1edtech/simple-jwt.png")), opts: embedded, wantForm: jose.FormOBJWT, wantIssuer: "https://1edtech.edu/issuers/565049"},
		"ok/CLR 2.0 VC 1.1 JWT, embedded jwk":   {token: string(readFile(t, "testdata/1edtech/clr20-simple.jwt")), opts: embedded, wantForm: jose.FormVCJWT11, wantIssuer: "https://example.edu/issuers/565049"},
		"error/baked SVG when jwk not allowed":  {token: svgToken(t, readFile(t, "testdata/1edtech/simple-jwt.svg")), opts: jose.VerifyOptions{Resolver: testKeyResolver{}}, wantErr: errs.Invalid},
		"error/OB 3.0 VC 1.1 JWT with no key":   {token: string(readFile(t, "testdata/1edtech/simple.jwt")), opts: embedded, wantErr: errs.Invalid},
		"error/velocity kid not resolvable":     {token: string(readFile(t, "testdata/1edtech/velocity.jwt")), opts: embedded, wantErr: errs.NotFound},
		"error/baked SVG with RS256 refused":    {token: svgToken(t, readFile(t, "testdata/1edtech/simple-jwt.svg")), opts: jose.VerifyOptions{AllowEmbeddedJWK: true, Algorithms: []string{"EdDSA", "ES256"}}, wantErr: errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if !jose.LooksLikeJWT([]byte(tc.token)) {
				t.Fatal("LooksLikeJWT = false for a fixture token")
			}
			v, err := jose.Verify(context.Background(), tc.token, tc.opts)
			if errs.ErrorCode(err) != tc.wantErr {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if v.Form != tc.wantForm || !v.EmbeddedJWK || v.Controller != "" || v.KeyID != "" || v.Algorithm != "RS256" {
				t.Fatalf("Verified = %+v", v)
			}
			var c struct {
				Issuer struct{ ID string } `json:"issuer"`
			}
			if err := json.Unmarshal(v.Credential, &c); err != nil || c.Issuer.ID != tc.wantIssuer {
				t.Fatalf("issuer = %q (%v)", c.Issuer.ID, err)
			}
			// One changed payload byte and the fixture no longer verifies.
			parts := strings.Split(tc.token, ".")
			p := unb64(t, parts[1])
			p[len(p)/2] ^= 0x01
			if _, err := jose.Verify(context.Background(), replaceSegment(tc.token, 1, b64(p)), tc.opts); err == nil {
				t.Fatal("tampered fixture verified")
			}
		})
	}
}

func TestLooksLikeJWT(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"ok/compact JWS":             {"eyJhbGciOiJFZERTQSJ9.e30.c2ln", true},
		"ok/with trailing newline":   {"eyJhbGciOiJFZERTQSJ9.e30.c2ln\n", true},
		"error/JSON credential":      {`{"@context":[]}`, false},
		"error/two parts":            {"eyJhbGciOiJFZERTQSJ9.e30", false},
		"error/four parts":           {"eyJhbGciOiJFZERTQSJ9.e30.c2ln.c2ln", false},
		"error/empty signature":      {"eyJhbGciOiJFZERTQSJ9.e30.", false},
		"error/padding":              {"eyJhbGciOiJFZERTQSJ9.e30=.c2ln", false},
		"error/header not an object": {b64([]byte("[1]")) + ".e30.c2ln", false},
		"error/spaces inside":        {"eyJhbGciOiJFZERTQSJ9 .e30.c2ln", false},
		"error/empty":                {"", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := jose.LooksLikeJWT([]byte(tc.in)); got != tc.want {
				t.Fatalf("LooksLikeJWT(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkSignVerifyEdDSA(b *testing.B) {
	key := fixedEd25519()
	_, vm := didKeyEd25519(key.Public().(ed25519.PublicKey))
	did := strings.SplitN(vm, "#", 2)[0]
	r := testKeyResolver{vm: {key.Public(), did, []string{credential.PurposeAssertion}}}
	cred := credentialJSON(did)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		token, err := jose.Sign(ctx, cred, key, jose.SignOptions{KeyID: vm, Form: jose.FormOBJWT})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jose.Verify(ctx, token, jose.VerifyOptions{Resolver: r}); err != nil {
			b.Fatal(err)
		}
	}
}
