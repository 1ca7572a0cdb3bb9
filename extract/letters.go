package extract

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/saraban/saraban/thai"
)

// maxLetters bounds the letters read from one file (a real file holds a handful).
const maxLetters = 500

// anchor is a ที่ line that starts a letter's header.
type anchor struct {
	line int
	num  parsedNumber
}

// letters finds and reads every letter of the document.
func (d *document) letters(opts Options) []Letter {
	now := opts.now()
	stamps := d.findStamps()
	inStamp := make([]bool, len(d.lines))
	for _, b := range stamps {
		for i := b.first; i <= b.last; i++ {
			inStamp[i] = true
		}
	}
	anchors := d.findAnchors(inStamp)
	fileNumbers := d.citedNumbers()

	type segment struct {
		s, e int
		a    int // anchor line, -1 when the letter has no number line
		num  parsedNumber
	}
	var segs []segment
	if len(anchors) == 0 {
		if !d.looksLikeLetter() {
			return []Letter{d.notALetter()}
		}
		segs = append(segs, segment{s: 0, e: len(d.lines) - 1, a: -1})
	} else {
		prev := -1
		for k, a := range anchors {
			s := d.preambleStart(a.line, prev, inStamp)
			if k == 0 {
				s = 0
			}
			segs = append(segs, segment{s: s, a: a.line, num: a.num})
			prev = a.line
		}
		for k := range segs {
			if k+1 < len(segs) {
				segs[k].e = segs[k+1].s - 1
			} else {
				segs[k].e = len(d.lines) - 1
			}
		}
	}
	var out []Letter
	for _, sg := range segs {
		p := &letterParser{d: d, s: sg.s, e: sg.e, a: sg.a, num: sg.num, inStamp: inStamp, now: now, fileNumbers: fileNumbers}
		l := p.parse(stamps)
		out = append(out, l)
	}
	crossCheck(out)
	return out
}

// findAnchors returns the ที่ lines that start a letter: a number line followed by header
// labels (or preceded by a memo or order title), not a citation.
func (d *document) findAnchors(inStamp []bool) []anchor {
	var cands []anchor
	for i, l := range d.lines {
		if l.blank || inStamp[i] || strings.Contains(l.body, "ลงวันที่") {
			continue
		}
		if n, ok := parseNumberLine(l.body); ok {
			cands = append(cands, anchor{line: i, num: n})
			if len(cands) > 4*maxLetters {
				break
			}
		}
	}
	var out []anchor
	for k, c := range cands {
		limit := len(d.lines)
		if k+1 < len(cands) {
			limit = cands[k+1].line
		}
		if d.headerFollows(c.line, limit) || d.titleBefore(c.line) {
			out = append(out, c)
			if len(out) >= maxLetters {
				break
			}
		}
	}
	return out
}

// headerFollows: a subject, addressee or date label within the next lines.
func (d *document) headerFollows(i, limit int) bool {
	seen := 0
	for j := i + 1; j < limit && j < len(d.lines) && seen < 40; j++ {
		if d.lines[j].blank {
			continue
		}
		seen++
		if n, _ := headerLabel(d.lines[j]); n == "subject" || n == "to" || n == "date" {
			return true
		}
		if hs := findDates(d.lines[j].body); len(hs) > 0 && hs[0].full && runeLen(hs[0].raw) >= runeLen(d.lines[j].body)-4 {
			return true
		}
	}
	// the rest of the ที่ line itself may hold the date (memo: ที่ … วันที่ …)
	if n, ok := parseNumberLine(d.lines[i].body); ok {
		if _, ok := matchLabel(n.rest, labDate, true); ok {
			return true
		}
	}
	return false
}

var titleRE = regexp.MustCompile(`^(?:คำสั่ง|ประกาศ|ระเบียบ|ข้อบังคับ|บันทึกข้อความ|ส่วนราชการ|แถลงการณ์)`)

func (d *document) titleBefore(i int) bool {
	seen := 0
	for j := i - 1; j >= 0 && seen < 6; j-- {
		if d.lines[j].blank {
			continue
		}
		seen++
		if titleRE.MatchString(d.lines[j].body) || titleRE.MatchString(skeletonTitle(d.lines[j].body)) {
			return true
		}
	}
	return false
}

func skeletonTitle(s string) string {
	sk := skeleton(s)
	for _, t := range []string{"คำสั่ง", "บันทึกข้อความ", "ส่วนราชการ", "ประกาศ"} {
		if strings.HasPrefix(sk, skeleton(t)) {
			return t
		}
	}
	return ""
}

// preambleStart backs up from a ที่ line over what belongs to the same letter above it: receive
// stamps, the urgency mark, titles, short scraps of OCR noise and letterhead lines. It stops at
// the previous letter's end (its contact lines, signature, body).
func (d *document) preambleStart(a, prevAnchor int, inStamp []bool) int {
	s := a
	for i := a - 1; i > prevAnchor && a-i < 40; i-- {
		l := d.lines[i]
		if l.blank {
			continue
		}
		t := l.body
		switch {
		case inStamp[i], urgencyOf(t) != "", secrecyOf(t) != "", titleRE.MatchString(t), skeletonTitle(t) != "":
			s = i
			continue
		case isContactLine(t), isNameLine(t), closingKind(l) != "", positionLike(t) && !isLetterheadLine(t):
			return s
		case isLetterheadLine(t):
			s = i
			continue
		case runeLen(t) <= 25 && !hasDigit(t):
			s = i
			continue
		}
		return s
	}
	return s
}

// isLetterheadLine: an agency or address line of a letterhead.
func isLetterheadLine(t string) bool {
	if runeLen(t) > 80 {
		return false
	}
	for _, w := range []string{"ศาลากลาง", "สำนักงาน", "กระทรวง", "กรม", "ถนน", "ตำบล", "อำเภอ", "กทม", "กรุงเทพ", "มหาวิทยาลัย", "โรงเรียน", "โรงพยาบาล", "เทศบาล", "องค์การ", "ที่ว่าการ"} {
		if strings.HasPrefix(t, w) {
			return true
		}
	}
	return false
}

// citedNumbers collects every well-formed number cited anywhere in the file, to repair a
// garbled ที่ line from its neighbours.
func (d *document) citedNumbers() []parsedNumber {
	var out []parsedNumber
	for _, l := range d.lines {
		if l.blank {
			continue
		}
		for _, pos := range findAll(l.body, "ที่") {
			if n, ok := parseNumber(strings.TrimLeft(l.body[pos+len("ที่"):], " ")); ok && n.lettersOK && !n.order {
				out = append(out, n)
				if len(out) > 1000 {
					return out
				}
			}
		}
	}
	return out
}

// looksLikeLetter: without a number line, a letter still has its labels (a draft, or a number
// line OCR lost).
func (d *document) looksLikeLetter() bool {
	var subj, to, memo, closing bool
	for i, l := range d.lines {
		if i > 3000 {
			break
		}
		switch n, _ := headerLabel(l); n {
		case "subject":
			subj = true
		case "to":
			to = true
		case "memo", "unit":
			memo = true
		}
		if closingKind(l) != "" {
			closing = true
		}
	}
	return (subj && (to || closing)) || (memo && subj)
}

func (d *document) notALetter() Letter {
	reason := "no document number (ที่), no subject and addressee (เรื่อง / เรียน), no signature"
	return Letter{Kind: KindNotALetter, KindConfidence: 0.9, Reason: reason, FirstLine: 1, LastLine: lastRow(d),
		References: []Citation{}, Attachments: []Citation{}, Deadlines: []Deadline{}, ReceiveStamps: []Stamp{}, Flags: []Flag{},
		Urgency: ClassField{Value: "normal", Confidence: 0.5}, Secrecy: ClassField{Value: "normal", Confidence: 0.5}}
}

func lastRow(d *document) int {
	if len(d.lines) == 0 {
		return 0
	}
	return d.lines[len(d.lines)-1].row
}

// letterParser reads one letter's lines.
type letterParser struct {
	d           *document
	s, e, a     int
	num         parsedNumber
	inStamp     []bool
	now         time.Time
	fileNumbers []parsedNumber
	l           Letter
	letterDate  thai.Date
	dateHit     *dateHit
}

var bodyOpeners = []string{"ด้วย", "ตามที่", "ตาม", "เนื่องด้วย", "เนื่องจาก", "อนุสนธิ", "ข้าพเจ้า", "ในการนี้", "บัดนี้",
	"ขอส่ง", "ขอเชิญ", "ขอแจ้ง", "ขอความ", "ขอรายงาน", "ขออนุ", "ขอเสนอ", "ขอนำ", "ขอประชาสัมพันธ์", "ขอ"}

func isBodyOpener(t string) bool {
	for _, o := range bodyOpeners {
		if strings.HasPrefix(t, o) {
			return true
		}
	}
	return false
}

func (p *letterParser) line(i int) line { return p.d.lines[i] }

func (p *letterParser) ctx() dateCtx {
	c := dateCtx{ocr: p.d.ocr, now: p.now}
	if !p.letterDate.IsZero() {
		c.notBefore = p.letterDate
		c.refYear = p.letterDate.BE()
	} else if p.dateHit != nil && p.dateHit.year != 0 {
		c.refYear = p.dateHit.year
	}
	return c
}

func (p *letterParser) flag(f Flag) { p.l.Flags = append(p.l.Flags, f) }

// parse reads the letter.
func (p *letterParser) parse(stamps []stampBlock) Letter {
	d := p.d
	p.l = Letter{FirstLine: d.lines[p.s].row, LastLine: d.lines[p.e].row, References: []Citation{}, Attachments: []Citation{},
		Deadlines: []Deadline{}, ReceiveStamps: []Stamp{}, Flags: []Flag{}}
	kind := KindExternal
	kindConf := 0.7
	var addr, addrBefore []string
	var subjectLine, toLine = -1, -1
	var hasTo, hasStampedTo bool
	headerEnd := -1
	numberRow := -1
	var loose []int // unlabelled lines between the number and the addressee
	seenSubject := false
	urgLines := []int{}
	// the number
	if p.a >= 0 {
		p.readNumber()
	}
	i := p.s
	for ; i <= p.e; i++ {
		l := d.lines[i]
		if l.blank || p.inStamp[i] {
			continue
		}
		if i-p.s > 150 {
			break
		}
		if i == p.a {
			if n, ok := parseNumberLine(l.body); ok && n.rest != "" {
				if r, ok := matchLabel(n.rest, labDate, true); ok {
					p.takeDate(r, i, "memo")
				} else if hs := findDates(n.rest); len(hs) > 0 && hs[0].full {
					p.takeDate(n.rest, i, "memo") // the วันที่ label garbled by OCR
				}
			}
			numberRow = i
			continue
		}
		name, rest := headerLabel(l)
		if name == "" && (p.d.ocr || l.cell > 0) && isJunkLine(l.body) {
			continue // OCR debris (marks split off a label, specks), or a scrap in a column
		}
		if headerEnd < 0 && (hasTo || (seenSubject && kind == KindOrder)) && name == "" {
			headerEnd = i
			break
		}
		switch name {
		case "memo":
			kind, kindConf = KindMemo, 0.95
			continue
		case "unit":
			kind, kindConf = KindMemo, 0.95
			if rest != "" && p.l.Agency == nil {
				p.l.Agency = &TextField{Text: cutPhone(rest), Confidence: 0.85}
			}
			continue
		case "date":
			if p.dateHit == nil {
				if rest == "" {
					if j := p.nextNonBlank(i); j >= 0 {
						rest = d.lines[j].body
						i = j
					}
				}
				p.takeDate(rest, i, "memo")
			}
			continue
		case "subject":
			if !seenSubject {
				seenSubject = true
				subjectLine = i
				txt, last := p.collect(i, rest, 3, false)
				if txt != "" {
					p.l.Subject = &TextField{Text: txt, Confidence: 0.9}
				}
				i = last
				continue
			}
		case "to":
			if !hasTo {
				hasTo = true
				toLine = i
				if strings.HasPrefix(l.body, "ถึง") {
					hasStampedTo = true
				}
				txt, last := p.collect(i, rest, 3, true)
				if txt != "" {
					p.l.To = &TextField{Text: txt, Confidence: 0.85}
				}
				i = last
				continue
			}
		case "ref", "encl":
			items, last := p.collectItems(i, rest)
			for _, it := range items {
				c, fl := parseCitation(it, p.ctx())
				if name == "ref" {
					p.l.References = append(p.l.References, c)
				} else {
					p.l.Attachments = append(p.l.Attachments, c)
				}
				for _, f := range fl {
					p.flag(f)
				}
			}
			i = last
			continue
		}
		if name != "" {
			continue
		}
		t := l.body
		if u := urgencyOf(t); u != "" && !seenSubject {
			p.l.Urgency = ClassField{Raw: t, Value: u, Confidence: 0.9}
			urgLines = append(urgLines, i)
			continue
		}
		if s := secrecyOf(t); s != "" && p.l.Secrecy.Value == "" {
			p.l.Secrecy = ClassField{Raw: t, Value: s, Confidence: 0.9}
			continue
		}
		if i < p.a || p.a < 0 && !seenSubject {
			if tk := p.titleKind(t); tk != "" {
				kind, kindConf = tk, 0.9
				if tk == KindOrder || tk == KindAnnouncement || tk == KindRegulation {
					if ag := titleAgency(t); ag != "" && p.l.Agency == nil {
						p.l.Agency = &TextField{Text: ag, Confidence: 0.8}
					}
				}
				continue
			}
		}
		if !seenSubject && p.dateHit == nil {
			// the date line of an external letter: a date alone on its line, month in full
			if hs := findDates(t); len(hs) > 0 && hs[0].full && runeLen(hs[0].raw) >= runeLen(t)-6 {
				p.takeDate(t, i, "external")
				continue
			}
		}
		if !seenSubject && i > p.a && p.a >= 0 && p.dateHit == nil && kind != KindMemo {
			addr = append(addr, t)
		}
		if i < p.a && p.a-i <= 4 && isLetterheadLine(t) && !p.inStamp[i] {
			addrBefore = append(addrBefore, t) // OCR read the letterhead column first
		}
		if !seenSubject && !hasTo && numberRow >= 0 && !isJunkLine(t) {
			loose = append(loose, i)
		}
	}
	// OCR may lose the เรื่อง label itself: in a memo the lines between the number line and the
	// addressee are the subject.
	if p.l.Subject == nil && hasTo && kind == KindMemo && len(loose) > 0 && len(loose) <= 3 {
		var parts []string
		for k, j := range loose {
			t := d.lines[j].body
			if k == 0 {
				t = stripJunkLabel(t)
			}
			parts = append(parts, t)
		}
		if txt := collapseSpace(strings.Join(parts, " ")); txt != "" {
			p.l.Subject = &TextField{Text: txt, Confidence: 0.5}
			p.flag(Flag{Code: FlagRepaired, Field: "subject", Message: "the เรื่อง label was not readable; the subject is the text between the number and the addressee"})
		}
	}
	if headerEnd < 0 {
		headerEnd = i
		if headerEnd > p.e {
			headerEnd = p.e + 1
		}
	}
	_ = subjectLine
	_ = toLine
	addr = append(addrBefore, addr...)
	if p.l.Agency == nil && len(addr) > 0 {
		if ag := agencyFromLetterhead(addr); ag != "" {
			p.l.Agency = &TextField{Text: ag, Confidence: 0.6}
		}
	}
	// signature and closing
	sigLine, closeLine, sigEnd := p.findSignature(headerEnd)
	bodyEnd := p.e
	if closeLine >= 0 {
		bodyEnd = closeLine
	} else if sigLine >= 0 {
		bodyEnd = sigLine - 1
	}
	if closeLine >= 0 && closingKind(d.lines[closeLine]) == "order" {
		if kind == KindExternal {
			kind, kindConf = KindOrder, 0.8
		}
		if p.dateHit == nil {
			p.takeDate(d.lines[closeLine].body, closeLine, "order")
		}
	}
	// enclosures listed after the signature (links and QR codes are often printed at the foot)
	if sigEnd >= 0 {
		for j := sigEnd + 1; j <= p.e; j++ {
			if n, rest := headerLabel(d.lines[j]); n == "encl" {
				items, last := p.collectItems(j, rest)
				for _, it := range items {
					c, _ := parseCitation(it, p.ctx())
					p.l.Attachments = append(p.l.Attachments, c)
				}
				j = last
			}
		}
	}
	// date printed under the signature (short forms)
	if p.dateHit == nil && sigEnd >= 0 {
		for j, seen := sigEnd+1, 0; j <= p.e && seen < 3; j++ {
			if d.lines[j].blank || p.inStamp[j] {
				continue
			}
			seen++
			if hs := findDates(d.lines[j].body); len(hs) > 0 && runeLen(hs[0].raw) >= runeLen(d.lines[j].body)-4 {
				p.takeDate(d.lines[j].body, j, "signature")
				break
			}
		}
	}
	if kind == KindExternal && hasStampedTo && p.l.Signer == nil {
		kind, kindConf = KindStamped, 0.6
	}
	p.l.Kind, p.l.KindConfidence = kind, kindConf
	// urgency: a garbled mark just above the number line
	if p.l.Urgency.Value == "" {
		p.l.Urgency = p.unreadableUrgency()
	}
	if p.l.Secrecy.Value == "" {
		p.l.Secrecy = ClassField{Value: "normal", Confidence: 0.8}
	}
	// receive stamps of this letter
	for _, b := range stamps {
		if b.first < p.s || b.first > p.e {
			continue
		}
		st, fl := d.readStamp(b, p.ctx())
		p.l.ReceiveStamps = append(p.l.ReceiveStamps, st)
		for _, f := range fl {
			f.Field = "receive_stamps"
			if f.Code != FlagYearInferred {
				p.flag(f)
			}
		}
	}
	// body: deadlines, implicit enclosures, letters cited in the text
	paras := p.paragraphs(headerEnd, bodyEnd)
	var base thai.Date
	if !p.letterDate.IsZero() {
		base = p.letterDate
	}
	dl, fl := findDeadlines(paras, p.ctx(), p.letterDate, base)
	p.l.Deadlines = append(p.l.Deadlines, dl...)
	for _, f := range fl {
		p.flag(f)
	}
	if len(p.l.Attachments) == 0 {
		for _, para := range paras {
			if m := qrRE.FindString(para); m != "" {
				p.l.Attachments = append(p.l.Attachments, Citation{Raw: m, Kind: "link", Implicit: true, Confidence: 0.5})
				break
			}
		}
	}
	p.bodyCitations(paras)
	p.checks()
	return p.l
}

// readNumber fills DocNumber from the anchor, repairing a garbled agency code.
func (p *letterParser) readNumber() {
	n := p.num
	conf := 0.95
	if p.d.ocr {
		conf = 0.8
	}
	if !n.order && !n.lettersOK {
		if letters, owner, ok := repairLetters(n, p.fileNumbers); ok {
			old := n.canonical()
			n.letters, n.owner, n.lettersOK = letters, owner, true
			conf = 0.45
			p.flag(Flag{Code: FlagRepaired, Field: "doc_number",
				Message: fmt.Sprintf("the number reads %q; %q is proposed from the agency codes and the numbers cited in the file", old, n.canonical())})
		} else {
			conf = 0.3
			p.flag(Flag{Code: FlagUnreadable, Field: "doc_number", Message: fmt.Sprintf("agency code %q is not a known code", n.letters)})
		}
	}
	if !n.order && n.running == 0 {
		conf -= 0.2
	}
	if n.circFromDigit {
		conf -= 0.3
		p.flag(Flag{Code: FlagRepaired, Field: "doc_number", Message: fmt.Sprintf("%q: the character before the running number is read as the circular marker ว", n.raw)})
	}
	if !n.order && !agencyCodeSet[n.letters] && n.lettersOK && conf > 0.8 {
		conf = 0.8 // a valid shape but a code outside the ministries and provinces (committees, universities)
	}
	p.l.DocNumber = n.toField(round2(conf))
}

// takeDate reads the letter's date from text on line i.
func (p *letterParser) takeDate(text string, i int, how string) {
	hs := findDates(text)
	if len(hs) == 0 {
		return
	}
	h := hs[0]
	c := dateCtx{ocr: p.d.ocr, now: p.now}
	r, ok := resolve(h, c, "date")
	if !ok {
		return
	}
	p.dateHit = &h
	if how == "signature" {
		r.confidence -= 0.1
	}
	if how == "external" && !h.full {
		r.confidence -= 0.1
	}
	p.l.Date = dateField(h, r)
	if r.precision == "day" {
		p.letterDate = r.date
	} else if r.month != 0 {
		p.letterDate = thai.Date{Year: r.be - 543, Month: r.month, Day: 1}
	}
	for _, f := range r.flags {
		p.flag(f)
	}
}

func (p *letterParser) nextNonBlank(i int) int {
	for j := i + 1; j <= p.e && j-i < 4; j++ {
		if !p.d.lines[j].blank && !p.inStamp[j] {
			return j
		}
	}
	return -1
}

// collect reads a header value and its continuation lines (a subject or addressee split over
// lines). It stops at a blank line, another label, a stamp, a date line or the body.
func (p *letterParser) collect(i int, rest string, maxLines int, isTo bool) (string, int) {
	parts := []string{}
	last := i
	if rest != "" {
		parts = append(parts, rest)
	} else if j := p.nextNonBlank(i); j >= 0 {
		if n, _ := headerLabel(p.d.lines[j]); n == "" {
			parts = append(parts, p.d.lines[j].body)
			last = j
		}
	}
	for j := last + 1; j <= p.e && len(parts) <= maxLines; j++ {
		l := p.d.lines[j]
		if l.blank || p.inStamp[j] {
			break
		}
		t := l.body
		if n, _ := headerLabel(l); n != "" {
			break
		}
		if closingKind(l) != "" || urgencyOf(t) != "" || strings.Trim(t, ". …_") == "" || strings.HasPrefix(t, "....") {
			break
		}
		if _, ok := parseNumberLine(t); ok {
			break
		}
		if p.d.ocr && isJunkLine(t) {
			break
		}
		if isTo && (isBodyOpener(t) || itemNumberRE.MatchString(t)) {
			break
		}
		if !isTo && l.indent > 0 && p.d.lines[i].indent == 0 && l.indent >= 12 && isBodyOpener(t) {
			break
		}
		if isTo && l.indent >= p.d.lines[i].indent+8 {
			break
		}
		parts = append(parts, t)
		last = j
	}
	return collapseSpace(strings.Join(parts, " ")), last
}

// collectItems reads the items of อ้างถึง or สิ่งที่ส่งมาด้วย: numbered items each start a new one,
// an unnumbered line continues the current one, a blank line ends the list unless the next
// item follows.
func (p *letterParser) collectItems(i int, rest string) ([]string, int) {
	var items []string
	last := i
	cur := rest
	if cur == "" {
		if j := p.nextNonBlank(i); j >= 0 {
			if n, _ := headerLabel(p.d.lines[j]); n == "" {
				cur = p.d.lines[j].body
				last = j
			}
		}
	}
	for j := last + 1; j <= p.e && len(items) < 30; j++ {
		l := p.d.lines[j]
		if p.inStamp[j] {
			continue
		}
		if l.blank {
			// continue across blanks only to the next numbered item
			k := j + 1
			for k <= p.e && p.d.lines[k].blank && k-j < 3 {
				k++
			}
			if k <= p.e && !p.d.lines[k].blank && itemNumberRE.MatchString(p.d.lines[k].body) && !strings.Contains(p.d.lines[k].body, "ภายใน") {
				if seq, _ := itemSeq(p.d.lines[k].body); seq >= 2 && seq <= 30 && hasItemNumber(cur) {
					j = k - 1
					continue
				}
			}
			break
		}
		t := l.body
		if n, _ := headerLabel(l); n != "" {
			break
		}
		if closingKind(l) != "" {
			break
		}
		if itemNumberRE.MatchString(t) && hasItemNumber(cur) {
			items = append(items, cur)
			cur = t
			last = j
			continue
		}
		sameRow := l.cell > 0 && p.d.lines[last].row == l.row
		if !sameRow && isBodyOpener(t) {
			break
		}
		cur = cur + " " + t
		last = j
	}
	if strings.TrimSpace(cur) != "" {
		items = append(items, cur)
	}
	for k := range items {
		items[k] = collapseSpace(items[k])
	}
	return items, last
}

func hasItemNumber(s string) bool { return itemNumberRE.MatchString(s) }

// isJunkLine: OCR debris (vowel marks split off a large label, specks): mostly one- or
// two-character tokens, or hardly any Thai.
func isJunkLine(t string) bool {
	fs := strings.Fields(t)
	if len(fs) == 0 {
		return true
	}
	short := 0
	for _, f := range fs {
		if runeLen(f) <= 2 {
			short++
		}
	}
	return short*10 >= len(fs)*6 || thaiRatio(t) < 0.4
}

// stripJunkLabel drops a garbled label before a value: a short Latin scrap ("LION" for เรื่อง)
// or a word within two edits of เรื่อง without its marks.
func stripJunkLabel(t string) string {
	i := strings.IndexByte(t, ' ')
	if i <= 0 {
		return t
	}
	w := t[:i]
	latin := true
	for _, r := range w {
		if r >= 0x0E00 && r <= 0x0E7F {
			latin = false
		}
	}
	if (latin && runeLen(w) <= 6) || levenshtein(skeleton(w), skeleton(labSubject), 2) <= 2 {
		return strings.TrimSpace(t[i:])
	}
	return t
}

func (p *letterParser) titleKind(t string) Kind {
	sk := skeletonTitle(t)
	switch {
	case sk == "คำสั่ง" || strings.HasPrefix(t, "คำสั่ง"):
		return KindOrder
	case sk == "ประกาศ" || strings.HasPrefix(t, "ประกาศ") || strings.HasPrefix(t, "แถลงการณ์"):
		return KindAnnouncement
	case strings.HasPrefix(t, "ระเบียบ") || strings.HasPrefix(t, "ข้อบังคับ"):
		return KindRegulation
	case sk == "บันทึกข้อความ":
		return KindMemo
	}
	return ""
}

func titleAgency(t string) string {
	for _, p := range []string{"คำสั่ง", "ประกาศ", "ระเบียบ", "ข้อบังคับ", "แถลงการณ์"} {
		if strings.HasPrefix(t, p) {
			return strings.TrimSpace(strings.TrimPrefix(t, p))
		}
	}
	return ""
}

var phoneRE = regexp.MustCompile(`\s*(?:โทร|โทรศัพท์|Tel)\.?.*$`)

func cutPhone(s string) string { return strings.TrimSpace(phoneRE.ReplaceAllString(s, "")) }

var addressRE = regexp.MustCompile(`\s(?:ถนน|ถ\.|ซอย|หมู่ที่|หมู่|ตำบล|แขวง|อำเภอ|กทม|กรุงเทพ|เลขที่|[0-9๐-๙]{5})`)

// agencyFromLetterhead reads the issuing agency from the letterhead lines of an external letter:
// the text before the address, with ศาลากลางจังหวัด (the provincial hall) read as the province.
func agencyFromLetterhead(lines []string) string {
	var keep []string
	for _, t := range lines {
		if runeLen(t) > 90 {
			continue
		}
		keep = append(keep, t)
		if len(keep) == 4 {
			break
		}
	}
	s := " " + strings.Join(keep, " ")
	if loc := addressRE.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "ศาลากลาง") {
		s = strings.TrimPrefix(s, "ศาลากลาง")
	}
	if strings.HasPrefix(s, "ที่ว่าการ") {
		s = strings.TrimPrefix(s, "ที่ว่าการ")
	}
	return s
}

// findSignature finds the closing line, the name line of the signature and the block's last line.
func (p *letterParser) findSignature(from int) (sig, closing, sigEnd int) {
	d := p.d
	sig, closing, sigEnd = -1, -1, -1
	start := from
	for j := from; j <= p.e; j++ {
		if d.lines[j].blank {
			continue
		}
		if closingKind(d.lines[j]) != "" {
			closing = j
			start = j
			break
		}
	}
	above := ""
	aboveLine := -1
	seen := 0
	for j := start; j <= p.e; j++ {
		l := d.lines[j]
		if l.blank || p.inStamp[j] {
			continue
		}
		if closingKind(l) != "" {
			if j > closing {
				closing = j
			}
			above, aboveLine = "", -1
			continue
		}
		if isNameLine(l.body) {
			// a centred position split by the text layer: a fragment between the closing and the name
			var ab string
			if closing >= 0 && aboveLine >= 0 && seen == 1 && !hasDigit(above) && thaiRatio(above) > 0.9 && runeLen(above) >= 4 && runeLen(above) <= 30 &&
				!isAnnotationLine(above) && p.d.lines[aboveLine].indent >= 0 {
				ab = above
			}
			sg, last := d.readSigner(j, p.e, ab)
			if closing < 0 && len(sg.PositionLines) == 0 {
				continue
			}
			p.l.Signer = sg
			return j, closing, last
		}
		if closing >= 0 {
			seen++
			if strings.HasPrefix(l.body, "ลงชื่อ") {
				seen--
				continue
			}
			above, aboveLine = l.body, j
			if seen > 12 {
				break
			}
		}
	}
	return -1, closing, -1
}

// paragraphs joins the body's lines into paragraphs (blank lines separate them).
func (p *letterParser) paragraphs(from, to int) []string {
	var out []string
	var cur []string
	for j := from; j <= to && j <= p.e; j++ {
		l := p.d.lines[j]
		if l.blank {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, " "))
				cur = nil
			}
			continue
		}
		if p.inStamp[j] {
			continue
		}
		cur = append(cur, l.text)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// unreadableUrgency: a short scrap just above the number line that resembles an urgency mark
// (the mark is large red type that OCR often garbles) makes the urgency unknown, not normal.
func (p *letterParser) unreadableUrgency() ClassField {
	normal := ClassField{Value: "normal", Confidence: 0.8}
	if p.d.ocr {
		normal.Confidence = 0.6
	}
	if p.a < 0 {
		return normal
	}
	for j := p.a - 1; j >= p.s && p.a-j < 6; j-- {
		l := p.d.lines[j]
		if l.blank {
			continue
		}
		if p.inStamp[j] {
			return normal
		}
		t := strings.TrimSpace(l.body)
		if runeLen(t) > 15 || hasDigit(t) || thaiRatio(t) < 0.7 {
			return normal
		}
		sk := strings.ReplaceAll(t, " ", "")
		best := 0.0
		for _, m := range []string{"ด่วนที่สุด", "ด่วนมาก", "ด่วน"} {
			if s := bigramDice(sk, m); s > best {
				best = s
			}
		}
		if best >= 0.25 || strings.Contains(sk, "ด่วน") {
			p.flag(Flag{Code: FlagUnreadable, Field: "urgency", Message: fmt.Sprintf("%q above the number looks like a garbled urgency mark", t)})
			return ClassField{Raw: t, Value: "unknown", Confidence: 0.3}
		}
		return normal
	}
	return normal
}

// bodyCitations finds letters cited in the running text (a forwarding note's "ขอส่งสำเนาหนังสือ
// … ที่ … ลงวันที่ …"), for the checks.
func (p *letterParser) bodyCitations(paras []string) {
	for _, para := range paras {
		for _, pos := range findAll(para, "ที่") {
			rest := strings.TrimLeft(para[pos+len("ที่"):], " ")
			n, ok := parseNumber(rest)
			if !ok || !n.lettersOK || n.order {
				continue
			}
			after := rest[len(n.raw):]
			ld := strings.Index(after, "ลงวันที่")
			if ld < 0 || ld > 40 {
				continue
			}
			start := strings.LastIndex(para[max(0, pos-200):pos], "หนังสือ")
			rawStart := pos
			if start >= 0 {
				rawStart = max(0, pos-200) + start
			}
			endWin := after[ld:]
			if len(endWin) > 120 {
				endWin = endWin[:120]
			}
			hs := findDates(endWin)
			if len(hs) == 0 {
				continue
			}
			end := len(para) - len(after) + ld + len(string([]rune(endWin)[:hs[0].end]))
			c, _ := parseCitation(para[rawStart:end], p.ctx())
			c.Implicit = true
			if strings.Contains(para[rawStart:end], "สำเนา") || strings.Contains(para[max(0, rawStart-40):rawStart], "สำเนา") {
				c.Kind = "letter"
			}
			p.l.Cited = append(p.l.Cited, c)
			if len(p.l.Cited) > 20 {
				return
			}
		}
	}
}

// checks adds the flags that compare a letter's own dates.
func (p *letterParser) checks() {
	today := thai.DateOf(p.now)
	if !p.letterDate.IsZero() && p.l.Date != nil && p.l.Date.Precision == "day" && p.letterDate.Compare(today) > 0 {
		p.flag(Flag{Code: FlagFutureDate, Field: "date", Message: fmt.Sprintf("the letter is dated %s, after today (%s)", p.letterDate, today)})
	}
	for _, s := range p.l.ReceiveStamps {
		sd := stampDate(s)
		if sd.IsZero() {
			continue
		}
		if sd.Compare(today) > 0 {
			p.flag(Flag{Code: FlagFutureDate, Field: "receive_stamps", Message: fmt.Sprintf("receive stamp %s is dated %s, after today", numStr(s.Number), s.Date)})
		}
		if !p.letterDate.IsZero() && p.l.Date != nil && p.l.Date.Precision == "day" && sd.Compare(p.letterDate) < 0 {
			p.flag(Flag{Code: FlagStampBeforeLetter, Field: "receive_stamps",
				Message: fmt.Sprintf("receive stamp %s (%s) is before the letter's date %s", numStr(s.Number), s.Date, p.letterDate)})
		}
	}
}

func numStr(n *int) string {
	if n == nil {
		return "(no number)"
	}
	return fmt.Sprint(*n)
}

// crossCheck compares what each letter cites with the other letters of the same file: the same
// number with another date, or the same issuing unit with another number and date for what is
// evidently the same letter (a forwarded copy), is flagged for a person to resolve.
func crossCheck(ls []Letter) {
	for i := range ls {
		var cites []Citation
		cites = append(cites, ls[i].References...)
		cites = append(cites, ls[i].Attachments...)
		cites = append(cites, ls[i].Cited...)
		for _, c := range cites {
			if c.DocNumber == "" {
				continue
			}
			for j := range ls {
				if j == i || ls[j].DocNumber == nil || ls[j].Kind == KindNotALetter {
					continue
				}
				o := ls[j]
				same := strings.ReplaceAll(c.DocNumber, " ", "") == strings.ReplaceAll(o.DocNumber.Canonical, " ", "")
				if same {
					if c.Date != nil && c.Date.ISO != "" && o.Date != nil && o.Date.ISO != "" && c.Date.ISO != o.Date.ISO {
						ls[i].Flags = append(ls[i].Flags, Flag{Code: FlagCitationMismatch, Field: "references",
							Message: fmt.Sprintf("cites %s dated %s, but letter %s in this file is dated %s", c.DocNumber, c.Date.ISO, o.DocNumber.Canonical, o.Date.ISO)})
					}
					continue
				}
				cn, ok := parseNumber(c.DocNumber)
				if !ok || cn.letters != o.DocNumber.AgencyLetters || cn.owner != o.DocNumber.OwnerCode {
					continue
				}
				issuerMatch := o.Agency != nil && c.Issuer != "" && (strings.Contains(c.Issuer, o.Agency.Text) || strings.Contains(o.Agency.Text, c.Issuer))
				subjectMatch := o.Subject != nil && c.Subject != "" && bigramDice(collapseSpace(c.Subject), o.Subject.Text) >= 0.7
				copyOf := strings.Contains(c.Raw, "สำเนา") || c.Kind == "letter" && c.Implicit
				near := false
				if c.Date != nil && c.Date.ISO != "" && o.Date != nil && o.Date.ISO != "" {
					var a, b thai.Date
					if a.UnmarshalText([]byte(c.Date.ISO)) == nil && b.UnmarshalText([]byte(o.Date.ISO)) == nil {
						diff := a.Time(nil).Sub(b.Time(nil)).Hours() / 24
						near = diff > -60 && diff < 60
					}
				}
				if (issuerMatch || subjectMatch) && (copyOf || subjectMatch) && near {
					cd := "?"
					if c.Date != nil {
						cd = c.Date.ISO
					}
					ls[i].Flags = append(ls[i].Flags, Flag{Code: FlagCitationMismatch, Field: "references",
						Message: fmt.Sprintf("cites %s dated %s, but the letter from the same unit in this file is %s dated %s", c.DocNumber, cd, o.DocNumber.Canonical, o.Date.ISO)})
				}
			}
		}
	}
}
