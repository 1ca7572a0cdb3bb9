package pdfdoc

import (
	"bytes"
	"fmt"
	"math"
	"runtime/debug"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Info describes a PDF that passed Inspect.
type Info struct {
	// Version is the PDF version in effect: the header's, or the catalog's /Version when that is
	// higher (an incremental update may raise it there).
	Version string
	// Pages is the number of pages found by walking the page tree.
	Pages int
	// XRefStream is true when the newest cross-reference section is a stream (PDF 1.5+); the
	// stamp's update then writes a stream too, so that 1.4-only readers are not misled.
	XRefStream bool
	// Hybrid is true when a classic trailer points at a cross-reference stream (/XRefStm), as
	// Microsoft Word writes.
	Hybrid bool
	// ObjectStreams is true when some objects are stored compressed in object streams.
	ObjectStreams bool
	// Encrypted is true for a password-protected file (Inspect then also returns an Encrypted error).
	Encrypted bool
	// Revisions counts the cross-reference sections: 1 for a freshly written file, one more per
	// incremental update (each receive stamp adds one).
	Revisions int
	// Signed is true when the document declares signature fields (AcroForm /SigFlags). Stamping
	// keeps the signed bytes intact, but a validator will report the page as changed after
	// signing, so a caller may want to keep the unstamped original as the evidential copy.
	Signed bool
	// Size is the file size in bytes.
	Size int64
	// PageWidth and PageHeight are page 1's visible size in points as the reader sees it
	// (crop box, after /Rotate). Rotate is page 1's /Rotate normalised to 0, 90, 180 or 270.
	PageWidth, PageHeight float64
	Rotate                int
}

// Inspect checks that data is a PDF the engine can keep and stamp, and describes it. It refuses,
// with an *Error whose message tells the clerk what to do: anything over maxSize bytes (maxSize <= 0
// means no limit), non-PDF files, encrypted files, and damaged files (cut short, cross-reference
// table broken or in need of a rebuild, page tree unreadable, no pages).
//
// It reads the file with pdfcpu (relaxed validation) after a strict walk of the cross-reference
// chain of its own; it does not run pdfcpu's full validation, which is slow and refuses letters
// that every viewer shows, so the checks are the ones the receive stamp depends on. Inspect never
// panics; a panic inside pdfcpu is reported as Damaged.
func Inspect(data []byte, maxSize int64) (Info, error) {
	d, err := open(data, maxSize)
	if d == nil {
		return Info{}, err
	}
	return d.info, err
}

// document is a parsed PDF: the raw bytes, the strict xref walk, pdfcpu's object model, and the
// first page's effective attributes.
type document struct {
	data  []byte
	x     *xrefInfo
	ctx   *model.Context
	info  Info
	page1 *page
	// lazy, when set, reads objects on demand instead of ctx (lazy.go; signatures only).
	lazy *lazyReader
}

// page is a page object with its inherited attributes resolved.
type page struct {
	num, gen  int
	dict      types.Dict
	resources types.Dict // effective resources (own or inherited), nil if none
	mediaBox  rect
	cropBox   *rect // own or inherited /CropBox, as written
	rotate    int   // normalised to 0, 90, 180, 270
}

// visible returns the crop box clipped to the media box: the part of the page a reader shows.
func (p *page) visible() rect {
	if p.cropBox == nil {
		return p.mediaBox
	}
	r := p.cropBox.intersect(p.mediaBox)
	if r.w() <= 0 || r.h() <= 0 {
		return p.mediaBox
	}
	return r
}

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) w() float64 { return r.x1 - r.x0 }
func (r rect) h() float64 { return r.y1 - r.y0 }

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) overlaps(o rect) bool {
	return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1
}

// readerConfig is a pdfcpu configuration built by hand: pdfcpu's NewDefaultConfiguration creates a
// config directory under $HOME and installs fonts there, which a server must not do, and changing
// pdfcpu's global ConfigPath would affect the other packages that use pdfcpu.
func readerConfig(size int) *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxStreamBytes = int64(size) + 1
	lim.MaxDecodeBytes = 256 << 20
	lim.MaxObjectCount = maxObjectNumber + 1
	lim.MaxXRefEntries = maxEntriesTotal
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    lim,
	}
}

// open parses data. It returns a nil document only when nothing useful is known; for an encrypted
// file it returns a document with Info filled in and an Encrypted error.
func open(data []byte, maxSize int64) (d *document, err error) {
	d, err = openXRef(data, maxSize)
	if err != nil {
		return d, err
	}
	defer func() {
		if r := recover(); r != nil {
			d = nil
			err = damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "its structure could not be read")
		}
	}()
	x := d.x

	ctx, err := pdfcpu.Read(bytes.NewReader(data), readerConfig(len(data)))
	if err != nil {
		return nil, damagedf(err, "its objects could not be read")
	}
	d.ctx = ctx
	// pdfcpu must have read the same table as the strict walk; if it rebuilt it, it differs.
	for num, e := range x.entries {
		if e.typ != 1 || num == 0 {
			continue
		}
		pe, ok := ctx.Table[num]
		if !ok || pe == nil || pe.Free || pe.Offset == nil || *pe.Offset != e.off {
			return nil, damagedf(nil, "its cross-reference table had to be rebuilt to read object %d", num)
		}
	}

	if err := d.readPages(); err != nil {
		return nil, err
	}
	return d, nil
}

// openXRef makes the checks of open that come before pdfcpu's parse (size, header, version, the
// strict cross-reference walk, encryption) and returns the document without ctx. An encrypted
// file gives a document with Info filled in and an Encrypted error.
func openXRef(data []byte, maxSize int64) (d *document, err error) {
	size := int64(len(data))
	if maxSize > 0 && size > maxSize {
		return nil, &Error{Kind: TooLarge, Message: fmt.Sprintf(
			"the file is %s, over the limit of %s: scan it at a lower resolution or in black and white, or split it, and upload that",
			humanSize(size), humanSize(maxSize))}
	}
	if size == 0 {
		return nil, &Error{Kind: NotPDF, Message: "the file is empty: upload the PDF of the letter"}
	}
	h := bytes.Index(data[:min(len(data), maxHeaderOffset)], []byte("%PDF-"))
	if h < 0 {
		return nil, &Error{Kind: NotPDF, Message: notPDFMessage(data)}
	}
	if h > 0 {
		return nil, unsupportedf(nil, "the file has %d stray bytes before its PDF header: open it in a PDF viewer, save or print it to a new PDF, and upload that", h)
	}
	version, ok := parseVersion(data)
	if !ok {
		return nil, &Error{Kind: NotPDF, Message: "the file starts like a PDF but has no version number: " + fixDamaged}
	}
	if version[0] != '1' && version[0] != '2' {
		return nil, unsupportedf(nil, "the file says it is PDF %s, which this system does not know: save it as PDF 1.7 or PDF 2.0 and upload that", version)
	}

	defer func() {
		if r := recover(); r != nil {
			d = nil
			err = damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "its structure could not be read")
		}
	}()

	x, err := readXRef(data)
	if err != nil {
		return nil, damagedf(err, "%v", err)
	}
	d = &document{data: data, x: x}
	d.info = Info{
		Version:    version,
		XRefStream: x.lastStream,
		Hybrid:     x.hybrid,
		Revisions:  x.sections,
		Size:       size,
	}
	if x.encrypted {
		d.info.Encrypted = true
		return d, &Error{Kind: Encrypted, Message: "the file is encrypted (password-protected): " + fixEncrypted}
	}
	d.info.ObjectStreams = x.compressed
	return d, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// notPDFMessage names what the file looks like, so that the clerk knows what went wrong (a photo
// of the letter, the Word draft) rather than just "not a PDF".
func notPDFMessage(b []byte) string {
	kind := ""
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		kind = "a JPEG image"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		kind = "a PNG image"
	case bytes.HasPrefix(b, []byte("GIF8")):
		kind = "a GIF image"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		kind = "a TIFF image"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		kind = "a Word, Excel or ZIP file"
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		kind = "an old Word or Excel file"
	case bytes.HasPrefix(b, []byte("{\\rtf")):
		kind = "an RTF document"
	case bytes.HasPrefix(b, []byte("%!PS")):
		kind = "a PostScript file"
	case bytes.HasPrefix(b, []byte("%FDF-")):
		kind = "a PDF form-data (FDF) file"
	}
	if kind != "" {
		return "the file is " + kind + ", not a PDF: scan or export the letter as PDF and upload that"
	}
	return "the file is not a PDF (it has no %PDF- header): scan or export the letter as PDF and upload that"
}

// resolve dereferences o with pdfcpu, following chains of references.
func (d *document) resolve(o types.Object) (types.Object, error) {
	if d.lazy != nil {
		return d.lazy.resolve(o)
	}
	for range 8 {
		if _, ok := o.(types.IndirectRef); !ok {
			return o, nil
		}
		var err error
		o, err = d.ctx.Dereference(o)
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference chain too long")
}

func (d *document) resolveDict(o types.Object) (types.Dict, error) {
	o, err := d.resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case types.Dict:
		return v, nil
	case types.StreamDict:
		return v.Dict, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("expected a dictionary, found %T", o)
}

// inherited carries the inheritable page attributes down the page tree.
type inherited struct {
	resources types.Object
	mediaBox  types.Object
	cropBox   types.Object
	rotate    types.Object
}

func (in inherited) with(node types.Dict) inherited {
	if o, ok := node["Resources"]; ok {
		in.resources = o
	}
	if o, ok := node["MediaBox"]; ok {
		in.mediaBox = o
	}
	if o, ok := node["CropBox"]; ok {
		in.cropBox = o
	}
	if o, ok := node["Rotate"]; ok {
		in.rotate = o
	}
	return in
}

const maxPageTreeDepth = 64

// readPages walks the whole page tree: it counts the pages (and so proves the tree readable)
// and resolves page 1 with its inherited attributes.
func (d *document) readPages() error {
	cat, err := d.resolveDict(*d.x.root)
	if err != nil || cat == nil {
		return damagedf(err, "its document catalog cannot be read")
	}
	if v, ok := cat["Version"].(types.Name); ok {
		if s := string(v); len(s) == 3 && s[1] == '.' && s > d.info.Version && (s[0] == '1' || s[0] == '2') {
			d.info.Version = s
		}
	}
	if af, _ := d.resolveDict(cat["AcroForm"]); af != nil {
		if o, _ := d.resolve(af["SigFlags"]); o != nil {
			if n, ok := intOf(o); ok && n&1 != 0 {
				d.info.Signed = true
			}
		}
	}
	root, ok := cat["Pages"].(types.IndirectRef)
	if !ok {
		return damagedf(nil, "its page tree is missing")
	}
	if err := d.walkPageTree(root, func(ref types.IndirectRef, node types.Dict, in inherited) error {
		d.info.Pages++
		if d.page1 == nil {
			p, err := d.makePage(ref, node, in)
			if err != nil {
				return err
			}
			d.page1 = p
		}
		return nil
	}); err != nil {
		return err
	}
	if d.info.Pages == 0 || d.page1 == nil {
		return &Error{Kind: Damaged, Message: "the PDF has no pages: check that the right file was chosen, export the letter again, and upload that"}
	}
	vis := d.page1.visible()
	d.info.PageWidth, d.info.PageHeight = round2(vis.w()), round2(vis.h())
	if d.page1.rotate == 90 || d.page1.rotate == 270 {
		d.info.PageWidth, d.info.PageHeight = d.info.PageHeight, d.info.PageWidth
	}
	d.info.Rotate = d.page1.rotate
	return nil
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func (d *document) makePage(ref types.IndirectRef, node types.Dict, in inherited) (*page, error) {
	p := &page{num: int(ref.ObjectNumber), gen: int(ref.GenerationNumber), dict: node}
	e, ok := d.x.entries[p.num]
	if !ok || e.typ == 0 {
		return nil, damagedf(nil, "page 1 is missing")
	}
	if e.typ == 1 && e.gen != p.gen {
		return nil, damagedf(nil, "page 1 has the wrong generation number")
	}
	if e.typ == 2 {
		p.gen = 0
	}
	var err error
	mb, err := d.box(in.mediaBox)
	if err != nil || mb == nil {
		return nil, damagedf(err, "page 1 has no valid size (MediaBox)")
	}
	p.mediaBox = *mb
	if in.cropBox != nil {
		if p.cropBox, err = d.box(in.cropBox); err != nil {
			return nil, damagedf(err, "page 1 has an invalid CropBox")
		}
	}
	if in.rotate != nil {
		o, err := d.resolve(in.rotate)
		if err != nil {
			return nil, damagedf(err, "page 1 has an invalid /Rotate")
		}
		n, _ := intOf(o)
		p.rotate = int(((n%360)+360)%360) / 90 * 90
		if n%90 != 0 {
			p.rotate = 0 // not a multiple of 90: readers ignore it
		}
	}
	if in.resources != nil {
		if p.resources, err = d.resolveDict(in.resources); err != nil {
			return nil, damagedf(err, "page 1's resources cannot be read")
		}
	}
	return p, nil
}

// box reads a rectangle, normalising its corners.
func (d *document) box(o types.Object) (*rect, error) {
	if o == nil {
		return nil, nil
	}
	o, err := d.resolve(o)
	if err != nil {
		return nil, err
	}
	a, ok := o.(types.Array)
	if !ok || len(a) != 4 {
		return nil, fmt.Errorf("not a rectangle")
	}
	var v [4]float64
	for i := range a {
		x, err := d.resolve(a[i])
		if err != nil {
			return nil, err
		}
		f, ok := numOf(x)
		if !ok || math.IsNaN(f) || math.Abs(f) > 1e6 {
			return nil, fmt.Errorf("not a rectangle")
		}
		v[i] = f
	}
	r := rect{min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])}
	if r.w() < 1 || r.h() < 1 {
		return nil, fmt.Errorf("empty rectangle")
	}
	return &r, nil
}

// walkPageTree visits the leaves (pages) of the page tree under root in order, with the
// attributes they inherit. A tree that is too deep, loops, or refers to missing or malformed
// nodes is damaged.
func (d *document) walkPageTree(root types.IndirectRef, leaf func(ref types.IndirectRef, node types.Dict, in inherited) error) error {
	visited := map[int]bool{}
	var walk func(ref types.IndirectRef, in inherited, depth int) error
	walk = func(ref types.IndirectRef, in inherited, depth int) error {
		if depth > maxPageTreeDepth {
			return damagedf(nil, "its page tree is too deep")
		}
		num := int(ref.ObjectNumber)
		if visited[num] {
			return damagedf(nil, "its page tree loops back on itself")
		}
		visited[num] = true
		node, err := d.resolveDict(ref)
		if err != nil || node == nil {
			return damagedf(err, "its page tree refers to a missing page (object %d)", num)
		}
		in = in.with(node)
		kids, isNode := node["Kids"]
		if t, _ := node["Type"].(types.Name); t == "Page" || (t != "Pages" && !isNode) {
			return leaf(ref, node, in)
		}
		ko, err := d.resolve(kids)
		if err != nil {
			return damagedf(err, "its page tree cannot be read")
		}
		arr, ok := ko.(types.Array)
		if !ok {
			return damagedf(nil, "its page tree has a node without a list of pages")
		}
		for _, k := range arr {
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return damagedf(nil, "its page tree holds a page that is not an object of its own")
			}
			if err := walk(kr, in, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, inherited{}, 0)
}
