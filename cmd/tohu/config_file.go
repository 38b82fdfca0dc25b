package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// configFileVar names an optional KEY=VALUE file of TOHU_* settings (the
// format of deploy/example.env and of compose's env_file). The environment
// wins over the file, so a container can override one value; the file wins
// over the defaults.
const configFileVar = "TOHU_CONFIG_FILE"

// maxConfigFile bounds the config file; it is a handful of lines.
const maxConfigFile = 64 << 10

// withConfigFile returns getenv, falling back to the values in the file
// named by TOHU_CONFIG_FILE when one is set. Lines are KEY=VALUE; blank
// lines and lines starting with # are ignored; "export " before a key and
// one pair of matching quotes around a value are allowed (as in a shell
// env file). Only TOHU_* keys are accepted, each once, so a typo or a
// foreign file is an error rather than silently ignored.
func withConfigFile(getenv func(string) string) (func(string) string, error) {
	path := getenv(configFileVar)
	if path == "" {
		return getenv, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %v", configFileVar, path, unwrapPath(err))
	}
	if len(b) > maxConfigFile {
		return nil, fmt.Errorf("%s: %s is larger than %d bytes", configFileVar, path, maxConfigFile)
	}
	vals, err := parseEnvFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", configFileVar, path, err)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// parseEnvFile parses KEY=VALUE lines (see withConfigFile). Errors name the
// line number, never a value (the file may hold secrets).
func parseEnvFile(b []byte) (map[string]string, error) {
	known := map[string]bool{}
	for _, o := range options {
		known[o.name] = true
		if o.fileVar {
			known[o.name+"_FILE"] = true
		}
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		if k == configFileVar {
			return nil, fmt.Errorf("line %d: %s cannot name another file", n, configFileVar)
		}
		if !known[k] {
			return nil, fmt.Errorf("line %d: unknown setting %s (see tohu config)", n, k)
		}
		if _, dup := vals[k]; dup {
			return nil, fmt.Errorf("line %d: %s is set twice", n, k)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vals[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vals, nil
}
