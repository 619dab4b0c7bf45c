package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// authority is a throwaway certificate authority for one test.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string
}

var serial int64

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return k
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// template is a certificate for name with a serial of its own, valid from
// an hour ago to an hour from now.
func template(name string) *x509.Certificate {
	serial++
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
}

func newAuthority(t *testing.T, name string) *authority {
	t.Helper()
	key := newKey(t)
	tmpl := template(name)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create CA: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse CA: %v", err)
	}
	file := filepath.Join(t.TempDir(), name+"-ca.pem")
	writePEM(t, file, "CERTIFICATE", der)
	return &authority{cert: cert, key: key, file: file}
}

// issue signs a leaf certificate for loopback with the given usage and
// returns its certificate and key files.
func (a *authority) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
	tmpl := template(name)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	tmpl.DNSNames = []string{"localhost"}
	tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		t.Fatalf("issue %s: %v", name, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func TestMutualTLS(t *testing.T) {
	ca := newAuthority(t, "turnaround")
	rogue := newAuthority(t, "rogue")
	serverCert, serverKey := ca.issue(t, "server", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey := ca.issue(t, "client", x509.ExtKeyUsageClientAuth)
	rogueCert, rogueKey := rogue.issue(t, "intruder", x509.ExtKeyUsageClientAuth)

	creds, err := ServerCredentials(TLSConfig{CertFile: serverCert, KeyFile: serverKey, CAFile: ca.file})
	if err != nil {
		t.Fatalf("ServerCredentials: %v", err)
	}
	h := start(t, harnessConfig{opts: Options{ServerOptions: []grpc.ServerOption{creds}}})

	tests := []struct {
		name    string
		client  *TLSConfig // nil means plaintext
		wantErr bool
	}{
		{name: "client certificate from the CA", client: &TLSConfig{CAFile: ca.file, CertFile: clientCert, KeyFile: clientKey}},
		{name: "no client certificate", client: &TLSConfig{CAFile: ca.file}, wantErr: true},
		{name: "client certificate from another CA", client: &TLSConfig{CAFile: ca.file, CertFile: rogueCert, KeyFile: rogueKey}, wantErr: true},
		{name: "plaintext", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []grpc.DialOption
			if tt.client != nil {
				cc, err := ClientCredentials(*tt.client)
				if err != nil {
					t.Fatalf("ClientCredentials: %v", err)
				}
				opts = append(opts, cc)
			}
			conn, err := Dial(h.addr, opts...)
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := callDo(ctx, conn, "ok")
			if tt.wantErr {
				if code := status.Code(err); code != codes.Unavailable {
					t.Fatalf("call = %v, want UNAVAILABLE (handshake refused)", err)
				}
				return
			}
			if err != nil || out.GetValue() != "done ok" {
				t.Fatalf("call = %q, %v; want success", out.GetValue(), err)
			}
		})
	}
}

func TestServerTLSWithoutCAIsOneWay(t *testing.T) {
	ca := newAuthority(t, "turnaround")
	serverCert, serverKey := ca.issue(t, "server", x509.ExtKeyUsageServerAuth)
	creds, err := ServerCredentials(TLSConfig{CertFile: serverCert, KeyFile: serverKey})
	if err != nil {
		t.Fatalf("ServerCredentials: %v", err)
	}
	// ServerName is checked against the certificate's DNS names.
	clientCreds, err := ClientCredentials(TLSConfig{CAFile: ca.file, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	h := start(t, harnessConfig{
		opts: Options{ServerOptions: []grpc.ServerOption{creds}},
		dial: []grpc.DialOption{clientCreds},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := callDo(ctx, h.conn, "ok"); err != nil {
		t.Fatalf("one-way TLS call: %v", err)
	}
}

func TestTLSConfigErrors(t *testing.T) {
	ca := newAuthority(t, "turnaround")
	cert, key := ca.issue(t, "server", x509.ExtKeyUsageServerAuth)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")

	tests := []struct {
		name    string
		build   func(TLSConfig) error
		cfg     TLSConfig
		wantErr bool
	}{
		{name: "server ok", build: buildServer, cfg: TLSConfig{CertFile: cert, KeyFile: key}},
		{name: "server mTLS ok", build: buildServer, cfg: TLSConfig{CertFile: cert, KeyFile: key, CAFile: ca.file}},
		{name: "server without key", build: buildServer, cfg: TLSConfig{CertFile: cert}, wantErr: true},
		{name: "server without anything", build: buildServer, cfg: TLSConfig{}, wantErr: true},
		{name: "server key mismatch", build: buildServer, cfg: TLSConfig{CertFile: cert, KeyFile: notPEM}, wantErr: true},
		{name: "server CA not PEM", build: buildServer, cfg: TLSConfig{CertFile: cert, KeyFile: key, CAFile: notPEM}, wantErr: true},
		{name: "server CA missing", build: buildServer, cfg: TLSConfig{CertFile: cert, KeyFile: key, CAFile: missing}, wantErr: true},
		{name: "client system roots", build: buildClient, cfg: TLSConfig{}},
		{name: "client CA only", build: buildClient, cfg: TLSConfig{CAFile: ca.file}},
		{name: "client cert without key", build: buildClient, cfg: TLSConfig{CAFile: ca.file, CertFile: cert}, wantErr: true},
		{name: "client key without cert", build: buildClient, cfg: TLSConfig{KeyFile: key}, wantErr: true},
		{name: "client CA missing", build: buildClient, cfg: TLSConfig{CAFile: missing}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.build(tt.cfg); (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func buildServer(c TLSConfig) error { _, err := ServerCredentials(c); return err }
func buildClient(c TLSConfig) error { _, err := ClientCredentials(c); return err }

func TestTLSConfigEnabled(t *testing.T) {
	tests := []struct {
		cfg  TLSConfig
		want bool
	}{
		{TLSConfig{}, false},
		{TLSConfig{ServerName: "localhost"}, false},
		{TLSConfig{CAFile: "ca.pem"}, true},
		{TLSConfig{CertFile: "c.pem", KeyFile: "k.pem"}, true},
	}
	for _, tt := range tests {
		if got := tt.cfg.Enabled(); got != tt.want {
			t.Errorf("%+v.Enabled() = %v, want %v", tt.cfg, got, tt.want)
		}
	}
}
