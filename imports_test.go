package tohu_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tohu-nz/tohu"

// forbidden is the import table of CONVENTIONS.md §4.2: for each tohu package
// (a prefix: subpackages included), the import paths it must never depend on,
// directly or through another package. It keeps the layering honest: domain
// packages stay free of HTTP and SQL, credential and keys stay independent so
// any crypto.Signer works, and only cmd/tohu wires a store into an issuer.
var forbidden = map[string][]string{
	"errs":       {module + "/", "github.com/gofiber/", "gorm.io/", "net/http"},
	"contexts":   {module + "/credential", module + "/keys", module + "/issuer", module + "/verifier", module + "/store", module + "/api", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"credential": {module + "/keys", module + "/issuer", module + "/verifier", module + "/store", module + "/api", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"keys":       {module + "/credential", module + "/issuer", module + "/verifier", module + "/store", module + "/api", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"fetch":      {module + "/credential", module + "/keys", module + "/issuer", module + "/verifier", module + "/store", module + "/api", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"issuer":     {module + "/store", module + "/api", module + "/verifier", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"verifier":   {module + "/issuer", module + "/store", module + "/api", module + "/cmd", "github.com/gofiber/", "gorm.io/"},
	"store":      {module + "/api", module + "/verifier", module + "/cmd", "github.com/gofiber/"},
	"api":        {module + "/store", module + "/cmd", "gorm.io/"},
}

type goPackage struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

// TestImportRules lists every package of the module with its transitive
// dependencies (go list -deps) and fails on any edge the table forbids.
func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(out)
	var pkgs []goPackage
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) < 3 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// violations returns one message per forbidden dependency edge in pkgs.
func violations(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for owner, bans := range forbidden {
			if rel != owner && !strings.HasPrefix(rel, owner+"/") {
				continue
			}
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, module+"/"+owner) {
					continue // a package may use its own subpackages
				}
				for _, ban := range bans {
					if dep == ban || strings.HasPrefix(dep, ban) {
						out = append(out, p.ImportPath+" depends on "+dep+", which the import rules forbid (CONVENTIONS.md §4.2)")
					}
				}
			}
		}
	}
	return out
}

// TestImportRulesCatchViolations makes sure the checker itself can fail.
func TestImportRulesCatchViolations(t *testing.T) {
	tests := map[string]struct {
		pkg  goPackage
		want int
	}{
		"error/credential imports keys": {goPackage{ImportPath: module + "/credential/dataintegrity", Deps: []string{module + "/keys"}}, 1},
		"error/issuer imports gorm":     {goPackage{ImportPath: module + "/issuer", Deps: []string{"gorm.io/gorm"}}, 1},
		"error/api imports store":       {goPackage{ImportPath: module + "/api", Deps: []string{module + "/store"}}, 1},
		"ok/store imports issuer":       {goPackage{ImportPath: module + "/store", Deps: []string{module + "/issuer", "gorm.io/gorm"}}, 0},
		"ok/credential uses own subpkg": {goPackage{ImportPath: module + "/credential", Deps: []string{module + "/credential/jsonld"}}, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := violations([]goPackage{tc.pkg}); len(got) != tc.want {
				t.Fatalf("violations = %v, want %d", got, tc.want)
			}
		})
	}
}
