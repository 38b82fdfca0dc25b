package credential

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sync"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// Cohort makes the awards built with it (WithCohort) carry one decoded
// Achievement object per micro-credential version, and one issuer object,
// instead of a copy each, and names those objects in Shared, so that
// signing the awards with dataintegrity.SignOptions{Shared: cohort.Shared}
// canonicalizes each once rather than once per learner. An award's object
// is swapped for the cohort's only when they are identical (the
// Achievement's encoded bytes, the issuer's decoding), so the decoded
// document is still exactly what its bytes say. The objects
// handed out are never changed (jsonld.Shared's promise): callers only read
// the decoded documents BuildAwardDoc returns. Safe for concurrent use.
type Cohort struct {
	Shared *jsonld.Shared

	mu   sync.Mutex
	achs map[string]map[string]any // by the Achievement's encoded bytes
	// issuers are the issuer objects of the cohort's awards (shareIssuer).
	issuers []map[string]any
	// models are the Achievements built for the cohort's awards, by what
	// they were built from (modelOf), with their bytes once encoded.
	models []cohortModel
}

// cohortModel is one Achievement a Cohort built: key is the JSON of the
// micro-credential and grade whether the award has a grade, all the
// Achievement is made of (awardCredential).
type cohortModel struct {
	key   []byte
	grade bool
	ach   *Achievement
	raw   []byte // its encoding, nil until encoded
}

// maxCohortAchievements bounds what one Cohort keeps; a bulk job names a
// handful of micro-credentials, and beyond the bound awards simply keep
// their own copy.
const maxCohortAchievements = 64

// NewCohort returns an empty Cohort.
func NewCohort() *Cohort {
	return &Cohort{Shared: jsonld.NewShared(), achs: map[string]map[string]any{}}
}

// WithCohort builds the award's decoded form with c's Achievement objects.
func WithCohort(c *Cohort) AwardOption { return func(cfg *awardConfig) { cfg.cohort = c } }

// known returns c's object for the Achievement whose encoding is ach, or
// nil. It is only ever one that a whole award decoded from these bytes
// and validated (share).
func (c *Cohort) known(ach []byte) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.achs[string(ach)]
}

// share puts c's object for the Achievement whose encoding is ach into doc
// (at /credentialSubject/achievement), or makes doc's the cohort's own;
// and the same for the issuer (shareIssuer).
func (c *Cohort) share(doc map[string]any, ach []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shareIssuer(doc)
	cs, mine, ok := awardAchievement(doc)
	if !ok || len(ach) == 0 {
		return
	}
	if known, ok := c.achs[string(ach)]; ok {
		cs["achievement"] = known
		return
	}
	if len(c.achs) < maxCohortAchievements {
		c.achs[string(ach)] = mine
		c.Shared.Add(mine)
	}
}

// shareIssuer puts c's object for doc's issuer into doc when they are
// equal (the same decoded JSON, so doc is still exactly its bytes' decoding),
// or makes doc's the cohort's own. A job's awards have one issuer, whose
// expansion and quads are then made once (a twentieth of signing an
// award). c.mu is held.
func (c *Cohort) shareIssuer(doc map[string]any) {
	iss, ok := doc["issuer"].(map[string]any)
	if !ok {
		return
	}
	for _, known := range c.issuers {
		if reflect.DeepEqual(known, iss) {
			doc["issuer"] = known
			return
		}
	}
	if len(c.issuers) < maxCohortAchievements {
		c.issuers = append(c.issuers, iss)
		c.Shared.Add(iss)
	}
}

// modelOf returns the cohort's Achievement for mc (with a grade result
// description when grade), calling build only the first time: building and
// encoding it were about a tenth of building a bulk award, the same work
// for every learner. The Achievement returned is shared: it must not be changed
// (nothing after awardCredential changes the model it made). The key is
// mc's JSON, every field of it: a micro-credential edited since, or
// another one, builds its own.
func (c *Cohort) modelOf(mc MicroCredential, grade bool, build func() *Achievement) *Achievement {
	key, err := json.Marshal(mc)
	if err != nil {
		return build()
	}
	c.mu.Lock()
	for _, m := range c.models {
		if m.grade == grade && bytes.Equal(m.key, key) {
			c.mu.Unlock()
			return m.ach
		}
	}
	c.mu.Unlock()
	ach := build()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.models {
		if m.grade == grade && bytes.Equal(m.key, key) { // built meanwhile by another award
			return m.ach
		}
	}
	if len(c.models) < maxCohortAchievements {
		c.models = append(c.models, cohortModel{key: key, grade: grade, ach: ach})
	}
	return ach
}

// encoded returns the bytes of the cohort's Achievement ach (one modelOf
// returned) once encoded, or nil.
func (c *Cohort) encoded(ach *Achievement) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.models {
		if m.ach == ach {
			return m.raw
		}
	}
	return nil
}

// setEncoded keeps raw as the encoding of the cohort's Achievement ach.
func (c *Cohort) setEncoded(ach *Achievement, raw []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.models {
		if c.models[i].ach == ach && c.models[i].raw == nil {
			c.models[i].raw = bytes.Clone(raw)
		}
	}
}
