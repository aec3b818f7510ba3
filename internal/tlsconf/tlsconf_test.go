package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFingerprint(t *testing.T) {
	der := []byte("certificate bytes")
	sum := sha256.Sum256(der)
	want := strings.ToUpper(hex.EncodeToString(sum[:]))
	got := Fingerprint(der)
	if strings.ReplaceAll(got, ":", "") != want || len(got) != 95 || strings.Count(got, ":") != 31 {
		t.Errorf("Fingerprint = %s, want %s as colon-separated pairs", got, want)
	}
}

// TestSelfSigned: generated once (ECDSA, localhost and 127.0.0.1, key mode
// 0600), reused on the next start, replaced when it is about to expire; a
// client trusting the file verifies the server.
func TestSelfSigned(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	cfg, info, err := SelfSigned(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Generated || info.CertFile != filepath.Join(dir, SelfSignedCert) {
		t.Errorf("info %+v", info)
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x", cfg.MinVersion)
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.VerifyHostname("localhost") != nil || leaf.VerifyHostname("127.0.0.1") != nil {
		t.Errorf("certificate %v for %v %v", leaf.PublicKeyAlgorithm, leaf.DNSNames, leaf.IPAddresses)
	}
	if info.Fingerprint != Fingerprint(leaf.Raw) {
		t.Errorf("fingerprint %s", info.Fingerprint)
	}
	if st, _ := os.Stat(filepath.Join(dir, SelfSignedKey)); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode().Perm())
	}

	_, again, err := SelfSigned(dir, now.Add(24*time.Hour))
	if err != nil || again.Generated || again.Fingerprint != info.Fingerprint {
		t.Errorf("second start: %+v, %v; want the same certificate", again, err)
	}
	_, renewed, err := SelfSigned(dir, now.Add(SelfSignedValidity))
	if err != nil || !renewed.Generated || renewed.Fingerprint == info.Fingerprint {
		t.Errorf("near expiry: %+v, %v; want a new certificate", renewed, err)
	}

	// A client that trusts the certificate file connects to 127.0.0.1.
	cfg, info, err = SelfSigned(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	pemBytes, _ := os.ReadFile(info.CertFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/")
		if err != nil {
			t.Errorf("%s: %v", host, err)
			continue
		}
		resp.Body.Close()
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, cert, key, want string }{
		{"missing key flag", bad, "", "give both --tls-cert and --tls-key"},
		{"missing files", filepath.Join(dir, "no.crt"), filepath.Join(dir, "no.key"), "load TLS certificate " + filepath.Join(dir, "no.crt")},
		{"not pem", bad, bad, "load TLS certificate " + bad},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Load(c.cert, c.key)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("Load: %v, want prefix %q", err, c.want)
			}
		})
	}
}
