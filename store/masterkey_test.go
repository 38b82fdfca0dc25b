package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

// TestMasterKeyCheckRace: replicas with different master keys start on one
// empty database at once, each with its own connection pool. Exactly one
// key's token is stored, every replica reads back that same token, and
// CheckMasterKey passes for exactly the replica whose key it is.
func TestMasterKeyCheckRace(t *testing.T) {
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			dsn, dir := d.target(t)
			ctx := context.Background()
			const replicas = 4
			dbs := make([]*store.DB, replicas)
			mks := make([]*keys.MasterKey, replicas)
			for i := range replicas {
				dbs[i] = mustOpen(t, dsn, dir)
				mks[i], _ = keys.NewMasterKey()
			}
			if _, err := dbs[0].MasterKeyCheck(ctx); !errs.Is(err, errs.NotFound) {
				t.Fatalf("MasterKeyCheck on an empty database: %v, want not found", err)
			}
			e := &env{}
			var wg sync.WaitGroup
			results := make([]error, replicas)
			start := make(chan struct{})
			for i := range replicas {
				wg.Go(func() {
					<-start
					results[i] = e.service(t, dbs[i], mks[i]).CheckMasterKey(ctx)
				})
			}
			close(start)
			wg.Wait()
			stored, err := dbs[0].MasterKeyCheck(ctx)
			if err != nil {
				t.Fatal(err)
			}
			winner := -1
			for i, err := range results {
				switch {
				case err == nil:
					if winner >= 0 {
						t.Fatalf("replicas %d and %d both passed with different master keys", winner, i)
					}
					winner = i
				case !errs.Is(err, errs.Forbidden):
					t.Fatalf("replica %d: %v, want forbidden", i, err)
				}
			}
			if winner < 0 {
				t.Fatal("no replica passed")
			}
			if err := mks[winner].OpenCheck(stored); err != nil {
				t.Fatalf("the stored token is not the winner's: %v", err)
			}
			// A second start of each replica gives the same answer.
			for i := range replicas {
				err := e.service(t, dbs[i], mks[i]).CheckMasterKey(ctx)
				if (i == winner) != (err == nil) {
					t.Fatalf("restart of replica %d (winner %d): %v", i, winner, err)
				}
			}
			again, _ := dbs[1].InitMasterKeyCheck(ctx, []byte("another token"))
			if !bytes.Equal(again, stored) {
				t.Fatal("InitMasterKeyCheck replaced the stored token")
			}
		})
	}
}

// TestMasterKeyCheckAdopt: a database from before the check token has
// providers but no token. A master key that does not open their keys is
// refused and no token is stored; the right one is adopted (its token
// stored), after which the wrong key is refused by the token.
func TestMasterKeyCheckAdopt(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		// Created without CheckMasterKey, as a tohu from before migration 004
		// did: signing keys sealed, no token.
		e.provider(t, "one", false)
		e.provider(t, "two", false)
		if _, err := db.MasterKeyCheck(ctx); !errs.Is(err, errs.NotFound) {
			t.Fatalf("token before adoption: %v", err)
		}
		wrong, _ := keys.NewMasterKey()
		if err := e.service(t, db, wrong).CheckMasterKey(ctx); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("wrong key on an old database: %v, want forbidden", err)
		}
		if _, err := db.MasterKeyCheck(ctx); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a refused key stored a token: %v", err)
		}
		if err := e.service(t, db, e.master).CheckMasterKey(ctx); err != nil {
			t.Fatalf("right key on an old database: %v", err)
		}
		token, err := db.MasterKeyCheck(ctx)
		if err != nil || e.master.OpenCheck(token) != nil {
			t.Fatalf("adopted token: %v", err)
		}
		err = e.service(t, db, wrong).CheckMasterKey(ctx)
		if !errs.Is(err, errs.Forbidden) || !bytes.Contains([]byte(errs.ErrorMessage(err)), []byte("check token")) {
			t.Fatalf("wrong key after adoption: %v, want forbidden by the check token", err)
		}
	})
}

// TestResealKeysCheckToken: ResealKeys replaces the check token in the same
// transaction as the keys, and a failing reseal leaves both as they were.
func TestResealKeysCheckToken(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		if err := e.svc.CheckMasterKey(ctx); err != nil {
			t.Fatal(err)
		}
		e.provider(t, "one", false)
		before, _ := db.MasterKeyCheck(ctx)
		next, _ := keys.NewMasterKey()
		recheck := func(token []byte) ([]byte, error) {
			if err := e.master.OpenCheck(token); err != nil {
				return nil, err
			}
			return next.SealCheck()
		}
		boom := errs.E(errs.Invalid, "boom")
		if _, err := db.ResealKeys(ctx, recheck, func(string, []byte) ([]byte, error) { return nil, boom }); !errs.Is(err, errs.Invalid) {
			t.Fatalf("failing reseal: %v", err)
		}
		if after, _ := db.MasterKeyCheck(ctx); !bytes.Equal(after, before) {
			t.Fatal("a failed rekey changed the check token")
		}
		n, err := db.ResealKeys(ctx, recheck, func(id string, sealed []byte) ([]byte, error) {
			priv, err := e.master.Open(sealed, []byte(id))
			if err != nil {
				return nil, err
			}
			return next.Seal(priv, []byte(id))
		})
		if err != nil || n == 0 {
			t.Fatalf("ResealKeys = %d, %v", n, err)
		}
		if err := e.service(t, db, e.master).CheckMasterKey(ctx); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("old key after rekey: %v, want forbidden", err)
		}
		if err := e.service(t, db, next).CheckMasterKey(ctx); err != nil {
			t.Fatalf("new key after rekey: %v", err)
		}
	})
}
