// Package tlsconf builds the API server's TLS configuration: from an
// operator's certificate and key files, or, for trials, from a self-signed
// ECDSA certificate for localhost kept in the data directory.
package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names of the self-signed certificate in the data directory.
const (
	SelfSignedCert = "tls-self-signed.crt"
	SelfSignedKey  = "tls-self-signed.key"
	// SelfSignedValidity is the lifetime of a generated certificate; an
	// expired (or nearly expired) one is replaced at start.
	SelfSignedValidity = 365 * 24 * time.Hour
)

// Info describes the certificate a configuration serves.
type Info struct {
	CertFile string
	// Fingerprint is the SHA-256 of the leaf certificate's DER bytes, as
	// upper-case hex pairs joined by ':' (what openssl x509 -fingerprint
	// -sha256 prints).
	Fingerprint string
	NotBefore   time.Time
	NotAfter    time.Time
	// Generated is true when SelfSigned created the certificate now.
	Generated bool
}

// serverConfig is the TLS configuration for cert: TLS 1.2 or later.
func serverConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
}

// Load reads a PEM certificate chain and key; errors say which file is bad.
func Load(certFile, keyFile string) (*tls.Config, Info, error) {
	if certFile == "" || keyFile == "" {
		return nil, Info{}, errors.New("give both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, Info{}, fmt.Errorf("load TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, Info{}, fmt.Errorf("parse TLS certificate %s: %w", certFile, err)
	}
	return serverConfig(cert), Info{CertFile: certFile, Fingerprint: Fingerprint(cert.Certificate[0]), NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter}, nil
}

// Fingerprint returns the SHA-256 fingerprint of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// SelfSigned loads <dir>/tls-self-signed.crt and .key, generating them
// (ECDSA P-256, for localhost, 127.0.0.1 and ::1, valid one year) when they
// are missing, unreadable, not yet valid at now, or expire within a day of
// now. The key file is mode 0600.
func SelfSigned(dir string, now time.Time) (*tls.Config, Info, error) {
	certFile, keyFile := filepath.Join(dir, SelfSignedCert), filepath.Join(dir, SelfSignedKey)
	if cfg, info, err := Load(certFile, keyFile); err == nil && !info.NotBefore.After(now) && info.NotAfter.After(now.Add(24*time.Hour)) {
		return cfg, info, nil
	}
	certPEM, keyPEM, err := generate(now)
	if err != nil {
		return nil, Info{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, Info{}, err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return nil, Info{}, fmt.Errorf("write %s: %w", keyFile, err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return nil, Info{}, fmt.Errorf("write %s: %w", certFile, err)
	}
	cfg, info, err := Load(certFile, keyFile)
	info.Generated = true
	return cfg, info, err
}

// generate returns a PEM self-signed certificate and PKCS#8 key.
func generate(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"vpcvpn self-signed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(SelfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
}
