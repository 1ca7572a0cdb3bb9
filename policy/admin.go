package policy

import (
	"net/http"
	"strings"
)

// Rules of the administration screens beyond Administer (which every one of them asks first).

// ChangeAccount decides whether an administrator may set an account's flags. An administrator
// may not disable their own account or take away their own administrator flag: the last
// administrator would lock everyone out of these screens (another administrator, or
// `saraban user` at the server, can).
func (e *Engine) ChangeAccount(s Subject, username string, admin, disabled bool) Decision {
	if d := e.Administer(s); !d.Allowed {
		return d
	}
	if strings.EqualFold(s.Username, username) {
		if disabled {
			return deny(http.StatusForbidden, "ท่านระงับบัญชีของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นทำ หรือใช้คำสั่ง saraban user disable ที่เครื่องแม่ข่าย",
				"You may not disable your own account: ask another administrator, or use saraban user disable on the server.")
		}
		if !admin {
			return deny(http.StatusForbidden, "ท่านถอนสิทธิ์ผู้ดูแลระบบของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นทำ",
				"You may not remove your own administrator flag: ask another administrator.")
		}
	}
	return allow("admin")
}

// ChangePerson decides whether an administrator may change a person's clearance or active
// flag directly (the organisation file stays the source of truth for everything else). An
// administrator may not deactivate themselves (it would end their own sign-in).
func (e *Engine) ChangePerson(s Subject, personID string, active bool) Decision {
	if d := e.Administer(s); !d.Allowed {
		return d
	}
	if s.PersonID == personID && !active {
		return deny(http.StatusForbidden, "ท่านปิดการใช้งานของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นทำ",
			"You may not make yourself inactive: ask another administrator.")
	}
	return allow("admin")
}
