package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// sessionCookie names the cookie that carries a session id. The session
// itself (the user's token above all) stays on the server.
const sessionCookie = "turnaround_console"

// csrfField is the hidden form field carrying the session's CSRF token.
const csrfField = "csrf_token"

// session is one browser's state: before sign-in only a CSRF token (so the
// sign-in form is protected too), after it the user and their token.
type session struct {
	id      string
	csrf    string
	expires time.Time

	mu        sync.Mutex
	token     string
	principal auth.Principal
	flash     string
	// oidc holds an authorization request in flight: state, nonce and the
	// PKCE verifier, and where to go after.
	oidcState, oidcNonce, oidcVerifier, next string
}

func (s *session) signedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token != ""
}

func (s *session) validCSRF(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

func (s *session) setFlash(msg string) {
	s.mu.Lock()
	s.flash = msg
	s.mu.Unlock()
}

// takeFlash returns the one-time message and clears it.
func (s *session) takeFlash() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flash
	s.flash = ""
	return f
}

func (s *session) user() auth.Principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.principal
}

// sessionStore keeps sessions in memory, keyed by a random id. Sessions end
// at their expiry (the token's lifetime) or at sign-out; expired ones are
// swept as new ones are made.
type sessionStore struct {
	mu       sync.Mutex
	sessions map[string]*session
	ttl      time.Duration
	now      func() time.Time
}

func newSessionStore(ttl time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{sessions: map[string]*session{}, ttl: ttl, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the request's live session, or nil.
func (st *sessionStore) get(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.sessions[ck.Value]
	if s == nil {
		return nil
	}
	if !st.now().Before(s.expires) {
		delete(st.sessions, s.id)
		return nil
	}
	return s
}

// ensure returns the request's session, starting an anonymous one (and
// setting its cookie) when there is none.
func (st *sessionStore) ensure(w http.ResponseWriter, r *http.Request) *session {
	if s := st.get(r); s != nil {
		return s
	}
	return st.start(w, r, st.ttl)
}

// start begins a fresh session lasting ttl and sets its cookie. A new id at
// every sign-in means a session id seen before sign-in is worthless after.
func (st *sessionStore) start(w http.ResponseWriter, r *http.Request, ttl time.Duration) *session {
	now := st.now()
	s := &session{id: randomToken(), csrf: randomToken(), expires: now.Add(ttl)}
	st.mu.Lock()
	for id, old := range st.sessions {
		if !now.Before(old.expires) {
			delete(st.sessions, id)
		}
	}
	st.sessions[s.id] = s
	st.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: s.id, Path: BasePath, Expires: s.expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
	return s
}

// end forgets the request's session and clears its cookie.
func (st *sessionStore) end(w http.ResponseWriter, r *http.Request) {
	if s := st.get(r); s != nil {
		st.mu.Lock()
		delete(st.sessions, s.id)
		st.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: BasePath, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
}

// secureRequest reports whether the browser reached the console over TLS,
// directly or through a proxy that says so.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
