package org

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Problem is one thing wrong in an organisation file: where it is and what to change.
type Problem struct {
	Line    int    `json:"line,omitempty"` // 0 when the item was not parsed from a file
	Item    string `json:"item"`           // e.g. units[3] "land-hatyai"
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Item, p.Message)
	}
	return p.Item + ": " + p.Message
}

// ValidationError holds every problem Validate found, in file order.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("the organisation file has 1 problem:")
	} else {
		fmt.Fprintf(&b, "the organisation file has %d problems:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

var (
	codeRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	ownerCodeRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)
)

const codeRule = "use 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"

type validator struct {
	problems []Problem
}

func (v *validator) add(line int, item, format string, args ...any) {
	v.problems = append(v.problems, Problem{Line: line, Item: item, Message: fmt.Sprintf(format, args...)})
}

func item(kind string, i int, code string) string {
	if code == "" {
		return fmt.Sprintf("%s[%d]", kind, i)
	}
	return fmt.Sprintf("%s[%d] %q", kind, i, code)
}

func where(line int) string {
	if line > 0 {
		return fmt.Sprintf(" (line %d)", line)
	}
	return ""
}

// listCodes names a few known codes for a message ("a, b, c" or "a, b, c … and 17 more").
func listCodes(codes []string) string {
	if len(codes) == 0 {
		return "none"
	}
	const max = 20
	if len(codes) <= max {
		return strings.Join(codes, ", ")
	}
	return strings.Join(codes[:max], ", ") + fmt.Sprintf(" … and %d more", len(codes)-max)
}

// Validate checks the whole file and returns a *ValidationError listing every problem, or nil.
func (f *File) Validate() error {
	v := &validator{}
	v.agency(f.Agency)
	units := v.units(f.Units)
	v.people(f.People, units)
	v.registers(f.Registers, units)
	if len(v.problems) == 0 {
		return nil
	}
	// File order; problems without a line (the agency, whole-file ones) come first.
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
	return &ValidationError{Problems: v.problems}
}

func (v *validator) agency(a Agency) {
	switch {
	case a.Code == "":
		v.add(0, "agency", "code is empty: set agency.code to a short ASCII code, e.g. songkhla")
	case !codeRE.MatchString(a.Code):
		v.add(0, "agency", "code %q is not valid: %s", a.Code, codeRule)
	}
	if a.Name == "" {
		v.add(0, "agency", "name is empty: set agency.name to the agency's name as printed, e.g. จังหวัดสงขลา")
	}
	if a.Letters != "" {
		for _, r := range a.Letters {
			if !unicode.In(r, unicode.Thai) || unicode.IsSpace(r) || unicode.IsDigit(r) {
				v.add(0, "agency", "letters %q must be Thai letters only (รหัสตัวพยัญชนะ such as สข), without digits or spaces", a.Letters)
				break
			}
		}
	}
}

// units checks the unit list and returns the set of unit codes (for references).
func (v *validator) units(us []Unit) map[string]bool {
	known := map[string]bool{}
	first := map[string]int{}
	var codes []string
	if len(us) == 0 {
		v.add(0, "units", "the file has no units: add at least the agency's root unit")
	}
	for i, u := range us {
		it := item("units", i, u.Code)
		switch {
		case u.Code == "":
			v.add(u.Line, it, "code is empty: give the unit a short ASCII code, e.g. land-office")
		case !codeRE.MatchString(u.Code):
			v.add(u.Line, it, "code %q is not valid: %s", u.Code, codeRule)
		}
		if u.Code != "" {
			if j, dup := first[u.Code]; dup {
				v.add(u.Line, it, "code %q is already used by units[%d]%s: give each unit its own code", u.Code, j, where(us[j].Line))
			} else {
				first[u.Code] = i
				known[u.Code] = true
				codes = append(codes, u.Code)
			}
		}
		if u.Name == "" {
			v.add(u.Line, it, "name is empty: set name to the unit's name as printed, e.g. สำนักงานที่ดินจังหวัดสงขลา")
		}
		if u.OwnerCode != "" && !ownerCodeRE.MatchString(u.OwnerCode) {
			v.add(u.Line, it, "owner_code %q is not valid: write Arabic digits with dots, quoted, e.g. \"0020.1\"", u.OwnerCode)
		}
	}
	sort.Strings(codes)
	for i, u := range us {
		if u.Parent == "" || u.Parent == u.Code {
			continue
		}
		if !known[u.Parent] {
			v.add(u.Line, item("units", i, u.Code), "parent %q is not a unit in this file: use one of %s, or leave parent empty for a root unit", u.Parent, listCodes(codes))
		}
	}
	v.cycles(us, first)
	return known
}

// cycles reports every cycle of the parent relation once, naming its units in order.
func (v *validator) cycles(us []Unit, index map[string]int) {
	parent := map[string]string{}
	for code, i := range index {
		parent[code] = us[i].Parent
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	for i, u := range us {
		if u.Code == "" || index[u.Code] != i || state[u.Code] != unseen {
			continue
		}
		var path []string
		c := u.Code
		for c != "" && state[c] == unseen {
			if _, ok := index[c]; !ok {
				break
			}
			state[c] = onPath
			path = append(path, c)
			c = parent[c]
		}
		if c != "" && state[c] == onPath {
			start := slices.Index(path, c)
			loop := append(append([]string(nil), path[start:]...), c)
			first := us[index[c]]
			if len(loop) == 2 {
				v.add(first.Line, item("units", index[c], c), "parent is the unit itself: a unit cannot be its own parent; name another unit or leave parent empty")
			} else {
				v.add(first.Line, item("units", index[c], c), "units %s form a cycle: change the parent of one of them so the tree has a root", strings.Join(loop, " → "))
			}
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

func (v *validator) people(ps []Person, units map[string]bool) {
	first := map[string]int{}
	type headAt struct {
		item  string
		title string
		line  int
	}
	heads := map[string]headAt{}
	unitCodes := sortedKeys(units)
	for i, p := range ps {
		it := item("people", i, p.ID)
		switch {
		case p.ID == "":
			v.add(p.Line, it, "id is empty: give the person a stable ASCII id, e.g. sujit")
		case !codeRE.MatchString(p.ID):
			v.add(p.Line, it, "id %q is not valid: %s", p.ID, codeRule)
		}
		if p.ID != "" {
			if j, dup := first[p.ID]; dup {
				v.add(p.Line, it, "id %q is already used by people[%d]%s: give each person one entry and list all their positions there", p.ID, j, where(ps[j].Line))
			} else {
				first[p.ID] = i
			}
		}
		if p.Name == "" {
			v.add(p.Line, it, "name is empty: set name to the person's name as printed, e.g. นางสุจิตร์ สุขสว่าง")
		}
		if p.Email != "" && (strings.Count(p.Email, "@") != 1 || strings.HasPrefix(p.Email, "@") || strings.HasSuffix(p.Email, "@") || strings.ContainsAny(p.Email, " \t<>")) {
			v.add(p.Line, it, "email %q is not an e-mail address: write it as name@example.go.th or leave it out", p.Email)
		}
		switch p.Clearance {
		case "", "normal", "confidential", "secret":
		default:
			v.add(p.Line, it, "clearance %q is not known: say normal, confidential (ลับ) or secret (ลับมาก); ลับที่สุด never enters the system", p.Clearance)
		}
		seen := map[[2]string]int{}
		for j, q := range p.Positions {
			pit := fmt.Sprintf("%s positions[%d]", it, j)
			line := q.Line
			if line == 0 {
				line = p.Line
			}
			switch {
			case q.Unit == "":
				v.add(line, pit, "unit is empty: name the unit of the position, one of %s", listCodes(unitCodes))
			case !units[q.Unit]:
				v.add(line, pit, "unit %q is not a unit in this file: use one of %s", q.Unit, listCodes(unitCodes))
			}
			if q.Title == "" {
				v.add(line, pit, "title is empty: set title to the position line as printed, e.g. เจ้าพนักงานธุรการอาวุโส")
			}
			if q.Role != "" && !slices.Contains(Roles, q.Role) {
				v.add(line, pit, "role %q is unknown: use one of %s", q.Role, strings.Join(Roles, ", "))
			}
			if q.Role == RoleHead && !q.Head {
				v.add(line, pit, "role is head but head is false: set head: true, or choose another role (deputy, staff, …)")
			}
			if q.Head && q.Role != "" && q.Role != RoleHead && slices.Contains(Roles, q.Role) {
				v.add(line, pit, "head is true but role is %s: a head position has role head (or no role)", q.Role)
			}
			key := [2]string{q.Unit, q.Title}
			if k, dup := seen[key]; dup && q.Unit != "" && q.Title != "" {
				v.add(line, pit, "the same position (unit %q, title %q) is listed twice (also positions[%d]): keep one", q.Unit, q.Title, k)
			} else {
				seen[key] = j
			}
			if q.Head && q.Unit != "" {
				if h, dup := heads[q.Unit]; dup {
					v.add(line, pit, "unit %q has two heads: %s (%s)%s and this position (%s): mark only one position head: true", q.Unit, h.item, h.title, where(h.line), q.Title)
				} else {
					heads[q.Unit] = headAt{item: it, title: q.Title, line: line}
				}
			}
		}
	}
}

func (v *validator) registers(rs []Register, units map[string]bool) {
	first := map[string]int{}
	unitCodes := sortedKeys(units)
	for i, r := range rs {
		it := item("registers", i, r.Code)
		switch {
		case r.Code == "":
			v.add(r.Line, it, "code is empty: give the register a short ASCII code, e.g. LAND-RECV")
		case !codeRE.MatchString(r.Code):
			v.add(r.Line, it, "code %q is not valid: %s", r.Code, codeRule)
		}
		if r.Code != "" {
			if j, dup := first[r.Code]; dup {
				v.add(r.Line, it, "code %q is already used by registers[%d]%s: give each register its own code", r.Code, j, where(rs[j].Line))
			} else {
				first[r.Code] = i
			}
		}
		switch {
		case r.Unit == "":
			v.add(r.Line, it, "unit is empty: name the unit that keeps the register, one of %s", listCodes(unitCodes))
		case !units[r.Unit]:
			v.add(r.Line, it, "unit %q is not a unit in this file: use one of %s", r.Unit, listCodes(unitCodes))
		}
		switch r.Kind {
		case KindReceive, KindSend:
		case "":
			v.add(r.Line, it, "kind is empty: set kind to receive (ทะเบียนหนังสือรับ) or send (ทะเบียนหนังสือส่ง)")
		default:
			v.add(r.Line, it, "kind %q is unknown: use receive or send", r.Kind)
		}
		if r.Name == "" {
			v.add(r.Line, it, "name is empty: set name to the register's name, e.g. ทะเบียนหนังสือรับ สำนักงานที่ดินจังหวัดสงขลา")
		}
		seen := map[string]bool{}
		for _, s := range r.Series {
			switch {
			case s == "":
				v.add(r.Line, it, "series has an empty entry: remove it")
				continue
			case !slices.Contains(Series, s):
				v.add(r.Line, it, "series %q is unknown: use %s", s, strings.Join(Series, ", "))
			case r.Kind == KindReceive && strings.HasPrefix(s, "circular"):
				v.add(r.Line, it, "a receive register cannot have the %s series: circular (ว) numbers are given by send registers; use series [normal]", s)
			}
			if seen[s] {
				v.add(r.Line, it, "series %q is listed twice: keep one", s)
			}
			seen[s] = true
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
