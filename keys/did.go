package keys

import (
	"crypto"
	"encoding/json"
	"net"
	"net/url"
	"strings"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/errs"
)

// Verification method types tohu writes and reads.
const (
	TypeMultikey                   = "Multikey"                   // Controlled Identifiers 1.0 §2.2.2
	TypeJsonWebKey                 = "JsonWebKey"                 // Controlled Identifiers 1.0 §2.2.3
	TypeJsonWebKey2020             = "JsonWebKey2020"             // read only (W3C CCG JWS 2020)
	TypeEd25519VerificationKey2020 = "Ed25519VerificationKey2020" // read only (W3C CCG Ed25519Signature2020)
	TypeEd25519VerificationKey2018 = "Ed25519VerificationKey2018" // read only (publicKeyBase58)
)

// Verification relationships (DID Core §5.3).
const (
	RelVerificationMethod = "verificationMethod"
	RelAssertionMethod    = "assertionMethod"
	RelAuthentication     = "authentication"
)

const didWebPrefix = "did:web:"

// DIDWeb returns the did:web identifier for an https base URL
// (did:web Method Specification §3.2 "Create"): the host, a percent-encoded
// port ("%3A"), then each path segment joined by ":". For example
// https://tohu.example:8443/issuers/wintec → did:web:tohu.example%3A8443:issuers:wintec.
//
// The base URL must be https. Plain http is accepted only for loopback hosts
// (localhost, 127.0.0.1, ::1 is refused as an IPv6 literal) so a development
// server on http://127.0.0.1:8080 gets a did:web too; such a DID resolves only
// through a Resolver built WithLoopbackHTTP. Path segments may hold only
// unreserved characters (RFC 3986 §2.3). Returns Invalid otherwise.
func DIDWeb(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", errs.E(errs.Invalid, "base URL %q is not a URL", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", errs.E(errs.Invalid, "base URL %q must have no user, query or fragment", baseURL)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || strings.Contains(host, ":") {
		return "", errs.E(errs.Invalid, "base URL %q needs a DNS name or IPv4 host", baseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(host) {
			return "", errs.E(errs.Invalid, "did:web needs an https base URL; http is allowed only for localhost")
		}
	default:
		return "", errs.E(errs.Invalid, "did:web needs an https base URL, not %q", u.Scheme)
	}
	if !validHost(host) {
		return "", errs.E(errs.Invalid, "base URL host %q is not a valid host name", host)
	}
	id := host
	if p := u.Port(); p != "" {
		id += "%3A" + p
	}
	for _, seg := range strings.Split(strings.Trim(u.EscapedPath(), "/"), "/") {
		if seg == "" {
			continue
		}
		if !unreserved(seg) || seg == "." || seg == ".." {
			return "", errs.E(errs.Invalid, "base URL path segment %q may use only letters, digits and -._~", seg)
		}
		id += ":" + seg
	}
	return didWebPrefix + id, nil
}

// DIDWebURL returns the https URL of the DID document of a did:web DID
// (did:web Method Specification §3.3 "Read (Resolve)"): ":" becomes "/",
// a percent-encoded port is decoded, and the path ends in "/did.json", or
// "/.well-known/did.json" when the DID has no path. Returns Invalid for
// anything that is not a plain did:web DID (a DID URL with "#", "?" or "/"
// must be split by the caller first).
func DIDWebURL(did string) (string, error) {
	return didWebURL(did, "https")
}

func didWebURL(did, scheme string) (string, error) {
	msid, ok := strings.CutPrefix(did, didWebPrefix)
	if !ok {
		return "", errs.E(errs.Invalid, "%q is not a did:web DID", did)
	}
	if msid == "" || strings.ContainsAny(msid, "#?/") {
		return "", errs.E(errs.Invalid, "did:web DID %q is malformed", did)
	}
	parts := strings.Split(msid, ":")
	hostport, err := url.PathUnescape(parts[0])
	if err != nil {
		return "", errs.E(errs.Invalid, "did:web DID %q has a malformed host", did)
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
		if !allDigits(port) {
			return "", errs.E(errs.Invalid, "did:web DID %q has a malformed port", did)
		}
	}
	if !validHost(host) {
		return "", errs.E(errs.Invalid, "did:web DID %q has a malformed host", did)
	}
	path := "/.well-known"
	if len(parts) > 1 {
		path = ""
		for _, seg := range parts[1:] {
			if seg == "" || seg == "." || seg == ".." || !unreservedOrPct(seg) {
				return "", errs.E(errs.Invalid, "did:web DID %q has a malformed path", did)
			}
			path += "/" + seg
		}
	}
	return scheme + "://" + hostport + path + "/did.json", nil
}

// VerificationMethod is one key published in a DID or controller document.
type VerificationMethod struct {
	// ID is the method's URL ("did:web:…#key-1"), or "#key-1" relative to
	// the document's DID.
	ID string
	// Type is Multikey or JsonWebKey; empty picks Multikey for Ed25519 keys
	// and JsonWebKey for the rest (which is what JOSE verifiers, including
	// the xverify peer, read for P-256 and RSA).
	Type string
	// Controller defaults to the document's DID.
	Controller string
	PublicKey  crypto.PublicKey
	// Retired keys stay published, in verificationMethod and
	// assertionMethod only, so credentials they signed still verify; they
	// are no longer listed for authentication.
	Retired bool
}

// DIDDocument builds the DID document (DID Core §5) for did listing each
// method under verificationMethod, assertionMethod and (unless retired)
// authentication, by full id. Contexts: DID v1 and Multikey v1, plus JWK v1
// when a JsonWebKey method is present. Returns Invalid for a malformed DID
// or method and Unsupported for key types without the requested encoding.
func DIDDocument(did string, methods []VerificationMethod) (map[string]any, error) {
	if !strings.HasPrefix(did, "did:") || strings.ContainsAny(did, "#?/ ") {
		return nil, errs.E(errs.Invalid, "%q is not a DID", did)
	}
	ctx := []any{contexts.DIDv1, contexts.MultikeyV1}
	needJWK := false
	var vms, assertion, authn []any
	seen := map[string]bool{}
	for i, m := range methods {
		vm, err := methodJSON(did, m)
		if err != nil {
			return nil, errs.Wrap(err, errs.ErrorCode(err), "verification method %d: %s", i, errs.ErrorMessage(err))
		}
		id := vm["id"].(string)
		if seen[id] {
			return nil, errs.E(errs.Invalid, "verification method %q is listed twice", id)
		}
		seen[id] = true
		if vm["type"] == TypeJsonWebKey {
			needJWK = true
		}
		vms = append(vms, vm)
		assertion = append(assertion, id)
		if !m.Retired {
			authn = append(authn, id)
		}
	}
	if needJWK {
		ctx = append(ctx, contexts.JWKv1)
	}
	doc := map[string]any{
		"@context":            ctx,
		"id":                  did,
		RelVerificationMethod: orEmpty(vms),
		RelAssertionMethod:    orEmpty(assertion),
		RelAuthentication:     orEmpty(authn),
	}
	return doc, nil
}

func methodJSON(did string, m VerificationMethod) (map[string]any, error) {
	id := m.ID
	if strings.HasPrefix(id, "#") {
		id = did + id
	}
	base, frag, ok := strings.Cut(id, "#")
	if !ok || frag == "" || base != did {
		return nil, errs.E(errs.Invalid, "id %q must be %s#fragment", m.ID, did)
	}
	if m.PublicKey == nil {
		return nil, errs.E(errs.Invalid, "no public key")
	}
	kind, err := Kind(m.PublicKey)
	if err != nil {
		return nil, err
	}
	controller := m.Controller
	if controller == "" {
		controller = did
	}
	typ := m.Type
	if typ == "" {
		typ = TypeJsonWebKey
		if kind == KindEd25519 {
			typ = TypeMultikey
		}
	}
	vm := map[string]any{"id": id, "type": typ, "controller": controller}
	switch typ {
	case TypeMultikey:
		mb, err := MultikeyFromPublic(m.PublicKey)
		if err != nil {
			return nil, err
		}
		vm["publicKeyMultibase"] = mb
	case TypeJsonWebKey:
		jwk, err := publicJWKMap(m.PublicKey)
		if err != nil {
			return nil, err
		}
		vm["publicKeyJwk"] = jwk
	default:
		return nil, errs.E(errs.Unsupported, "tohu publishes keys as Multikey or JsonWebKey, not %q", typ)
	}
	return vm, nil
}

// publicJWKMap returns the public JWK of pub as a JSON object.
func publicJWKMap(pub crypto.PublicKey) (map[string]any, error) {
	k, err := PublicJWK(pub, "")
	if err != nil {
		return nil, err
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the JWK")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the JWK")
	}
	return m, nil
}

// didKeyDocument builds the document of a did:key DID locally (did:key
// Method v0.7 §3.1.1): one Multikey method "did:key:MB#MB" controlled by the
// DID and listed for assertion and authentication.
func didKeyDocument(did string) (map[string]any, error) {
	mb, pub, err := parseDIDKey(did)
	if err != nil {
		return nil, err
	}
	return DIDDocument(did, []VerificationMethod{{ID: did + "#" + mb, Type: TypeMultikey, PublicKey: pub}})
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1"
}

// validHost accepts DNS names and IPv4 literals: letters, digits, "-" and
// "." only, no empty labels.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func unreserved(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// unreservedOrPct accepts unreserved characters and well-formed
// percent-encodings, except an encoded "/" or "." which could change the
// path the document is fetched from.
func unreservedOrPct(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) || strings.EqualFold(s[i:i+3], "%2F") || strings.EqualFold(s[i:i+3], "%2E") {
				return false
			}
			i += 2
			continue
		}
		if !unreserved(s[i : i+1]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
