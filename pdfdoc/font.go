package pdfdoc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// DefaultFontFile is the font the receive stamp uses by default. Laksaman (from the TLWG fonts)
// is metric-compatible with TH Sarabun PSK, the font the government prescribes for letters, and is
// packaged by Debian, so a server can have it without fetching anything.
const DefaultFontFile = "/usr/share/fonts/truetype/tlwg/Laksaman.ttf"

// fontPackageHint is appended to font errors so that whoever runs the server knows what to install.
const fontPackageHint = "install the Debian package fonts-thai-tlwg-ttf (apt-get install fonts-thai-tlwg-ttf), which provides " + DefaultFontFile

// fontCandidates are the places distributions put Laksaman's TrueType file.
var fontCandidates = []string{
	DefaultFontFile,
	"/usr/share/fonts/TTF/Laksaman.ttf",                 // Arch (ttf-tlwg)
	"/usr/share/fonts/tlwg/Laksaman.ttf",                // some RPM layouts
	"/usr/share/fonts/thai-tlwg/Laksaman.ttf",           //
	"/usr/share/fonts/tlwg-laksaman-fonts/Laksaman.ttf", // Fedora
	"/usr/share/fonts/truetype/thai/Laksaman.ttf",       // older Debian
	"/usr/local/share/fonts/Laksaman.ttf",               // installed by hand
	"/usr/local/share/fonts/truetype/tlwg/Laksaman.ttf", //
	"/opt/homebrew/share/fonts/Laksaman.ttf",            // macOS, by hand
	"/Library/Fonts/Laksaman.ttf",                       //
}

// DefaultFontPath returns the first Laksaman TrueType file found in the usual places. The error
// names the Debian package to install.
func DefaultFontPath() (string, error) {
	cands := fontCandidates
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands[:len(cands):len(cands)],
			filepath.Join(home, ".local/share/fonts/Laksaman.ttf"),
			filepath.Join(home, ".fonts/Laksaman.ttf"))
	}
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("pdfdoc: the Thai font Laksaman.ttf was not found: %s", fontPackageHint)
}

var defaultFont = sync.OnceValues(func() (*Font, error) {
	p, err := DefaultFontPath()
	if err != nil {
		return nil, err
	}
	return LoadFont(p)
})

// LoadDefaultFont loads the font at DefaultFontPath once per process and shares it (a *Font is
// safe for concurrent use).
func LoadDefaultFont() (*Font, error) { return defaultFont() }

// Font is a TrueType font ready to shape Thai and to be embedded, subset, in a PDF. Load it once and
// share it: it is safe for concurrent use.
type Font struct {
	path       string
	psName     string
	face       *font.Face
	upem       float64
	tables     map[string][]byte
	numGlyphs  int
	advances   []uint16 // hmtx advance of every glyph, font units
	ascent     float64  // hhea ascender, font units
	descent    float64  // hhea descender (negative), font units
	capHeight  float64
	bbox       [4]float64
	markTop    float64           // top of stacked Thai marks (ที่, น้ำ), font units
	markBottom float64           // bottom of lower vowels (ปุ), font units
	toRune     map[font.GID]rune // reverse cmap, for ToUnicode

	mu     sync.Mutex // guards shaper (HarfbuzzShaper reuses buffers)
	shaper shaping.HarfbuzzShaper
}

// LoadFont reads a TrueType (glyf-outline) font. CFF-flavoured OpenType (.otf) is refused: the
// subsetter and the PDF font objects written here are for TrueType outlines only.
func LoadFont(path string) (*Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pdfdoc: font %s not found: %s", path, fontPackageHint)
		}
		return nil, fmt.Errorf("pdfdoc: read font: %w", err)
	}
	f, err := parseFont(data)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: font %s: %w", path, err)
	}
	f.path = path
	if f.psName == "" {
		f.psName = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return f, nil
}

func parseFont(data []byte) (f *Font, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot be parsed: %v", r)
		}
	}()
	tables, err := readTables(data)
	if err != nil {
		return nil, err
	}
	for _, t := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap"} {
		if tables[t] == nil {
			return nil, fmt.Errorf("is not a TrueType font with outlines (no %q table)", t)
		}
	}
	face, err := font.ParseTTF(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("cannot be parsed: %w", err)
	}
	head, hhea, maxp := tables["head"], tables["hhea"], tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("has truncated tables")
	}
	f = &Font{
		face:      face,
		upem:      float64(face.Upem()),
		tables:    tables,
		numGlyphs: int(binary.BigEndian.Uint16(maxp[4:])),
		ascent:    float64(int16(binary.BigEndian.Uint16(hhea[4:]))),
		descent:   float64(int16(binary.BigEndian.Uint16(hhea[6:]))),
		psName:    postScriptName(tables["name"]),
		toRune:    map[font.GID]rune{},
	}
	for i := range 4 {
		f.bbox[i] = float64(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	f.capHeight = f.ascent
	if os2 := tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = float64(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	hmtx := tables["hmtx"]
	if nh == 0 || len(hmtx) < 4*nh {
		return nil, errors.New("has a truncated hmtx table")
	}
	f.advances = make([]uint16, f.numGlyphs)
	for g := range f.advances {
		k := min(g, nh-1)
		f.advances[g] = binary.BigEndian.Uint16(hmtx[4*k:])
	}
	// The reverse cmap gives each glyph the character it draws, for ToUnicode. Private-use
	// code points are skipped: Thai fonts map their contextual forms (lowered tone marks, ญ
	// without its tail…) to Microsoft's legacy U+F700 block, which no one can search for.
	it := face.Cmap.Iter()
	for it.Next() {
		r, g := it.Char()
		if r >= 0xE000 && r <= 0xF8FF {
			continue
		}
		if old, ok := f.toRune[g]; !ok || r < old {
			f.toRune[g] = r
		}
	}
	f.markTop, f.markBottom = f.ascent, f.descent
	if top, _, err := f.extent("ที่ น้ำ"); err == nil {
		f.markTop = top
	}
	if _, bot, err := f.extent("ปุ"); err == nil {
		f.markBottom = bot
	}
	return f, nil
}

// extent returns how far the shaped text s reaches above and below the baseline, font units.
func (f *Font) extent(s string) (top, bottom float64, err error) {
	ln, err := f.shape(s)
	if err != nil {
		return 0, 0, err
	}
	top, bottom = math.Inf(-1), math.Inf(1)
	for _, g := range ln.glyphs {
		e, _ := f.face.GlyphExtents(font.GID(g.gid))
		top = max(top, g.y+float64(e.YBearing))
		bottom = min(bottom, g.y+float64(e.YBearing+e.Height))
	}
	return top, bottom, nil
}

// Path returns the file the font was loaded from.
func (f *Font) Path() string { return f.path }

// Name returns the font's PostScript name (the base of the embedded subset's name).
func (f *Font) Name() string { return f.psName }

// Missing returns the characters of s the font has no glyph for (white space aside). The stamp
// refuses such text rather than print empty boxes; an organisation file can be checked with it.
func (f *Font) Missing(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if _, ok := f.face.NominalGlyph(r); !ok {
			out = append(out, r)
		}
	}
	return out
}

// glyph is one shaped glyph: its id, where its origin goes (font units, relative to the start of
// the line, y up), and the text it stands for in the ToUnicode map.
type glyph struct {
	gid     uint16
	x, y    float64
	text    string
	cluster int // index of the first rune of the glyph's cluster
	runes   int // runes in the cluster
}

// line is a shaped line of text.
type line struct {
	text   string
	glyphs []glyph
	width  float64 // advance of the whole line, font units
}

var thaiLang = language.NewLanguage("th")

// shape runs HarfBuzz (go-text's port) over s with language th and script Thai, so that Thai
// marks take their contextual forms and positions: tone marks drop when there is no upper vowel
// (ผู้ว่า), marks shift left over tall consonants (ป่า, ปั่น), ญ and ฐ lose their tails above a
// lower vowel (ญู, ฐุ), and SARA AM splits into NIKHAHIT + SARA AA. The result keeps the shaper's
// offsets so that each glyph is drawn exactly where HarfBuzz put it.
func (f *Font) shape(s string) (line, error) {
	if miss := f.Missing(s); len(miss) > 0 {
		return line{}, fmt.Errorf("pdfdoc: the font %s has no glyph for %q in %q", f.psName, string(miss), s)
	}
	runes := []rune(s)
	f.mu.Lock()
	out := f.shaper.Shape(shaping.Input{
		Text:      runes,
		RunStart:  0,
		RunEnd:    len(runes),
		Direction: di.DirectionLTR,
		Face:      f.face,
		Size:      fixed.I(int(f.upem)),
		Script:    language.Thai,
		Language:  thaiLang,
	})
	f.mu.Unlock()

	ln := line{text: s}
	pen := 0.0
	for i, g := range out.Glyphs {
		if g.GlyphID == 0 || g.GlyphID > 0xFFFF || int(g.GlyphID) >= f.numGlyphs {
			return line{}, fmt.Errorf("pdfdoc: the font %s cannot draw %q", f.psName, s)
		}
		ln.glyphs = append(ln.glyphs, glyph{
			gid:     uint16(g.GlyphID),
			x:       pen + fromFixed(g.XOffset),
			y:       fromFixed(g.YOffset),
			text:    f.glyphText(out.Glyphs, i, runes),
			cluster: g.ClusterIndex,
			runes:   g.RuneCount,
		})
		pen += fromFixed(g.Advance)
	}
	ln.width = pen
	ln.glyphs = f.recomposeSaraAm(ln.glyphs, runes)
	textOrder(ln.glyphs, runes)
	return ln, nil
}

// recomposeSaraAm puts SARA AM back together. HarfBuzz splits ำ into NIKHAHIT + SARA AA so that a
// tone mark can sit above the NIKHAHIT (น้ำ). Drawn that way, text extraction that reads the
// ToUnicode map (MuPDF, most viewers' copy and paste) gives "ํา", which is not the same string as
// "ำ" and breaks search. Where the two glyphs sit exactly where the font's own SARA AM glyph puts
// its parts (no shift over a tall consonant), the pair is replaced by that one glyph: the
// picture is the same and every tool reads ำ.
func (f *Font) recomposeSaraAm(gs []glyph, runes []rune) []glyph {
	am, ok1 := f.face.NominalGlyph(0x0E33)
	nik, ok2 := f.face.NominalGlyph(0x0E4D)
	aa, ok3 := f.face.NominalGlyph(0x0E32)
	if !ok1 || !ok2 || !ok3 || !sameOutlineParts(f, am, nik, aa) {
		return gs
	}
	out := gs[:0:0]
	for i := 0; i < len(gs); i++ {
		g := gs[i]
		if g.gid == uint16(nik) && g.y == 0 {
			// Find the SARA AA of the same cluster, past any marks.
			for j := i + 1; j < len(gs) && gs[j].cluster == g.cluster; j++ {
				if gs[j].gid == uint16(aa) && gs[j].x == g.x && gs[j].y == 0 && clusterHas(g, runes, 0x0E33) {
					gs[j].gid, gs[j].text = uint16(am), "\u0E33"
					g.gid = 0 // dropped below
					break
				}
				if f.advances[gs[j].gid] != 0 && gs[j].gid != uint16(aa) {
					break
				}
			}
		}
		if g.gid != 0 {
			out = append(out, g)
		}
	}
	return out
}

// textOrder sorts the glyphs of each cluster into the order of the characters they stand for.
// The shaper orders marks for drawing (ผู้ comes out as ผ, lowered ้, ู); since every glyph is
// placed at its own position, the drawing order is free, and tools that read the ToUnicode map in
// content order then get the characters in the order they were typed.
func textOrder(gs []glyph, runes []rune) {
	for start := 0; start < len(gs); {
		end := start + 1
		for end < len(gs) && gs[end].cluster == gs[start].cluster {
			end++
		}
		if end-start > 1 {
			c := gs[start]
			cr := runes[min(c.cluster, len(runes)):min(c.cluster+max(c.runes, 1), len(runes))]
			used := make([]bool, len(cr))
			key := make(map[int]int, end-start) // glyph index → rune index in the cluster
			last := -1
			for i := start; i < end; i++ {
				k := last
				for ri, r := range cr {
					if !used[ri] && string(r) == gs[i].text {
						used[ri], k = true, ri
						break
					}
				}
				key[i], last = k, k
			}
			idx := make([]int, 0, end-start)
			for i := start; i < end; i++ {
				idx = append(idx, i)
			}
			sort.SliceStable(idx, func(a, b int) bool { return key[idx[a]] < key[idx[b]] })
			sorted := make([]glyph, 0, end-start)
			for _, i := range idx {
				sorted = append(sorted, gs[i])
			}
			copy(gs[start:end], sorted)
		}
		start = end
	}
}

// sameOutlineParts reports whether glyph am looks like nik and aa drawn at the same origin
// (same advance as aa, same extent as both together), as it does in the TLWG fonts.
func sameOutlineParts(f *Font, am, nik, aa font.GID) bool {
	ea, _ := f.face.GlyphExtents(am)
	en, _ := f.face.GlyphExtents(nik)
	eb, _ := f.face.GlyphExtents(aa)
	left := min(en.XBearing, eb.XBearing)
	right := max(en.XBearing+en.Width, eb.XBearing+eb.Width)
	top := max(en.YBearing, eb.YBearing)
	near := func(a, b float32) bool { return math.Abs(float64(a-b)) <= 2 }
	return f.advances[am] == f.advances[aa] && near(ea.XBearing, left) && near(ea.XBearing+ea.Width, right) && near(ea.YBearing, top)
}

func clusterHas(g glyph, runes []rune, r rune) bool {
	end := min(g.cluster+max(g.runes, 1), len(runes))
	for _, c := range runes[min(g.cluster, end):end] {
		if c == r {
			return true
		}
	}
	return false
}

func fromFixed(v fixed.Int26_6) float64 { return float64(v) / 64 }

// glyphText guesses the text one glyph stands for, for the font's ToUnicode map: the character
// the cmap maps to it, else the "uniXXXX" its name starts with (Laksaman names its contextual
// forms uni0E48.low, uni0E0D.descless…), else a character of its cluster that no other glyph of the
// cluster covers. The exact text of each line is also given as /ActualText, which is what text
// extraction uses; this map matters for viewers that ignore ActualText.
func (f *Font) glyphText(gs []shaping.Glyph, i int, runes []rune) string {
	g := gs[i].GlyphID
	if r, ok := f.toRune[g]; ok {
		return string(r)
	}
	name := f.face.Font.GlyphName(g)
	if strings.HasPrefix(name, "uni") && len(name) >= 7 {
		if v, err := strconv.ParseUint(name[3:7], 16, 32); err == nil {
			return string(rune(v))
		}
	}
	c := gs[i].ClusterIndex
	end := min(c+max(gs[i].RuneCount, 1), len(runes))
	covered := map[rune]bool{}
	for _, o := range gs {
		if o.ClusterIndex == c {
			if r, ok := f.toRune[o.GlyphID]; ok {
				covered[r] = true
			}
		}
	}
	for _, r := range runes[c:end] {
		if !covered[r] {
			return string(r)
		}
	}
	return "\uFFFD"
}

// postScriptName reads name ID 6 from a 'name' table.
func postScriptName(t []byte) string {
	if len(t) < 6 {
		return ""
	}
	count := int(binary.BigEndian.Uint16(t[2:]))
	strOff := int(binary.BigEndian.Uint16(t[4:]))
	for i := range count {
		rec := 6 + 12*i
		if rec+12 > len(t) {
			break
		}
		plat := binary.BigEndian.Uint16(t[rec:])
		id := binary.BigEndian.Uint16(t[rec+6:])
		ln := int(binary.BigEndian.Uint16(t[rec+8:]))
		off := int(binary.BigEndian.Uint16(t[rec+10:]))
		if id != 6 || strOff+off+ln > len(t) {
			continue
		}
		raw := t[strOff+off : strOff+off+ln]
		var s string
		if plat == 3 || plat == 0 {
			u := make([]uint16, len(raw)/2)
			for k := range u {
				u[k] = binary.BigEndian.Uint16(raw[2*k:])
			}
			s = string(utf16.Decode(u))
		} else {
			s = string(raw)
		}
		// PostScript names are printable ASCII without delimiters.
		s = strings.Map(func(r rune) rune {
			if r > ' ' && r < 0x7F && !strings.ContainsRune("[](){}<>/%#", r) {
				return r
			}
			return -1
		}, s)
		if s != "" {
			return s
		}
	}
	return ""
}
