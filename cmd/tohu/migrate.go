package main

import (
	"context"
	"fmt"

	"github.com/tohu-nz/tohu/store"
)

const usageMigrate = "migrate   (apply database migrations and exit; safe beside running replicas)"

// cmdMigrate applies the migrations this binary carries and exits: the
// Kubernetes migration Job runs it before a rollout. serve migrates at start
// too, under the same PostgreSQL advisory lock, so running both is safe.
func cmdMigrate(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usagef(usageMigrate, "migrate takes no arguments (configuration is by environment)")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(usageMigrate, "%v", err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir) // Open migrates
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	latest := 0
	if len(applied) > 0 {
		latest = applied[len(applied)-1]
	}
	fmt.Fprintf(env.Stdout, "database (%s) at schema version %d\n", db.Dialect(), latest)
	return nil
}
