// Command lint checks deploy/Dockerfile with BuildKit's Dockerfile checks,
// the ones `docker build --check` runs, without a Docker engine or network:
// base images are not pulled, their configuration is a stand-in. It prints
// each finding as file:line: rule: message and exits 1 if there is any.
//
// It is a module of its own so that BuildKit stays out of tohu's
// dependencies; .ci/run runs it: (cd deploy/lint && go run . ../Dockerfile).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
)

// offline answers every base image lookup with a minimal linux/amd64
// image configuration, so the checks run without reaching a registry.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{}},
	})
	return ref, digest.FromBytes(cfg), cfg, err
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lint DOCKERFILE")
		os.Exit(2)
	}
	path := os.Args[1]
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
		// DockerfileLint records the source; an empty definition will do.
		SourceMap:    &llb.SourceMap{Filename: path, Data: dt, Definition: &llb.Definition{}},
		MetaResolver: offline{},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bad := false
	for _, w := range res.Warnings {
		line := 0
		if len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s\n", path, line, w.RuleName, w.Detail)
		bad = true
	}
	if res.Error != nil {
		fmt.Printf("%s: %s\n", path, res.Error.Message)
		bad = true
	}
	if bad {
		os.Exit(1)
	}
	fmt.Printf("%s: no findings from BuildKit's Dockerfile checks\n", path)
}
