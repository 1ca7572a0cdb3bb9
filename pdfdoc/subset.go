package pdfdoc

import (
	"encoding/binary"
	"errors"
	"sort"

	"github.com/go-text/typesetting/font"
)

// A TrueType subsetter that keeps glyph ids: the outlines of the glyphs a stamp uses (and the
// components of composite glyphs) are kept, every other glyph becomes empty. Keeping the ids means
// the content stream can use the shaper's glyph ids directly as CIDs (/CIDToGIDMap /Identity), and
// the embedded font shrinks from Laksaman's 110 KB to a few KB. Tables a PDF renderer does not
// need for a CID-keyed TrueType font (cmap, GSUB, GPOS, name, kern…) are dropped.

// readTables splits an sfnt file into its tables.
func readTables(b []byte) (map[string][]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("is too short to be a font")
	}
	switch binary.BigEndian.Uint32(b) {
	case 0x00010000, 0x74727565: // TrueType, 'true'
	case 0x4F54544F: // 'OTTO'
		return nil, errors.New("has CFF outlines (an .otf file): use the TrueType (.ttf) file instead")
	default:
		return nil, errors.New("is not a TrueType font")
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if 12+16*n > len(b) {
		return nil, errors.New("has a truncated table directory")
	}
	tables := map[string][]byte{}
	for i := range n {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		off := int64(binary.BigEndian.Uint32(rec[8:]))
		ln := int64(binary.BigEndian.Uint32(rec[12:]))
		if off+ln > int64(len(b)) {
			return nil, errors.New("has a table beyond the end of the file")
		}
		tables[tag] = b[off : off+ln]
	}
	return tables, nil
}

// glyphRange returns glyph g's bytes in glyf, using loca.
func glyphRange(tables map[string][]byte, g int) ([]byte, bool) {
	loca, glyf := tables["loca"], tables["glyf"]
	long := binary.BigEndian.Uint16(tables["head"][50:]) == 1
	var start, end int
	if long {
		if 4*g+8 > len(loca) {
			return nil, false
		}
		start = int(binary.BigEndian.Uint32(loca[4*g:]))
		end = int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		if 2*g+4 > len(loca) {
			return nil, false
		}
		start = 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
		end = 2 * int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	if start > end || end > len(glyf) {
		return nil, false
	}
	return glyf[start:end], true
}

// components returns the glyph ids a composite glyph refers to, the offsets of their flag words
// and where the component records end (instructions, if any, follow).
func components(data []byte) (ids, flagAt []int, end int) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil, nil, 0
	}
	i := 10
	for i+4 <= len(data) {
		flags := binary.BigEndian.Uint16(data[i:])
		flagAt = append(flagAt, i)
		ids = append(ids, int(binary.BigEndian.Uint16(data[i+2:])))
		i += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			i += 4
		} else {
			i += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			i += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			i += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			i += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return ids, flagAt, min(i, len(data))
}

// unhinted returns a glyph without its TrueType instructions. Hinting is for screens at small
// pixel sizes; PDF renderers scale outlines (and most ignore hints), and instructions are more
// than half of Laksaman's glyph data, so dropping them halves what each stamp embeds.
func unhinted(data []byte) []byte {
	if len(data) < 12 {
		return data
	}
	n := int(int16(binary.BigEndian.Uint16(data)))
	if n < 0 {
		_, flagAt, end := components(data)
		out := append([]byte(nil), data[:end]...)
		for _, at := range flagAt {
			f := binary.BigEndian.Uint16(out[at:])
			binary.BigEndian.PutUint16(out[at:], f&^0x0100) // WE_HAVE_INSTRUCTIONS
		}
		return out
	}
	k := 10 + 2*n
	if k+2 > len(data) {
		return data
	}
	il := int(binary.BigEndian.Uint16(data[k:]))
	if k+2+il > len(data) {
		return data
	}
	out := make([]byte, 0, len(data)-il)
	out = append(out, data[:k]...)
	out = append(out, 0, 0)
	return append(out, data[k+2+il:]...)
}

// subsetTrueType returns a TrueType file holding only the used glyphs (plus .notdef and the
// components of composites), with glyph ids unchanged.
func (f *Font) subsetTrueType(used map[uint16]bool) ([]byte, error) {
	t := f.tables
	keep := map[int]bool{}
	queue := []int{0} // .notdef is always kept
	for g := range used {
		queue = append(queue, int(g))
	}
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if g < 0 || g >= f.numGlyphs || keep[g] {
			continue
		}
		keep[g] = true
		if data, ok := glyphRange(t, g); ok {
			ids, _, _ := components(data)
			queue = append(queue, ids...)
		}
	}

	// Glyphs after the last one kept are cut off; the ones before keep their ids.
	num := 0
	for g := range keep {
		num = max(num, g+1)
	}
	var glyf []byte
	loca := make([]byte, 4*(num+1))
	for g := 0; g < num; g++ {
		binary.BigEndian.PutUint32(loca[4*g:], uint32(len(glyf)))
		if !keep[g] {
			continue
		}
		data, ok := glyphRange(t, g)
		if !ok {
			return nil, errors.New("pdfdoc: font has a broken loca table")
		}
		glyf = append(glyf, unhinted(data)...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	binary.BigEndian.PutUint32(loca[4*num:], uint32(len(glyf)))

	head := append([]byte(nil), t["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	maxp := append([]byte(nil), t["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(num))
	if len(maxp) >= 32 {
		binary.BigEndian.PutUint16(maxp[26:], 0) // maxSizeOfInstructions
	}

	// hmtx: full metrics for the kept range, zero for glyphs that are not kept.
	nh := int(binary.BigEndian.Uint16(t["hhea"][34:]))
	hhea := append([]byte(nil), t["hhea"]...)
	newNH := min(nh, num)
	binary.BigEndian.PutUint16(hhea[34:], uint16(newNH))
	hmtx := make([]byte, 4*newNH+2*(num-newNH))
	for g := 0; g < num; g++ {
		if !keep[g] && g != newNH-1 { // the last long metric's advance also serves the glyphs after it
			continue
		}
		adv := f.advances[g]
		var lsb []byte
		if g < nh {
			lsb = t["hmtx"][4*g+2 : 4*g+4]
		} else if k := 4*nh + 2*(g-nh); k+2 <= len(t["hmtx"]) {
			lsb = t["hmtx"][k : k+2]
		} else {
			lsb = []byte{0, 0}
		}
		if g < newNH {
			binary.BigEndian.PutUint16(hmtx[4*g:], adv)
			copy(hmtx[4*g+2:], lsb)
		} else {
			copy(hmtx[4*newNH+2*(g-newNH):], lsb)
		}
	}

	// post format 3: no glyph names (the PDF does not need them).
	post := make([]byte, 32)
	binary.BigEndian.PutUint32(post, 0x00030000)
	if p := t["post"]; len(p) >= 32 {
		copy(post[4:16], p[4:16]) // italicAngle, underlinePosition, underlineThickness, isFixedPitch
	}

	out := map[string][]byte{
		"cmap": f.subsetCmap(keep),
		"head": head,
		"hhea": hhea,
		"maxp": maxp,
		"hmtx": hmtx,
		"loca": loca,
		"glyf": glyf,
		"post": post,
	}
	for _, tag := range []string{"OS/2"} {
		if v := t[tag]; v != nil {
			out[tag] = v
		}
	}
	return writeSfnt(out), nil
}

// subsetCmap builds a cmap with one format 4 subtable (Windows, Unicode BMP) mapping the
// characters of the kept glyphs.
func (f *Font) subsetCmap(keep map[int]bool) []byte {
	type pair struct{ code, gid uint16 }
	var pairs []pair
	for g := range keep {
		if r, ok := f.toRune[font.GID(g)]; ok && r < 0xFFFF {
			pairs = append(pairs, pair{uint16(r), uint16(g)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].code < pairs[j].code })
	seg := len(pairs) + 1 // one segment per character, plus the final 0xFFFF
	es := 0
	for 1<<(es+1) <= seg {
		es++
	}
	sub := make([]byte, 16+8*seg)
	binary.BigEndian.PutUint16(sub[0:], 4)
	binary.BigEndian.PutUint16(sub[2:], uint16(len(sub)))
	binary.BigEndian.PutUint16(sub[6:], uint16(2*seg))
	binary.BigEndian.PutUint16(sub[8:], uint16(2<<es))
	binary.BigEndian.PutUint16(sub[10:], uint16(es))
	binary.BigEndian.PutUint16(sub[12:], uint16(2*seg-2<<es))
	ends, starts := sub[14:], sub[16+2*seg:]
	deltas := sub[16+4*seg:]
	for i, p := range pairs {
		binary.BigEndian.PutUint16(ends[2*i:], p.code)
		binary.BigEndian.PutUint16(starts[2*i:], p.code)
		binary.BigEndian.PutUint16(deltas[2*i:], p.gid-p.code)
	}
	binary.BigEndian.PutUint16(ends[2*(seg-1):], 0xFFFF)
	binary.BigEndian.PutUint16(starts[2*(seg-1):], 0xFFFF)
	binary.BigEndian.PutUint16(deltas[2*(seg-1):], 1)
	// idRangeOffset (after the deltas) stays all zero.
	out := make([]byte, 12, 12+len(sub))
	binary.BigEndian.PutUint16(out[2:], 1)  // one subtable
	binary.BigEndian.PutUint16(out[4:], 3)  // Windows
	binary.BigEndian.PutUint16(out[6:], 1)  // Unicode BMP
	binary.BigEndian.PutUint32(out[8:], 12) // offset
	return append(out, sub...)
}

func sfntChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:min(i+4, len(b))])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// writeSfnt assembles tables into a TrueType file with a sorted directory, padded tables,
// table checksums and head.checkSumAdjustment.
func writeSfnt(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	n := len(tags)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	sr := (1 << es) * 16
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(sr))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(n*16-sr))
	headOff := 0
	for i, tag := range tags {
		data := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], sfntChecksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		if tag == "head" {
			headOff = len(out)
		}
		out = append(out, data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-sfntChecksum(out))
	return out
}
