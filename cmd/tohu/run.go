package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Env is what a verb may use of the process: the environment, standard
// streams and the clock. Verbs never touch os.* directly, so tests drive
// them in-process (CONVENTIONS §1).
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Now    func() time.Time
}

// verb is one `tohu <verb>` command. args excludes the verb itself.
type verb struct {
	run   func(ctx context.Context, env *Env, args []string) error
	usage string
}

// verbs is the one table of commands. "serve" is cmdServe in serve.go.
var verbs = map[string]verb{
	"keys":    {cmdKeys, usageKeys},
	"sign":    {cmdSign, usageSign},
	"verify":  {cmdVerify, usageVerify},
	"serve":   {cmdServe, "serve"},
	"config":  {cmdConfig, "config"},
	"version": {cmdVersion, usageVersion},

	"provider": {cmdProvider, usageProvider}, // issue 4 (provider.go)

	// Operations (issue 7).
	"healthcheck": {cmdHealthcheck, usageHealthcheck},
	"migrate":     {cmdMigrate, usageMigrate},
	"backup":      {cmdBackup, usageBackup},
	"restore":     {cmdRestore, usageRestore},
	"rekey":       {cmdRekey, usageRekey},
	"bulk":        {cmdBulk, usageBulk}, // issue 6 (bulk.go)
}

// Usage lines, one per verb.
const (
	usageKeys    = "keys new [--type ed25519|p256|p384|rsa] [--did-web URL] --out FILE"
	usageSign    = "sign --key FILE [--format di|jwt|ob-jwt] FILE|-"
	usageVerify  = "verify [--json] [--offline] [--challenge C] [--domain D] [--recipient EMAIL] FILE|-"
	usageVersion = "version"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and the answer is no (not verified), or it failed
	exitUsage = 2 // bad usage, or an unreadable or malformed input file
)

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, &Env{Getenv: getenv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Now: time.Now})
}

func runEnv(ctx context.Context, args []string, env *Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(env.Stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "tohu: unknown command %q (try: tohu help)\n", args[0])
		return exitUsage
	}
	err := v.run(ctx, env, args[1:])
	return exitCode(env.Stderr, err)
}

// exitCode prints err as one line and maps it to an exit code.
func exitCode(stderr io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errNotVerified):
		return exitFail
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "tohu: %s\n", ue.msg)
		if ue.usage != "" {
			fmt.Fprintf(stderr, "usage: tohu %s\n", ue.usage)
		}
		return exitUsage
	}
	msg := err.Error()
	var e *errs.Error
	if errors.As(err, &e) {
		msg = errs.ErrorMessage(err)
	}
	fmt.Fprintf(stderr, "tohu: %s\n", oneLine(msg))
	switch errs.ErrorCode(err) {
	case errs.Invalid, errs.NotFound, errs.Conflict, errs.Unsupported:
		return exitUsage
	}
	return exitFail
}

// errNotVerified is returned by verify when the report is not "verified";
// the report has already been printed.
var errNotVerified = errors.New("not verified")

// usageError is a command-line mistake.
type usageError struct{ msg, usage string }

func (e *usageError) Error() string { return e.msg }

func usagef(usage, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), usage: usage}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "tohu issues and verifies signed Open Badges 3.0 credentials.")
	fmt.Fprintln(w, "usage:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  tohu %s\n", verbs[n].usage)
	}
}

// parseFlags parses args with fs, allowing flags after positional
// arguments (tohu verify FILE --json), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, usage string, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef(usage, "help requested")
			}
			return nil, usagef(usage, "%s", strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// maxInput bounds what a verb reads from a file or stdin.
const maxInput = 4 << 20

// readInput reads the file named by path, or stdin for "-".
func readInput(env *Env, path string) ([]byte, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = env.Stdin, "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, errs.Wrap(err, errs.NotFound, "%s: no such file", path)
			}
			return nil, errs.Wrap(err, errs.Invalid, "%s: cannot be read", path)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s: cannot be read", name)
	}
	if len(b) > maxInput {
		return nil, errs.E(errs.Invalid, "%s: larger than %d bytes", name, maxInput)
	}
	return b, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
