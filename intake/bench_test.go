package intake_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

// BenchmarkReceive200KB is intake on the real stack with 200 KB PDFs, 8 at a time per CPU
// (`saraban bench intake` puts it beside the raw cost of its parts).
func BenchmarkReceive200KB(b *testing.B) {
	db := testenv.DB(b)
	testenv.Demo(b, db)
	svc := &intake.Service{DB: db, Blobs: testenv.Objects(b)}
	pdfs := make([][]byte, b.N)
	for i := range pdfs {
		pdfs[i] = samplepdf.Letter(uint64(i)+1e6, 200_000)
	}
	var next atomic.Int64
	b.SetParallelism(4)
	b.SetBytes(200_000)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: pdfs[i], Actor: "operator:bench"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
