package pkgdoc

import (
	"errors"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// badNames are package names that say nothing about what a package provides.
var badNames = []string{"util", "common", "types", "misc"}

func TestPackageDocs(t *testing.T) {
	root := repoRoot(t)
	dirs := goDirs(t, root)
	if len(dirs) == 0 {
		t.Fatalf("no Go packages found under %s", root)
	}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		pkg, err := build.ImportDir(dir, build.ImportComment)
		var noGo *build.NoGoError
		switch {
		case errors.As(err, &noGo):
			continue // only test files, or none for this platform
		case err != nil:
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if slices.Contains(badNames, pkg.Name) {
			t.Errorf("%s: package %s: name a package for what it provides, not %q", rel, pkg.Name, pkg.Name)
		}
		doc := packageDoc(t, dir, pkg.GoFiles)
		switch {
		case doc == "":
			t.Errorf("%s: package %s has no package doc comment (add a doc.go)", rel, pkg.Name)
		case pkg.Name != "main" && !strings.HasPrefix(doc, "Package "+pkg.Name+" "):
			t.Errorf("%s: package doc should start %q, starts %q", rel, "Package "+pkg.Name+" ", firstLine(doc))
		}
	}
}

func TestServiceReadmes(t *testing.T) {
	root := repoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "services"))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || skipDir(e.Name()) {
			continue
		}
		readme := filepath.Join(root, "services", e.Name(), "README.md")
		if _, err := os.Stat(readme); err != nil {
			t.Errorf("services/%s has no README.md (say what the service consumes and publishes)", e.Name())
		}
	}
}

// repoRoot returns the nearest directory at or above the working directory
// that holds go.work.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.work above the working directory; not in the Samspill repository")
		}
		dir = parent
	}
}

// goDirs returns every directory under root that holds a non-test .go file.
func goDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			if dir := filepath.Dir(path); len(dirs) == 0 || dirs[len(dirs)-1] != dir {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// skipDir reports directories the go command ignores, vendor and
// node_modules.
func skipDir(name string) bool {
	return name == "testdata" || name == "vendor" || name == "node_modules" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// packageDoc returns the package doc comment of the first of files that has
// one.
func packageDoc(t *testing.T, dir string, files []string) string {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if f.Doc != nil {
			if text := f.Doc.Text(); strings.TrimSpace(text) != "" {
				return text
			}
		}
	}
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
