package gateway

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of ServerConfig, applied by NewServer to zero fields.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultBodyTimeout bounds reading a whole request, headers and body:
	// a client that declares a body and then stalls loses its connection
	// after this, well inside the request timeout.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxConns caps concurrent connections; more wait in the
	// listen backlog until one closes.
	DefaultMaxConns = 1024
)

// ServerConfig are the HTTP server's limits against slow and greedy clients.
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading the request line and headers.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds reading the whole request, body included
	// (http.Server.ReadTimeout). Keep it below the request timeout.
	BodyTimeout time.Duration
	// WriteTimeout bounds the time from the end of reading the headers to
	// the end of writing the response; zero means the request timeout plus
	// five seconds, so a slow upstream gets its 504 written.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration
	// RequestTimeout is the gateway's request timeout (Config.RequestTimeout),
	// used for the default WriteTimeout.
	RequestTimeout time.Duration
}

// NewServer returns an http.Server for h with every timeout set: headers,
// the whole request including its body, the response, and idle keep-alive
// connections. Serve it on a listener from LimitListener.
func NewServer(h http.Handler, cfg ServerConfig) *http.Server {
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = cfg.RequestTimeout + 5*time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.BodyTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// LimitListener returns a listener that holds at most n connections open at
// once (DefaultMaxConns when n <= 0): Accept waits while n are open, so
// excess clients queue in the kernel's backlog instead of costing a file
// descriptor and a goroutine each.
func LimitListener(l net.Listener, n int) net.Listener {
	if n <= 0 {
		n = DefaultMaxConns
	}
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
