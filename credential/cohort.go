package credential

import (
	"sync"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// Cohort makes the awards built with it (WithCohort) carry one decoded
// Achievement object per micro-credential version instead of a copy each,
// and names those objects in Shared, so that signing the awards with
// dataintegrity.SignOptions{Shared: cohort.Shared} canonicalizes each
// Achievement once rather than once per learner. An award's Achievement is
// swapped for the cohort's only when their encoded bytes are identical, so
// the decoded document is still exactly what its bytes say. The objects
// handed out are never changed (jsonld.Shared's promise): callers only read
// the decoded documents BuildAwardDoc returns. Safe for concurrent use.
type Cohort struct {
	Shared *jsonld.Shared

	mu   sync.Mutex
	achs map[string]map[string]any // by the Achievement's encoded bytes
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
// (at /credentialSubject/achievement), or makes doc's the cohort's own.
func (c *Cohort) share(doc map[string]any, ach []byte) {
	cs, mine, ok := awardAchievement(doc)
	if !ok || len(ach) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if known, ok := c.achs[string(ach)]; ok {
		cs["achievement"] = known
		return
	}
	if len(c.achs) < maxCohortAchievements {
		c.achs[string(ach)] = mine
		c.Shared.Add(mine)
	}
}
