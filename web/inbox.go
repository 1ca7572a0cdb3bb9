package web

import (
	"net/http"
	"time"

	"github.com/saraban/saraban/storage"
)

// The inbox: my tasks, what is due soon, what is overdue, what my units received lately, and
// unread notifications, each with its count.

// recentDays is how far back "recently received" looks.
const recentDays = 7

func init() {
	addRoutes(func(s *Server) []route {
		return []route{{pattern: "GET /{$}", h: s.inbox}}
	})
	addMessages(map[string][2]string{
		"inbox.counts":       {"สรุปจำนวน", "Counts"},
		"inbox.tasks":        {"งานที่ได้รับมอบหมาย", "My tasks"},
		"inbox.due_soon":     {"ใกล้ครบกำหนด", "Due soon"},
		"inbox.overdue":      {"เกินกำหนด", "Overdue"},
		"inbox.recent":       {"รับเข้าล่าสุด", "Recently received"},
		"inbox.recent_days":  {"%s วันล่าสุด", "last %s days"},
		"inbox.unread":       {"การแจ้งเตือนที่ยังไม่อ่าน", "Unread notifications"},
		"inbox.none_overdue": {"ไม่มีงานเกินกำหนด", "Nothing overdue."},
		"inbox.none_due":     {"ไม่มีงานใกล้ครบกำหนด", "Nothing due soon."},
		"inbox.none_tasks":   {"ไม่มีงานค้าง", "No open tasks."},
		"inbox.none_recent":  {"ยังไม่มีหนังสือรับเข้า", "Nothing received lately."},
		"inbox.none_unread":  {"ไม่มีการแจ้งเตือนใหม่", "No new notifications."},
		"inbox.subject":      {"เรื่อง", "Subject"},
		"inbox.purpose":      {"เพื่อ", "For"},
		"inbox.due":          {"กำหนด", "Due"},
		"inbox.receive_no":   {"เลขรับ", "No."},
		"inbox.from":         {"จาก", "From"},
		"inbox.received":     {"รับเมื่อ", "Received"},
		"inbox.from_person":  {"สั่งการโดย %s", "from %s"},
		"inbox.for_unit":     {"ถึงหน่วย %s", "to unit %s"},
		"inbox.unassigned":   {"ยังไม่ได้มอบหมาย", "not yet assigned"},
		"inbox.for_person":   {"รักษาราชการแทน %s", "acting for %s"},
		"inbox.days_left":    {"อีก %s วันทำการ", "%s working days left"},
		"inbox.due_today":    {"ครบกำหนดวันนี้", "due today"},
		"inbox.days_late":    {"เกินมา %s วันทำการ", "%s working days late"},
		"purpose.inform":     {"ทราบ", "information"},
		"purpose.consider":   {"พิจารณา", "consideration"},
		"purpose.act":        {"ดำเนินการ", "action"},
		"purpose.circulate":  {"เวียนแจ้ง", "circulation"},
	})
}

type inboxData struct {
	Inbox       storage.Inbox
	Recent      []storage.RecentLetter
	RecentTotal int
	RecentDays  int
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	now := s.Now()
	d := inboxData{RecentDays: recentDays}
	// The personal tasks of people this person acts for today (รักษาราชการแทน) are theirs too.
	also, err := s.DB.ActingForWhom(r.Context(), c.Subj.PersonID, now)
	if err != nil {
		return err
	}
	in, err := s.DB.InboxFor(r.Context(), storage.InboxQuery{Person: c.Subj.PersonID, Now: now, DueSoonDays: 3, AlsoFor: also})
	if err != nil {
		return err
	}
	d.Inbox = in
	// People and units by name, not by id.
	var people, units []string
	for _, list := range [][]storage.InboxItem{in.Tasks, in.DueSoon, in.Overdue} {
		for _, it := range list {
			people = append(people, it.AssignedBy, it.For)
			units = append(units, it.Unit)
		}
	}
	pn, un, err := s.DB.DisplayNames(r.Context(), people, units)
	if err != nil {
		return err
	}
	for _, list := range [][]storage.InboxItem{d.Inbox.Tasks, d.Inbox.DueSoon, d.Inbox.Overdue} {
		for i := range list {
			it := &list[i]
			if n := pn[it.AssignedBy]; n != "" {
				it.AssignedBy = n
			}
			if n := pn[it.For]; n != "" {
				it.For = n
			}
			if n := un[it.Unit]; n != "" {
				it.Unit = n
			}
		}
	}
	if scope := s.Policy.LetterScope(c.Subj); !scope.None {
		d.Recent, d.RecentTotal, err = s.DB.RecentlyReceived(r.Context(), scope.PersonID, now.Add(-recentDays*24*time.Hour), 50)
		if err != nil {
			return err
		}
	}
	s.render(w, r, c, http.StatusOK, "inbox", d)
	return nil
}

// DaysLeft says how many working days remain before a due day (or how late it is).
func (c *Ctx) DaysLeft(n *int) string {
	switch {
	case n == nil:
		return ""
	case *n == 0:
		return c.T("inbox.due_today")
	case *n < 0:
		return c.T("inbox.days_late", c.Num(-*n))
	}
	return c.T("inbox.days_left", c.Num(*n))
}
