package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version and commit are set at build time with
// -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD)"
// (deploy/Dockerfile does); without them the module version and the VCS
// revision from debug.ReadBuildInfo are used when the build recorded them.
var (
	version = "dev"
	commit  = ""
)

func cmdVersion(_ context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usagef(usageVersion, "version takes no arguments")
	}
	v, rev := version, commit
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 && rev == "" {
				rev = s.Value[:12]
			}
		}
	}
	if rev != "" {
		fmt.Fprintf(env.Stdout, "tohu %s (%s)\n", v, rev)
	} else {
		fmt.Fprintf(env.Stdout, "tohu %s\n", v)
	}
	return nil
}
