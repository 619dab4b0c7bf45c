package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DevIssuer is the iss of every development token. Production verifiers
// refuse it.
const DevIssuer = "turnaround-dev"

// DevKeyFileEnv names the environment variable that overrides
// DefaultDevKeyPath.
const DevKeyFileEnv = "TURNAROUND_DEV_KEY_FILE"

// devKeyBytes is the size of a generated key: HS256 wants a key at least as
// long as its 256-bit output.
const devKeyBytes = 32

// DefaultDevKeyPath returns where the development key lives, so that an
// embedded instance and the `turnaround token` command agree without being
// told: $TURNAROUND_DEV_KEY_FILE if set, else turnaround/dev-hs256.key under
// the user's cache directory.
func DefaultDevKeyPath() (string, error) {
	if p := os.Getenv(DevKeyFileEnv); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate development key: %w (set %s)", err, DevKeyFileEnv)
	}
	return filepath.Join(dir, "turnaround", "dev-hs256.key"), nil
}

// LoadOrCreateDevKey returns the key stored at path, creating it with 32
// random bytes (mode 0600) if the file does not exist. Creation is atomic:
// the key is written to a temporary file and hard-linked into place, which
// fails rather than replaces if another process got there first, so
// concurrent starters all end up with the same key and no reader ever sees a
// partly written file.
func LoadOrCreateDevKey(path string) ([]byte, error) {
	key, err := readDevKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create development key directory: %w", err)
	}
	key = make([]byte, devKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate development key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".dev-hs256-*.tmp") // CreateTemp uses mode 0600
	if err != nil {
		return nil, fmt.Errorf("create development key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write development key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write development key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write development key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readDevKey(path)
		}
		return nil, fmt.Errorf("install development key: %w", err)
	}
	return key, nil
}

func readDevKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read development key: %w", err)
	}
	if len(key) < devKeyBytes {
		return nil, fmt.Errorf("development key %s has %d bytes, want at least %d", path, len(key), devKeyBytes)
	}
	return key, nil
}

// MintDevToken signs an HS256 token for p with key, valid for ttl. It
// refuses a Principal that a verifier would refuse, so the CLI cannot hand
// out a token that fails later with a puzzling error.
func MintDevToken(key []byte, p Principal, ttl time.Duration) (string, error) {
	if len(key) < devKeyBytes {
		return "", fmt.Errorf("development key has %d bytes, want at least %d", len(key), devKeyBytes)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("token lifetime %s is not positive", ttl)
	}
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("mint development token: %w", err)
	}
	now := time.Now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    DevIssuer,
			Subject:   p.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Authority: p.Authority,
		Sponsor:   p.Sponsor,
	}
	for _, r := range p.Roles {
		claims.Roles = append(claims.Roles, string(r))
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign development token: %w", err)
	}
	return token, nil
}
