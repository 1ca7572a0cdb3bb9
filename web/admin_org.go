package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Units and people. The organisation file (YAML, `saraban org import`) is the source of truth:
// the screen shows the stored organisation, downloads it as a file, and takes an edited file
// back (validated with every problem's line, then a preview of what would change, then the
// import). The only direct edits are a person's clearance and active flag, which the exported
// file then carries.

// maxOrgFile is the largest organisation file the screen accepts.
const maxOrgFile = 4 << 20

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin/org", h: s.adminOrg},
			{pattern: "GET /admin/org.yaml", h: s.adminOrgYAML},
			{pattern: "POST /admin/org/check", h: s.adminOrgCheck},
			{pattern: "POST /admin/org/import", h: s.adminOrgImport},
			{pattern: "POST /admin/people/{id}", h: s.adminPerson},
		}
	})
	addMessages(map[string][2]string{
		"admin.org.agency":             {"ส่วนราชการ", "Agency"},
		"admin.org.letters":            {"รหัสตัวพยัญชนะ", "Letter code"},
		"admin.org.tree":               {"โครงสร้างหน่วยงาน", "Unit tree"},
		"admin.org.owner":              {"เลขประจำเจ้าของเรื่อง", "Owner code"},
		"admin.org.head":               {"หัวหน้าหน่วยงาน", "Head"},
		"admin.org.no_head":            {"ยังไม่กำหนดหัวหน้า", "no head"},
		"admin.org.members":            {"จำนวนคน", "People"},
		"admin.org.positions":          {"ตำแหน่ง", "Positions"},
		"admin.org.clearance":          {"ชั้นความลับที่เข้าถึงได้", "Clearance"},
		"admin.org.active":             {"ใช้งาน", "Active"},
		"admin.org.account":            {"บัญชีผู้ใช้", "Account"},
		"admin.org.no_account":         {"ยังไม่มีบัญชี", "no account"},
		"admin.org.head_mark":          {"หัวหน้า", "head"},
		"admin.org.role.clerk":         {"สารบรรณ", "clerk"},
		"admin.org.role.head":          {"หัวหน้า", "head"},
		"admin.org.role.deputy":        {"รองหัวหน้า", "deputy"},
		"admin.org.role.staff":         {"เจ้าหน้าที่", "staff"},
		"admin.org.role.admin":         {"ผู้ดูแลระบบของหน่วย", "administrator"},
		"admin.org.clear.normal":       {"ปกติ", "normal"},
		"admin.org.clear.confidential": {"ลับ", "confidential"},
		"admin.org.clear.secret":       {"ลับมาก", "secret"},
		"admin.org.save":               {"บันทึก", "Save"},
		"admin.org.file":               {"ไฟล์โครงสร้างหน่วยงาน (YAML)", "Organisation file (YAML)"},
		"admin.org.file_note":          {"โครงสร้างหน่วยงาน บุคลากร ตำแหน่ง และทะเบียน กำหนดจากไฟล์ YAML ไฟล์เดียว ดาวน์โหลดไฟล์ปัจจุบัน แก้ไข แล้วอัปโหลดกลับ ระบบจะตรวจไฟล์และแสดงสิ่งที่จะเปลี่ยนก่อนนำเข้าจริง การนำเข้าซ้ำไม่เปลี่ยนอะไรและทุกครั้งที่เปลี่ยนจะถูกบันทึกไว้", "Units, people, positions and registers come from one YAML file. Download the current file, edit it, and upload it: it is checked and what would change is shown before anything is imported. Importing the same file twice changes nothing; every change is recorded."},
		"admin.org.download":           {"ดาวน์โหลดไฟล์ปัจจุบัน", "Download the current file"},
		"admin.org.upload":             {"ไฟล์ที่แก้ไขแล้ว", "Edited file"},
		"admin.org.or_paste":           {"หรือวางเนื้อหาไฟล์", "or paste its text"},
		"admin.org.check":              {"ตรวจไฟล์และดูสิ่งที่จะเปลี่ยน", "Check and preview"},
		"admin.org.direct_note":        {"แก้ไขชั้นความลับและสถานะการใช้งานได้ที่นี่โดยตรง (บันทึกไว้ในบันทึกตรวจสอบ) หากนำเข้าไฟล์เก่าภายหลัง ค่าในไฟล์จะมาแทน จึงควรดาวน์โหลดไฟล์ใหม่หลังแก้ไข", "Clearance and the active flag can be changed here (recorded in the audit log). A later import of an older file sets them back from the file: download the file again after changing them."},
		"admin.org.person_saved":       {"บันทึกการเปลี่ยนแปลงของ %s แล้ว", "%s updated."},
		"admin.org.person_same":        {"ไม่มีอะไรเปลี่ยน", "Nothing changed."},
		"admin.org.check_title":        {"ตรวจไฟล์โครงสร้างหน่วยงาน", "Check the organisation file"},
		"admin.org.problems":           {"ไฟล์มีปัญหา %s รายการ ยังไม่ได้นำเข้า ไม่มีข้อมูลใดเปลี่ยน แก้ไฟล์แล้วอัปโหลดใหม่", "The file has %s problems. Nothing was imported and nothing changed: fix the file and upload it again."},
		"admin.org.unreadable":         {"อ่านไฟล์ไม่ได้ ยังไม่ได้นำเข้า ไม่มีข้อมูลใดเปลี่ยน", "The file could not be read. Nothing was imported and nothing changed."},
		"admin.org.conflict":           {"ไฟล์ถูกต้องแต่นำเข้าไม่ได้ ไม่มีข้อมูลใดเปลี่ยน", "The file is valid but cannot be imported; nothing changed."},
		"admin.org.line":               {"บรรทัด %s", "line %s"},
		"admin.org.source":             {"เนื้อหาไฟล์", "The file"},
		"admin.org.preview":            {"ไฟล์ถูกต้อง ถ้านำเข้าจะเปลี่ยนดังนี้", "The file is valid. Importing it would do this:"},
		"admin.org.nothing":            {"ไฟล์ตรงกับข้อมูลในระบบแล้ว ไม่มีอะไรต้องเปลี่ยน", "The file matches what is stored: nothing to change."},
		"admin.org.import":             {"นำเข้า", "Import"},
		"admin.org.imported":           {"นำเข้าแล้ว (บันทึกตรวจสอบรายการที่ %s)", "Imported (audit row %s)."},
		"admin.org.kind":               {"รายการ", "Items"},
		"admin.org.inserted":           {"เพิ่ม", "added"},
		"admin.org.updated":            {"แก้ไข", "changed"},
		"admin.org.unchanged":          {"ไม่เปลี่ยน", "unchanged"},
		"admin.org.removed":            {"ลบ", "removed"},
		"admin.org.not_in_file":        {"ไม่มีในไฟล์ (คงไว้)", "not in file (kept)"},
		"admin.org.changes":            {"รายละเอียด", "Changes"},
		"admin.org.kept":               {"ไม่มีในไฟล์แต่คงไว้ เพราะหนังสือและทะเบียนอาจอ้างถึง: %s", "Not in the file but kept (letters and register entries may refer to them): %s"},
		"admin.org.k.agency":           {"ส่วนราชการ", "agency"},
		"admin.org.k.units":            {"หน่วยงาน", "units"},
		"admin.org.k.people":           {"บุคลากร", "people"},
		"admin.org.k.positions":        {"ตำแหน่ง", "positions"},
		"admin.org.k.registers":        {"ทะเบียน", "registers"},
		"admin.org.back":               {"กลับไปหน้าหน่วยงานและบุคลากร", "Back to units and people"},
	})
}

type adminPerson struct {
	storage.Person
	Clearance string
	Account   string
}

type adminUnit struct {
	storage.Unit
	Members   int
	Registers []string
}

type adminOrgData struct {
	Agency storage.Agency
	Units  []adminUnit
	People []adminPerson
}

func (s *Server) adminOrg(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.DB.OrgSnapshot(ctx)
	if err != nil {
		return err
	}
	clear, err := s.DB.PersonClearance(ctx)
	if err != nil {
		return err
	}
	accts, err := s.DB.ListAccounts(ctx)
	if err != nil {
		return err
	}
	byPerson := map[string]string{}
	for _, a := range accts {
		byPerson[a.PersonID] = a.Username
	}
	members := map[string]int{}
	d := adminOrgData{Agency: o.Agency}
	for _, p := range o.People {
		for _, q := range p.Positions {
			members[q.UnitCode]++
		}
		d.People = append(d.People, adminPerson{Person: p, Clearance: clear[p.ID], Account: byPerson[p.ID]})
	}
	regs := map[string][]string{}
	for _, g := range o.Registers {
		regs[g.UnitCode] = append(regs[g.UnitCode], g.Code)
	}
	for _, u := range o.Units {
		d.Units = append(d.Units, adminUnit{Unit: u, Members: members[u.Code], Registers: regs[u.Code]})
	}
	s.render(w, r, c, http.StatusOK, "admin-org", d)
	return nil
}

func (s *Server) adminOrgYAML(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	f, err := s.DB.OrgFile(r.Context())
	if err != nil {
		return err
	}
	b, err := org.Marshal(f)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# The organisation of %s as stored on %s (saraban).\n# Edit it and import it again: saraban org import FILE, or the administration screen.\n\n",
		f.Agency.Name, s.Now().In(thai.Bangkok).Format("2006-01-02 15:04"))
	name := f.Agency.Code
	if name == "" {
		name = "organisation"
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.yaml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, head)
	_, _ = w.Write(b)
	return nil
}

type srcLine struct {
	N    int
	Text string
	Bad  bool
}

type adminOrgCheckData struct {
	Source     string
	Lines      []srcLine
	Problems   []org.Problem
	ParseError string
	Conflict   string
	Result     *storage.ImportResult
	Imported   bool
	Counts     []orgCount
}

type orgCount struct {
	Key string
	storage.ImportCounts
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// readOrgSource takes the file from an upload (multipart "file") or the pasted text ("yaml").
func readOrgSource(r *http.Request) ([]byte, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxOrgFile); err != nil {
			return nil, errPage(http.StatusRequestEntityTooLarge, "ไฟล์ใหญ่เกินไป", "The file is too large.")
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, maxOrgFile+1))
			if err != nil {
				return nil, err
			}
			if len(b) > maxOrgFile {
				return nil, errPage(http.StatusRequestEntityTooLarge, "ไฟล์ใหญ่เกินไป", "The file is too large.")
			}
			if len(strings.TrimSpace(string(b))) > 0 {
				return b, nil
			}
		}
	}
	return []byte(r.FormValue("yaml")), nil
}

// checkOrg parses, validates and previews (or, with doImport, imports) an organisation file.
func (s *Server) checkOrg(r *http.Request, c *Ctx, src []byte, doImport bool) (adminOrgCheckData, int, error) {
	d := adminOrgCheckData{Source: string(src)}
	bad := map[int]bool{}
	status := http.StatusOK
	f, err := org.Parse(src)
	var ve *org.ValidationError
	switch {
	case err != nil:
		d.ParseError = err.Error()
		for _, m := range lineRE.FindAllStringSubmatch(d.ParseError, -1) {
			n, _ := strconv.Atoi(m[1])
			bad[n] = true
		}
		status = http.StatusUnprocessableEntity
	default:
		var res storage.ImportResult
		if doImport {
			actor, _ := adminActor(c)
			res, err = s.DB.ImportOrg(r.Context(), f, actor)
		} else {
			res, err = s.DB.PreviewOrgImport(r.Context(), f)
		}
		switch {
		case errors.As(err, &ve):
			d.Problems = ve.Problems
			for _, p := range ve.Problems {
				bad[p.Line] = true
			}
			status = http.StatusUnprocessableEntity
		case errors.Is(err, storage.ErrConflict):
			d.Conflict = err.Error()
			status = http.StatusConflict
		case err != nil:
			return d, 0, err
		default:
			d.Result = &res
			d.Imported = doImport
			d.Counts = []orgCount{{"agency", res.Agency}, {"units", res.Units}, {"people", res.People}, {"positions", res.Positions}, {"registers", res.Registers}}
		}
	}
	for i, t := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
		d.Lines = append(d.Lines, srcLine{N: i + 1, Text: t, Bad: bad[i+1]})
	}
	return d, status, nil
}

func (s *Server) adminOrgCheck(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOrgFile+1<<20)
	src, err := readOrgSource(r)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(src)) == "" {
		return errPage(http.StatusBadRequest, "ไม่ได้เลือกไฟล์และไม่ได้วางเนื้อหา", "Choose a file or paste its text.")
	}
	d, status, err := s.checkOrg(r, c, src, false)
	if err != nil {
		return err
	}
	s.render(w, r, c, status, "admin-org-check", d)
	return nil
}

func (s *Server) adminOrgImport(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOrgFile+1<<20)
	src := r.PostFormValue("yaml")
	if strings.TrimSpace(src) == "" {
		return errPage(http.StatusBadRequest, "ไม่ได้เลือกไฟล์และไม่ได้วางเนื้อหา", "Choose a file or paste its text.")
	}
	d, status, err := s.checkOrg(r, c, []byte(src), true)
	if err != nil {
		return err
	}
	s.render(w, r, c, status, "admin-org-check", d)
	return nil
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	id := r.PathValue("id")
	active := r.PostFormValue("active") != ""
	if err := s.Policy.ChangePerson(c.Subj, id, active).Err(); err != nil {
		return err
	}
	actor, capacity := adminActor(c)
	changed, err := s.DB.SetPersonAccess(r.Context(), id, r.PostFormValue("clearance"), active, actor, capacity)
	if err != nil {
		return err
	}
	msg := c.T("admin.org.person_same")
	if changed {
		msg = c.T("admin.org.person_saved", id)
	}
	s.redirect(w, r, "/admin/org#person-"+id, msg)
	return nil
}

// AdminRole is a position's role in words.
func (c *Ctx) AdminRole(role string) string { return c.T("admin.org.role." + role) }
