package extract

import (
	"regexp"
	"strings"
)

var (
	// itemNumberRE is the number of a list item: "๑.", "1)", "(๒)".
	itemNumberRE = regexp.MustCompile(`^(?:\(([0-9๐-๙]{1,2})\)|([0-9๐-๙]{1,2})\s?[.)])\s*`)
	urlRE        = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s<>()]+`)
	quantityRE   = regexp.MustCompile(`จำนวน\s*([0-9๐-๙]+\s*(?:ชุด|ฉบับ|แผ่น|เล่ม|หน้า|แผ่นดิสก์|แผ่นซีดี|รายการ|เรื่อง|แฟ้ม|ไฟล์|ผืน|ม้วน|กล่อง))`)
	qrRE         = regexp.MustCompile(`(?i)QR\s*Code\s*(?:ด้านล่าง|ท้ายหนังสือ|แนบท้าย|ที่แนบ)(?:นี้)?`)
)

// itemSeq returns the item number at the start of s and the text after it.
func itemSeq(s string) (int, string) {
	m := itemNumberRE.FindStringSubmatch(s)
	if m == nil {
		return 0, s
	}
	d := m[1]
	if d == "" {
		d = m[2]
	}
	return atoiSafe(toArabic(d)), strings.TrimSpace(s[len(m[0]):])
}

// parseCitation reads one reference or enclosure item.
func parseCitation(raw string, c dateCtx) (Citation, []Flag) {
	ct := Citation{Raw: raw, Kind: "other", Confidence: 0.85}
	seq, text := itemSeq(raw)
	ct.Seq = seq
	var flags []Flag
	if u := urlRE.FindString(text); u != "" {
		ct.URL = strings.TrimRight(u, ".,;>")
		ct.Kind = "link"
	}
	if m := quantityRE.FindStringSubmatch(text); m != nil {
		ct.Quantity = collapseSpace(toArabic(m[1]))
	}
	if strings.Contains(text, "มติคณะรัฐมนตรี") || strings.Contains(text, "มติ ครม") {
		ct.Kind = "cabinet_resolution"
	}
	// the cited number: "ที่ <number>" anywhere in the item
	for _, loc := range findAll(text, "ที่") {
		rest := strings.TrimLeft(text[loc+len("ที่"):], " ")
		if n, ok := parseNumber(rest); ok && n.lettersOK {
			ct.DocNumber = n.canonical()
			if ct.Kind == "other" {
				ct.Kind = "letter"
			}
			// issuer and urgency between หนังสือ and ที่
			head := text[:loc]
			if i := strings.Index(head, "หนังสือ"); i >= 0 {
				head = head[i+len("หนังสือ"):]
			}
			head = strings.TrimSpace(head)
			for _, u := range []string{"ด่วนที่สุด", "ด่วนมาก", "ด่วน"} {
				if strings.HasSuffix(head, u) {
					ct.Urgency = urgencyCode(u)
					head = strings.TrimSpace(strings.TrimSuffix(head, u))
					break
				}
			}
			ct.Issuer = head
			break
		}
	}
	// the date: after ลงวันที่ / เมื่อวันที่ / วันที่, else the first date
	hs := findDates(text)
	if len(hs) > 0 {
		h := hs[0]
		if r, ok := resolve(h, c, "references"); ok {
			ct.Date = dateField(h, r)
			for _, f := range r.flags {
				if f.Code == FlagWeekdayMismatch || f.Code == FlagRepaired {
					flags = append(flags, f)
				}
			}
		}
	}
	if i := strings.Index(text, "เรื่อง"); i >= 0 {
		ct.Subject = strings.TrimSpace(text[i+len("เรื่อง"):])
	}
	return ct, flags
}

// findAll returns the byte offsets of sub in s.
func findAll(s, sub string) []int {
	var out []int
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			break
		}
		out = append(out, i+j)
		i += j + len(sub)
		if len(out) > 50 {
			break
		}
	}
	return out
}

func urgencyCode(mark string) string {
	switch mark {
	case "ด่วนที่สุด":
		return "most_urgent"
	case "ด่วนมาก":
		return "very_urgent"
	case "ด่วน":
		return "urgent"
	}
	return ""
}

// urgencyOf returns the urgency code of a line that is an urgency mark (ด่วนที่สุด…), allowing
// OCR's lost marks, or "".
func urgencyOf(t string) string {
	t = strings.TrimSpace(strings.Trim(t, "*-•·.:"))
	if runeLen(t) > 14 {
		return ""
	}
	sk := strings.ReplaceAll(skeleton(t), " ", "")
	switch sk {
	case skeleton("ด่วนที่สุด"):
		return "most_urgent"
	case skeleton("ด่วนมาก"):
		return "very_urgent"
	case skeleton("ด่วน"):
		return "urgent"
	}
	if strings.HasPrefix(sk, skeleton("ด่วนภายใน")) {
		return "urgent"
	}
	return ""
}

// secrecyOf returns the secrecy code of a line that is a secrecy mark, or "".
func secrecyOf(t string) string {
	t = strings.TrimSpace(strings.Trim(t, "*-•·.:"))
	switch strings.ReplaceAll(skeleton(t), " ", "") {
	case skeleton("ลับที่สุด"):
		return "top_secret"
	case skeleton("ลับมาก"):
		return "secret"
	case skeleton("ลับ"):
		return "confidential"
	}
	return ""
}

// bigramDice is the Dice coefficient of the rune bigrams of a and b.
func bigramDice(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 2 || len(rb) < 2 {
		return 0
	}
	m := map[[2]rune]int{}
	for i := 0; i+1 < len(ra); i++ {
		m[[2]rune{ra[i], ra[i+1]}]++
	}
	common := 0
	for i := 0; i+1 < len(rb); i++ {
		k := [2]rune{rb[i], rb[i+1]}
		if m[k] > 0 {
			m[k]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(ra)-1+len(rb)-1)
}
