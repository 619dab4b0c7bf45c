package auth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestDefaultDevKeyPath(t *testing.T) {
	t.Setenv(DevKeyFileEnv, "/somewhere/key")
	if got, err := DefaultDevKeyPath(); err != nil || got != "/somewhere/key" {
		t.Fatalf("with override: %q, %v", got, err)
	}
	t.Setenv(DevKeyFileEnv, "")
	got, err := DefaultDevKeyPath()
	if err != nil {
		t.Skipf("no user cache directory here: %v", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "turnaround", "dev-hs256.key"); got != want {
		t.Fatalf("DefaultDevKeyPath() = %q, want %q", got, want)
	}
}

func TestLoadOrCreateDevKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "dev.key")
	key, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(key) != 32 {
		t.Fatalf("key has %d bytes, want 32", len(key))
	}
	if bytes.Equal(key, make([]byte, 32)) {
		t.Fatal("key is all zeros")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := LoadOrCreateDevKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("reload gave a different key (%v)", err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %d entries (%v), want only the key", len(entries), err)
	}

	// A key minted by one holder of the file verifies with another's.
	tok, err := MintDevToken(key, Principal{Subject: "cli", Roles: []Role{RolePartnerSystem}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerifier(t, Config{DevKey: again})
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestLoadOrCreateDevKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.key")
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateDevKey(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got a different key", i)
		}
	}
	onDisk, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(onDisk, keys[0]) {
		t.Fatalf("file holds a different key (%v)", err)
	}
}

func TestLoadOrCreateDevKeyErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevKey(short); err == nil {
		t.Fatal("accepted a 9-byte key")
	}
	if _, err := LoadOrCreateDevKey(dir); err == nil {
		t.Fatal("accepted a directory as a key file")
	}
}

func TestMintDevToken(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name string
		key  []byte
		p    Principal
		ttl  time.Duration
		ok   bool
	}{
		{name: "inspector", key: key, p: Principal{Subject: "i", Roles: []Role{RoleOfstedInspector}}, ttl: time.Hour, ok: true},
		{name: "council officer", key: key, p: Principal{Subject: "c", Roles: []Role{RoleCouncilOfficer}, Authority: "E08000017"}, ttl: time.Hour, ok: true},
		{name: "sponsor officer", key: key, p: Principal{Subject: "s", Roles: []Role{RoleSponsorOfficer}, Sponsor: "trust-1"}, ttl: time.Hour, ok: true},
		{name: "short key", key: key[:31], p: Principal{Subject: "i", Roles: []Role{RoleOfstedInspector}}, ttl: time.Hour},
		{name: "zero ttl", key: key, p: Principal{Subject: "i", Roles: []Role{RoleOfstedInspector}}},
		{name: "no subject", key: key, p: Principal{Roles: []Role{RoleOfstedInspector}}, ttl: time.Hour},
		{name: "no roles", key: key, p: Principal{Subject: "i"}, ttl: time.Hour},
		{name: "unknown role", key: key, p: Principal{Subject: "i", Roles: []Role{"root"}}, ttl: time.Hour},
		{name: "officer without authority", key: key, p: Principal{Subject: "c", Roles: []Role{RoleCouncilOfficer}}, ttl: time.Hour},
		{name: "sponsor officer without sponsor", key: key, p: Principal{Subject: "s", Roles: []Role{RoleSponsorOfficer}}, ttl: time.Hour},
	}
	v := mustVerifier(t, Config{DevKey: key})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := MintDevToken(tc.key, tc.p, tc.ttl)
			if !tc.ok {
				if err == nil {
					t.Fatal("MintDevToken succeeded")
				}
				return
			}
			if err != nil {
				t.Fatalf("MintDevToken: %v", err)
			}
			got, err := v.Verify(context.Background(), tok)
			if err != nil || !equalPrincipal(got, tc.p) {
				t.Fatalf("Verify = %+v, %v; want %+v", got, err, tc.p)
			}
		})
	}
}
