package pdfdoc

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sort"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// fontUse collects the glyphs one stamp draws, to embed exactly those.
type fontUse struct {
	f    *Font
	used map[uint16]string // glyph id → text for ToUnicode (first use wins)
}

func newFontUse(f *Font) *fontUse { return &fontUse{f: f, used: map[uint16]string{}} }

func (fu *fontUse) add(ln line) {
	for _, g := range ln.glyphs {
		if _, ok := fu.used[g.gid]; !ok {
			fu.used[g.gid] = g.text
		}
	}
}

// width1000 is a glyph's advance in PDF glyph space (1000 units per em), as written in /W.
func (f *Font) width1000(gid uint16) float64 {
	if int(gid) >= len(f.advances) {
		return 0
	}
	return float64(f.advances[gid]) * 1000 / f.upem
}

// embed writes the font objects into the update and returns the Type0 font's reference.
//
// The font is a Type0 font with Identity-H encoding over a CIDFontType2 (TrueType) descendant
// whose CIDs are the glyph ids (/CIDToGIDMap /Identity): shaped text is a sequence of glyph ids,
// not of characters, and this is the PDF construction that draws glyph ids directly. /W gives
// the advances, /ToUnicode maps glyphs back to text for search and copy, and the font program is a
// subset holding only the glyphs used.
func (fu *fontUse) embed(u *update) (types.IndirectRef, error) {
	f := fu.f
	gids := make([]int, 0, len(fu.used))
	for g := range fu.used {
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	used := map[uint16]bool{}
	for _, g := range gids {
		used[uint16(g)] = true
	}
	prog, err := f.subsetTrueType(used)
	if err != nil {
		return types.IndirectRef{}, err
	}
	name := subsetTag(gids) + "+" + f.psName
	s := func(v float64) types.Object { return rawObj(fmtNum(v * 1000 / f.upem)) }

	file := u.add(streamBody(types.Dict{"Length1": types.Integer(len(prog))}, prog, true))
	desc := u.add(objBytes(types.Dict{
		"Type":        types.Name("FontDescriptor"),
		"FontName":    types.Name(name),
		"Flags":       types.Integer(4), // symbolic: glyphs outside the standard Latin set
		"FontBBox":    types.Array{s(f.bbox[0]), s(f.bbox[1]), s(f.bbox[2]), s(f.bbox[3])},
		"ItalicAngle": types.Integer(0),
		"Ascent":      s(f.ascent),
		"Descent":     s(f.descent),
		"CapHeight":   s(f.capHeight),
		"StemV":       types.Integer(80),
		"FontFile2":   file,
	}))

	// /W as runs of consecutive ids: [first [w w w] first [w] ...]
	var w types.Array
	for i := 0; i < len(gids); {
		j := i
		var ws types.Array
		for j < len(gids) && gids[j] == gids[i]+(j-i) {
			ws = append(ws, rawObj(fmtNum(f.width1000(uint16(gids[j])))))
			j++
		}
		w = append(w, types.Integer(gids[i]), ws)
		i = j
	}
	cid := u.add(objBytes(types.Dict{
		"Type":     types.Name("Font"),
		"Subtype":  types.Name("CIDFontType2"),
		"BaseFont": types.Name(name),
		"CIDSystemInfo": types.Dict{
			"Registry":   types.StringLiteral("Adobe"),
			"Ordering":   types.StringLiteral("Identity"),
			"Supplement": types.Integer(0),
		},
		"FontDescriptor": desc,
		"DW":             types.Integer(0),
		"W":              w,
		"CIDToGIDMap":    types.Name("Identity"),
	}))
	tu := u.add(streamBody(nil, toUnicodeCMap(gids, fu.used), true))
	return u.add(objBytes(types.Dict{
		"Type":            types.Name("Font"),
		"Subtype":         types.Name("Type0"),
		"BaseFont":        types.Name(name),
		"Encoding":        types.Name("Identity-H"),
		"DescendantFonts": types.Array{cid},
		"ToUnicode":       tu,
	})), nil
}

// subsetTag derives the six capital letters that prefix a subset font's name from the glyphs it
// holds, so that the same subset always gets the same name (deterministic output).
func subsetTag(gids []int) string {
	h := sha256.New()
	for _, g := range gids {
		fmt.Fprintf(h, "%d,", g)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// toUnicodeCMap writes the ToUnicode CMap: two-byte codes (= glyph ids) to UTF-16BE text.
func toUnicodeCMap(gids []int, text map[uint16]string) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X> <%s>\n", g, utf16Hex(text[uint16(g)]))
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

func utf16Hex(s string) string {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	if b.Len() == 0 {
		return "FFFD"
	}
	return b.String()
}

// textString encodes s as a PDF text string (UTF-16BE with BOM, hex), for /ActualText.
func textString(s string) types.HexLiteral {
	return types.HexLiteral("FEFF" + utf16Hex(s))
}
