// Command preview renders every tohu page, in both languages and in each
// verification state, into a folder with the static assets beside them, so
// the pages can be opened from disk or screenshotted in a headless browser
// (see screenshots.sh).
//
//	go run ./api/pages/internal/preview -out /tmp/tohu-pages
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/api/pages/internal/sample"
	"github.com/tohu-nz/tohu/credential/badgeimage"
	"github.com/tohu-nz/tohu/verifier"
)

func main() {
	out := flag.String("out", "testout/pages", "folder to write the pages into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "preview:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(filepath.Join(out, "static"), 0o755); err != nil {
		return err
	}
	for _, name := range pages.AssetNames() {
		b, err := fs.ReadFile(pages.Static(), name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "static", name), b, 0o644); err != nil {
			return err
		}
	}
	mc := sample.MicroCredential()
	badge, err := badgeimage.SVG(badgeimage.Badge{Title: mc.Title, TitleMi: mc.TitleMi, Provider: sample.Issuer().Name, Level: mc.Level, Credits: mc.Credits})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "badge.svg"), badge, 0o644); err != nil {
		return err
	}

	r, err := pages.New(pages.Options{StaticPrefix: "static/"})
	if err != nil {
		return err
	}
	write := func(name string, render func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Println(filepath.Join(out, name+".html"))
		return os.WriteFile(filepath.Join(out, name+".html"), buf.Bytes(), 0o644)
	}
	cred := sample.CredentialJSON()
	states := []verifier.Result{verifier.Verified, verifier.Revoked, verifier.Suspended, verifier.Expired, verifier.NotYetValid, verifier.NotVerified, verifier.CouldNotCheck}
	for _, l := range pages.Langs {
		for _, st := range states {
			urls := sample.URLs()
			urls.Image = "badge.svg"
			v, err := pages.NewCredentialView(cred, sample.Report(st), urls, l)
			if err != nil {
				return err
			}
			if err := write(fmt.Sprintf("credential-%s-%s", st, l), func(w io.Writer) error { return r.Credential(w, v) }); err != nil {
				return err
			}
		}
		if err := write("verify-empty-"+string(l), func(w io.Writer) error { return r.Verify(w, pages.NewVerifyView(nil, "", l)) }); err != nil {
			return err
		}
		for _, st := range []verifier.Result{verifier.Verified, verifier.Revoked, verifier.NotVerified} {
			v := pages.NewVerifyView(sample.Report(st), "", l)
			if err := write(fmt.Sprintf("verify-%s-%s", st, l), func(w io.Writer) error { return r.Verify(w, v) }); err != nil {
				return err
			}
		}
		ev := pages.VerifyView{Lang: l, URL: "https://example.com/not-a-credential", Error: "fetch"}
		if err := write("verify-error-"+string(l), func(w io.Writer) error { return r.Verify(w, ev) }); err != nil {
			return err
		}
		av := sample.AchievementView(l)
		av.ImageURL = "badge.svg"
		if err := write("achievement-"+string(l), func(w io.Writer) error { return r.Achievement(w, av) }); err != nil {
			return err
		}
		if err := write("issuer-"+string(l), func(w io.Writer) error { return r.Issuer(w, sample.IssuerView(l)) }); err != nil {
			return err
		}
		if err := write("error-not-found-"+string(l), func(w io.Writer) error { return r.Error(w, pages.ErrorView{Lang: l, Kind: "not_found"}) }); err != nil {
			return err
		}
	}
	return nil
}
