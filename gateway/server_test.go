package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// serve runs the gateway the way the binary does: NewServer on a
// LimitListener, on loopback.
func (e *testEnv) serve(t *testing.T, cfg ServerConfig, maxConns int) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(e.gw, cfg)
	go func() { _ = srv.Serve(LimitListener(lis, maxConns)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return lis.Addr().String()
}

// TestStalledBodyLosesConnection: a client without a token that declares a
// 100000-byte body and sends one byte has its connection closed once the
// body timeout passes, instead of holding it (and a file descriptor) forever.
func TestStalledBodyLosesConnection(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	const bodyTimeout = 500 * time.Millisecond
	addr := env.serve(t, ServerConfig{BodyTimeout: bodyTimeout}, 0)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST /v1/localAuthorities/E08000035/inspections HTTP/1.1\r\nHost: gw\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	// Whatever the server answers, it must then close the connection.
	_ = conn.SetReadDeadline(time.Now().Add(bodyTimeout + 5*time.Second))
	_, err = io.Copy(io.Discard, conn)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("connection still open after %s: %v", took, err)
	}
	t.Logf("connection closed after %s", took)
	if took > bodyTimeout+2*time.Second {
		t.Fatalf("connection closed after %s, want within about %s", took, bodyTimeout)
	}
}

// TestConnectionCap: with the cap reached, a further connection is not
// served until one of the held ones closes.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	addr := env.serve(t, ServerConfig{ReadHeaderTimeout: time.Minute, BodyTimeout: time.Minute}, 2)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: gw\r\n"); err != nil { // headers never finish
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond) // let the server accept both
	probe := func(timeout time.Duration) error {
		c, err := net.Dial("tcp", addr) // completes in the kernel backlog
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(timeout))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	if err := probe(300 * time.Millisecond); err == nil {
		t.Fatal("a third connection was served while two were held at a cap of two")
	}
	held[0].Close()
	if err := probe(5 * time.Second); err != nil {
		t.Fatalf("after one held connection closed: %v", err)
	}
}

// TestUnavailableSetsRetryAfter: every 503 tells the client when to retry:
// the upstream's RetryInfo when it gives one, else one second.
func TestUnavailableSetsRetryAfter(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	env.server.Stop()
	rec := env.do(http.MethodGet, "/v1/localAuthorities", nil, authorized())
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("upstream down = %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	st, err := status.New(codes.Unavailable, "store down").WithDetails(
		&errdetails.ErrorInfo{Reason: "STORE_UNAVAILABLE", Domain: ErrorDomain},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(2500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if got := retryAfter(st); got != "3" {
		t.Fatalf("Retry-After for a 2.5s RetryInfo = %q, want 3", got)
	}
	if got := retryAfter(status.New(codes.Unavailable, "x")); got != "1" || !strings.Contains("1", got) {
		t.Fatalf("Retry-After without RetryInfo = %q, want 1", got)
	}
}
