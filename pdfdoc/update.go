package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strconv"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// An incremental update (ISO 32000-2 §7.5.6) appends objects, a cross-reference section that
// lists only them, and a trailer whose /Prev points at the previous section. The original bytes
// stay an exact prefix of the result, so earlier revisions (and any signature over them) remain
// verifiable: that is why every change this package makes to a letter is written this way.

type updObj struct {
	num, gen int
	body     []byte // what goes between "num gen obj" and "endobj"
	// idPart, when set, stands for body in the digest that makes the new /ID (a signature's
	// dictionary without its kilobytes of /Contents placeholder).
	idPart []byte
}

// update collects the objects of one incremental update.
type update struct {
	base []byte
	x    *xrefInfo
	next int // next free object number
	objs []updObj
}

func newUpdate(d *document) *update {
	next := d.x.size
	for num := range d.x.entries {
		if num >= next {
			next = num + 1
		}
	}
	return &update{base: d.data, x: d.x, next: next, objs: make([]updObj, 0, 8)}
}

// alloc reserves a new object number (generation 0) whose body is set later with set.
func (u *update) alloc() int {
	n := u.next
	u.next++
	return n
}

// set defines (or replaces) object num with generation gen.
func (u *update) set(num, gen int, body []byte) {
	for i := range u.objs {
		if u.objs[i].num == num {
			u.objs[i] = updObj{num: num, gen: gen, body: body}
			return
		}
	}
	u.objs = append(u.objs, updObj{num: num, gen: gen, body: body})
}

// add stores body as a new object and returns its reference.
func (u *update) add(body []byte) types.IndirectRef {
	n := u.alloc()
	u.set(n, 0, body)
	return *types.NewIndirectRef(n, 0)
}

// streamBody builds a stream object body from a dictionary (without /Length and /Filter) and
// data, compressing the data when compress is set.
func streamBody(dict types.Dict, data []byte, compress bool) []byte {
	d := make(types.Dict, len(dict)+2)
	for k, v := range dict {
		d[k] = v
	}
	if compress {
		data = deflate(data)
		d["Filter"] = types.Name("FlateDecode")
	}
	d["Length"] = types.Integer(len(data))
	b := make([]byte, 0, 64+32*len(d)+len(data))
	b = appendObj(b, d)
	b = append(b, "\nstream\n"...)
	b = append(b, data...)
	return append(b, "\nendstream"...)
}

// zlibWriters are reused: a zlib writer allocates about a megabyte of state, more than the
// whole stamp costs otherwise.
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestCompression)
	return w
}}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w := zlibWriters.Get().(*zlib.Writer)
	w.Reset(&b)
	w.Write(data)
	w.Close()
	zlibWriters.Put(w)
	return b.Bytes()
}

// scratchPool holds the buffers updates are written in before they are joined to the original
// (up to maxScratch bytes: most updates are a few KB).
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 256 << 10

// xrefItem is one object of the update in its cross-reference section.
type xrefItem struct {
	num, gen int
	off      int64
}

// bytes returns the original file followed by the update. The new section is a cross-reference
// stream when the original's newest section is one (a reader that follows /Prev into a stream
// section must understand streams anyway), and a classic table otherwise, so that a PDF 1.4 file
// stays readable by 1.4 readers.
//
// The update is written on its own (with appends, no fmt) and joined to the original in one
// allocation of the final size: the original (megabytes for a scan) is copied once.
func (u *update) bytes() []byte {
	var nl []byte
	if c := u.base[len(u.base)-1]; c != '\n' && c != '\r' {
		nl = []byte{'\n'}
	}
	// out holds the update only; at is its offset in the file.
	n := 1024
	for _, o := range u.objs {
		n += len(o.body) + 64
	}
	sp := scratchPool.Get().(*[]byte)
	out := (*sp)[:0]
	if cap(out) < n {
		out = make([]byte, 0, n)
	}
	defer func() {
		if cap(out) <= maxScratch {
			*sp = out[:0]
			scratchPool.Put(sp)
		}
	}()
	at := int64(len(u.base) + len(nl))
	slices.SortFunc(u.objs, func(a, b updObj) int { return a.num - b.num })
	items := make([]xrefItem, 0, len(u.objs)+1)
	h := md5.New()
	for _, o := range u.objs {
		items = append(items, xrefItem{num: o.num, gen: o.gen, off: at + int64(len(out))})
		out = strconv.AppendInt(out, int64(o.num), 10)
		out = append(out, ' ')
		out = strconv.AppendInt(out, int64(o.gen), 10)
		out = append(out, " obj\n"...)
		out = append(out, o.body...)
		out = append(out, "\nendobj\n"...)
		if o.idPart != nil {
			h.Write(o.idPart)
		} else {
			h.Write(o.body)
		}
	}

	// The first half of /ID identifies the document and is kept; the second changes with every
	// revision. It is derived from the content so that stamping is deterministic.
	var id0 types.Object
	if len(u.x.id) == 2 {
		id0 = u.x.id[0]
		h.Write(appendObj(nil, u.x.id[0]))
	} else {
		s := md5.Sum(u.base)
		id0 = types.HexLiteral(hex.EncodeToString(s[:]))
	}
	var sum [md5.Size]byte
	id1 := types.HexLiteral(hex.EncodeToString(h.Sum(sum[:0])))

	var start int64
	if u.x.lastStream {
		trailer := types.Dict{"Root": *u.x.root, "ID": types.Array{id0, id1}, "Prev": types.Integer(u.x.startxref)}
		if u.x.info != nil {
			trailer["Info"] = *u.x.info
		}
		start, out = u.xrefStream(out, at, items, trailer)
	} else {
		start = at + int64(len(out))
		out = append(out, "xref\n"...)
		for i := 0; i < len(items); {
			j := i + 1
			for j < len(items) && items[j].num == items[j-1].num+1 {
				j++
			}
			out = strconv.AppendInt(out, int64(items[i].num), 10)
			out = append(out, ' ')
			out = strconv.AppendInt(out, int64(j-i), 10)
			out = append(out, '\n')
			for _, it := range items[i:j] {
				out = appendPadded(out, it.off, 10)
				out = append(out, ' ')
				out = appendPadded(out, int64(it.gen), 5)
				out = append(out, " n\r\n"...)
			}
			i = j
		}
		// The trailer as appendObj writes the dictionary (keys sorted: ID, Info, Prev, Root, Size).
		out = append(out, "trailer\n<</ID ["...)
		out = appendObj(out, id0)
		out = append(out, ' ')
		out = appendObj(out, id1)
		out = append(out, ']')
		if u.x.info != nil {
			out = append(out, "/Info "...)
			out = appendObj(out, *u.x.info)
		}
		out = append(out, "/Prev "...)
		out = strconv.AppendInt(out, u.x.startxref, 10)
		out = append(out, "/Root "...)
		out = appendObj(out, *u.x.root)
		out = append(out, "/Size "...)
		out = strconv.AppendInt(out, int64(u.next), 10)
		out = append(out, ">>\n"...)
	}
	out = append(out, "startxref\n"...)
	out = strconv.AppendInt(out, start, 10)
	out = append(out, "\n%%EOF\n"...)
	return bytes.Join([][]byte{u.base, nl, out}, nil) // a new slice: out goes back to the pool
}

// appendPadded appends v (not negative) in decimal, padded with zeros to width digits, as
// fmt's %0*d does.
func appendPadded(b []byte, v int64, width int) []byte {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], v, 10)
	for k := len(d); k < width; k++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// xrefStream appends the update's cross-reference stream (which lists itself) to out, which
// starts at offset at of the file, and returns the stream's offset and out.
func (u *update) xrefStream(out []byte, at int64, items []xrefItem, trailer types.Dict) (int64, []byte) {
	self := u.alloc() // above every number in items
	start := at + int64(len(out))
	items = append(items, xrefItem{num: self, off: start})
	ow := 1
	for v := start; v > 0xFF; v >>= 8 {
		ow++
	}
	data := make([]byte, 0, len(items)*(3+ow))
	var index types.Array
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j].num == items[j-1].num+1 {
			j++
		}
		index = append(index, types.Integer(items[i].num), types.Integer(j-i))
		for _, it := range items[i:j] {
			data = append(data, 1)
			for k := ow - 1; k >= 0; k-- {
				data = append(data, byte(it.off>>(8*k)))
			}
			data = append(data, byte(it.gen>>8), byte(it.gen))
		}
		i = j
	}
	d := types.Dict{}
	for k, v := range trailer {
		d[k] = v
	}
	d["Type"] = types.Name("XRef")
	d["Size"] = types.Integer(u.next)
	d["W"] = types.Array{types.Integer(1), types.Integer(ow), types.Integer(2)}
	d["Index"] = index
	out = strconv.AppendInt(out, int64(self), 10)
	out = append(out, " 0 obj\n"...)
	out = append(out, streamBody(d, data, true)...)
	out = append(out, "\nendobj\n"...)
	return start, out
}

// appendObj serialises a pdfcpu object. Dictionary keys are sorted so that the output is
// deterministic (a stamp drawn twice from the same input gives the same bytes, which keeps the
// content-addressed store and retried activities simple).
func appendObj(b []byte, o types.Object) []byte {
	switch v := o.(type) {
	case nil:
		return append(b, "null"...)
	case types.Boolean:
		return strconv.AppendBool(b, bool(v))
	case types.Integer:
		return strconv.AppendInt(b, int64(v), 10)
	case types.Float:
		return strconv.AppendFloat(b, float64(v), 'f', -1, 64)
	case types.Name:
		return appendName(append(b, '/'), string(v))
	case types.StringLiteral:
		b = append(b, '(')
		b = append(b, v...) // pdfcpu keeps literals as written, escapes included
		return append(b, ')')
	case types.HexLiteral:
		b = append(b, '<')
		b = append(b, v...)
		return append(b, '>')
	case types.IndirectRef:
		b = strconv.AppendInt(b, int64(v.ObjectNumber), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v.GenerationNumber), 10)
		return append(b, " R"...)
	case types.Array:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendObj(b, e)
		}
		return append(b, ']')
	case types.Dict:
		var arr [16]string
		keys := arr[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, "<<"...)
		for _, k := range keys {
			b = appendName(append(b, '/'), k)
			b = append(b, ' ')
			b = appendObj(b, v[k])
		}
		return append(b, ">>"...)
	case rawObj:
		return append(b, v...)
	}
	// Streams cannot be direct objects; nothing else should reach here.
	return append(b, "null"...)
}

// appendName appends name s (without its '/') encoded as types.EncodeName does: delimiters, '#'
// and bytes outside '!'..'~' as #xx with lower-case hex digits.
func appendName(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < '!' || c > '~', c == '(', c == ')', c == '<', c == '>', c == '[', c == ']',
			c == '{', c == '}', c == '/', c == '%', c == '#':
			b = append(b, '#', digits[c>>4], digits[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// objBytes is o serialised by appendObj.
func objBytes(o types.Object) []byte { return appendObj(make([]byte, 0, 256), o) }

func writeString(o types.Object) string { return string(appendObj(nil, o)) }

// rawObj is PDF syntax written as is (used for operands we build ourselves).
type rawObj string

func (r rawObj) Clone() types.Object { return r }
func (r rawObj) String() string      { return string(r) }
func (r rawObj) PDFString() string   { return string(r) }

// fmtNum writes a number compactly with at most 4 decimals (1/10000 pt is far below what
// anyone can see, and fewer digits make smaller content streams).
func fmtNum(f float64) string {
	s := strconv.FormatFloat(f, 'f', 4, 64)
	if i := bytes.IndexByte([]byte(s), '.'); i >= 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		s = trimDot(s)
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func trimDot(s string) string {
	if s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}
