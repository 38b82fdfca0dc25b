package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tohu-nz/tohu/store"
)

// TestMigrateConcurrent starts two "replicas" on one empty database at once:
// both must succeed and each migration must be applied exactly once.
func TestMigrateConcurrent(t *testing.T) {
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			dsn, dir := d.target(t)
			const replicas = 2
			var wg sync.WaitGroup
			dbs := make([]*store.DB, replicas)
			errs := make([]error, replicas)
			for i := range replicas {
				wg.Go(func() { dbs[i], errs[i] = store.Open(context.Background(), dsn, dir) })
			}
			wg.Wait()
			for i := range replicas {
				if errs[i] != nil {
					t.Fatalf("replica %d: Open: %v", i, errs[i])
				}
				defer dbs[i].Close()
			}
			// Run again on an up-to-date schema: nothing to do, no error.
			if err := dbs[0].Migrate(context.Background()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			got, err := dbs[1].AppliedMigrations(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatal("no migrations recorded")
			}
			for i := 1; i < len(got); i++ {
				if got[i] == got[i-1] {
					t.Fatalf("migration %d recorded twice: %v", got[i], got)
				}
			}
			if err := dbs[1].Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		})
	}
}
