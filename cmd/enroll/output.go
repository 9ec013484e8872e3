package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// outFile is a file the CLI writes (an export, an import's errors) so that
// nobody finds it half-written. A regular file, or a new one, is written
// beside itself and renamed over it by commit, keeping the mode it had;
// through a symbolic link, the link's target is the file. Anything else
// (a named pipe, a device such as /dev/null) is written in place: renaming
// over it would replace it.
type outFile struct {
	*os.File
	// final is where commit renames the file; "" when written in place.
	final string
}

// outputTarget returns the file path names, its links followed, and its
// information, or nil if it does not exist yet.
func outputTarget(path string) (string, fs.FileInfo, error) {
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return target, nil, nil
	}
	return target, fi, err
}

// createOutput opens the file that commit makes path.
func createOutput(path string) (*outFile, error) {
	target, fi, err := outputTarget(path)
	if err != nil {
		return nil, err
	}
	if fi != nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &outFile{File: f}, nil
	}
	// A new file gets the mode any new file gets (0666 less the umask);
	// one replaced keeps its own.
	mode := fs.FileMode(0o666)
	if fi != nil {
		mode = fi.Mode().Perm()
	}
	dir, base := filepath.Split(target)
	for {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		f, err := os.OpenFile(filepath.Join(dir, "."+base+"."+hex.EncodeToString(b)+".tmp"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		if fi != nil {
			if err := f.Chmod(mode); err != nil { // the umask may have narrowed it
				f.Close()
				os.Remove(f.Name())
				return nil, err
			}
		}
		return &outFile{File: f, final: target}, nil
	}
}

// checkOutput reports whether path can be written, without changing it.
// A pipe or a device is not opened: opening a pipe waits for its reader.
func checkOutput(path string) error {
	_, fi, err := outputTarget(path)
	if err != nil || fi != nil && !fi.Mode().IsRegular() {
		return err
	}
	o, err := createOutput(path)
	if err != nil {
		return err
	}
	o.abort()
	return nil
}

// commit closes the file and puts it in place.
func (o *outFile) commit() error {
	if err := o.Close(); err != nil {
		o.abort()
		return err
	}
	if o.final == "" {
		return nil
	}
	if err := os.Rename(o.Name(), o.final); err != nil {
		os.Remove(o.Name())
		return err
	}
	return nil
}

// abort closes the file and, unless it was written in place, removes it:
// what path named is left as it was.
func (o *outFile) abort() {
	o.Close()
	if o.final != "" {
		os.Remove(o.Name())
	}
}
