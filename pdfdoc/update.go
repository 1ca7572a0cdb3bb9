package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
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
	return &update{base: d.data, x: d.x, next: next}
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
	d := types.Dict{}
	for k, v := range dict {
		d[k] = v
	}
	if compress {
		data = deflate(data)
		d["Filter"] = types.Name("FlateDecode")
	}
	d["Length"] = types.Integer(len(data))
	var b bytes.Buffer
	writeObj(&b, d)
	b.WriteString("\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
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

// bytes returns the original file followed by the update. The new section is a cross-reference
// stream when the original's newest section is one (a reader that follows /Prev into a stream
// section must understand streams anyway), and a classic table otherwise, so that a PDF 1.4 file
// stays readable by 1.4 readers.
//
// The update is written on its own and joined to the original in one allocation of the final
// size: the original (megabytes for a scan) is copied once.
func (u *update) bytes() []byte {
	var nl []byte
	if c := u.base[len(u.base)-1]; c != '\n' && c != '\r' {
		nl = []byte{'\n'}
	}
	// out holds the update only; at is its offset in the file.
	var out bytes.Buffer
	n := 1024
	for _, o := range u.objs {
		n += len(o.body) + 64
	}
	out.Grow(n)
	at := int64(len(u.base) + len(nl))
	slices.SortFunc(u.objs, func(a, b updObj) int { return a.num - b.num })
	offsets := map[int]int64{}
	h := md5.New()
	for _, o := range u.objs {
		offsets[o.num] = at + int64(out.Len())
		fmt.Fprintf(&out, "%d %d obj\n", o.num, o.gen)
		out.Write(o.body)
		out.WriteString("\nendobj\n")
		if o.idPart != nil {
			h.Write(o.idPart)
		} else {
			h.Write(o.body)
		}
	}

	trailer := types.Dict{}
	trailer["Root"] = *u.x.root
	if u.x.info != nil {
		trailer["Info"] = *u.x.info
	}
	// The first half of /ID identifies the document and is kept; the second changes with every
	// revision. It is derived from the content so that stamping is deterministic.
	var id0 types.Object
	if len(u.x.id) == 2 {
		id0 = u.x.id[0]
		h.Write([]byte(writeString(u.x.id[0])))
	} else {
		s := md5.Sum(u.base)
		id0 = types.HexLiteral(hex.EncodeToString(s[:]))
	}
	trailer["ID"] = types.Array{id0, types.HexLiteral(hex.EncodeToString(h.Sum(nil)))}
	trailer["Prev"] = types.Integer(u.x.startxref)

	var start int64
	if u.x.lastStream {
		start = u.xrefStream(&out, at, offsets, trailer)
	} else {
		start = at + int64(out.Len())
		out.WriteString("xref\n")
		nums := sortedNums(offsets)
		for _, run := range runs(nums) {
			fmt.Fprintf(&out, "%d %d\n", run[0], len(run))
			for _, n := range run {
				fmt.Fprintf(&out, "%010d %05d n\r\n", offsets[n], u.gen(n))
			}
		}
		trailer["Size"] = types.Integer(u.next)
		out.WriteString("trailer\n")
		writeObj(&out, trailer)
		out.WriteString("\n")
	}
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", start)
	return bytes.Join([][]byte{u.base, nl, out.Bytes()}, nil)
}

func (u *update) gen(num int) int {
	for _, o := range u.objs {
		if o.num == num {
			return o.gen
		}
	}
	return 0
}

// xrefStream writes the update's cross-reference stream (which lists itself) to out, which starts
// at offset at of the file, and returns the stream's offset.
func (u *update) xrefStream(out *bytes.Buffer, at int64, offsets map[int]int64, trailer types.Dict) int64 {
	self := u.alloc()
	start := at + int64(out.Len())
	offsets[self] = start
	nums := sortedNums(offsets)
	ow := 1
	for v := start; v > 0xFF; v >>= 8 {
		ow++
	}
	var data []byte
	var index types.Array
	for _, run := range runs(nums) {
		index = append(index, types.Integer(run[0]), types.Integer(len(run)))
		for _, n := range run {
			data = append(data, 1)
			for k := ow - 1; k >= 0; k-- {
				data = append(data, byte(offsets[n]>>(8*k)))
			}
			g := u.gen(n)
			data = append(data, byte(g>>8), byte(g))
		}
	}
	d := types.Dict{}
	for k, v := range trailer {
		d[k] = v
	}
	d["Type"] = types.Name("XRef")
	d["Size"] = types.Integer(u.next)
	d["W"] = types.Array{types.Integer(1), types.Integer(ow), types.Integer(2)}
	d["Index"] = index
	fmt.Fprintf(out, "%d 0 obj\n", self)
	out.Write(streamBody(d, data, true))
	out.WriteString("\nendobj\n")
	return start
}

func sortedNums(m map[int]int64) []int {
	nums := make([]int, 0, len(m))
	for n := range m {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// runs splits sorted numbers into runs of consecutive numbers (xref subsections).
func runs(nums []int) [][]int {
	var out [][]int
	for i, n := range nums {
		if i == 0 || n != nums[i-1]+1 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

// writeObj serialises a pdfcpu object. Dictionary keys are sorted so that the output is
// deterministic (a stamp drawn twice from the same input gives the same bytes, which keeps the
// content-addressed store and retried activities simple).
func writeObj(b *bytes.Buffer, o types.Object) {
	switch v := o.(type) {
	case nil:
		b.WriteString("null")
	case types.Boolean:
		b.WriteString(strconv.FormatBool(bool(v)))
	case types.Integer:
		b.WriteString(strconv.Itoa(int(v)))
	case types.Float:
		b.WriteString(strconv.FormatFloat(float64(v), 'f', -1, 64))
	case types.Name:
		b.WriteString("/" + types.EncodeName(string(v)))
	case types.StringLiteral:
		b.WriteString("(" + string(v) + ")") // pdfcpu keeps literals as written, escapes included
	case types.HexLiteral:
		b.WriteString("<" + string(v) + ">")
	case types.IndirectRef:
		b.WriteString(strconv.Itoa(int(v.ObjectNumber)))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(int(v.GenerationNumber)))
		b.WriteString(" R")
	case types.Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeObj(b, e)
		}
		b.WriteByte(']')
	case types.Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<<")
		for _, k := range keys {
			b.WriteString("/" + types.EncodeName(k) + " ")
			writeObj(b, v[k])
		}
		b.WriteString(">>")
	case rawObj:
		b.WriteString(string(v))
	default:
		// Streams cannot be direct objects; nothing else should reach here.
		b.WriteString("null")
	}
}

func writeString(o types.Object) string {
	var b bytes.Buffer
	writeObj(&b, o)
	return b.String()
}

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
