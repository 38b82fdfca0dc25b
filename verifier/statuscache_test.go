package verifier_test

import (
	"context"
	"crypto"
	"sync"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// countingResolver counts the keys asked for: each proof verified (the
// credential's, the status list's) asks once.
type countingResolver struct {
	credential.KeyResolver
	mu sync.Mutex
	n  int
}

func (r *countingResolver) PublicKey(ctx context.Context, vmID, purpose string) (crypto.PublicKey, string, error) {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	return r.KeyResolver.PublicKey(ctx, vmID, purpose)
}

func (r *countingResolver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestStatusListKept: a status list that verified is reused only while its
// bytes, issuer and purpose are the same, for at most 30 s and never past
// its validUntil (plus the clock skew); everything else is verified afresh,
// and every answer is the one a fresh verifier gives.
func TestStatusListKept(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	const u = "https://status.example/lists/rev"
	n := newLoopNet(t)
	now := testNow
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	res := &countingResolver{KeyResolver: keys.NewResolver(keys.WithFetcher(n))}
	kept := verifier.New(verifier.WithNow(clock), verifier.WithResolver(res), verifier.WithStatusFetcher(n))
	fresh := func() *verifier.Verifier {
		return verifier.New(verifier.WithNow(clock), verifier.WithResolver(keys.NewResolver(keys.WithFetcher(n))), verifier.WithStatusFetcher(n))
	}
	cred := k.signDI(t, k.unsigned(t, func(m map[string]any) { m["credentialStatus"] = statusEntry(u, "revocation", 7) }))
	otherCred := other.signDI(t, other.unsigned(t, func(m map[string]any) { m["credentialStatus"] = statusEntry(u, "revocation", 7) }))
	clearList := k.signDI(t, statusList(t, u, k.kf.DID, "revocation"))
	revoked := k.signDI(t, statusList(t, u, k.kf.DID, "revocation", 7))
	expiring := func() []byte {
		m := decode(t, statusList(t, u, k.kf.DID, "revocation"))
		// Valid (with the clock skew) until testNow + 1 min: within 30 s
		// of the step that keeps it.
		m["validUntil"] = testNow.Add(time.Minute - verifier.DefaultClockSkew).Format(time.RFC3339)
		return k.signDI(t, encode(t, m))
	}()

	steps := []struct {
		name  string
		list  []byte
		at    time.Time
		cred  []byte
		code  string
		calls int // keys asked for by this verification
	}{
		{"first", clearList, testNow, cred, "status.ok", 2},
		{"same bytes: kept", clearList, testNow.Add(time.Second), cred, "status.ok", 1},
		{"revoked: new bytes seen at once", revoked, testNow.Add(2 * time.Second), cred, "status.revoked", 2},
		{"revoked again: kept", revoked, testNow.Add(3 * time.Second), cred, "status.revoked", 1},
		{"same bytes, another issuer", revoked, testNow.Add(4 * time.Second), otherCred, "status.list_wrong_issuer", 2},
		{"after 30 s: verified again", revoked, testNow.Add(40 * time.Second), cred, "status.revoked", 2},
		{"expiring list", expiring, testNow.Add(50 * time.Second), cred, "status.ok", 2},
		{"expiring list: kept", expiring, testNow.Add(55 * time.Second), cred, "status.ok", 1},
		{"past validUntil and skew", expiring, testNow.Add(time.Minute + time.Second), cred, "status.unreachable", 2},
	}
	for _, s := range steps {
		n.put(u, s.list)
		set(s.at)
		before := res.count()
		r := kept.Verify(context.Background(), s.cred)
		if _, code := checkStatus(r, verifier.CheckStatus); code != s.code {
			t.Fatalf("%s: status %s, want %s\n%s", s.name, code, s.code, dump(r))
		}
		if got := res.count() - before; got != s.calls {
			t.Fatalf("%s: %d keys resolved, want %d", s.name, got, s.calls)
		}
		f := fresh().Verify(context.Background(), s.cred)
		if f.Result != r.Result {
			t.Fatalf("%s: result %s, a fresh verifier says %s", s.name, r.Result, f.Result)
		}
	}
}
