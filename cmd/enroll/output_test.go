//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputFile checks how the CLI writes its files: a new file gets the
// mode any new file gets; an existing one is replaced whole and keeps its
// mode; through a symbolic link its target is written and the link kept;
// a named pipe is written in place, not replaced by a file (nor opened by
// checkOutput, which would wait for a reader); an aborted write leaves
// the old file as it was; no temporary file is left behind.
func TestOutputFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := checkOutput(path); err != nil {
			t.Fatalf("checkOutput(%s): %v", path, err)
		}
		o, err := createOutput(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(o, text); err != nil {
			t.Fatal(err)
		}
		if err := o.commit(); err != nil {
			t.Fatal(err)
		}
	}
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	plain := filepath.Join(dir, "plain")
	f, err := os.Create(plain)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(plain)
	newMode := fi.Mode()
	os.Remove(plain)

	fresh := filepath.Join(dir, "new.csv")
	write(fresh, "new")
	if fi, _ := os.Stat(fresh); read(fresh) != "new" || fi.Mode() != newMode {
		t.Errorf("new file: %q, mode %v, want mode %v", read(fresh), fi.Mode(), newMode)
	}

	old := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(old, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	write(old, "replaced")
	if fi, _ := os.Stat(old); read(old) != "replaced" || fi.Mode().Perm() != 0o640 {
		t.Errorf("replaced file: %q, mode %v, want 0640", read(old), fi.Mode())
	}

	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("old.csv", link); err != nil {
		t.Fatal(err)
	}
	write(link, "through the link")
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 || read(old) != "through the link" {
		t.Errorf("link: mode %v, target %q", fi.Mode(), read(old))
	}

	o, err := createOutput(old)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, "cut short")
	o.abort()
	if read(old) != "through the link" {
		t.Errorf("aborted write changed the file: %q", read(old))
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // checkOutput must not wait for this reader
		got <- read(fifo)
	}()
	write(fifo, "piped")
	if s := <-got; s != "piped" {
		t.Errorf("pipe read %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced by a file (%v)", fi.Mode())
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left: %v, want new.csv, old.csv, link.csv, fifo", names)
	}
}

// TestOutputThroughDanglingLink: a symbolic link to a file not made yet
// is kept, and its target written, relative to the link's directory,
// through a chain of links.
func TestOutputThroughDanglingLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ link, dest, target string }{
		{"d.csv", "new.csv", "new.csv"},
		{"sub/up.csv", "../from-sub.csv", "from-sub.csv"},
		{"chain.csv", "sub/next.csv", "sub/end.csv"}, // sub/next.csv → end.csv, below
	} {
		if err := os.Symlink(c.dest, filepath.Join(dir, c.link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("end.csv", filepath.Join(dir, "sub/next.csv")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ link, target string }{{"d.csv", "new.csv"}, {"sub/up.csv", "from-sub.csv"}, {"chain.csv", "sub/end.csv"}} {
		link := filepath.Join(dir, c.link)
		if err := checkOutput(link); err != nil {
			t.Fatalf("checkOutput(%s): %v", c.link, err)
		}
		o, err := createOutput(link)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(o, c.link); err != nil {
			t.Fatal(err)
		}
		if err := o.commit(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: the link was replaced (%v, %v)", c.link, fi.Mode(), err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, c.target)); err != nil || string(b) != c.link {
			t.Errorf("%s: target %s holds %q, %v", c.link, c.target, b, err)
		}
	}
	loop := filepath.Join(dir, "loop.csv")
	if err := os.Symlink("loop.csv", loop); err != nil {
		t.Fatal(err)
	}
	if err := checkOutput(loop); err == nil {
		t.Error("checkOutput accepted a link to itself")
	}
}

// TestOutputRefused: what cannot be written is refused by checkOutput,
// and its errors name the path given, never the temporary file written
// in its place.
func TestOutputRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{dir, dir + " is a directory"},
		{filepath.Join(dir, "missing", "x.csv"), "create " + filepath.Join(dir, "missing", "x.csv") + ": no such file or directory"},
		{filepath.Join(file, "x.csv"), "not a directory"},
	} {
		err := checkOutput(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("checkOutput(%s) = %v, want %q", c.path, err, c.want)
		}
		if _, err := createOutput(c.path); err == nil || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("createOutput(%s) = %v", c.path, err)
		}
	}
}
