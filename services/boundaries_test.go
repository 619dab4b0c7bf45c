// The services module's layering rules, checked on the source itself:
//
//   - a service reaches another only through its generated gRPC client, and
//     the shared folders (platform, reference) depend on no service;
//   - domain packages (internal/<resource>) are pure Go: no gRPC, Redis,
//     protobuf or generated contracts, and no handler or store package;
//   - a handler (internal/api, internal/<resource>api) never imports a store
//     package: it calls one use case, which reaches storage through the
//     interface it declares;
//   - a store (internal/<resource>store) never builds or holds a domain
//     use-case Service: it implements storage and calls nothing back up.
//
// TestLayeringCatchesViolations runs the same checks on a small tree in
// testdata that breaks each rule, so a check that stops working fails too.
package services_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/turnaround-sli/turnaround/services/"

// role is what an internal package is, by the suffix of its folder name.
type role int

const (
	domain    role = iota // internal/<resource>: rules and use cases
	handler               // internal/api, internal/<resource>api
	storage               // internal/<resource>store
	client                // internal/<service>client: gRPC clients of other services
	consumers             // internal/events: consumers of other services' events
	demo                  // internal/demo: the demo data set
	testkit               // internal/<x>test: builders the service's tests share, imported by tests only
)

func roleOf(pkg string) role {
	switch {
	case pkg == "events":
		return consumers
	case pkg == "demo":
		return demo
	case strings.HasSuffix(pkg, "api"):
		return handler
	case strings.HasSuffix(pkg, "store"):
		return storage
	case strings.HasSuffix(pkg, "client"):
		return client
	case strings.HasSuffix(pkg, "test"):
		return testkit
	}
	return domain
}

// impure are imports a domain package must not have.
var impure = []string{"google.golang.org/grpc", "github.com/redis/", "google.golang.org/protobuf", "github.com/turnaround-sli/turnaround/proto"}

// shared are top-level folders of this module that are not services.
var shared = map[string]bool{"platform": true, "reference": true, "testdata": true}

// checkLayering walks root (a folder laid out like this module) and returns
// every violation of the rules above. modPath is the import path of root.
func checkLayering(t *testing.T, root, modPath string) []string {
	t.Helper()
	services := map[string]bool{}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !shared[e.Name()] {
			services[e.Name()] = true
		}
	}
	var bad []string
	report := func(path, format string, args ...any) {
		bad = append(bad, path+": "+fmt.Sprintf(format, args...))
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		top := parts[0]
		test := strings.HasSuffix(path, "_test.go")
		internal := len(parts) >= 4 && services[top] && parts[1] == "internal"
		var own role
		if internal {
			own = roleOf(parts[2])
		}
		// Imports of this service's internal packages, by local name.
		local := map[string]role{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, modPath); ok {
				segs := strings.Split(rest, "/")
				target := segs[0]
				switch {
				case shared[top] && services[target]:
					report(rel, "shared package imports service %q", p)
				case services[top] && services[target] && target != top:
					report(rel, "service %s imports service %s (%q); call its gRPC client instead", top, target, p)
				}
				if internal && target == top && len(segs) >= 3 && segs[1] == "internal" {
					r := roleOf(segs[2])
					name := segs[len(segs)-1]
					if imp.Name != nil {
						name = imp.Name.Name
					}
					local[name] = r
					if !test {
						switch {
						case own == handler && r == storage:
							report(rel, "handler imports store %q; call a use case, which reaches storage through its Storer", p)
						case own == domain && (r == handler || r == storage):
							report(rel, "domain package imports %q; domain rules depend on no handler or store", p)
						case r == testkit && own != testkit:
							report(rel, "imports the test kit %q outside a test", p)
						}
					}
				}
			}
			if internal && own == domain && !test {
				for _, b := range impure {
					if strings.HasPrefix(p, b) {
						report(rel, "domain package imports %q; domain rules are pure Go", p)
					}
				}
			}
		}
		if internal && own == storage && !test {
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				if r, ok := local[x.Name]; ok && r == domain && (sel.Sel.Name == "Service" || sel.Sel.Name == "NewService") {
					report(rel, "store uses %s.%s; a store implements storage and never calls a use case", x.Name, sel.Sel.Name)
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 3 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
	slices.Sort(bad)
	return bad
}

func TestLayering(t *testing.T) {
	if _, err := os.Stat("inspection"); err != nil {
		t.Fatalf("no inspection service found: %v", err)
	}
	for _, v := range checkLayering(t, ".", modulePath) {
		t.Error(v)
	}
}

// TestLayeringCatchesViolations checks the checker: testdata/layering/bad
// breaks each rule once, testdata/layering/good is the same service laid
// out correctly.
func TestLayeringCatchesViolations(t *testing.T) {
	const mod = "example.com/layering/"
	if got := checkLayering(t, "testdata/layering/good", mod); len(got) != 0 {
		t.Errorf("good tree: unexpected violations:\n%s", strings.Join(got, "\n"))
	}
	got := checkLayering(t, "testdata/layering/bad", mod)
	want := []string{
		"widget/internal/widget/widget.go: domain package imports \"example.com/layering/widget/internal/widgetstore\"",
		"widget/internal/widget/widget.go: domain package imports \"google.golang.org/grpc\"",
		"widget/internal/widgetapi/kit.go: imports the test kit \"example.com/layering/widget/internal/widgettest\" outside a test",
		"widget/internal/widgetapi/widgets.go: handler imports store \"example.com/layering/widget/internal/widgetstore\"",
		"widget/internal/widgetapi/widgets.go: service widget imports service gadget",
		"widget/internal/widgetstore/widgets.go: store uses widget.NewService",
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("bad tree: no violation starting %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("bad tree: %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}
