package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/access"
)

// TestAccessDocIsCurrent fails when docs/access.md no longer holds the
// access matrix the code enforces.
func TestAccessDocIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", accessDocPath)
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := withAccessMatrix(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, want) {
		t.Fatalf("%s is stale: run `go run ./cmd/turnaround docs-access`", accessDocPath)
	}
	if !strings.Contains(string(doc), access.Markdown()) {
		t.Fatalf("%s does not hold access.Markdown()", accessDocPath)
	}
}

func TestDocsAccessCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.md")
	stale := "# Who\n\nprose\n\n" + accessBegin + "\n| old | table |\n" + accessEnd + "\n\nafter\n"
	if err := os.WriteFile(path, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := docsAccessCommand([]string{"-check", "-file", path}, &out); err == nil {
		t.Fatal("-check passed a stale file")
	}
	if err := docsAccessCommand([]string{"-file", path}, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if s := string(got); !strings.Contains(s, access.Markdown()) || strings.Contains(s, "| old | table |") ||
		!strings.HasPrefix(s, "# Who\n\nprose\n\n") || !strings.HasSuffix(s, accessEnd+"\n\nafter\n") {
		t.Fatalf("written file:\n%s", got)
	}
	if err := docsAccessCommand([]string{"-check", "-file", path}, &out); err != nil {
		t.Fatalf("-check after writing: %v", err)
	}
	if err := os.WriteFile(path, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := docsAccessCommand([]string{"-file", path}, &out); err == nil {
		t.Fatal("a file without markers was accepted")
	}
}
