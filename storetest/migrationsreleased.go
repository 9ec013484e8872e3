package storetest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// MigrationsReleased checks a store's SQL migrations (dir, its
// migrations directory) against sums, a file of sha256sum lines, one a
// migration as released: none listed may change, be renamed or be
// removed, and every migration must be listed. goose records which
// versions a database applied, not what they held: a migration edited or
// renumbered after a database applied it never runs there in its new
// form, and such databases were left without the label counters'
// triggers, or refused to start on an index made twice. A change goes in
// a new migration, whose line is added to sums with it.
func MigrationsReleased(t *testing.T, dir, sums string) {
	t.Helper()
	f, err := os.Open(sums)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: not a sha256sum line: %q", sums, sc.Text())
		}
		want[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range files {
		name := filepath.Base(path)
		names = append(names, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		switch sum, ok := want[name]; {
		case !ok:
			t.Errorf("migration %s is not in %s: once it is final, add its line: (cd %s && sha256sum %s) >> %s", name, sums, dir, name, sums)
		case sum != hex.EncodeToString(h[:]):
			t.Errorf("migration %s changed after its release: put the change in a new migration", name)
		}
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("released migration %s is gone (renamed or removed): databases that applied it would apply it again", name)
		}
	}
}
