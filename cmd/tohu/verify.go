package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/fetch"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// cmdVerify verifies a credential, presentation or JWT and prints the
// report. It returns nil only when the result is "verified"; a file that
// cannot be read as any of those is a one-line error (exit 2).
func cmdVerify(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	offline := fs.Bool("offline", false, "fetch nothing: did:key only, no status lists")
	challenge := fs.String("challenge", "", "challenge a presentation's proof must carry")
	domain := fs.String("domain", "", "domain a presentation's proof must carry")
	recipient := fs.String("recipient", "", "check the credential was issued to this email address (OB 3.0 recipient check)")
	pos, err := parseFlags(fs, usageVerify, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(usageVerify, "verify takes exactly one file (or - for standard input)")
	}
	in, err := readInput(env, pos[0])
	if err != nil {
		return err
	}

	opts := []verifier.Option{
		verifier.WithNow(env.Now),
		verifier.WithChallenge(*challenge),
		verifier.WithDomain(*domain),
		verifier.WithMaxSize(maxInput),
		verifier.WithRecipient(*recipient, credential.IdentityTypeEmail),
	}
	if !*offline {
		// The safe fetcher: https only, no private addresses, timeouts and
		// size caps. Used for did:web / https keys and status lists.
		f := fetch.New()
		opts = append(opts, verifier.WithResolver(keys.NewResolver(keys.WithFetcher(f))), verifier.WithStatusFetcher(f))
	}
	rep := verifier.New(opts...).Verify(ctx, in)
	format, _ := rep.Check(verifier.CheckFormat)
	badFile := format.Status == verifier.Failed

	if *asJSON {
		// Machines get the report even for a bad file (its format check
		// says why); the one-line error still goes to stderr.
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if !badFile {
		// For people, a file that is not a credential at all is only the
		// one-line error: a report of one failed check would repeat it.
		printReport(env.Stdout, rep, "")
	}
	if badFile {
		return errs.E(errs.Invalid, "%s: %s", name(pos[0]), format.Message)
	}
	if !rep.Verified() {
		return errNotVerified
	}
	return nil
}

func name(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// resultWords says a result in words for people.
var resultWords = map[verifier.Result]string{
	verifier.Verified:      "VERIFIED",
	verifier.Revoked:       "REVOKED",
	verifier.Suspended:     "SUSPENDED",
	verifier.Expired:       "EXPIRED",
	verifier.NotYetValid:   "NOT YET VALID",
	verifier.NotVerified:   "NOT VERIFIED",
	verifier.CouldNotCheck: "COULD NOT CHECK",
}

var statusWords = map[string]string{
	verifier.Passed:      "ok",
	verifier.Failed:      "FAILED",
	verifier.CouldNotRun: "could not check",
	verifier.Skipped:     "skipped",
}

// printReport writes the human form: the result and summary, what the
// credential says, then one line per check.
func printReport(w io.Writer, r *verifier.Report, indent string) {
	fmt.Fprintf(w, "%s%s: %s\n", indent, resultWords[r.Result], r.Summary)
	if r.Subject != nil {
		s := r.Subject
		var parts []string
		if s.Achievement != "" {
			parts = append(parts, s.Achievement)
		}
		if s.Level != "" {
			parts = append(parts, "level "+s.Level)
		}
		if s.CreditsEarned != "" {
			parts = append(parts, s.CreditsEarned+" credits")
		} else if s.CreditsAvailable != "" {
			parts = append(parts, s.CreditsAvailable+" credits")
		}
		if s.LearnerName != "" {
			parts = append(parts, "awarded to "+s.LearnerName)
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "%s  %s\n", indent, strings.Join(parts, ", "))
		}
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%s  %-15s %-19s %s\n", indent, statusWords[c.Status], c.ID, c.Message)
	}
	for i := range r.Credentials {
		fmt.Fprintf(w, "%s  credential %d:\n", indent, i+1)
		printReport(w, &r.Credentials[i], indent+"    ")
	}
	for i := range r.Endorsements {
		fmt.Fprintf(w, "%s  endorsement %d:\n", indent, i+1)
		printReport(w, &r.Endorsements[i], indent+"    ")
	}
}
