package signing

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/saraban/saraban/internal/samplepdf"
)

// BenchmarkSign signs 100 KB and 5 MB letters with RSA-2048 and ECDSA P-256 (B-B, invisible),
// beside the raw limit: hashing the file plus one private-key operation.
func BenchmarkSign(b *testing.B) {
	p := getPKI(b)
	for _, size := range []int{100 << 10, 5 << 20} {
		pdf := samplepdf.Letter(1, size)
		for _, k := range []struct {
			name string
			s    *KeySigner
		}{{"RSA2048", p.rsa}, {"ECDSAP256", p.ec}} {
			b.Run(fmt.Sprintf("%s/%dKB", k.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(pdf)))
				for b.Loop() {
					if _, err := Sign(pdf, k.s, Options{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("raw-%s/%dKB", k.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(pdf)))
				for b.Loop() {
					h := sha256.Sum256(pdf)
					if _, err := k.s.Sign(rand.Reader, h[:], crypto.SHA256); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
