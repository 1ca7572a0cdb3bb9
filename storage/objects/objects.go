// Package objects keeps every PDF revision in S3-compatible storage (MinIO locally),
// content-addressed by SHA-256 and never overwritten: the key is derived from the bytes, and
// a put that would replace an existing object is refused by the server (If-None-Match: *).
package objects

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config says where the object store is.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	TLS       bool
}

// Store is the object store of one bucket.
type Store struct {
	Client *minio.Client
	Bucket string
}

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("object not found")

// Open connects to the store and makes sure the bucket exists.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cl, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.TLS,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", cfg.Endpoint, err)
	}
	s := &Store{Client: cl, Bucket: cfg.Bucket}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := cl.BucketExists(cctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("object store at %s does not answer (is the stack up? run `make up`): %w", cfg.Endpoint, err)
	}
	if !ok {
		if err := cl.MakeBucket(cctx, cfg.Bucket, minio.MakeBucketOptions{}); err != nil {
			var me minio.ErrorResponse
			if !(errors.As(err, &me) && (me.Code == "BucketAlreadyOwnedByYou" || me.Code == "BucketAlreadyExists")) {
				return nil, fmt.Errorf("create bucket %q: %w", cfg.Bucket, err)
			}
		}
	}
	return s, nil
}

// SHA256Hex is the hex SHA-256 of data.
func SHA256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// PDFKey is the key of a PDF with the given digest.
func PDFKey(sha256hex string) string { return "sha256/" + sha256hex + ".pdf" }

// PutPDF stores data under its content address and returns the key and digest. Storing the
// same bytes twice is harmless: the second put is refused by the server's precondition and
// the existing object, which holds the same bytes, is used.
func (s *Store) PutPDF(ctx context.Context, data []byte) (key, digest string, err error) {
	digest = SHA256Hex(data)
	key = PDFKey(digest)
	opts := minio.PutObjectOptions{ContentType: "application/pdf", SendContentMd5: false}
	opts.SetMatchETagExcept("*")
	opts.UserMetadata = map[string]string{"sha256": digest}
	_, err = s.Client.PutObject(ctx, s.Bucket, key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		if isPreconditionFailed(err) {
			return key, digest, nil
		}
		return "", "", fmt.Errorf("store %s: %w", key, err)
	}
	return key, digest, nil
}

func isPreconditionFailed(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed"
}

// Get reads a whole object and checks it against its content address when the key is one.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.Client.GetObject(ctx, s.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	var want string
	if n, _ := fmt.Sscanf(key, "sha256/%64s", &want); n == 1 && len(want) == 64 {
		if got := SHA256Hex(data); got != want {
			return nil, fmt.Errorf("object %s is corrupt: its bytes hash to %s", key, got)
		}
	}
	return data, nil
}

// Exists tells whether key is stored.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.Client.StatObject(ctx, s.Bucket, key, minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return false, nil
	}
	return false, err
}

// Count returns how many objects the bucket holds (tests use it to show nothing was stored).
func (s *Store) Count(ctx context.Context) (int, error) {
	n := 0
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return 0, o.Err
		}
		n++
	}
	return n, nil
}

// RemoveAll deletes every object and the bucket itself (tests clean up with it).
func (s *Store) RemoveAll(ctx context.Context) error {
	objs := s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range s.Client.RemoveObjects(ctx, s.Bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return e.Err
		}
	}
	return s.Client.RemoveBucket(ctx, s.Bucket)
}
