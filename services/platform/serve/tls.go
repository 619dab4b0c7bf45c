package serve

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// TLSConfig names PEM files for a gRPC listener or connection.
//
// On a server, CertFile and KeyFile are its certificate; setting CAFile turns
// on mutual TLS: every client must present a certificate signed by that CA.
// On a client, CAFile is the CA that signed the server's certificate (the
// system roots when empty), and CertFile and KeyFile, when set, are the
// client certificate presented for mutual TLS.
type TLSConfig struct {
	CertFile string
	KeyFile  string
	CAFile   string
	// ServerName overrides the host name a client verifies the server's
	// certificate against, for targets reached through an address that is
	// not in the certificate.
	ServerName string
}

// Enabled reports whether any file is set, i.e. whether the operator asked
// for TLS at all.
func (c TLSConfig) Enabled() bool {
	return c.CertFile != "" || c.KeyFile != "" || c.CAFile != ""
}

// ServerTLS builds the server side tls.Config. CertFile and KeyFile are
// required; with CAFile, client certificates are required and verified.
func ServerTLS(c TLSConfig) (*tls.Config, error) {
	if c.CertFile == "" || c.KeyFile == "" {
		return nil, errors.New("serve: server TLS needs both a certificate and a key file")
	}
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("serve: server TLS key pair: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pool, err := loadPool(c.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// ClientTLS builds the client side tls.Config. A certificate without its key
// (or the reverse) is an error rather than silently falling back to
// one-way TLS.
func ClientTLS(c TLSConfig) (*tls.Config, error) {
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("serve: client TLS needs both a certificate and a key file, or neither")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("serve: client TLS key pair: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if c.CAFile != "" {
		pool, err := loadPool(c.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// ServerCredentials returns the grpc.ServerOption for ServerTLS(c), to pass
// in Options.ServerOptions.
func ServerCredentials(c TLSConfig) (grpc.ServerOption, error) {
	cfg, err := ServerTLS(c)
	if err != nil {
		return nil, err
	}
	return grpc.Creds(credentials.NewTLS(cfg)), nil
}

// ClientCredentials returns the grpc.DialOption for ClientTLS(c), to pass to
// Dial.
func ClientCredentials(c TLSConfig) (grpc.DialOption, error) {
	cfg, err := ClientTLS(c)
	if err != nil {
		return nil, err
	}
	return grpc.WithTransportCredentials(credentials.NewTLS(cfg)), nil
}

func loadPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("serve: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("serve: CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}
