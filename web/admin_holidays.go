package web

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Holidays: the government holidays of a BE year (working days skip them), add or remove one,
// import a holidays file (deploy/holidays/*.yaml) like `saraban holidays import`.

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin/holidays", h: s.adminHolidays},
			{pattern: "POST /admin/holidays", h: s.adminHolidayAdd},
			{pattern: "POST /admin/holidays/remove", h: s.adminHolidayRemove},
			{pattern: "POST /admin/holidays/import", h: s.adminHolidayImport},
		}
	})
	addMessages(map[string][2]string{
		"admin.hol.year":           {"ปี พ.ศ.", "Year (BE)"},
		"admin.hol.date":           {"วันที่", "Date"},
		"admin.hol.day":            {"วัน", "Day"},
		"admin.hol.name":           {"ชื่อวันหยุด", "Holiday"},
		"admin.hol.estimated":      {"ประมาณการ", "estimated"},
		"admin.hol.estimated_q":    {"ยังเป็นวันที่ประมาณการ (ยังไม่ได้ตรวจกับประกาศ)", "Estimated (not yet checked against the announcement)"},
		"admin.hol.estimated_note": {"วันที่ทำเครื่องหมาย «ประมาณการ» คำนวณไว้ล่วงหน้า ต้องตรวจกับประกาศสำนักนายกรัฐมนตรี/มติคณะรัฐมนตรีของปีนั้น", "Dates marked estimated were computed: check them against the cabinet announcement for the year."},
		"admin.hol.none":           {"ยังไม่มีวันหยุดของปี %s ระบบนับเฉพาะเสาร์-อาทิตย์เป็นวันหยุด", "No holidays for %s: only weekends are skipped."},
		"admin.hol.count":          {"%s วัน", "%s days"},
		"admin.hol.remove":         {"ลบ", "Remove"},
		"admin.hol.confirm_remove": {"ลบวันหยุดนี้? กำหนดเวลาที่คำนวณใหม่จะนับวันนี้เป็นวันทำการ", "Remove this holiday? Deadlines computed from now on count it as a working day."},
		"admin.hol.add":            {"เพิ่มวันหยุด", "Add a holiday"},
		"admin.hol.added":          {"เพิ่มวันหยุด %s แล้ว", "Holiday %s added."},
		"admin.hol.removed":        {"ลบวันหยุด %s แล้ว", "Holiday %s removed."},
		"admin.hol.import":         {"นำเข้าไฟล์วันหยุด (YAML)", "Import a holidays file (YAML)"},
		"admin.hol.import_note":    {"ไฟล์รูปแบบเดียวกับ deploy/holidays/2569.yaml: - {date: 2026-01-01, name: วันขึ้นปีใหม่, estimated: false} นำเข้าซ้ำได้ไม่เกิดรายการซ้ำ", "Same format as deploy/holidays/2569.yaml: - {date: 2026-01-01, name: วันขึ้นปีใหม่, estimated: false}. Importing twice changes nothing."},
		"admin.hol.file":           {"ไฟล์", "File"},
		"admin.hol.prune":          {"ลบวันหยุดของปีเดียวกันที่ไม่มีในไฟล์ (ใช้เมื่อแก้วันที่ประมาณการ)", "Also remove the holidays of the file's years that the file no longer lists (to correct a date)"},
		"admin.hol.do_import":      {"นำเข้า", "Import"},
		"admin.hol.imported":       {"นำเข้าแล้ว: เพิ่ม %s แก้ไข %s ไม่เปลี่ยน %s ลบ %s", "Imported: %s added, %s changed, %s unchanged, %s removed."},
		"admin.hol.problems":       {"ไฟล์วันหยุดมีปัญหา ยังไม่ได้นำเข้า ไม่มีข้อมูลใดเปลี่ยน", "The holidays file has problems: nothing was imported and nothing changed."},
		"admin.hol.bad_date":       {"วันที่ไม่ถูกต้อง", "Not a valid date"},
	})
}

type adminHolidaysData struct {
	Year      int
	Years     []int
	Holidays  []storage.Holiday
	Estimated int
	Problems  []string
	// the add form, kept after a refusal
	Date, Name string
}

func (s *Server) holidaysData(r *http.Request, year int) (adminHolidaysData, error) {
	d := adminHolidaysData{Year: year}
	ys, err := s.DB.HolidayYears(r.Context())
	if err != nil {
		return d, err
	}
	now := beYear(s)
	seen := map[int]bool{}
	for _, y := range append(ys, now, now+1, year) {
		if !seen[y] {
			seen[y] = true
			d.Years = append(d.Years, y)
		}
	}
	sort.Ints(d.Years)
	ce := year - 543
	d.Holidays, err = s.DB.Holidays(r.Context(), thai.Date{Year: ce, Month: 1, Day: 1}, thai.Date{Year: ce, Month: 12, Day: 31})
	for _, h := range d.Holidays {
		if h.Estimated {
			d.Estimated++
		}
	}
	return d, err
}

// yearParam reads ?year= as a BE year (a CE year is turned into BE); the current year otherwise.
func (s *Server) yearParam(v string) int {
	y, err := strconv.Atoi(strings.TrimSpace(c2a(v)))
	switch {
	case err != nil:
		return beYear(s)
	case y >= 2400 && y <= 2942:
		return y
	case y >= 1900 && y < 2400:
		return y + 543
	}
	return beYear(s)
}

// c2a turns Thai digits into Arabic ones.
func c2a(s string) string { return thai.ToArabicDigits(s) }

func (s *Server) adminHolidays(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	d, err := s.holidaysData(r, s.yearParam(r.URL.Query().Get("year")))
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "admin-holidays", d)
	return nil
}

func (s *Server) adminHolidayAdd(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	raw := strings.TrimSpace(r.PostFormValue("date"))
	name := strings.TrimSpace(r.PostFormValue("name"))
	day, derr := thai.ParseDate(c2a(raw))
	year := beYear(s)
	if derr == nil {
		year = day.BE()
	}
	refuse := func(status int, msg string) error {
		d, err := s.holidaysData(r, year)
		if err != nil {
			return err
		}
		d.Problems, d.Date, d.Name = []string{msg}, raw, name
		s.render(w, r, c, status, "admin-holidays", d)
		return nil
	}
	if derr != nil {
		return refuse(http.StatusUnprocessableEntity, c.T("admin.hol.bad_date")+": "+raw+" ("+derr.Error()+")")
	}
	actor, capacity := adminActor(c)
	err := s.DB.AddHoliday(r.Context(), storage.Holiday{Date: day, Name: name, Estimated: r.PostFormValue("estimated") != ""}, actor, capacity)
	switch {
	case errors.Is(err, storage.ErrConflict), errors.Is(err, storage.ErrInvalid):
		return refuse(http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		return err
	}
	s.redirect(w, r, "/admin/holidays?year="+strconv.Itoa(year), c.T("admin.hol.added", c.Date(day)+" "+name))
	return nil
}

func (s *Server) adminHolidayRemove(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	day, err := thai.ParseDate(r.PostFormValue("date"))
	if err != nil {
		return errPage(http.StatusBadRequest, "วันที่ไม่ถูกต้อง", "Not a valid date.")
	}
	actor, capacity := adminActor(c)
	if err := s.DB.RemoveHoliday(r.Context(), day, actor, capacity); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/holidays?year="+strconv.Itoa(day.BE()), c.T("admin.hol.removed", c.Date(day)))
	return nil
}

func (s *Server) adminHolidayImport(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return errPage(http.StatusRequestEntityTooLarge, "ไฟล์ใหญ่เกินไปหรืออ่านไม่ได้", "The file is too large or unreadable.")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return errPage(http.StatusBadRequest, "กรุณาเลือกไฟล์วันหยุด", "Choose a holidays file.")
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	hs, err := storage.ParseHolidays(b)
	var fe *storage.HolidayFileError
	if errors.As(err, &fe) {
		d, derr := s.holidaysData(r, s.yearParam(r.FormValue("year")))
		if derr != nil {
			return derr
		}
		d.Problems = append([]string{c.T("admin.hol.problems")}, fe.Problems...)
		s.render(w, r, c, http.StatusUnprocessableEntity, "admin-holidays", d)
		return nil
	}
	if err != nil {
		return err
	}
	actor, _ := adminActor(c)
	res, err := s.DB.SyncHolidays(r.Context(), hs, actor, r.FormValue("prune") != "")
	if err != nil {
		return err
	}
	year := s.yearParam(r.FormValue("year"))
	if len(res.Years) > 0 {
		year = res.Years[0]
	}
	s.redirect(w, r, "/admin/holidays?year="+strconv.Itoa(year),
		c.T("admin.hol.imported", c.Num(res.Inserted), c.Num(res.Updated), c.Num(res.Unchanged), c.Num(res.Removed)))
	return nil
}

// AdminWeekday is the Thai (or English) name of a holiday's weekday.
func (c *Ctx) AdminWeekday(d thai.Date) string {
	if c.Lang == "en" {
		return d.Weekday().String()
	}
	return thai.WeekdayName(d.Weekday())
}
