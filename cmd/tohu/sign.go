package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// cmdSign signs an unsigned credential with a key file and prints it:
// a Data Integrity eddsa-rdfc-2022 proof (default), a VC-JOSE vc+jwt, or
// the OB 3.0 VC-JWT form.
func cmdSign(ctx context.Context, env *Env, args []string) error {
	usage := usageSign
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	keyPath := fs.String("key", "", "key file written by tohu keys new")
	format := fs.String("format", "di", "di (Data Integrity), jwt (vc+jwt) or ob-jwt (OB 3.0 VC-JWT)")
	pos, err := parseFlags(fs, usage, args)
	if err != nil {
		return err
	}
	if *keyPath == "" {
		return usagef(usage, "--key FILE is required")
	}
	if len(pos) != 1 {
		return usagef(usage, "sign takes exactly one credential file (or - for standard input)")
	}
	switch *format {
	case "di", "jwt", "ob-jwt":
	default:
		return usagef(usage, "--format must be di, jwt or ob-jwt, not %q", *format)
	}
	kf, err := keys.LoadKeyFile(*keyPath)
	if err != nil {
		return err
	}
	signer, err := kf.Signer()
	if err != nil {
		return err
	}
	in, err := readInput(env, pos[0])
	if err != nil {
		return err
	}
	doc, err := prepareCredential(in, kf.DID, pos[0])
	if err != nil {
		return err
	}

	switch *format {
	case "di":
		out, err := dataintegrity.Sign(ctx, doc, signer, dataintegrity.SignOptions{
			VerificationMethod: kf.VerificationMethod,
			Created:            env.Now().UTC().Truncate(time.Second),
			ProofPurpose:       credential.PurposeAssertion,
		})
		if err != nil {
			return err
		}
		out = bytes.TrimRight(out, "\n")
		_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
		return err
	default:
		form := jose.FormVCJOSE
		if *format == "ob-jwt" {
			form = jose.FormOBJWT
		}
		tok, err := jose.Sign(ctx, doc, signer, jose.SignOptions{KeyID: kf.VerificationMethod, Algorithm: signer.Algorithm(), Form: form})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(env.Stdout, tok)
		return err
	}
}

// prepareCredential turns the input into the document to sign: one JSON
// object with no proof, its issuer id set to did (an issuer object keeps its
// other members), the OB extensions context added if its types are used,
// every string NFC-normalised (so macrons are precomposed
// and verify everywhere), and every term defined by a pinned context
// (json-gold would drop an undefined term, leaving it outside the
// signature).
func prepareCredential(in []byte, did, name string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, errs.E(errs.Invalid, "%s: not a JSON object", name)
	}
	if dec.More() {
		return nil, errs.E(errs.Invalid, "%s: data after the JSON object", name)
	}
	if _, ok := doc["proof"]; ok {
		return nil, errs.E(errs.Invalid, "%s: the credential is already signed (it has a proof); sign the unsigned credential", name)
	}
	switch iss := doc["issuer"].(type) {
	case map[string]any:
		iss["id"] = did
	default:
		doc["issuer"] = did
	}
	// 1EdTech schema/status/refresh types are defined only by the OB
	// extensions context; add it rather than refuse the credential.
	credential.AddOBExtensionsContext(doc)
	doc = credential.NFC(doc).(map[string]any)
	if err := jsonld.New(nil).CheckTerms(doc); err != nil {
		msg := errs.ErrorMessage(err)
		if f := errs.ErrorField(err); f != "" {
			msg += " (at " + f + ")"
		}
		return nil, errs.Wrap(err, errs.Invalid, "%s: refusing to sign: %s", name, msg)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the credential")
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
