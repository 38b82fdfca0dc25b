package pages

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// assets maps a plain asset name ("tohu.css") to its content-hashed name
// ("tohu.3f2a9c1b.css"), and back. Hashed names let a route serve the files
// with "Cache-Control: public, max-age=31536000, immutable": a changed file
// gets a new name, so no one ever sees a stale one.
var assets, assetsBack = hashAssets()

func hashAssets() (map[string]string, map[string]string) {
	fwd, back := map[string]string{}, map[string]string{}
	entries, err := staticFiles.ReadDir("static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	for _, e := range entries {
		b, err := staticFiles.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		fwd[e.Name()] = hashed
		back[hashed] = e.Name()
	}
	return fwd, back
}

// AssetName returns the content-hashed file name of a static asset, or ""
// when there is no such asset.
func AssetName(name string) string { return assets[name] }

// AssetNames lists the hashed names Static serves, sorted.
func AssetNames() []string {
	out := make([]string, 0, len(assetsBack))
	for h := range assetsBack {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// Static returns the CSS, JavaScript and icon files under their hashed
// names, as a flat fs.FS: http.FileServer(http.FS(pages.Static())) or fiber's
// filesystem middleware serves it under Options.StaticPrefix. Only the
// hashed names open; the directory itself does not list.
func Static() fs.FS { return hashedFS{} }

type hashedFS struct{}

func (hashedFS) Open(name string) (fs.File, error) {
	plain, ok := assetsBack[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return staticFiles.Open("static/" + plain)
}
