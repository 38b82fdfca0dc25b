package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/credential/badgeimage"
	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
)

const (
	kindPNG = bake.KindPNG
	kindSVG = bake.KindSVG

	// badgePNGSize is the generated PNG's width and height: large enough
	// for a LinkedIn or Open Graph preview (they ask for ≥ 400 px).
	badgePNGSize = 600
	// bakeCacheEntries bounds the baked images kept in memory (each is
	// tens of kilobytes).
	bakeCacheEntries = 256
	// titleLimit keeps a long title within what badgeimage accepts.
	titleLimit = badgeimage.MaxTitleLength
)

// bakeCache keeps recently baked images, keyed by award id, kind and the
// SHA-256 of the credential bytes (a stored credential never changes, but
// keying on its hash means a cache entry can never serve another
// credential). Oldest entries are dropped first. Safe for concurrent use.
type bakeCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string][]byte
}

func newBakeCache(max int) *bakeCache {
	return &bakeCache{max: max, m: map[string][]byte{}}
}

// get returns the cached image for (id, kind, credential), making it with
// make when absent. Errors are not cached.
func (b *bakeCache) get(id, kind string, credential []byte, make func() ([]byte, error)) ([]byte, error) {
	sum := sha256.Sum256(credential)
	key := id + "\x00" + kind + "\x00" + string(sum[:])
	b.mu.Lock()
	img, ok := b.m[key]
	b.mu.Unlock()
	if ok {
		return img, nil
	}
	img, err := make()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[key]; !ok {
		b.m[key] = img
		b.order = append(b.order, key)
		for len(b.order) > b.max {
			delete(b.m, b.order[0])
			b.order = b.order[1:]
		}
	}
	return img, nil
}

// achievementImage returns the achievement's own image when it is of kind
// (sniffed from its bytes, not its name) and can be had safely: a data: URI
// or an https (or the service's own) URL fetched through Deps.Fetcher with
// its timeout, size cap and address rules. Anything else is nil: the
// generated badge is used.
func (s *server) achievementImage(ctx context.Context, ref, kind string) []byte {
	var img []byte
	switch {
	case ref == "":
		return nil
	case strings.HasPrefix(ref, "data:"):
		meta, data, ok := strings.Cut(strings.TrimPrefix(ref, "data:"), ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return nil
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil
		}
		img = b
	case s.Fetcher != nil && (strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://")):
		b, err := s.Fetcher.Fetch(ctx, ref)
		if err != nil {
			s.Logger.Info("the achievement image cannot be fetched; using the generated badge", "url", ref, "error", errs.ErrorMessage(err))
			return nil
		}
		img = b
	default:
		return nil
	}
	if sniffImage(img) != kind {
		return nil
	}
	return img
}

// sniffImage tells a PNG from an SVG by content: the PNG signature, or
// UTF-8 text whose first element is <svg> (after an XML declaration,
// comments or a DOCTYPE, which BakeSVG itself vets).
func sniffImage(b []byte) string {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return kindPNG
	}
	if head := b[:min(len(b), 4096)]; bytes.Contains(head, []byte("<svg")) {
		return kindSVG
	}
	return ""
}

// generatedBadge renders the badge tohu draws when the achievement has no
// usable image: title (and te reo Māori title), provider, level, credits.
func generatedBadge(v pages.CredentialView, kind string) ([]byte, error) {
	level, _ := strconv.Atoi(v.Level)
	credits, _ := strconv.Atoi(v.Credits)
	b := badgeimage.Badge{
		Title: truncateRunes(v.Title, titleLimit), TitleMi: truncateRunes(v.TitleMi, titleLimit),
		Provider: truncateRunes(v.Provider, badgeimage.MaxProviderLength), Level: level, Credits: credits,
	}
	if strings.TrimSpace(b.Title) == "" {
		b.Title = "Micro-credential"
	}
	var (
		img []byte
		err error
	)
	if kind == kindSVG {
		img, err = badgeimage.SVG(b)
	} else {
		img, err = badgeimage.PNG(b, badgePNGSize)
	}
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "the badge image cannot be drawn")
	}
	return img, nil
}

// bakeInto bakes the credential into a PNG or SVG.
func bakeInto(img, credential []byte, kind string) ([]byte, error) {
	if kind == kindSVG {
		return bake.BakeSVG(img, credential)
	}
	return bake.BakePNG(img, credential)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
