package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed assets/*
var assetFS embed.FS

// asset is one embedded file with its content type and a hash of its
// content, which versions its URL.
type asset struct {
	body  []byte
	ctype string
	hash  string
}

// assets are the console's stylesheet, script and icon, read once.
type assets struct {
	files map[string]asset
}

// loadAssets reads the embedded files. They are part of the binary, so a
// failure is a bug and panics.
func loadAssets() *assets {
	a := &assets{files: map[string]asset{}}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(e.Name()))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[e.Name()] = asset{body: body, ctype: ctype, hash: hex.EncodeToString(sum[:8])}
	}
	return a
}

// url returns the versioned URL of an asset: it changes with the content,
// so browsers may cache it for good.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("console: no asset " + name)
	}
	return Prefix + "/assets/" + name + "?v=" + f.hash
}

// serveAsset serves an embedded file. A request for the current version
// may be cached for a year; any other for no time at all.
func (c *Console) serveAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := c.assets.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.hash+`"`)
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}
