package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tohu-nz/tohu/keys"
)

// cmdKeys dispatches `tohu keys <sub>`.
func cmdKeys(ctx context.Context, env *Env, args []string) error {
	usage := usageKeys
	if len(args) == 0 {
		return usagef(usage, "keys needs a subcommand")
	}
	switch args[0] {
	case "new":
		return cmdKeysNew(ctx, env, args[1:])
	}
	return usagef(usage, "unknown keys subcommand %q", args[0])
}

// cmdKeysNew writes a new private key file (mode 0600, never overwriting)
// and prints the key's DID and verification method id.
func cmdKeysNew(_ context.Context, env *Env, args []string) error {
	usage := usageKeys
	fs := flag.NewFlagSet("keys new", flag.ContinueOnError)
	kind := fs.String("type", keys.KindEd25519, "key type: ed25519, p256, p384 or rsa")
	didWeb := fs.String("did-web", "", "https base URL whose did:web identifies the key (default: did:key)")
	out := fs.String("out", "", "file to write the private key to")
	pos, err := parseFlags(fs, usage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(usage, "unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef(usage, "--out FILE is required")
	}
	switch *kind {
	case keys.KindEd25519, keys.KindP256, keys.KindP384, keys.KindRSA:
	default:
		return usagef(usage, "--type must be ed25519, p256, p384 or rsa, not %q", *kind)
	}
	priv, err := keys.Generate(*kind)
	if err != nil {
		return err
	}
	kf, err := keys.NewKeyFile(priv, *didWeb)
	if err != nil {
		return err
	}
	if err := kf.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "did: %s\nverificationMethod: %s\nkey file: %s\n", kf.DID, kf.VerificationMethod, *out)
	if *didWeb != "" {
		if u, err := keys.DIDWebURL(kf.DID); err == nil {
			fmt.Fprintf(env.Stdout, "publish the DID document at: %s\n", u)
		}
	}
	return nil
}
