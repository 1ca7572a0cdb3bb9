package backfill_test

import (
	"errors"

	"github.com/minio/minio-go/v7"
)

func minioListAll() minio.ListObjectsOptions { return minio.ListObjectsOptions{Recursive: true} }

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }
