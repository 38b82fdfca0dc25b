package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/store"
)

const (
	usageBackup  = "backup --out FILE   (SQLite; PostgreSQL: pg_dump, see docs/operations.md)"
	usageRestore = "restore [--force] FILE   (SQLite, with tohu stopped; PostgreSQL: pg_restore)"
)

// cmdBackup writes a consistent copy of the embedded SQLite database to
// --out while tohu may keep running (VACUUM INTO reads one snapshot). It
// does not migrate the database first. The master key is NOT in the backup:
// back it up separately (docs/operations.md, "Key backup and recovery").
// A PostgreSQL deployment is backed up with pg_dump instead (Unsupported).
func cmdBackup(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	out := fs.String("out", "", "file to write (must not exist)")
	rest, err := parseFlags(fs, usageBackup, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *out == "" {
		return usagef(usageBackup, "backup needs --out FILE and nothing else")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(usageBackup, "%v", err)
	}
	if cfg.DatabaseURL != "" {
		return errs.E(errs.Unsupported, "TOHU_DATABASE_URL is PostgreSQL: back it up with pg_dump --format=custom (docs/operations.md, \"Back up and restore\")")
	}
	db, err := store.OpenExisting(ctx, "", cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.BackupSQLite(ctx, *out); err != nil {
		return err
	}
	info, err := store.CheckSQLiteBackup(ctx, *out)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "the backup %s was written but does not check out: %s", *out, errs.ErrorMessage(err))
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%s)\nthe master key is not in it: keep a copy of the master key (%s) apart from this file\n",
		*out, info, masterKeyHint(cfg))
	return nil
}

// cmdRestore installs a backup made by `tohu backup` as the SQLite database
// in TOHU_DATA_DIR, after checking it (integrity, schema version). tohu must
// not be running on that directory. It refuses to replace an existing
// database without --force.
func cmdRestore(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	force := fs.Bool("force", false, "replace an existing database")
	rest, err := parseFlags(fs, usageRestore, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef(usageRestore, "restore needs exactly one backup FILE")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(usageRestore, "%v", err)
	}
	if cfg.DatabaseURL != "" {
		return errs.E(errs.Unsupported, "TOHU_DATABASE_URL is PostgreSQL: restore with pg_restore into an empty database (docs/operations.md, \"Back up and restore\")")
	}
	info, err := store.RestoreSQLite(ctx, rest[0], cfg.DataDir, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "restored %s into %s (%s)\nstart tohu with the master key these signing keys were sealed under; a wrong one refuses to start\n",
		rest[0], cfg.DataDir, info)
	return nil
}

func masterKeyHint(cfg *Config) string {
	switch {
	case cfg.MasterKeyFile != "":
		return cfg.MasterKeyFile
	case cfg.MasterKey != "":
		return "TOHU_MASTER_KEY"
	}
	return filepath.Join(cfg.DataDir, masterKeyFile)
}
