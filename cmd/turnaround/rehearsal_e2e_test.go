package main

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestRehearseTheClockEndToEnd drives AdvanceClock over REST against the
// real binary on a real Redis: with -clock-start (a rehearsal) DfE moves
// the suite's clock forward a day and a retry does not move it twice; a
// council officer may not; the same binary in production (REDIS_URL, no
// -demo, no -clock-start) refuses with CLOCK_NOT_MOVABLE.
func TestRehearseTheClockEndToEnd(t *testing.T) {
	const issuer = "https://idp.example"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)
	token := func(sub, role, authority string) string {
		claims := jwt.MapClaims{"sub": sub, "roles": []string{role}, "iss": issuer,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		if authority != "" {
			claims["authority"] = authority
		}
		return signRS256(t, key, "k1", claims)
	}
	dfe := token("dfe-trainer", "dfe_official", "")
	officer := token("doncaster-dcs", "council_officer", "E08000017")
	env := []string{"REDIS_URL=" + redistest.URL()}
	args := func(prefix string, extra ...string) []string {
		return append([]string{"-jwks-file=" + jwks, "-key-prefix=" + prefix, "-jwt-issuer=" + issuer, "-demo=false"}, extra...)
	}

	_, ks := redistest.New(t)
	rehearsal := start(t, env, args(ks.Prefix, "-clock-start=2016-01-04T09:00:00Z")...)
	var moved struct {
		Now    time.Time `json:"now"`
		Offset string    `json:"offset"`
	}
	for range 2 {
		code, body := rehearsal.do(t, http.MethodPost, "/v1/clock:advance", dfe, map[string]any{"by": "86400s", "request_id": "training-1"}, &moved)
		if code != http.StatusOK || moved.Offset != "86400s" || moved.Now.Before(time.Date(2016, 1, 5, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("advance the clock a day = %d: %s", code, body)
		}
	}
	if code, body := rehearsal.do(t, http.MethodPost, "/v1/clock:advance", officer, map[string]any{"by": "86400s"}, nil); code != http.StatusForbidden {
		t.Fatalf("a council officer moving the clock = %d, want 403: %s", code, body)
	}
	if err := rehearsal.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}

	_, prodKS := redistest.New(t)
	prod := start(t, env, args(prodKS.Prefix)...)
	code, body := prod.do(t, http.MethodPost, "/v1/clock:advance", dfe, map[string]any{"by": "86400s"}, nil)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "CLOCK_NOT_MOVABLE") {
		t.Fatalf("advance the clock in production = %d, want 400 CLOCK_NOT_MOVABLE: %s", code, body)
	}
	if err := prod.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
