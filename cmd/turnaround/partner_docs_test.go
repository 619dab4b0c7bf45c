package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner"
)

// TestDocumentedSignatureCheck compiles the Go verification snippet of
// docs/partner-events.md on its own and runs it against a delivery signed
// by the suite: it must accept that delivery and reject a changed body, a
// changed webhook-id, another secret and a stale timestamp.
func TestDocumentedSignatureCheck(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "partner-events.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```go\n")
	snippet, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 || !strings.Contains(snippet, "func Verify(") {
		t.Fatal("docs/partner-events.md has no Go snippet with func Verify")
	}
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := `{"specversion":"1.0","id":"evt-1","type":"turnaround.events.v1.JudgementPublished"}`
	now := time.Now().Unix()
	sig, err := partner.SignWebhook(secret, "evt-1", now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	stale, _ := partner.SignWebhook(secret, "evt-1", now-3600, []byte(body))
	harness := fmt.Sprintf(`package receiver

import (
	"net/http"
	"testing"
)

func headers(id, ts, sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", sig)
	return h
}

func TestVerify(t *testing.T) {
	secret, body := %q, %q
	good := headers("evt-1", %q, %q)
	if err := Verify(secret, good, []byte(body)); err != nil {
		t.Fatalf("the suite's delivery: %%v", err)
	}
	if Verify(secret, good, []byte(body+" ")) == nil {
		t.Error("a changed body verified")
	}
	if Verify(secret, headers("evt-2", %q, %q), []byte(body)) == nil {
		t.Error("another webhook-id verified")
	}
	if Verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", good, []byte(body)) == nil {
		t.Error("another secret verified")
	}
	if Verify(secret, headers("evt-1", %q, %q), []byte(body)) == nil {
		t.Error("a stale timestamp verified")
	}
}
`, secret, body, strconv.FormatInt(now, 10), sig, strconv.FormatInt(now, 10), sig, strconv.FormatInt(now-3600, 10), stale)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":           "module receiver\n\ngo 1.24\n",
		"receiver.go":      snippet,
		"receiver_test.go": harness,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the documented check fails: %v\n%s", err, out)
	}
}
