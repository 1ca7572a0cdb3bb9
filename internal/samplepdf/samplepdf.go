// Package samplepdf makes small, valid PDFs for tests and benchmarks: one A4 page with a line
// of text, padded to a chosen size with a stream of pseudo-random bytes so that every seed gives
// different bytes (and so a different content address).
package samplepdf

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

// Letter returns a one-page PDF of about size bytes whose content depends on seed.
func Letter(seed uint64, size int) []byte {
	var b bytes.Buffer
	offsets := []int{}
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 5 0 R >> /XObject << /Pad 6 0 R >> >> /Contents 4 0 R >>")
	content := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (Sample letter %d) Tj ET\nBT /F1 11 Tf 72 730 Td (Subject: test of intake) Tj ET\n", seed)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	pad := size - 1200
	if pad < 16 {
		pad = 16
	}
	r := rand.New(rand.NewPCG(seed, 0x5a5a))
	noise := make([]byte, pad)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	offsets = append(offsets, b.Len())
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n",
		len(offsets), pad, pad)
	b.Write(noise)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}
