package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/storage"
)

// Notification channels: the webhooks (add and remove, as `saraban webhook` does), what e-mail
// delivered, and the recent delivery failures. The SMTP server itself is set when the server
// starts (--smtp-addr, --smtp-from …) and is not changed here.

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin/notify", h: s.adminNotify},
			{pattern: "POST /admin/notify/webhooks", h: s.adminWebhookAdd},
			{pattern: "POST /admin/notify/webhooks/{id}/remove", h: s.adminWebhookRemove},
		}
	})
	addMessages(map[string][2]string{
		"admin.ntf.webhooks":       {"เว็บฮุก", "Webhooks"},
		"admin.ntf.webhooks_note":  {"ระบบส่งการแจ้งเตือนเป็น POST ที่ลงลายมือชื่อ HMAC-SHA256 ด้วยรหัสลับ (หัว X-Saraban-Signature)", "Notifications are POSTed, signed with HMAC-SHA256 of the secret (header X-Saraban-Signature)."},
		"admin.ntf.url":            {"URL", "URL"},
		"admin.ntf.events":         {"ประเภทการแจ้งเตือน", "Events"},
		"admin.ntf.every":          {"ทุกประเภท", "every kind"},
		"admin.ntf.events_hint":    {"คั่นด้วยจุลภาค เช่น reminder,due,escalation เว้นว่าง = ทุกประเภท", "comma-separated, e.g. reminder,due,escalation; empty: every kind"},
		"admin.ntf.active":         {"สถานะ", "State"},
		"admin.ntf.on":             {"ใช้งาน", "active"},
		"admin.ntf.off":            {"ปิด (ปลายทางตอบ 410)", "off (the endpoint answered 410)"},
		"admin.ntf.pending":        {"รอส่ง", "Pending"},
		"admin.ntf.failed":         {"ล้มเหลว", "Failed"},
		"admin.ntf.sent":           {"ส่งแล้ว", "Sent"},
		"admin.ntf.remove":         {"ลบ", "Remove"},
		"admin.ntf.confirm_remove": {"ลบเว็บฮุกนี้? การแจ้งเตือนที่รอส่งไปยังปลายทางนี้จะถูกยกเลิก", "Remove this webhook? Its pending deliveries are given up."},
		"admin.ntf.none":           {"ยังไม่มีเว็บฮุก", "No webhooks."},
		"admin.ntf.add":            {"เพิ่มเว็บฮุก", "Add a webhook"},
		"admin.ntf.secret":         {"รหัสลับ (อย่างน้อย ๑๖ ตัวอักษร)", "Secret (at least 16 characters)"},
		"admin.ntf.secret_hint":    {"เว้นว่างเพื่อให้ระบบสร้างให้ (แสดงครั้งเดียว)", "empty: one is generated and shown once"},
		"admin.ntf.added":          {"เพิ่มเว็บฮุก %s แล้ว", "Webhook %s added."},
		"admin.ntf.secret_once":    {"รหัสลับของเว็บฮุกนี้ (แสดงครั้งเดียว ให้ตั้งค่าไว้ที่ปลายทาง)", "The webhook's secret (shown once: configure it at the endpoint)"},
		"admin.ntf.removed":        {"ลบเว็บฮุก %s แล้ว", "Webhook %s removed."},
		"admin.ntf.email":          {"อีเมล", "E-mail"},
		"admin.ntf.email_note":     {"ระบบส่งอีเมลแจ้งเตือนถึงบุคลากรที่มีที่อยู่อีเมลในโครงสร้างหน่วยงาน เครื่องแม่ข่ายอีเมล (SMTP) กำหนดตอนเริ่มระบบด้วย --smtp-addr และ --smtp-from หากไม่ได้กำหนด อีเมลจะรอส่งอยู่", "E-mail goes to people who have an address in the organisation file. The SMTP server is set when saraban starts (--smtp-addr, --smtp-from); without it e-mail waits, pending."},
		"admin.ntf.problems":       {"การส่งที่ล้มเหลวล่าสุด", "Recent delivery failures"},
		"admin.ntf.no_problems":    {"ไม่มีการส่งที่ล้มเหลว", "No failed deliveries."},
		"admin.ntf.channel":        {"ช่องทาง", "Channel"},
		"admin.ntf.what":           {"การแจ้งเตือน", "Notification"},
		"admin.ntf.attempts":       {"ครั้งที่ลอง", "Attempts"},
		"admin.ntf.error":          {"ข้อผิดพลาด", "Error"},
		"admin.ntf.retry_at":       {"จะลองใหม่ %s", "retry %s"},
		"admin.ntf.gave_up":        {"เลิกส่งแล้ว", "given up"},
		"admin.ntf.webhook_n":      {"เว็บฮุก %s", "webhook %s"},
	})
}

type adminNotifyData struct {
	Webhooks []storage.Webhook
	Counts   map[string]map[string]int
	Problems []storage.DeliveryProblem
	// the add form after a refusal, or the generated secret after an add
	URL, Events, Error string
	NewSecret, NewURL  string
}

func (s *Server) notifyData(r *http.Request) (adminNotifyData, error) {
	var d adminNotifyData
	var err error
	if d.Webhooks, err = s.DB.Webhooks(r.Context()); err != nil {
		return d, err
	}
	if d.Counts, err = s.DB.DeliveryCounts(r.Context()); err != nil {
		return d, err
	}
	d.Problems, err = s.DB.DeliveryProblems(r.Context(), 50)
	return d, err
}

func (s *Server) adminNotify(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	d, err := s.notifyData(r)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "admin-notify", d)
	return nil
}

func (s *Server) adminWebhookAdd(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	u := strings.TrimSpace(r.PostFormValue("url"))
	evText := r.PostFormValue("events")
	secret := r.PostFormValue("secret")
	generated := secret == ""
	if generated {
		secret = auth.Token(24)
	}
	events := strings.FieldsFunc(evText, func(r rune) bool { return r == ',' || r == ' ' })
	actor, _ := adminActor(c)
	wh, err := s.DB.AddWebhook(r.Context(), u, secret, events, actor)
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		if _, cerr := storage.CheckWebhook(u, secret, events); cerr == nil {
			return err // not the input's fault
		}
	}
	d, derr := s.notifyData(r)
	if derr != nil {
		return derr
	}
	if err != nil {
		d.URL, d.Events, d.Error = u, evText, err.Error()
		s.render(w, r, c, http.StatusUnprocessableEntity, "admin-notify", d)
		return nil
	}
	if generated {
		d.NewSecret, d.NewURL = secret, wh.URL
		s.render(w, r, c, http.StatusOK, "admin-notify", d)
		return nil
	}
	s.redirect(w, r, "/admin/notify", c.T("admin.ntf.added", wh.URL))
	return nil
}

func (s *Server) adminWebhookRemove(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errPage(http.StatusNotFound, "ไม่พบเว็บฮุกนี้", "No such webhook.")
	}
	actor, _ := adminActor(c)
	if err := s.DB.RemoveWebhook(r.Context(), id, actor); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/notify", c.T("admin.ntf.removed", c.Num(id)))
	return nil
}
