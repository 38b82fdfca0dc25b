package jsonld

import (
	"encoding/json"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// goldLoader adapts the pinned-context loader for json-gold. The contexts
// loader decodes with UseNumber, and json-gold only understands "@version"
// as a float64: given json.Number 1.1 it fails with "unsupported JSON-LD
// version", which made every VC 1.1 credential (credentials/v1 declares
// @version 1.1) impossible to canonicalize. Contexts hold no other numbers,
// so converting them is safe. Converted documents are cached per URL.
type goldLoader struct {
	inner ld.DocumentLoader
	docs  sync.Map // url -> *ld.RemoteDocument
}

func (g *goldLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	if d, ok := g.docs.Load(u); ok {
		return d.(*ld.RemoteDocument), nil
	}
	rd, err := g.inner.LoadDocument(u)
	if err != nil {
		return nil, err
	}
	c := *rd
	c.Document = floatNumbers(rd.Document)
	g.docs.Store(u, &c)
	return &c, nil
}

// floatNumbers returns a copy of v with every json.Number turned into a
// float64 (v itself is shared and must not change).
func floatNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = floatNumbers(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = floatNumbers(e)
		}
		return a
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
	}
	return v
}

// goldContexts returns doc with every inline @context value passed through
// floatNumbers, for the same reason as goldLoader: an inline context with
// "@version": 1.1, decoded with UseNumber, would otherwise make json-gold
// refuse the document. Only maps and arrays on the way are copied.
func goldContexts(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			if k == "@context" {
				m[k] = floatNumbers(e)
			} else {
				m[k] = goldContexts(e)
			}
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = goldContexts(e)
		}
		return a
	}
	return v
}
