package console

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// trickle is a body that gives its head at once, then the rest a few
// bytes at a time, pausing before each read, as a file's upload over a
// slow link arrives after the form's fields.
type trickle struct {
	head, b []byte
	chunk   int
	pause   time.Duration
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p[:min(len(p), r.chunk)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// TestImportUploadOutlastsReadTimeout uploads a file through the import
// form more slowly than the server's read timeout, as a large file over
// an ordinary link does (enroll serve's is 30 s; the form takes files of
// up to 1 GiB): the upload keeps arriving, so it is taken and imported,
// as the API's uploads are, rather than cut off at the read timeout with
// an "Upload interrupted" page.
func TestImportUploadOutlastsReadTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The same handler on a server with enroll serve's timeouts, shortened.
	srv := httptest.NewUnstartedServer(f.srv.Config.Handler)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 2*time.Second, 2*time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	g := *f
	g.srv = srv
	c := g.signedIn(g.secret)
	csrf := c.get(Prefix + "/imports").status(http.StatusOK).field("csrf")

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", csrf)
	_ = mw.WriteField("instance", g.other.ID)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="slow.csv"`)
	h.Set("Content-Type", "text/csv")
	fw, _ := mw.CreatePart(h)
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	_, _ = io.WriteString(fw, "firstName,lastName,email\nSlow,Link,slow@example.com\nLate,Row,late@example.com\n")
	_ = mw.Close()
	body := &trickle{head: head, b: buf.Bytes(), chunk: buf.Len()/12 + 1, pause: 400 * time.Millisecond} // about 5 s
	req, _ := http.NewRequest(http.MethodPost, srv.URL+Prefix+"/imports", body)
	req.ContentLength = int64(len(head) + buf.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := c.do(req)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.URL.Path, Prefix+"/imports/") {
		t.Fatalf("slow upload: %d at %s\n%s", res.Status, res.URL.Path, res.Body)
	}
	c.waitImport(res.URL.Path).contains(`data-status="succeeded"`, `data-count="created">2<`)
}
