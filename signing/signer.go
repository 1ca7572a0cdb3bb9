package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"software.sslmate.com/src/go-pkcs12"
)

// Signer is a signing key with its certificate. The private-key operation goes through
// crypto.Signer, so a key that never leaves a token (PKCS#11, a remote signing service) fits
// the same interface as a key read from a PKCS#12 file: only Sign is called, always with a
// SHA-256 digest.
type Signer interface {
	crypto.Signer
	// Certificate is the signer's own (leaf) certificate; its public key matches Public().
	Certificate() *x509.Certificate
	// Chain is the rest of the chain to embed, leaf excluded, nearest issuer first (it may
	// include the root; verifiers ignore it unless they trust it already).
	Chain() []*x509.Certificate
}

// KeySigner is a Signer over an in-memory private key.
type KeySigner struct {
	Key   crypto.Signer
	Cert  *x509.Certificate
	Certs []*x509.Certificate // chain without the leaf

	// parts caches the CMS parts that depend only on the certificates (cms.go).
	parts atomic.Pointer[cmsParts]
}

func (k *KeySigner) Public() crypto.PublicKey { return k.Key.Public() }
func (k *KeySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.Key.Sign(r, digest, opts)
}
func (k *KeySigner) Certificate() *x509.Certificate { return k.Cert }
func (k *KeySigner) Chain() []*x509.Certificate     { return k.Certs }

// NewKeySigner checks that key matches cert and is of a supported kind (RSA or ECDSA).
func NewKeySigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*KeySigner, error) {
	if cert == nil || key == nil {
		return nil, errors.New("signing: a key and its certificate are both needed")
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if cp, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !cp.Equal(pub) {
			return nil, errors.New("signing: the private key does not belong to the certificate")
		}
	case *ecdsa.PublicKey:
		if cp, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !cp.Equal(pub) {
			return nil, errors.New("signing: the private key does not belong to the certificate")
		}
	default:
		return nil, fmt.Errorf("signing: unsupported key type %T (use RSA or ECDSA)", pub)
	}
	return &KeySigner{Key: key, Cert: cert, Certs: chain}, nil
}

// LoadPKCS12 reads a PKCS#12 (.p12/.pfx) file holding one private key, its certificate and
// optionally the chain.
func LoadPKCS12(path, password string) (*KeySigner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing: read key file: %w", err)
	}
	return ParsePKCS12(data, password)
}

// ParsePKCS12 is LoadPKCS12 on bytes.
func ParsePKCS12(data []byte, password string) (*KeySigner, error) {
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("signing: wrong password for the PKCS#12 file")
		}
		return nil, fmt.Errorf("signing: read PKCS#12: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("signing: unsupported key type %T in the PKCS#12 file", key)
	}
	return NewKeySigner(s, cert, chain)
}

// ReadPassword returns the password from file (its first line, without the line ending) when
// file is not empty, else from the environment variable env. An empty password is allowed.
func ReadPassword(file, env string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("signing: read password file: %w", err)
		}
		s := string(b)
		if i := strings.IndexAny(s, "\r\n"); i >= 0 {
			s = s[:i]
		}
		return s, nil
	}
	if env != "" {
		if v, ok := os.LookupEnv(env); ok {
			return v, nil
		}
	}
	return "", nil
}
