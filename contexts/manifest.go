package contexts

// Pinned is one JSON-LD context file shipped inside the binary.
type Pinned struct {
	URL     string   // the URL documents name in @context
	Aliases []string // other URLs that serve the same bytes
	File    string   // name under files/
	SHA256  string   // hex digest of the file bytes, from ../shared/spec/MANIFEST.md
	// OptIn marks a context that is pinned but refused unless the loader is
	// built WithOptIn: the undefined-terms context adds @vocab, which would let
	// any undefined term through and defeat the undefined-term check.
	OptIn bool
}

// Manifest lists every pinned context. The hashes are checked by a test; a
// context changes only by replacing its file and its hash together.
var manifest = []Pinned{
	{URL: "https://www.w3.org/ns/credentials/v2", File: "credentials-v2.jsonld",
		SHA256: "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"},
	{URL: "https://www.w3.org/2018/credentials/v1", File: "credentials-2018-v1.jsonld",
		SHA256: "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc"},
	{URL: "https://www.w3.org/ns/credentials/examples/v2", File: "credentials-examples-v2.jsonld",
		SHA256: "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"},
	{URL: "https://www.w3.org/2018/credentials/examples/v1", File: "credentials-2018-examples-v1.jsonld",
		SHA256: "2070ae4e75bc3b4c2cfe2b8b6e86ec45119672bbb5da283f0399ea96c60a0104"},
	{URL: "https://www.w3.org/ns/credentials/undefined-terms/v2", File: "credentials-undefined-terms-v2.jsonld",
		SHA256: "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581", OptIn: true},
	{URL: "https://w3id.org/security/data-integrity/v2", File: "data-integrity-v2.jsonld",
		SHA256: "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"},
	{URL: "https://w3id.org/security/data-integrity/v1", File: "data-integrity-v1.jsonld",
		SHA256: "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554"},
	{URL: "https://w3id.org/security/multikey/v1", File: "multikey-v1.jsonld",
		SHA256: "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"},
	{URL: "https://w3id.org/security/jwk/v1", File: "jwk-v1.jsonld",
		SHA256: "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece"},
	{URL: "https://www.w3.org/ns/credentials/status/v1", File: "credentials-status-v1.jsonld",
		SHA256: "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7"},
	{URL: "https://w3id.org/vc/status-list/2021/v1", File: "status-list-2021-v1.jsonld",
		SHA256: "6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4"},
	{URL: "https://w3id.org/security/suites/ed25519-2020/v1", File: "ed25519-2020-v1.jsonld",
		SHA256: "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588"},
	{URL: "https://w3id.org/security/suites/jws-2020/v1", File: "jws-2020-v1.jsonld",
		SHA256: "d648e05ddc6577827ca2bfd5e931f53e9ebc6e52a57a8da81df4ec8c46ffcd1e"},
	{URL: "https://www.w3.org/ns/did/v1", File: "did-v1.jsonld",
		SHA256: "4f3eae5568c9c5f036a082088f9e192019ee06faa78973c87ff91d5421b88dad"},
	{URL: "https://w3id.org/security/v1", File: "security-v1.jsonld",
		SHA256: "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47"},
	{URL: "https://w3id.org/security/v2", File: "security-v2.jsonld",
		SHA256: "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b"},
	// NOTES §11: 1EdTech edits the 3.0.3 context in place; the validator's
	// 2026 copy is a strict superset (adds jti, endorsementJwt) and yields the
	// same N-Quads for credentials that do not use those terms, so it is the
	// one served for the 3.0.3 URL. The gh-pages copy is kept for comparison.
	{URL: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", File: "ob-v3p0-context-3.0.3.validator-2026.json",
		SHA256: "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"},
	{URL: "urn:tohu:context:ob-v3p0-context-3.0.3-gh-pages", File: "ob-v3p0-context-3.0.3.json",
		SHA256: "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"},
	{URL: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json", File: "ob-v3p0-context-3.0.2.json",
		SHA256: "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53"},
	{URL: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json", File: "ob-v3p0-context-3.0.1.json",
		SHA256: "d582f3564282fb3b709136d28412e78e70b678b4dbc2f0221f67d84932748355"},
	{URL: "https://purl.imsglobal.org/spec/ob/v3p0/context.json", File: "ob-v3p0-context-3.0.0.json",
		Aliases: []string{"https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"},
		SHA256:  "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10"},
	{URL: "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json", File: "ob-v3p0-extensions.json",
		SHA256: "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3"},
	{URL: "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", File: "clr-v2p0-context-2.0.1.json",
		SHA256: "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"},
	{URL: "https://purl.imsglobal.org/spec/clr/v2p0/context.json", File: "clr-v2p0-context.json",
		SHA256: "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167"},
}

// Well-known context URLs that tohu writes into documents.
const (
	CredentialsV2   = "https://www.w3.org/ns/credentials/v2"
	CredentialsV1   = "https://www.w3.org/2018/credentials/v1"
	OBv3p0          = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	OBExtensions    = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
	DataIntegrityV2 = "https://w3id.org/security/data-integrity/v2"
	MultikeyV1      = "https://w3id.org/security/multikey/v1"
	DIDv1           = "https://www.w3.org/ns/did/v1"
	Ed25519_2020    = "https://w3id.org/security/suites/ed25519-2020/v1"
	StatusV1        = "https://www.w3.org/ns/credentials/status/v1"
	JWKv1           = "https://w3id.org/security/jwk/v1"
)

// Manifest returns a copy of the pinned-context table.
func Manifest() []Pinned {
	out := make([]Pinned, len(manifest))
	copy(out, manifest)
	return out
}
