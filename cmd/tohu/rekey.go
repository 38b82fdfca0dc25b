package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

const usageRekey = "rekey --new-master-key-file FILE   (stop every replica first)"

// cmdRekey rotates the master key: every signing key is opened with the
// current master key (TOHU_MASTER_KEY / _FILE, or the data directory's
// master.key) and sealed again under the new one, and the database's master
// key check token replaced by the new key's, in one transaction, so the
// database never holds a mix. Each key keeps its id as the sealing AAD
// (as issuer seals it). If any key does not open, nothing changes.
//
// Replicas still running with the old master key can no longer open the
// keys once this commits, so stop them first (docs/operations.md, "Rotate
// the master key"), then start them with the new key.
func cmdRekey(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("rekey", flag.ContinueOnError)
	newFile := fs.String("new-master-key-file", "", "file holding the new master key (base64 of 32 random bytes)")
	rest, err := parseFlags(fs, usageRekey, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *newFile == "" {
		return usagef(usageRekey, "rekey needs --new-master-key-file FILE and nothing else")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(usageRekey, "%v", err)
	}
	if cfg.MasterKey == "" {
		// Only an existing generated key counts: creating one here would
		// "rotate" from a key nothing was sealed under.
		if _, err := os.Stat(cfg.DataDir + "/" + masterKeyFile); err != nil {
			return errs.E(errs.NotFound, "no current master key: set TOHU_MASTER_KEY or TOHU_MASTER_KEY_FILE")
		}
		if err := resolveMasterKey(cfg, slog.New(slog.DiscardHandler)); err != nil {
			return err
		}
	}
	oldKey, err := keys.ParseMasterKey(cfg.MasterKey)
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "%s: %s", masterKeySource(cfg), errs.ErrorMessage(err))
	}
	b, err := os.ReadFile(*newFile)
	if err != nil {
		return errs.Wrap(err, errs.NotFound, "--new-master-key-file %s: cannot read it: %v", *newFile, unwrapPath(err))
	}
	newKey, err := keys.ParseMasterKey(strings.TrimSpace(string(b)))
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "--new-master-key-file %s: %s", *newFile, errs.ErrorMessage(err))
	}
	if newKey.CheckValue() == oldKey.CheckValue() {
		return errs.E(errs.Invalid, "the new master key is the current one")
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	recheck := func(token []byte) ([]byte, error) {
		if token != nil {
			if err := oldKey.OpenCheck(token); err != nil {
				if errs.ErrorCode(err) == errs.Forbidden {
					return nil, errs.Wrap(err, errs.Forbidden, "%s is not this database's master key (the database's check token does not open under it): wrong current master key; nothing changed", masterKeySource(cfg))
				}
				return nil, errs.Wrap(err, errs.ErrorCode(err), "%s; nothing changed", errs.ErrorMessage(err))
			}
		}
		return newKey.SealCheck()
	}
	n, err := db.ResealKeys(ctx, recheck, func(id string, sealed []byte) ([]byte, error) {
		priv, err := oldKey.Open(sealed, []byte(id))
		if err != nil {
			if errs.ErrorCode(err) == errs.Forbidden {
				return nil, errs.Wrap(err, errs.Forbidden, "%s does not open signing key %s: wrong current master key; nothing changed", masterKeySource(cfg), id)
			}
			return nil, errs.Wrap(err, errs.ErrorCode(err), "signing key %s: %s; nothing changed", id, errs.ErrorMessage(err))
		}
		resealed, err := newKey.Seal(priv, []byte(id))
		if err != nil {
			return nil, err
		}
		// Prove the new blob opens before it is written.
		if _, err := newKey.Open(resealed, []byte(id)); err != nil {
			return nil, errs.Wrap(err, errs.Internal, "signing key %s does not open after resealing; nothing changed", id)
		}
		return resealed, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "resealed %d signing keys under the new master key (check value %s)\nnow point TOHU_MASTER_KEY_FILE at %s on every replica and start them; keep the old key until you have checked\n",
		n, newKey.CheckValue(), *newFile)
	return nil
}
