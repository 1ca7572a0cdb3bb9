package signing

import (
	"fmt"
	"sort"
	"strings"
)

// Position is a named default place for the visible signature box, by the kind of letter
// (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ lays the kinds out alike on every A4 page). The box is
// given as fractions of the page as the reader sees it (the crop box, after /Rotate): 0,0 is the
// bottom-left corner and 1,1 the top-right, so it lands in the same place on A4, on Letter (as
// Chromium prints by default), on a landscape page and on a scan saved at its pixel size. A
// named position goes on the last page unless a page is given.
type Position struct {
	Name string
	// Kind is the letter kind the position is for, Use where on the page the box goes.
	Kind, Use      string
	X0, Y0, X1, Y1 float64
}

// Positions is the table of named positions. On A4 (595 × 842 pt) the boxes are about 270 × 110
// pt, wide enough for a position line such as "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน" at 11 pt.
var Positions = []Position{
	{Name: "signer", Kind: "หนังสือภายนอก / หนังสือภายใน (ordinary letter)",
		Use: "the signature block under the closing ขอแสดงความนับถือ, right of the page's centre line, above the issuing unit's contact lines at the bottom left",
		X0:  0.40, Y0: 0.17, X1: 0.86, Y1: 0.30},
	{Name: "memo", Kind: "บันทึกข้อความ (memo)",
		Use: "the signature block right after the last paragraph, right of the centre line (a memo has no closing)",
		X0:  0.42, Y0: 0.12, X1: 0.88, Y1: 0.25},
	{Name: "order", Kind: "คำสั่ง / ประกาศ / ระเบียบ (order, announcement, regulation)",
		Use: "the signature block centred under \"สั่ง ณ วันที่ …\" / \"ประกาศ ณ วันที่ …\"",
		X0:  0.30, Y0: 0.15, X1: 0.76, Y1: 0.28},
	{Name: "approval", Kind: "received letter: the head's endorsement or order (เกษียนสั่งการ)",
		Use: "at the top right just below the first receive stamp (5 × 2.5 cm, 0.6 cm from the edges), the same width plus 1 cm, 3.2 cm high; a second receive stamp would go there too, so use it for the endorsement after the first stamp",
		X0:  0.686, Y0: 0.781, X1: 0.971, Y1: 0.889},
}

// LookupPosition finds a named position (case-insensitive).
func LookupPosition(name string) (Position, bool) {
	for _, p := range Positions {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return Position{}, false
}

// PositionNames lists the names of Positions, sorted.
func PositionNames() []string {
	var n []string
	for _, p := range Positions {
		n = append(n, p.Name)
	}
	sort.Strings(n)
	return n
}

// Rect is the box on a page of w × h points as seen, in the coordinates of Visible.Rect.
func (p Position) Rect(w, h float64) [4]float64 {
	return [4]float64{p.X0 * w, p.Y0 * h, p.X1 * w, p.Y1 * h}
}

func unknownPosition(name string) error {
	return fmt.Errorf("signing: unknown signature position %q (known: %s)", name, strings.Join(PositionNames(), ", "))
}
