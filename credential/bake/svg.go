package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// svgNamespace is the SVG namespace; a root <svg> without any namespace is
// accepted too, as browsers do for inline SVG.
const svgNamespace = "http://www.w3.org/2000/svg"

// svgDoc is what scanSVG learns about a document: byte ranges into it, so
// BakeSVG can edit the text and leave everything else exactly as it was.
type svgDoc struct {
	rootStart, rootEnd int               // the root start tag is b[rootStart:rootEnd]
	rootNS             map[string]string // prefixes the root start tag declares
	creds              []svgCredential   // outermost OB 3.0 credential elements, in order
	ob2                bool              // an Open Badges 2.0 openbadges:assertion is present
	// undeclared is set when an element or attribute uses the openbadges
	// prefix with no declaration in scope (encoding/xml then reports the
	// prefix itself as the namespace). Declaring the prefix on the root
	// would silently give such names the OB 3.0 namespace.
	undeclared bool
}

// svgCredential is one credential element found in an SVG.
type svgCredential struct {
	start, end int  // the element is b[start:end]
	hasVerify  bool // it has a verify attribute
	verify     string
	text       []byte // its character data, CDATA sections included
}

// scanSVG parses b with encoding/xml, namespace-aware, and records the root
// element and every OB 3.0 credential element (any prefix bound to
// Namespace, local name "credential"). It refuses, as Invalid: input over
// MaxImageSize, a DOCTYPE that declares entities (the predefined five and
// character references are all encoding/xml expands; tohu never fetches
// external DTDs), nesting deeper than MaxSVGDepth, a root that is not
// <svg>, a second root element, character data in a credential element
// over MaxCredentialSize, an element inside a credential element, and
// anything that is not well-formed UTF-8 XML.
func scanSVG(b []byte) (*svgDoc, error) {
	if len(b) > MaxImageSize {
		return nil, errs.E(errs.Invalid, "the SVG is larger than %d bytes", MaxImageSize)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// d.Entity stays nil and d.CharsetReader nil: no custom entities, UTF-8 only.
	doc := &svgDoc{rootStart: -1}
	depth := 0
	var cur *svgCredential // the credential element being read
	curDepth := 0
	for {
		start := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "the SVG is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("<!ENTITY")) {
				return nil, errs.E(errs.Invalid, "the SVG declares XML entities, which tohu refuses")
			}
		case xml.StartElement:
			if usesUndeclaredPrefix(t) {
				doc.undeclared = true
			}
			depth++
			if depth > MaxSVGDepth {
				return nil, errs.E(errs.Invalid, "the SVG nests elements deeper than %d", MaxSVGDepth)
			}
			if depth == 1 {
				if doc.rootStart >= 0 {
					return nil, errs.E(errs.Invalid, "the SVG has more than one root element")
				}
				if t.Name.Local != "svg" || (t.Name.Space != svgNamespace && t.Name.Space != "") {
					return nil, errs.E(errs.Invalid, "not an SVG document: the root element is not <svg>")
				}
				doc.rootStart, doc.rootEnd = start, int(d.InputOffset())
				doc.rootNS = map[string]string{}
				for _, a := range t.Attr {
					if a.Name.Space == "xmlns" {
						doc.rootNS[a.Name.Local] = a.Value
					}
				}
				continue
			}
			if cur != nil {
				return nil, errs.E(errs.Invalid, "the SVG's credential element contains an element")
			}
			switch {
			case t.Name.Space == Namespace && t.Name.Local == "credential":
				cur, curDepth = &svgCredential{start: start}, depth
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "verify" {
						cur.hasVerify, cur.verify = true, a.Value
					}
				}
			case t.Name.Space == ob2Namespace && t.Name.Local == "assertion":
				doc.ob2 = true
			}
		case xml.EndElement:
			if cur != nil && depth == curDepth {
				cur.end = int(d.InputOffset())
				doc.creds = append(doc.creds, *cur)
				cur = nil
			}
			depth--
		case xml.CharData:
			if cur != nil {
				if len(cur.text)+len(t) > MaxCredentialSize {
					return nil, errs.E(errs.Invalid, "the credential in the SVG is larger than %d bytes", MaxCredentialSize)
				}
				cur.text = append(cur.text, t...)
			}
		}
	}
	if doc.rootStart < 0 {
		return nil, errs.E(errs.Invalid, "not an SVG document: no root element")
	}
	return doc, nil
}

// UnbakeSVG returns the credential baked into an SVG (OB 3.0 §"Baked
// Badge"): from the first credential element in the OB 3.0 namespace, the
// value of its verify attribute (a compact JWS) when it has one, otherwise
// its character data (the JSON credential, usually in CDATA). XML white
// space around the value is trimmed; it is not significant in either form.
//
// Returns Invalid for a document scanSVG refuses or an empty credential
// element, Unsupported when it holds only an Open Badges 2.0
// openbadges:assertion, and NotFound when it holds no credential.
func UnbakeSVG(svg []byte) ([]byte, error) {
	doc, err := scanSVG(svg)
	if err != nil {
		return nil, err
	}
	if len(doc.creds) == 0 {
		if doc.ob2 {
			return nil, errs.E(errs.Unsupported, "Open Badges 2.0 baked badge: tohu reads Open Badges 3.0 credentials only")
		}
		return nil, errs.E(errs.NotFound, "the SVG carries no Open Badges credential")
	}
	c := doc.creds[0]
	var v []byte
	if c.hasVerify {
		v = []byte(strings.TrimSpace(c.verify))
	} else {
		v = bytes.TrimSpace(c.text)
	}
	if len(v) == 0 {
		return nil, errs.E(errs.Invalid, "the SVG's credential element is empty")
	}
	return bytes.Clone(v), nil
}

// BakeSVG returns a copy of svg carrying credential, as OB 3.0 §"Baked
// Badge" specifies: xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"
// on the root <svg> (unless already there), and right after its start tag
// <openbadges:credential verify="JWS"></openbadges:credential> for a
// compact JWS, or <openbadges:credential><![CDATA[JSON]]></openbadges:credential>
// for a JSON credential. Credential elements already present are removed,
// so the result carries exactly one. The rest of the document is kept byte
// for byte. A "]]>" in the JSON is split across two CDATA sections, and a
// carriage return is written as a character reference (XML would otherwise
// turn it into a line feed), so UnbakeSVG gives back the same bytes, less
// surrounding white space; BakeSVG checks that it does.
//
// Returns Invalid for an SVG scanSVG refuses or a credential checkCredential
// refuses, Unsupported when the root binds the openbadges prefix to the
// Open Badges 2.0 namespace, and Conflict when it binds it to another one.
func BakeSVG(svg []byte, credential []byte) ([]byte, error) {
	jwt, err := checkCredential(credential)
	if err != nil {
		return nil, err
	}
	doc, err := scanSVG(svg)
	if err != nil {
		return nil, err
	}
	switch uri, bound := doc.rootNS[svgPrefix]; {
	case bound && uri == ob2Namespace:
		return nil, errs.E(errs.Unsupported, "the SVG is an Open Badges 2.0 baked badge; tohu does not re-bake those")
	case bound && uri != Namespace:
		return nil, errs.E(errs.Conflict, "the SVG binds the openbadges prefix to another namespace")
	case !bound && doc.undeclared:
		return nil, errs.E(errs.Invalid, "the SVG uses the openbadges prefix without declaring it")
	}

	tag := svg[doc.rootStart:doc.rootEnd]
	selfClosing := bytes.HasSuffix(tag, []byte("/>"))
	tail := len(tag) - 1 // where ">" or "/>" begins
	if selfClosing {
		tail--
	}
	var out bytes.Buffer
	out.Grow(len(svg) + len(credential) + 200)
	out.Write(svg[:doc.rootStart])
	out.Write(tag[:tail])
	if _, bound := doc.rootNS[svgPrefix]; !bound {
		out.WriteString(` xmlns:` + svgPrefix + `="` + Namespace + `"`)
	}
	out.WriteByte('>')
	writeCredentialElement(&out, credential, jwt)
	if selfClosing {
		out.WriteString("</")
		out.Write(rootName(tag))
		out.WriteByte('>')
	}
	// The rest, less any credential elements already there.
	pos := doc.rootEnd
	for _, c := range doc.creds {
		out.Write(svg[pos:c.start])
		pos = c.end
	}
	out.Write(svg[pos:])

	got, err := UnbakeSVG(out.Bytes())
	if err != nil || !bytes.Equal(got, bytes.TrimSpace(credential)) {
		return nil, errs.Wrap(err, errs.Invalid, "the credential cannot be carried in an SVG unchanged")
	}
	return out.Bytes(), nil
}

// usesUndeclaredPrefix reports whether the element or one of its
// attributes is named with the openbadges prefix while no namespace is
// bound to it.
func usesUndeclaredPrefix(t xml.StartElement) bool {
	if t.Name.Space == svgPrefix {
		return true
	}
	for _, a := range t.Attr {
		if a.Name.Space == svgPrefix {
			return true
		}
	}
	return false
}

// rootName returns the qualified name in a start tag ("svg", "svg:svg").
func rootName(tag []byte) []byte {
	name := tag[1:]
	if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
		name = name[:i]
	}
	return name
}

// writeCredentialElement writes the OB 3.0 credential element.
func writeCredentialElement(w *bytes.Buffer, credential []byte, jwt bool) {
	if jwt {
		w.WriteString("<" + svgPrefix + `:credential verify="`)
		// A compact JWS is base64url and dots; escape anyway.
		_ = xml.EscapeText(w, credential)
		w.WriteString(`"></` + svgPrefix + ":credential>")
		return
	}
	w.WriteString("<" + svgPrefix + ":credential><![CDATA[")
	writeCDATA(w, credential)
	w.WriteString("]]></" + svgPrefix + ":credential>")
}

// writeCDATA writes b inside an open CDATA section. A CDATA section ends at
// the first "]]>" (XML 1.0 §2.7), so that sequence is split across two
// sections; a carriage return leaves the section for a character reference,
// because XML 1.0 §2.11 turns a literal one into a line feed.
func writeCDATA(w *bytes.Buffer, b []byte) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "]\r")
		if i < 0 {
			w.Write(b)
			return
		}
		w.Write(b[:i])
		switch {
		case b[i] == '\r':
			w.WriteString("]]>&#13;<![CDATA[")
			b = b[i+1:]
		case bytes.HasPrefix(b[i:], []byte("]]>")):
			w.WriteString("]]]]><![CDATA[>")
			b = b[i+3:]
		default:
			w.WriteByte(']')
			b = b[i+1:]
		}
	}
}
