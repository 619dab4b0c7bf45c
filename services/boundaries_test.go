// The services module's layering rules, checked on the source itself:
// a service reaches another only through its generated gRPC client, the
// platform depends on no service, and domain packages stay pure Go.
package services_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/turnaround-sli/turnaround/services/"

// transport reports whether an internal package may import transport and
// storage libraries: the gRPC faces (api, *api) and Redis stores (*store)
// of each service.
func transport(dir string) bool {
	return strings.HasSuffix(dir, "api") || strings.HasSuffix(dir, "store")
}

// impure are imports a domain package must not have.
var impure = []string{"google.golang.org/grpc", "github.com/redis/", "google.golang.org/protobuf", "github.com/turnaround-sli/turnaround/proto"}

// shared are top-level folders of this module that are not services.
var shared = map[string]bool{"platform": true, "reference": true}

func TestLayering(t *testing.T) {
	services := map[string]bool{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !shared[e.Name()] {
			services[e.Name()] = true
		}
	}
	if !services["inspection"] {
		t.Fatalf("no inspection service found among %v", services)
	}
	checked := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		parts := strings.Split(filepath.ToSlash(path), "/")
		top := parts[0]
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, modulePath); ok {
				target := strings.Split(rest, "/")[0]
				switch {
				case shared[top] && services[target]:
					t.Errorf("%s: shared package imports service %q", path, p)
				case services[top] && services[target] && target != top:
					t.Errorf("%s: service %s imports service %s (%q); call its gRPC client instead", path, top, target, p)
				}
			}
			if len(parts) >= 4 && services[top] && parts[1] == "internal" && !transport(parts[2]) && !strings.HasSuffix(path, "_test.go") {
				for _, bad := range impure {
					if strings.HasPrefix(p, bad) {
						t.Errorf("%s: domain package imports %q; domain rules are pure Go", path, p)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}
