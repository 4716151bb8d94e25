package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/samspill/samspill/pkg/natsperm"
)

// Servers are the server names of the configurations in deploy/nats; each
// gets a certificate for its client, route and monitoring listeners.
func Servers() []string {
	return []string{"samspill-single", "samspill-n1", "samspill-n2", "samspill-n3"}
}

// CertUser is the NATS user a client certificate for the natsperm user
// name maps to (verify_and_map: the certificate's subject).
func CertUser(name string) string { return "CN=" + name + ",O=Samspill" }

// DevCerts makes, in dir, what the configurations in deploy/nats read:
// a development CA (ca.pem, ca-key.pem), a certificate and key for every
// server (<server>.pem, <server>-key.pem; for loopback, usable for routes
// both ways), one client certificate for every natsperm user
// (<user>.pem, <user>-key.pem, subject CertUser(user)), and dev.env with
// JS_KEY, the key of JetStream's encryption at rest. A file that exists is
// kept, so the store stays readable and certificates stay valid; remove
// dir to start again. It returns the files it wrote.
//
// These are for development: the CA key lies beside the certificates.
func DevCerts(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dev certs: %w", err)
	}
	var wrote []string
	env := filepath.Join(dir, "dev.env")
	if !exists(env) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("dev certs: %w", err)
		}
		body := "# Development secrets for deploy/nats, made by `make dev-certs`. Never commit.\n" +
			"# JS_KEY encrypts JetStream's store (cipher chachapoly): lose it and the store is unreadable.\n" +
			"JS_KEY=" + hex.EncodeToString(key) + "\n"
		if err := os.WriteFile(env, []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("dev certs: %w", err)
		}
		wrote = append(wrote, env)
	}

	caCert, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	var ca *x509.Certificate
	var caPriv *ecdsa.PrivateKey
	if exists(caCert) && exists(caKey) {
		var err error
		if ca, caPriv, err = readPair(caCert, caKey); err != nil {
			return nil, err
		}
	} else {
		tmpl, err := template(pkix.Name{CommonName: "Samspill development CA", Organization: []string{"Samspill"}}, 5*365*24*time.Hour)
		if err != nil {
			return nil, err
		}
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		if ca, caPriv, err = issue(tmpl, nil, nil, caCert, caKey); err != nil {
			return nil, err
		}
		wrote = append(wrote, caCert, caKey)
	}

	leaf := func(name string, server bool) error {
		cert, key := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		if exists(cert) && exists(key) {
			return nil
		}
		subject := pkix.Name{CommonName: name, Organization: []string{"Samspill"}}
		tmpl, err := template(subject, 2*365*24*time.Hour)
		if err != nil {
			return err
		}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		if server {
			// Routes dial and accept, so a node's certificate is both.
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			tmpl.DNSNames = []string{name, "localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
		if _, _, err := issue(tmpl, ca, caPriv, cert, key); err != nil {
			return err
		}
		wrote = append(wrote, cert, key)
		return nil
	}
	for _, s := range Servers() {
		if err := leaf(s, true); err != nil {
			return nil, err
		}
	}
	for _, u := range natsperm.Users() {
		if err := leaf(u.Name, false); err != nil {
			return nil, err
		}
	}
	return wrote, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func template(subject pkix.Name, valid time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("dev certs: serial: %w", err)
	}
	now := time.Now()
	return &x509.Certificate{SerialNumber: serial, Subject: subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(valid)}, nil
}

// issue makes a key and a certificate from tmpl signed by parent (self
// signed when parent is nil) and writes both.
func issue(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: key: %w", err)
	}
	if parent == nil {
		parent, parentKey = tmpl, priv
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &priv.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %s: %w", certFile, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %s: %w", certFile, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %s: %w", keyFile, err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, nil, fmt.Errorf("dev certs: %w", err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, fmt.Errorf("dev certs: %w", err)
	}
	return cert, priv, nil
}

func readPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %w", err)
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %w", err)
	}
	cp, _ := pem.Decode(cb)
	kp, _ := pem.Decode(kb)
	if cp == nil || kp == nil {
		return nil, nil, fmt.Errorf("dev certs: %s or %s is not PEM", certFile, keyFile)
	}
	cert, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %s: %w", certFile, err)
	}
	key, err := x509.ParseECPrivateKey(kp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("dev certs: %s: %w", keyFile, err)
	}
	return cert, key, nil
}
