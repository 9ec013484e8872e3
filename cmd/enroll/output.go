package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// outFile is a file the CLI writes (an export, an import's errors) so that
// nobody finds it half-written. A regular file, or a new one, is written
// beside itself and renamed over it by commit, keeping the mode it had;
// through a symbolic link, the link's target is the file, whether it
// exists yet or not. Anything else (a named pipe, a device such as
// /dev/null) is written in place: renaming over it would replace it.
type outFile struct {
	// f is not embedded: its ReadFrom would let io.Copy bypass Write and
	// its errors, which name the temporary file.
	f *os.File
	// final is where commit renames the file; "" when written in place.
	final string
	// path is what the user named, for messages: the temporary file's
	// name would mean nothing to them.
	path string
}

// maxLinks bounds the symbolic links followed to an output's target, as
// the system bounds them (ELOOP).
const maxLinks = 40

// outputTarget returns the file path names, its links followed, and its
// information, or nil if it does not exist yet.
func outputTarget(path string) (string, fs.FileInfo, error) {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// path, or the end of its links, does not exist yet.
		target, err = danglingTarget(path)
	}
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return target, nil, nil
	}
	return target, fi, err
}

// danglingTarget returns the file that path, a file that does not exist
// or a symbolic link to one, would name once created: EvalSymlinks gives
// up on a link whose target does not exist, and writing such a link's
// path would replace the link. A relative link is read from the link's
// directory, its own links followed.
func danglingTarget(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		} else if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			// The link exists, so its directory does.
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				return "", err
			}
			dest = filepath.Join(dir, dest)
		}
		path = dest
	}
	return "", &fs.PathError{Op: "open", Path: path, Err: syscall.ELOOP}
}

// createOutput opens the file that commit makes path.
func createOutput(path string) (*outFile, error) {
	target, fi, err := outputTarget(path)
	if err != nil {
		return nil, err
	}
	if fi != nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if fi != nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &outFile{f: f, path: path}, nil
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
			return nil, userPathError("create", path, err)
		}
		if fi != nil {
			if err := f.Chmod(mode); err != nil { // the umask may have narrowed it
				f.Close()
				os.Remove(f.Name())
				return nil, userPathError("chmod", path, err)
			}
		}
		return &outFile{f: f, final: target, path: path}, nil
	}
}

// userPathError names path, the file the user gave, in an error about the
// temporary file written in its place.
func userPathError(op, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// checkOutput reports whether path can be written, without changing it:
// a directory, a socket, or a place where no file can be created is
// refused. A pipe or a device is not opened (opening a pipe waits for its
// reader): the system says whether this process may write it.
func checkOutput(path string) error {
	target, fi, err := outputTarget(path)
	switch {
	case err != nil:
		return err
	case fi == nil || fi.Mode().IsRegular():
		o, err := createOutput(path)
		if err != nil {
			return err
		}
		o.abort()
		return nil
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case fi.Mode()&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a file", path)
	}
	if err := syscall.Access(target, 2 /* W_OK */); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// checkDirWritable reports whether a file can be created in dir, by
// creating one and removing it; the error names dir, not that file.
func checkDirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".enroll-check-*.tmp")
	if err != nil {
		return userPathError("create a file in", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write writes to the file, naming path in its errors.
func (o *outFile) Write(b []byte) (int, error) {
	n, err := o.f.Write(b)
	if err != nil {
		err = userPathError("write", o.path, err)
	}
	return n, err
}

// commit closes the file and puts it in place.
func (o *outFile) commit() error {
	if err := o.f.Close(); err != nil {
		o.abort()
		return userPathError("write", o.path, err)
	}
	if o.final == "" {
		return nil
	}
	if err := os.Rename(o.f.Name(), o.final); err != nil {
		os.Remove(o.f.Name())
		return userPathError("write", o.path, err)
	}
	return nil
}

// abort closes the file and, unless it was written in place, removes it:
// what path named is left as it was.
func (o *outFile) abort() {
	o.f.Close()
	if o.final != "" {
		os.Remove(o.f.Name())
	}
}
