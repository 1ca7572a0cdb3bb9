package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/thai"
)

// Messages are the words of the screens in Thai and English: key → {th, en}. Thai is the
// default; a key missing in English falls back to Thai. Screen files add their own keys with
// addMessages in an init function (TestMessagesComplete checks every key a template uses).
var (
	messagesMu sync.RWMutex
	messages   = map[string][2]string{}
)

func addMessages(m map[string][2]string) {
	messagesMu.Lock()
	defer messagesMu.Unlock()
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}

func init() {
	addMessages(map[string][2]string{
		"app.name":             {"สารบรรณอิเล็กทรอนิกส์", "e-Saraban"},
		"nav.inbox":            {"งานของฉัน", "My work"},
		"nav.receive":          {"ลงรับหนังสือ", "Register a letter"},
		"nav.outgoing":         {"หนังสือส่ง", "Outgoing"},
		"nav.registers":        {"ทะเบียน", "Registers"},
		"nav.delegations":      {"มอบอำนาจ", "Delegations"},
		"nav.admin":            {"ผู้ดูแลระบบ", "Administration"},
		"nav.logout":           {"ออกจากระบบ", "Sign out"},
		"nav.capacity":         {"ปฏิบัติงานในฐานะ", "Acting as"},
		"nav.switch":           {"เปลี่ยน", "Switch"},
		"nav.skip":             {"ข้ามไปยังเนื้อหา", "Skip to content"},
		"lang.other":           {"English", "ภาษาไทย"},
		"lang.other.code":      {"en", "th"},
		"login.title":          {"เข้าสู่ระบบ", "Sign in"},
		"login.username":       {"ชื่อผู้ใช้", "Username"},
		"login.password":       {"รหัสผ่าน", "Password"},
		"login.submit":         {"เข้าสู่ระบบ", "Sign in"},
		"login.oidc":           {"เข้าสู่ระบบด้วยบัญชีของหน่วยงาน", "Sign in with your agency account"},
		"login.wrong":          {"ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password."},
		"login.locked":         {"บัญชีถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง ลองใหม่ได้หลัง %s", "Too many wrong passwords: the account is locked until %s."},
		"login.disabled":       {"บัญชีนี้ถูกระงับ กรุณาติดต่อผู้ดูแลระบบ", "This account is disabled; ask an administrator."},
		"login.expired":        {"แบบฟอร์มหมดอายุ กรุณาลองอีกครั้ง", "The form expired; try again."},
		"capacity.changed":     {"ตอนนี้ท่านปฏิบัติงานในฐานะ %s", "You now act as %s."},
		"error.title":          {"ทำรายการไม่ได้", "Could not do that"},
		"error.not_found":      {"ไม่พบสิ่งที่ต้องการ หรือท่านไม่มีสิทธิ์เห็น", "Not found, or you may not see it."},
		"error.internal":       {"ระบบขัดข้องชั่วคราว ไม่มีข้อมูลใดสูญหาย กรุณาลองใหม่อีกครั้ง", "Something went wrong on our side; nothing was lost. Try again."},
		"error.back":           {"กลับ", "Back"},
		"error.home":           {"ไปหน้างานของฉัน", "Go to my work"},
		"urgency.normal":       {"ปกติ", "normal"},
		"urgency.urgent":       {"ด่วน", "urgent"},
		"urgency.very_urgent":  {"ด่วนมาก", "very urgent"},
		"urgency.most_urgent":  {"ด่วนที่สุด", "most urgent"},
		"secrecy.normal":       {"ปกติ", "not classified"},
		"secrecy.confidential": {"ลับ", "confidential"},
		"secrecy.secret":       {"ลับมาก", "secret"},
		"secrecy.top_secret":   {"ลับที่สุด", "top secret"},
		"common.save":          {"บันทึก", "Save"},
		"common.cancel":        {"ยกเลิก", "Cancel"},
		"common.none":          {"ไม่มี", "none"},
		"common.more":          {"ทั้งหมด", "all"},
	})
}

// T translates a key into the request's language; extra arguments fill %s/%d verbs.
func (c *Ctx) T(key string, args ...any) string {
	messagesMu.RLock()
	m, ok := messages[key]
	messagesMu.RUnlock()
	if !ok {
		return "[" + key + "]"
	}
	s := m[0]
	if c.Lang == "en" && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

func (c *Ctx) digits() thai.Digits {
	if c.s == nil {
		return thai.ThaiDigits
	}
	return c.s.Digits
}

// Num prints a number in the configured digits.
func (c *Ctx) Num(n any) string {
	var s string
	switch v := n.(type) {
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case *int:
		if v == nil {
			return ""
		}
		s = strconv.Itoa(*v)
	default:
		s = fmt.Sprint(v)
	}
	return c.digits().Apply(s)
}

// Digits rewrites every digit of a string in the configured script (document numbers, ...).
func (c *Ctx) Digits(s string) string { return c.digits().Apply(s) }

// Date prints the Bangkok calendar day of an instant, or a thai.Date, in BE ("๖ ธ.ค. ๒๕๖๙").
func (c *Ctx) Date(v any) string {
	var d thai.Date
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		d = thai.DateOf(t.In(thai.Bangkok))
	case *time.Time:
		if t == nil || t.IsZero() {
			return ""
		}
		d = thai.DateOf(t.In(thai.Bangkok))
	case thai.Date:
		if t.IsZero() {
			return ""
		}
		d = t
	case *thai.Date:
		if t == nil || t.IsZero() {
			return ""
		}
		d = *t
	default:
		return fmt.Sprint(v)
	}
	return thai.FormatDate(d, thai.DateStyle{Digits: c.digits(), Abbrev: true})
}

// LongDate prints a date as letters do ("๖ ธันวาคม ๒๕๖๙").
func (c *Ctx) LongDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return thai.FormatDate(thai.DateOf(t.In(thai.Bangkok)), thai.DateStyle{Digits: c.digits()})
}

// Urgency is the word for an urgency class as paper prints it (ด่วนที่สุด).
func (c *Ctx) Urgency(u string) string {
	if u == "" || u == "normal" {
		return ""
	}
	if c.Lang == "en" {
		return c.T("urgency." + u)
	}
	if v, err := domain.ParseUrgency(u); err == nil {
		return v.Thai()
	}
	return u
}

// Secrecy is the word for a secrecy class ("" for an unclassified letter).
func (c *Ctx) Secrecy(s string) string {
	if s == "" || s == "normal" {
		return ""
	}
	return c.T("secrecy." + s)
}

// Capacity is the capacity the person acts in, as "title (unit)".
func (c *Ctx) Capacity() string {
	p := c.Subj.Capacity
	if p.Title == "" {
		return ""
	}
	if p.UnitName == "" || strings.Contains(p.Title, p.UnitName) {
		return p.Title
	}
	return p.Title + " · " + p.UnitName
}

// template functions that need no request.
var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"eq1": func(a, b string) bool { return a == b },
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
}

// Badge draws an urgency the way paper shows it: ด่วนที่สุด in red, bold and framed.
func (c *Ctx) Badge(urgency string) template.HTML {
	w := c.Urgency(urgency)
	if w == "" {
		return ""
	}
	return template.HTML(`<span class="urgency u-` + template.HTMLEscapeString(urgency) + `">` + template.HTMLEscapeString(w) + `</span>`)
}

// SecrecyBadge draws a secrecy class (ลับ, ลับมาก) as a framed red word.
func (c *Ctx) SecrecyBadge(secrecy string) template.HTML {
	w := c.Secrecy(secrecy)
	if w == "" {
		return ""
	}
	return template.HTML(`<span class="secrecy s-` + template.HTMLEscapeString(secrecy) + `">` + template.HTMLEscapeString(w) + `</span>`)
}
