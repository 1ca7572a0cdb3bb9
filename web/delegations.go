package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Delegations (มอบอำนาจ): the delegations I gave and those given to me, current and past, with
// their kind (ปฏิบัติราชการแทน / รักษาราชการแทน), powers, unit and days in BE; a form to record
// one and a button to end one, with the same rules and refusals as the API (api/delegations.go:
// storage.MayManageDelegation, AddDelegation, MayEndDelegation, EndDelegation); and a box that
// answers "may this person use this power for this unit today?" with the capacity lines
// (storage.Resolve).

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /delegations", h: s.delegationsPage},
			{pattern: "POST /delegations", h: s.delegationsCreate},
			{pattern: "POST /delegations/{id}/end", h: s.delegationsEnd},
		}
	})
	addMessages(map[string][2]string{
		"delegations.title":          {"การมอบอำนาจ", "Delegations"},
		"delegations.given":          {"ที่ฉันมอบ", "Given by me"},
		"delegations.received":       {"ที่ฉันได้รับมอบ", "Given to me"},
		"delegations.past":           {"สิ้นสุดแล้ว", "Ended"},
		"delegations.none":           {"ไม่มี", "None."},
		"delegations.kind":           {"ลักษณะ", "Kind"},
		"delegations.kind.on_behalf": {"ปฏิบัติราชการแทน", "on behalf (ปฏิบัติราชการแทน)"},
		"delegations.kind.acting":    {"รักษาราชการแทน", "acting (รักษาราชการแทน)"},
		"delegations.kind_help":      {"ปฏิบัติราชการแทน: มอบเฉพาะอำนาจที่เลือก · รักษาราชการแทน: ทำหน้าที่หัวหน้าหน่วยงานทั้งตำแหน่งขณะไม่อยู่", "On behalf: the powers ticked · Acting: the whole post of an absent head"},
		"delegations.powers":         {"อำนาจ", "Powers"},
		"delegations.all_powers":     {"ทุกอำนาจของตำแหน่ง", "every power of the post"},
		"delegations.power.order":    {"สั่งการ", "order"},
		"delegations.power.forward":  {"ส่งต่อ", "forward"},
		"delegations.power.close":    {"เก็บ", "close"},
		"delegations.power.sign":     {"ลงนาม", "sign"},
		"delegations.power.annotate": {"เกษียน", "annotate"},
		"delegations.unit":           {"หน่วยงาน", "Unit"},
		"delegations.unit_default":   {"หน่วยงานที่ผู้มอบเป็นหัวหน้า", "the unit the delegator heads"},
		"delegations.inherit":        {"รวมหน่วยงานในสังกัด", "and its sub-units"},
		"delegations.from_person":    {"ผู้มอบ", "Delegator"},
		"delegations.to_person":      {"ผู้รับมอบ", "Delegate"},
		"delegations.period":         {"ระยะเวลา", "Period"},
		"delegations.start":          {"ตั้งแต่วันที่", "From"},
		"delegations.end":            {"ถึงวันที่ (รวมวันนั้น)", "Until (included)"},
		"delegations.date_help":      {"เช่น ๑๔ ต.ค. ๒๕๖๙ หรือ 14/10/2569", "e.g. 14 ต.ค. 2569 or 2026-10-14"},
		"delegations.title_f":        {"ตำแหน่งที่พิมพ์ในบรรทัดฐานะ (ไม่บังคับ)", "Post printed on the capacity line (optional)"},
		"delegations.note":           {"หมายเหตุ / คำสั่งที่", "Note / order no."},
		"delegations.status":         {"สถานะ", "Status"},
		"delegations.st.active":      {"มีผล", "in force"},
		"delegations.st.future":      {"ยังไม่เริ่ม", "not begun"},
		"delegations.st.expired":     {"ครบกำหนด", "expired"},
		"delegations.st.ended":       {"ยุติก่อนกำหนด", "ended early"},
		"delegations.st.cancelled":   {"ยกเลิก", "cancelled"},
		"delegations.create":         {"บันทึกการมอบอำนาจ", "Record a delegation"},
		"delegations.save":           {"บันทึก", "Record"},
		"delegations.end_btn":        {"ยุติ", "End"},
		"delegations.end_confirm":    {"ยุติการมอบอำนาจนี้ตั้งแต่วันนี้?", "End this delegation from today?"},
		"delegations.created":        {"บันทึกการมอบอำนาจแล้ว (เลขที่ %s)", "Delegation %s recorded."},
		"delegations.ended":          {"ยุติการมอบอำนาจเลขที่ %s แล้ว", "Delegation %s ended."},
		"delegations.refused":        {"บันทึกไม่ได้", "Not recorded"},
		"delegations.check":          {"ตรวจสอบอำนาจ", "Check authority"},
		"delegations.check_help":     {"บุคคลนี้ใช้อำนาจนี้ในหน่วยงานนี้ได้หรือไม่ ในวันนี้", "May this person use this power for this unit today?"},
		"delegations.person":         {"บุคคล", "Person"},
		"delegations.check_btn":      {"ตรวจสอบ", "Check"},
		"delegations.may":            {"ใช้อำนาจได้ ในฐานะ", "Yes, as"},
		"delegations.may_not":        {"ใช้อำนาจไม่ได้", "No"},
		"delegations.chain":          {"ผ่านการมอบอำนาจเลขที่", "through delegation no."},
		"delegations.own":            {"โดยตำแหน่ง", "in their own right"},
		"delegations.recorded_by":    {"บันทึกโดย %s", "recorded by %s"},
	})
}

type delegRow struct {
	storage.Delegation
	CanEnd bool
}

type delegForm struct {
	From, To, Kind, Unit, Start, End, Title, Note string
	Powers                                        []string
	Inherit                                       bool
}

type delegCheck struct {
	Person, Power, Unit string
	Done                bool
	Authority           *storage.Authority
	Refusal             string
}

type delegationsData struct {
	Given, Received, Past []delegRow
	Form                  delegForm
	Error                 string
	People                []ogPerson
	Units                 []ogUnit
	Powers                []string
	Check                 delegCheck
}

func (s *Server) delegationsView(w http.ResponseWriter, r *http.Request, c *Ctx, status int, f delegForm, msg string) error {
	if err := s.Policy.ViewDelegations(c.Subj).Err(); err != nil {
		return err
	}
	ctx, me := r.Context(), c.Subj.PersonID
	list, err := s.DB.ListDelegations(ctx, storage.DelegationFilter{Person: me, IncludeEnded: true})
	if err != nil {
		return err
	}
	d := delegationsData{Form: f, Error: msg, Powers: storage.AllPowers}
	for i := len(list) - 1; i >= 0; i-- { // newest first
		dl := list[i]
		row := delegRow{Delegation: dl}
		current := dl.Status == "active" || dl.Status == "future"
		if current {
			dec, err := s.Policy.EndDelegation(ctx, c.Subj, dl.ID)
			if err != nil {
				return err
			}
			row.CanEnd = dec.Allowed
		}
		switch {
		case !current:
			d.Past = append(d.Past, row)
		case dl.Delegator == me:
			d.Given = append(d.Given, row)
		default:
			d.Received = append(d.Received, row)
		}
	}
	if d.Units, d.People, _, err = s.outgoingOrg(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	d.Check = delegCheck{Person: ogOr(q.Get("person"), me), Power: ogOr(q.Get("power"), storage.PowerSign), Unit: q.Get("unit")}
	if d.Check.Unit == "" && c.Subj.Capacity.UnitCode != "" {
		d.Check.Unit = c.Subj.Capacity.UnitCode
	}
	if q.Get("check") != "" {
		d.Check.Done = true
		a, err := s.DB.Resolve(ctx, d.Check.Person, d.Check.Power, d.Check.Unit, s.Now())
		var ae *storage.AuthorityError
		var de *storage.DelegationError
		switch {
		case err == nil:
			d.Check.Authority = &a
		case errors.As(err, &ae):
			d.Check.Refusal = ae.Message
		case errors.As(err, &de), errors.Is(err, storage.ErrNotFound):
			d.Check.Refusal = err.Error()
		default:
			return err
		}
	}
	s.render(w, r, c, status, "delegations", d)
	return nil
}

func (s *Server) delegationsPage(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	today := c.Date(thai.DateOf(s.Now()))
	return s.delegationsView(w, r, c, http.StatusOK, delegForm{From: c.Subj.PersonID, Kind: storage.DelegationOnBehalf, Start: today, End: today}, "")
}

// delegationRefusalTH explains in Thai the rules storage refuses by (the message of the refusal
// follows it, as the API gives it).
var delegationRefusalTH = map[string]string{
	"self_delegation":    "มอบอำนาจให้ตนเองไม่ได้",
	"no_powers":          "การปฏิบัติราชการแทนต้องระบุอำนาจที่มอบอย่างน้อยหนึ่งอย่าง",
	"acting_with_powers": "การรักษาราชการแทนรับทุกอำนาจของตำแหน่ง จึงไม่ต้องเลือกอำนาจ",
	"acting_inherit":     "การรักษาราชการแทนเป็นของตำแหน่งหัวหน้าหน่วยงานเดียว ไม่ต้องเลือกรวมหน่วยงานในสังกัด",
	"not_held":           "ผู้มอบไม่มีอำนาจนี้ในช่วงเวลาดังกล่าว จึงมอบต่อไม่ได้",
	"already_held":       "ผู้รับมอบมีอำนาจนี้โดยตำแหน่งอยู่แล้ว",
	"duplicate":          "มีการมอบอำนาจนี้อยู่แล้ว",
	"cycle":              "การมอบอำนาจนี้จะวนกลับมาหาผู้มอบ",
	"acting_overlap":     "ตำแหน่งนี้มีผู้รักษาราชการแทนในช่วงเวลานั้นอยู่แล้ว",
	"not_head":           "รักษาราชการแทนได้เฉพาะตำแหน่งหัวหน้าหน่วยงาน ผู้มอบต้องเป็นหัวหน้าหน่วยงานนั้น",
	"past_period":        "ช่วงเวลานี้ผ่านไปแล้ว",
	"ends_before_start":  "วันสิ้นสุดอยู่ก่อนวันเริ่มต้น",
	"no_position":        "ผู้รับมอบไม่ได้ดำรงตำแหน่งในส่วนราชการนี้",
	"inactive_delegate":  "ผู้รับมอบไม่อยู่ในสถานะปฏิบัติงาน",
	"chain_too_long":     "สายการมอบอำนาจยาวเกินสี่ทอด",
	"bad_date":           "วันที่ไม่ถูกต้อง",
	"missing_start":      "กรุณาระบุวันเริ่มต้น",
	"missing_end":        "กรุณาระบุวันสิ้นสุด",
	"already_ended":      "การมอบอำนาจนี้ยุติไปแล้ว",
	"already_over":       "การมอบอำนาจนี้สิ้นสุดไปแล้ว",
}

// delegationRefusal turns a refusal of storage into a status and a message for the page.
func delegationRefusal(c *Ctx, err error) (int, string, bool) {
	var de *storage.DelegationError
	var ae *storage.AuthorityError
	switch {
	case errors.As(err, &de):
		status := http.StatusUnprocessableEntity
		if errors.Is(err, storage.ErrConflict) {
			status = http.StatusConflict
		} else if errors.Is(err, storage.ErrForbidden) {
			status = http.StatusForbidden
		}
		msg := de.Message
		if th := delegationRefusalTH[de.Code]; th != "" && c.Lang != "en" {
			msg = th + " — " + de.Message
		}
		return status, msg, true
	case errors.As(err, &ae):
		return http.StatusForbidden, ae.Message, true
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, err.Error(), true
	case errors.Is(err, storage.ErrForbidden):
		return http.StatusForbidden, err.Error(), true
	}
	return 0, "", false
}

func parseDelegDay(c *Ctx, label, s string) (thai.Date, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return thai.Date{}, ""
	}
	d, err := thai.ParseDate(s)
	if err != nil {
		return thai.Date{}, c.T(label) + ": " + err.Error()
	}
	return d, ""
}

func (s *Server) delegationsCreate(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.Policy.ViewDelegations(c.Subj).Err(); err != nil {
		return err
	}
	f := delegForm{From: ogOr(r.FormValue("from"), c.Subj.PersonID), To: r.FormValue("to"), Kind: r.FormValue("kind"),
		Unit: r.FormValue("unit"), Start: r.FormValue("start"), End: r.FormValue("end"), Title: r.FormValue("title"),
		Note: r.FormValue("note"), Powers: r.Form["powers"], Inherit: r.FormValue("inherit") != ""}
	again := func(status int, msg string) error { return s.delegationsView(w, r, c, status, f, msg) }
	start, bad := parseDelegDay(c, "delegations.start", f.Start)
	if bad != "" {
		return again(http.StatusUnprocessableEntity, bad)
	}
	end, bad := parseDelegDay(c, "delegations.end", f.End)
	if bad != "" {
		return again(http.StatusUnprocessableEntity, bad)
	}
	dec, err := s.Policy.ManageDelegation(r.Context(), c.Subj, strings.TrimSpace(f.From), f.Kind, strings.TrimSpace(f.Unit))
	if err != nil {
		return err
	}
	if !dec.Allowed {
		s.auditDelegationRefusal(r, c, dec)
		return again(dec.Status, dec.Reason.In(c.Lang))
	}
	nd := storage.NewDelegation{Delegator: f.From, Delegate: f.To, Kind: f.Kind, Unit: f.Unit, Inherit: f.Inherit, Powers: f.Powers,
		StartsOn: start, EndsOn: end, Title: f.Title, Note: f.Note}
	dl, err := s.DB.AddDelegation(r.Context(), nd, c.Subj.PersonID)
	if err != nil {
		if status, msg, ok := delegationRefusal(c, err); ok {
			return again(status, msg)
		}
		return err
	}
	s.redirect(w, r, "/delegations", c.T("delegations.created", c.Num(dl.ID)))
	return nil
}

// auditDelegationRefusal records a refused delegation like the error page records refusals.
func (s *Server) auditDelegationRefusal(r *http.Request, c *Ctx, dec policy.Decision) {
	s.auditRefusal(r, c, &policy.Refusal{D: dec})
}

func (s *Server) delegationsEnd(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.Policy.ViewDelegations(c.Subj).Err(); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errPage(http.StatusNotFound, "ไม่พบการมอบอำนาจนี้", "No such delegation.")
	}
	dec, err := s.Policy.EndDelegation(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if err := dec.Err(); err != nil {
		return err
	}
	on, bad := parseDelegDay(c, "delegations.end", r.FormValue("on"))
	if bad != "" {
		return errPage(http.StatusUnprocessableEntity, bad, bad)
	}
	if _, err := s.DB.EndDelegation(r.Context(), id, c.Subj.PersonID, on); err != nil {
		if status, msg, ok := delegationRefusal(c, err); ok {
			return errPage(status, msg, msg)
		}
		return err
	}
	s.redirect(w, r, "/delegations", c.T("delegations.ended", c.Num(id)))
	return nil
}

// DelegPowers prints a delegation's powers in the page's language.
func (c *Ctx) DelegPowers(d storage.Delegation) string {
	if d.Kind == storage.DelegationActing {
		return c.T("delegations.all_powers")
	}
	var out []string
	for _, p := range d.Powers {
		out = append(out, c.T("delegations.power."+p))
	}
	return strings.Join(out, ", ")
}

// DelegHas tells whether a power is ticked in the form.
func (c *Ctx) DelegHas(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// DelegIndent indents a unit's name in a select by its depth in the tree (options take no
// padding in every browser).
func (c *Ctx) DelegIndent(depth int) string { return strings.Repeat("\u00a0\u00a0", depth) }
