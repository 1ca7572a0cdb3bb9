package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Registers (ทะเบียน):
//
//	GET /registers                          the registers the person may see, with counts per year
//	GET /registers/search?q=&register=&year=&status=&urgency=&unit=&page=
//	                                        letters the person may open, by a Thai substring of
//	                                        the subject, the sender or the document number
//	GET /registers/{code}/export.csv?year=  the register book of a year, as `saraban register export`
//
// Who sees what is policy's (policy/registers.go): the list and the export need a position in
// the register's unit or above; the search lists only letters ViewLetter would open. In an
// export, a line of a letter classified above the person's clearance keeps its number, time,
// class and status and shows nothing else, so that the book has no gap and no content leaks.

// searchPage is how many lines a search page shows.
const searchPage = 50

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /registers", h: s.registersList},
			{pattern: "GET /registers/search", h: s.registersSearch},
			{pattern: "GET /registers/{code}/export.csv", h: s.registersExport},
		}
	})
	addMessages(map[string][2]string{
		"registers.title":            {"ทะเบียนหนังสือ", "Registers"},
		"registers.search":           {"ค้นหาหนังสือ", "Search letters"},
		"registers.search_title":     {"ผลการค้นหาในทะเบียน", "Register search"},
		"registers.q":                {"คำค้น (เรื่อง จาก หรือเลขที่หนังสือ)", "Words (subject, from, or document number)"},
		"registers.q_hint":           {"พิมพ์คำใดก็ได้ในเรื่อง เช่น ที่ดิน", "any part of the subject, e.g. ที่ดิน"},
		"registers.register":         {"ทะเบียน", "Register"},
		"registers.year":             {"ปี พ.ศ.", "Year (BE)"},
		"registers.status":           {"สถานะ", "Status"},
		"registers.urgency":          {"ความเร่งด่วน", "Urgency"},
		"registers.unit":             {"หน่วยงาน", "Unit"},
		"registers.any":              {"ทั้งหมด", "any"},
		"registers.go":               {"ค้นหา", "Search"},
		"registers.clear":            {"ล้างเงื่อนไข", "Clear"},
		"registers.status.open":      {"ดำเนินการอยู่", "open"},
		"registers.status.closed":    {"ปิดเรื่องแล้ว", "closed"},
		"registers.status.cancelled": {"ยกเลิกเลขรับ", "cancelled entry"},
		"registers.stage.received":   {"รับเข้า", "received"},
		"registers.stage.registered": {"ลงรับแล้ว", "registered"},
		"registers.stage.closed":     {"ปิดเรื่อง", "closed"},
		"registers.kind.receive":     {"ทะเบียนหนังสือรับ", "receive register"},
		"registers.kind.send":        {"ทะเบียนหนังสือส่ง", "send register"},
		"registers.count":            {"%s รายการ", "%s entries"},
		"registers.cancelled_n":      {"ยกเลิก %s", "%s cancelled"},
		"registers.export":           {"ส่งออก CSV ปี %s", "Export CSV %s"},
		"registers.none":             {"ท่านยังไม่มีทะเบียนที่เปิดดูได้ (ต้องมีตำแหน่งในหน่วยงานเจ้าของทะเบียนหรือหน่วยงานเหนือขึ้นไป)", "There is no register you may see (that needs a position in the register's unit or a unit above it)."},
		"registers.empty_year":       {"ยังไม่มีรายการ", "no entries yet"},
		"registers.found":            {"พบ %s รายการ", "%s found"},
		"registers.nothing":          {"ไม่พบหนังสือที่ตรงกับเงื่อนไข", "No letter matches."},
		"registers.col.number":       {"เลขรับ", "No."},
		"registers.col.date":         {"ลงวันที่", "Dated"},
		"registers.col.subject":      {"เรื่อง", "Subject"},
		"registers.col.from":         {"จาก", "From"},
		"registers.col.stage":        {"สถานะ", "Stage"},
		"registers.received":         {"รับ %s", "received %s"},
		"registers.prev":             {"« ก่อนหน้า", "« Previous"},
		"registers.next":             {"ถัดไป »", "Next »"},
		"registers.page":             {"หน้า %s จาก %s", "page %s of %s"},
		"registers.bad_year":         {"ปี พ.ศ. ไม่ถูกต้อง ใช้ตัวเลขสี่หลัก เช่น ๒๕๖๙", "The year is a BE year such as 2569."},
		"registers.redacted":         {"ชั้นความลับสูงกว่าสิทธิ์ของผู้ส่งออก: ไม่แสดงรายละเอียด", "classified above the exporter's clearance: details withheld"},
		"registers.scope_note":       {"แสดงเฉพาะหนังสือที่ท่านมีสิทธิ์เปิดอ่าน (ตามหน่วยงาน งานที่ได้รับ และชั้นความลับ)", "Only letters you may open are listed (by unit, task and clearance)."},
	})
}

type registerCard struct {
	storage.Register
	Years []storage.YearCount
}

type registersData struct {
	Registers []registerCard
	Form      searchForm
	Years     []int
	Units     []storage.UnitChoice
	ThisYear  int
}

// searchForm is the search's filters, as typed.
type searchForm struct {
	Q, Register, Year, Status, Urgency, Unit string
	Page                                     int
}

func (f searchForm) query(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Q, "register": f.Register, "year": f.Year, "status": f.Status, "urgency": f.Urgency, "unit": f.Unit} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// Statuses and Urgencies are the filter choices.
func (f searchForm) Statuses() []string { return []string{"open", "closed", "cancelled"} }
func (f searchForm) Urgencies() []string {
	return []string{"normal", "urgent", "very_urgent", "most_urgent"}
}

// visibleRegisters are the registers the person may see, with their counts per year.
func (s *Server) visibleRegisters(ctx context.Context, c *Ctx) ([]registerCard, []int, error) {
	all, err := s.DB.ListRegisters(ctx)
	if err != nil {
		return nil, nil, err
	}
	regs, err := s.Policy.VisibleRegisters(ctx, c.Subj, all)
	if err != nil {
		return nil, nil, err
	}
	// The registers of the person's own units first, then those of the units below them.
	own := func(g storage.Register) bool {
		for _, p := range c.Subj.Positions {
			if p.UnitCode == g.UnitCode {
				return true
			}
		}
		return false
	}
	sort.SliceStable(regs, func(i, j int) bool { return own(regs[i]) && !own(regs[j]) })
	codes := make([]string, len(regs))
	for i, g := range regs {
		codes[i] = g.Code
	}
	counts, err := s.DB.RegisterYearCounts(ctx, codes)
	if err != nil {
		return nil, nil, err
	}
	seen := map[int]bool{thai.BEYear(s.Now()): true}
	years := []int{thai.BEYear(s.Now())}
	cards := make([]registerCard, len(regs))
	for i, g := range regs {
		cards[i] = registerCard{Register: g, Years: counts[g.Code]}
		for _, y := range counts[g.Code] {
			if !seen[y.Year] {
				seen[y.Year] = true
				years = append(years, y.Year)
			}
		}
	}
	for i := 1; i < len(years); i++ { // newest first
		for j := i; j > 0 && years[j] > years[j-1]; j-- {
			years[j], years[j-1] = years[j-1], years[j]
		}
	}
	return cards, years, nil
}

func (s *Server) registersData(r *http.Request, c *Ctx) (registersData, error) {
	cards, years, err := s.visibleRegisters(r.Context(), c)
	if err != nil {
		return registersData{}, err
	}
	d := registersData{Registers: cards, Years: years, ThisYear: thai.BEYear(s.Now())}
	if !s.Policy.LetterScope(c.Subj).None {
		if d.Units, err = s.DB.UnitsUnder(r.Context(), c.Subj.PersonID); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Server) registersList(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	d, err := s.registersData(r, c)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "registers", d)
	return nil
}

type searchData struct {
	registersData
	Rows      []storage.SearchRow
	Total     int
	Page      int
	Pages     int
	PrevQuery string
	NextQuery string
	Error     string
	None      bool // the person sees no letters at all
}

func (s *Server) registersSearch(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	base, err := s.registersData(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := searchForm{Q: strings.TrimSpace(q.Get("q")), Register: q.Get("register"), Year: thai.ToArabicDigits(strings.TrimSpace(q.Get("year"))),
		Status: q.Get("status"), Urgency: q.Get("urgency"), Unit: q.Get("unit")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	base.Form = f
	d := searchData{registersData: base, Page: f.Page}
	scope := s.Policy.LetterScope(c.Subj)
	if scope.None {
		d.None = true
		s.render(w, r, c, http.StatusOK, "registers_search", d)
		return nil
	}
	ls := storage.LetterSearch{PersonID: scope.PersonID, Q: f.Q, Register: f.Register, Unit: f.Unit,
		Limit: searchPage, Offset: (f.Page - 1) * searchPage}
	if f.Year != "" {
		y, err := thai.ParseNumber(f.Year)
		if err != nil || y < 2400 || y > 2800 {
			d.Error = c.T("registers.bad_year")
			s.render(w, r, c, http.StatusUnprocessableEntity, "registers_search", d)
			return nil
		}
		ls.Year = y
	}
	if contains(f.Statuses(), f.Status) {
		ls.Status = f.Status
	}
	if contains(f.Urgencies(), f.Urgency) {
		ls.Urgency = f.Urgency
	}
	d.Rows, d.Total, err = s.DB.SearchLetters(r.Context(), ls)
	if err != nil {
		return err
	}
	d.Pages = (d.Total + searchPage - 1) / searchPage
	if f.Page > 1 {
		d.PrevQuery = f.query(f.Page - 1)
	}
	if f.Page < d.Pages {
		d.NextQuery = f.query(f.Page + 1)
	}
	s.render(w, r, c, http.StatusOK, "registers_search", d)
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// RegisterDocNo prints a document number with its ที่ once, in the configured digits.
func (c *Ctx) RegisterDocNo(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if !strings.HasPrefix(raw, "ที่") {
		raw = "ที่ " + raw
	}
	return c.Digits(raw)
}

// RegisterMark escapes text and marks where the search words occur in it (digits in either
// script), so that the clerk sees why a line was found.
func (c *Ctx) RegisterMark(text, q string) template.HTML {
	q = strings.TrimSpace(q)
	shown := c.Digits(text)
	if q == "" {
		return template.HTML(template.HTMLEscapeString(shown))
	}
	needle := c.Digits(q)
	var b strings.Builder
	for {
		i := strings.Index(shown, needle)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(shown))
			break
		}
		b.WriteString(template.HTMLEscapeString(shown[:i]))
		b.WriteString("<mark>" + template.HTMLEscapeString(needle) + "</mark>")
		shown = shown[i+len(needle):]
	}
	return template.HTML(b.String())
}

// RegisterStage names a letter's stage in the request's language.
func (c *Ctx) RegisterStage(stage string) string {
	if stage == "" {
		return ""
	}
	if t := c.T("registers.stage." + stage); !strings.HasPrefix(t, "[") {
		return t
	}
	return stage
}

func (s *Server) registersExport(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	ctx := r.Context()
	reg, err := s.DB.GetRegister(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	d, err := s.Policy.ExportRegister(ctx, c.Subj, reg)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	year := thai.BEYear(s.Now())
	if y := strings.TrimSpace(r.URL.Query().Get("year")); y != "" {
		n, err := thai.ParseNumber(y)
		if err != nil || n < 2400 || n > 2800 {
			return errPage(http.StatusBadRequest, "ปี พ.ศ. ไม่ถูกต้อง ใช้ตัวเลขสี่หลัก เช่น ๒๕๖๙", "The year is a BE year such as 2569.")
		}
		year = n
	}
	// The export is written to the audit log before a line leaves.
	if err := s.DB.Transact(ctx, func(tx storageTx) error {
		return storage.Audit(ctx, tx, c.Subj.PersonID, c.Subj.CapacityText(), "register.export", "register", reg.Code,
			map[string]any{"year": year, "via": "web", "clearance": c.Subj.Clearance})
	}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.csv"`, reg.Code, year))
	w.Header().Set("Cache-Control", "private, no-store")
	redacted := c.T("registers.redacted")
	if reg.Kind == "send" {
		cw := csv.NewWriter(w)
		if err := cw.Write(storage.SendColumns); err != nil {
			return nil
		}
		err = s.DB.ExportSendRegister(ctx, reg.Code, year, func(row storage.SendRow) error {
			if policy.RedactLine(c.Subj, row.Secrecy) {
				row = storage.SendRow{Series: row.Series, SendNumber: row.SendNumber, NumberedAt: row.NumberedAt,
					Secrecy: row.Secrecy, Status: row.Status, Note: redacted}
			}
			return cw.Write(row.Fields())
		})
		cw.Flush()
	} else {
		mw := manifest.NewCSVWriter(w)
		err = s.DB.ExportRegister(ctx, reg.Code, year, func(row manifest.Row) error {
			if policy.RedactLine(c.Subj, row.Secrecy) {
				row = manifest.Row{ReceiveNumber: row.ReceiveNumber, ReceivedAt: row.ReceivedAt, Secrecy: row.Secrecy,
					Status: row.Status, Note: redacted}
			}
			return mw.Write(row)
		})
		if err == nil {
			err = mw.Close()
		}
	}
	if err != nil {
		// The header is sent: the file is cut short, and the log says why.
		s.Log.Error("web: register export failed", "register", reg.Code, "year", year, "err", err)
	}
	return nil
}
