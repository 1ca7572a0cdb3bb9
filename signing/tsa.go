package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// TSAClient asks an RFC 3161 time-stamping authority for timestamp tokens.
type TSAClient struct {
	URL string
	// HTTP is the client used; nil means a client with a 30-second timeout.
	HTTP *http.Client
	// Username and Password, when set, are sent as HTTP basic authentication.
	Username, Password string
}

// Timestamp returns the TimeStampToken (a DER CMS ContentInfo) over SHA-256 of data. The
// response is checked: granted, signed by the certificate it carries, and for this imprint.
func (c *TSAClient) Timestamp(data []byte) ([]byte, error) {
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp request: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	hr, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp server URL: %w", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	if c.Username != "" {
		hr.SetBasicAuth(c.Username, c.Password)
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp server %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp server %s: %w", c.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("signing: timestamp server %s answered %s", c.URL, resp.Status)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp server %s: %w", c.URL, err)
	}
	want := sha256.Sum256(data)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, want[:]) {
		return nil, errors.New("signing: the timestamp is not for the signature sent")
	}
	return ts.RawToken, nil
}
