package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

const usageProvider = "provider create --name NAME --slug SLUG [--did-method web|key] [--jwt-alg ES256|RS256] " +
	"[--status-mode revocation|revocation+suspension] [--url URL] [--email EMAIL] [--nzqa-number N] [--two-person] [--json]"

// cmdProvider is `tohu provider create`: it registers a provider directly
// in the database (TOHU_DATABASE_URL or the SQLite file in TOHU_DATA_DIR,
// keys sealed under the master key, as `tohu serve` would) and prints its
// first admin API key — the only time the key is shown. The operator of the
// machine is the actor; no server needs to run.
func cmdProvider(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef(usageProvider, "provider: the only subcommand is create")
	}
	fs := flag.NewFlagSet("provider create", flag.ContinueOnError)
	var in issuer.NewProvider
	var asJSON bool
	fs.StringVar(&in.Name, "name", "", "the provider's name")
	fs.StringVar(&in.Slug, "slug", "", "URL name: lowercase letters, digits, inner hyphens")
	fs.StringVar(&in.DIDMethod, "did-method", "web", "web (did:web under TOHU_BASE_URL) or key (did:key, development)")
	fs.StringVar(&in.JWTAlgorithm, "jwt-alg", keys.AlgES256, "VC-JWT signing algorithm: ES256, or RS256 (what OB 3.0 certification asks for)")
	fs.StringVar(&in.StatusMode, "status-mode", issuer.StatusModeRevocation, "revocation, or revocation+suspension (VC 2.0 array; not OB-schema-valid)")
	fs.StringVar(&in.URL, "url", "", "the provider's web site")
	fs.StringVar(&in.Email, "email", "", "contact email")
	fs.StringVar(&in.NZQAProviderNumber, "nzqa-number", "", "NZQA provider number")
	fs.BoolVar(&in.RequireTwoPersonApproval, "two-person", false, "awards need a second key to approve")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	pos, err := parseFlags(fs, usageProvider, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(usageProvider, "unexpected argument %q", pos[0])
	}
	if in.Name == "" || in.Slug == "" {
		return usagef(usageProvider, "--name and --slug are required")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(usageProvider, "%v", err)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := resolveMasterKey(cfg, log); err != nil {
		return err
	}
	mk, err := keys.ParseMasterKey(cfg.MasterKey)
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "%s: %s", masterKeySource(cfg), errs.ErrorMessage(err))
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := issuer.New(db, issuer.Config{
		BaseURL:   cfg.BaseURL,
		Bounds:    credential.Bounds{MinLevel: 1, MaxLevel: 10, MinCredits: cfg.CreditsMin, MaxCredits: cfg.CreditsMax},
		MasterKey: mk,
		Clock:     env.Now,
	})
	if err != nil {
		return err
	}
	if err := svc.CheckMasterKey(ctx); err != nil {
		if errs.ErrorCode(err) == errs.Forbidden {
			return errs.Wrap(err, errs.Forbidden, "%s is not this database's master key (%s): wrong master key", masterKeySource(cfg), errs.ErrorMessage(err))
		}
		return err
	}
	out, err := svc.CreateProvider(ctx, issuer.OperatorActor("cli"), in)
	if err != nil {
		return err
	}
	p := out.Provider
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{
			"provider": map[string]any{"id": p.ID, "slug": p.Slug, "name": p.Name, "did": p.DID,
				"didMethod": p.DIDMethod, "jwtAlgorithm": p.JWTAlgorithm, "statusMode": p.StatusMode,
				"profileUrl": svc.ProviderURL(p.Slug)},
			"adminKey": map[string]any{"id": out.AdminKey.ID, "token": out.Token},
		})
	}
	fmt.Fprintf(env.Stdout, "provider %s (%s) created\n", p.Slug, p.Name)
	fmt.Fprintf(env.Stdout, "  id       %s\n  did      %s\n  profile  %s\n", p.ID, p.DID, svc.ProviderURL(p.Slug))
	fmt.Fprintf(env.Stdout, "admin API key (shown once; store it now):\n%s\n", out.Token)
	return nil
}
