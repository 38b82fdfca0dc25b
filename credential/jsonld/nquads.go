package jsonld

import (
	"github.com/piprate/json-gold/ld"
)

// appendNQuads writes quads in canonical N-Quads (RDFC-1.0 §4.2; RDF 1.1
// N-Quads). It escapes exactly as json-gold's serializer does (\, ", LF,
// CR, TAB), which is also what jsonld.js's rdf-canonize does for those
// characters. The two differ on the other control characters (rdf-canonize
// writes \b, \f and \uXXXX, json-gold writes them raw), so the strict
// expander refuses strings containing them: tohu only signs what every
// stack canonicalizes the same way.
func appendNQuads(b []byte, quads []*ld.Quad) []byte {
	n := 0
	for _, q := range quads {
		n += len(q.Subject.GetValue()) + len(q.Predicate.GetValue()) + len(q.Object.GetValue()) + 16
		if l, ok := q.Object.(ld.Literal); ok {
			n += len(l.Datatype) + len(l.Language) + 6
		}
		if q.Graph != nil {
			n += len(q.Graph.GetValue()) + 3
		}
	}
	if b == nil {
		b = make([]byte, 0, n)
	}
	for _, q := range quads {
		b = appendQuad(b, q.Subject, q.Predicate, q.Object, q.Graph)
	}
	return b
}

// appendQuad writes one N-Quads line; g is nil for the default graph. The
// native RDFC-1.0 labelling (rdfc.go) writes its lines, substituted blank
// nodes included, through here too, so hashing and output escape alike.
func appendQuad(b []byte, s, p, o, g ld.Node) []byte {
	b = appendTerm(b, s)
	b = append(b, ' ')
	b = appendTerm(b, p)
	b = append(b, ' ')
	b = appendTerm(b, o)
	if g != nil {
		b = append(b, ' ')
		b = appendTerm(b, g)
	}
	return append(b, " .\n"...)
}

func appendTerm(b []byte, n ld.Node) []byte {
	switch n := n.(type) {
	case ld.IRI:
		b = append(b, '<')
		b = appendEscaped(b, n.Value)
		return append(b, '>')
	case ld.BlankNode:
		return append(b, n.Attribute...)
	case ld.Literal:
		b = append(b, '"')
		b = appendEscaped(b, n.Value)
		b = append(b, '"')
		if n.Datatype == ld.RDFLangString {
			b = append(b, '@')
			return append(b, n.Language...)
		}
		if n.Datatype != ld.XSDString {
			b = append(b, "^^<"...)
			b = appendEscaped(b, n.Datatype)
			b = append(b, '>')
		}
	}
	return b
}

// nquadsEscaped marks the bytes appendEscaped writes as escapes. A table
// scan: strings.ContainsAny built its byte set on every call, and the
// canonicalization of a bulk award calls this for every term of every
// line it hashes (3 % of a bulk job's CPU).
var nquadsEscaped = [256]bool{'\\': true, '"': true, '\n': true, '\r': true, '\t': true}

func appendEscaped(b []byte, s string) []byte {
	i := 0
	for i < len(s) && !nquadsEscaped[s[i]] {
		i++
	}
	if i == len(s) {
		return append(b, s...)
	}
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
