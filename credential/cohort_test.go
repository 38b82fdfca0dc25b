package credential_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
)

// TestCohortSignsTheSame: awards built with a Cohort share one decoded
// Achievement per micro-credential and one issuer object, and signing them
// with the cohort's Shared gives exactly the credential signing without it
// gives (Ed25519 is deterministic), for many learners signed concurrently,
// two micro-credentials mixed in one cohort; each verifies.
func TestCohortSignsTheSame(t *testing.T) {
	mc, _, res, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	other := mc
	other.ID, other.Title, other.Level = mc.ID+"-2", "Kōrero Tuarua", 4
	_, priv, _ := ed25519.GenerateKey(nil)
	opts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime}
	cohort := credential.NewCohort()

	var firstAch [2]map[string]any
	var firstIssuer map[string]any
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := mc
			if i%3 == 2 {
				m = other
			}
			l := credential.Learner{Name: fmt.Sprintf("Ākonga %d", i), Email: fmt.Sprintf("l%d@example.nz", i), Salt: "s"}
			r := res
			r.ID = fmt.Sprintf("urn:uuid:0c7c3a52-6f2b-4a7e-9d0f-%012d", i)
			raw, doc, err := credential.BuildAwardDoc(m, l, r, p, credential.DefaultBounds(), credential.WithClock(clock), credential.WithCohort(cohort))
			if err != nil {
				errc <- err
				return
			}
			_, plain, err := credential.BuildAwardDoc(m, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
			if err != nil || !reflect.DeepEqual(doc, plain) {
				errc <- fmt.Errorf("award %d: the cohort's decoded form differs from the plain one (%v)", i, err)
				return
			}
			a := doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
			mu.Lock()
			k := 0
			if i%3 == 2 {
				k = 1
			}
			if firstAch[k] == nil {
				firstAch[k] = a
			} else if reflect.ValueOf(firstAch[k]).UnsafePointer() != reflect.ValueOf(a).UnsafePointer() {
				mu.Unlock()
				errc <- fmt.Errorf("award %d does not share its micro-credential's Achievement object", i)
				return
			}
			iss := doc["issuer"].(map[string]any)
			if firstIssuer == nil {
				firstIssuer = iss
			} else if reflect.ValueOf(firstIssuer).UnsafePointer() != reflect.ValueOf(iss).UnsafePointer() {
				mu.Unlock()
				errc <- fmt.Errorf("award %d does not share the cohort's issuer object", i)
				return
			}
			mu.Unlock()
			with := opts
			with.Shared = cohort.Shared
			got, err := dataintegrity.SignDecoded(context.Background(), raw, doc, priv, with)
			if err != nil {
				errc <- err
				return
			}
			want, err := dataintegrity.Sign(context.Background(), raw, priv, opts)
			if err != nil || !bytes.Equal(got, want) {
				errc <- fmt.Errorf("award %d: signed with the Shared differs from without (%v)\n got: %s\nwant: %s", i, err, got, want)
				return
			}
			rs, err := dataintegrity.Verify(context.Background(), got, dataintegrity.VerifyOptions{Resolver: fixedKey{priv.Public()}})
			if err != nil || len(rs) != 1 || !rs[0].Verified {
				errc <- fmt.Errorf("award %d does not verify: %v %+v", i, err, rs)
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if firstAch[0] == nil || firstAch[1] == nil || reflect.ValueOf(firstAch[0]).UnsafePointer() == reflect.ValueOf(firstAch[1]).UnsafePointer() {
		t.Error("the two micro-credentials should each have their own shared Achievement")
	}
}

// fixedKey resolves every verification method to one key.
type fixedKey struct{ pub crypto.PublicKey }

func (k fixedKey) PublicKey(context.Context, string, string) (crypto.PublicKey, string, error) {
	return k.pub, "did:key:z6Mk", nil
}

// TestCohortModels: a Cohort builds and encodes an Achievement once per
// micro-credential as given (every field) and grade or not, and each award
// built with it has the bytes and decoding an award built without one has:
// the same micro-credential with and without a grade, one edited in its
// outcomes, its description, its developer or its grade scale, all in one
// cohort, each built twice. A micro-credential changed after an award was
// built with it (the caller's slices edited in place) is built afresh,
// and another issuer in the cohort has an issuer object of its own.
func TestCohortModels(t *testing.T) {
	mc, l, res, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	variant := func(edit func(m *credential.MicroCredential)) credential.MicroCredential {
		m := mc
		m.Outcomes = slices.Clone(mc.Outcomes)
		m.Grades = slices.Clone(mc.Grades)
		if mc.Developer != nil {
			d := *mc.Developer
			m.Developer = &d
		}
		edit(&m)
		return m
	}
	mcs := []credential.MicroCredential{
		mc,
		variant(func(m *credential.MicroCredential) {
			m.Outcomes = append(m.Outcomes, "Reflect on tikanga in the workplace.")
		}),
		variant(func(m *credential.MicroCredential) { m.Description += " Taught on marae." }),
		variant(func(m *credential.MicroCredential) { m.Developer.Name = "Another Workforce Development Council" }),
		variant(func(m *credential.MicroCredential) { m.Grades = []string{"Achieved", "Excellence"} }),
	}
	graded, plain := res, res
	graded.Grade = "Achieved"
	plain.Grade = ""
	cohort := credential.NewCohort()
	checkBy := func(what string, m credential.MicroCredential, r credential.AwardResult, issuer credential.Profile) map[string]any {
		t.Helper()
		got, gdoc, err := credential.BuildAwardDoc(m, l, r, issuer, credential.DefaultBounds(), credential.WithClock(clock), credential.WithCohort(cohort))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want, wdoc, err := credential.BuildAwardDoc(m, l, r, issuer, credential.DefaultBounds(), credential.WithClock(clock))
		if err != nil || !bytes.Equal(got, want) || !reflect.DeepEqual(gdoc, wdoc) {
			t.Fatalf("%s: the cohort's award differs (%v)\n got: %s\nwant: %s", what, err, got, want)
		}
		return gdoc
	}
	check := func(what string, m credential.MicroCredential, r credential.AwardResult) map[string]any {
		t.Helper()
		return checkBy(what, m, r, p)
	}
	for round := range 2 {
		for i, m := range mcs {
			for _, r := range []credential.AwardResult{graded, plain} {
				check(fmt.Sprintf("round %d, micro-credential %d, grade %q", round, i, r.Grade), m, r)
			}
		}
	}
	// The caller edits the micro-credential it built with, in place.
	edited := mcs[1]
	edited.Outcomes[0] = "Deliver a mihi, a pepeha and a karakia."
	check("outcome edited in place", edited, plain)
	check("outcome edited in place, again", edited, plain)
	// Another issuer in the same cohort keeps its own issuer object.
	other := p
	other.Name = "Another Polytechnic | Tētahi atu Kura"
	mine := check("the first issuer", mc, plain)["issuer"]
	theirs := checkBy("another issuer", mc, plain, other)["issuer"]
	again := checkBy("another issuer, again", mc, plain, other)["issuer"]
	if reflect.ValueOf(mine).UnsafePointer() == reflect.ValueOf(theirs).UnsafePointer() ||
		reflect.ValueOf(theirs).UnsafePointer() != reflect.ValueOf(again).UnsafePointer() {
		t.Error("each issuer should have one object of its own in the cohort")
	}
}
