package org

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// base is a small valid file; tests change one thing in it.
const base = `
agency:
  code: songkhla
  name: จังหวัดสงขลา
  letters: สข
units:
  - code: province
    name: จังหวัดสงขลา
  - code: land-office
    parent: province
    name: สำนักงานที่ดินจังหวัดสงขลา
    owner_code: "0020"
  - code: land-hatyai
    parent: land-office
    name: สำนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่
people:
  - id: sujit
    name: นางสุจิตร์ สุขสว่าง
    positions:
      - unit: land-office
        title: เจ้าพนักงานที่ดินจังหวัดสงขลา
        head: true
  - id: panisa
    name: นางสาวปณิษา บุญเมธี
    email: panisa@songkhla.example
    positions:
      - unit: land-office
        title: เจ้าพนักงานธุรการ
        role: clerk
registers:
  - code: LAND-RECV
    unit: land-office
    kind: receive
    name: ทะเบียนหนังสือรับ
  - code: LAND-SEND
    unit: land-office
    kind: send
    name: ทะเบียนหนังสือส่ง
    series: [normal, circular]
`

func mustParse(t *testing.T, text string) *File {
	t.Helper()
	f, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// problems validates f and returns the problems' texts.
func problems(t *testing.T, f *File) []string {
	t.Helper()
	err := f.Validate()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate returned %T, want *ValidationError: %v", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestBaseAndDemoAreValid(t *testing.T) {
	if ps := problems(t, mustParse(t, base)); len(ps) > 0 {
		t.Fatalf("base file: %s", strings.Join(ps, "\n"))
	}
	f, err := Load("../deploy/demo/agency.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("demo file: %v", err)
	}
	if f.Agency.Letters != "สข" || len(f.Units) < 10 || len(f.Registers) < 8 {
		t.Errorf("demo file looks incomplete: %+v units=%d registers=%d", f.Agency, len(f.Units), len(f.Registers))
	}
}

func TestParseDefaultsAndLines(t *testing.T) {
	f := mustParse(t, base)
	if got := f.Registers[0].EffectiveSeries(); !slices.Equal(got, []string{"normal"}) {
		t.Errorf("default series = %v", got)
	}
	if got := f.People[0].Positions[0].EffectiveRole(); got != RoleHead {
		t.Errorf("head position default role = %q, want head", got)
	}
	if got := f.People[1].Positions[0].EffectiveRole(); got != RoleClerk {
		t.Errorf("role = %q", got)
	}
	if !f.People[0].IsActive() {
		t.Error("a person is active by default")
	}
	if f.Units[0].Line != 7 || f.People[1].Line != 23 || f.People[1].Positions[0].Line != 27 || f.Registers[1].Line != 35 {
		t.Errorf("lines: unit0=%d person1=%d position=%d register1=%d", f.Units[0].Line, f.People[1].Line, f.People[1].Positions[0].Line, f.Registers[1].Line)
	}
}

func TestOwnerCodeUnquotedStaysText(t *testing.T) {
	f := mustParse(t, strings.Replace(base, `owner_code: "0020"`, `owner_code: 0020.10`, 1))
	if f.Units[1].OwnerCode != "0020.10" {
		t.Errorf("owner_code = %q, want 0020.10 as written", f.Units[1].OwnerCode)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", strings.Replace(base, "    parent: province", "    parnet: province", 1),
			`line 10: unknown key "parnet" in a unit: the keys are code, name, short_name, parent, owner_code`},
		{"unknown position key", strings.Replace(base, "        role: clerk", "        rol: clerk", 1), `line 29: unknown key "rol" in a position`},
		{"unknown top-level key", base + "extra: 1\n", `line 40: unknown key "extra" at the top level: the keys are agency, units, people, registers`},
		{"duplicate key", strings.Replace(base, "  letters: สข", "  letters: สข\n  letters: สข", 1), "already defined"},
		{"wrong type", strings.Replace(base, "        head: true", "        head: maybe", 1), "cannot unmarshal"},
		{"empty", "  \n", "empty"},
		{"two documents", base + "---\nagency: {}\n", "more than one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(f *File)
		want []string // each must appear in one problem
	}{
		{"duplicate unit code", func(f *File) { f.Units[2].Code = "land-office" },
			[]string{`units[2] "land-office": code "land-office" is already used by units[1] (line 9)`}},
		{"duplicate person id", func(f *File) { f.People[1].ID = "sujit" },
			[]string{`people[1] "sujit": id "sujit" is already used by people[0]`}},
		{"duplicate register code", func(f *File) { f.Registers[1].Code = "LAND-RECV" },
			[]string{`registers[1] "LAND-RECV": code "LAND-RECV" is already used by registers[0]`}},
		{"unknown parent", func(f *File) { f.Units[2].Parent = "land-ofice" },
			[]string{`parent "land-ofice" is not a unit in this file: use one of land-hatyai, land-office, province`}},
		{"unknown position unit", func(f *File) { f.People[1].Positions[0].Unit = "nowhere" },
			[]string{`people[1] "panisa" positions[0]: unit "nowhere" is not a unit in this file`}},
		{"unknown register unit", func(f *File) { f.Registers[0].Unit = "nowhere" },
			[]string{`registers[0] "LAND-RECV": unit "nowhere" is not a unit in this file`}},
		{"cycle", func(f *File) { f.Units[0].Parent = "land-hatyai" },
			[]string{`form a cycle`, `province → land-hatyai → land-office → province`}},
		{"self parent", func(f *File) { f.Units[1].Parent = "land-office" },
			[]string{`units[1] "land-office": parent is the unit itself`}},
		{"two heads", func(f *File) { f.People[1].Positions[0].Head = true; f.People[1].Positions[0].Role = "" },
			[]string{`unit "land-office" has two heads: people[0] "sujit" (เจ้าพนักงานที่ดินจังหวัดสงขลา) (line 20) and this position (เจ้าพนักงานธุรการ)`}},
		{"circular receive register", func(f *File) { f.Registers[0].Series = []string{"normal", "circular"} },
			[]string{`registers[0] "LAND-RECV": a receive register cannot have the circular series`}},
		{"unknown kind", func(f *File) { f.Registers[0].Kind = "recieve" },
			[]string{`kind "recieve" is unknown: use receive or send`}},
		{"empty kind", func(f *File) { f.Registers[0].Kind = "" },
			[]string{`kind is empty`}},
		{"unknown role", func(f *File) { f.People[1].Positions[0].Role = "secretary" },
			[]string{`role "secretary" is unknown: use one of clerk, head, deputy, staff, admin`}},
		{"role head without head", func(f *File) { f.People[1].Positions[0].Role = "head" },
			[]string{`role is head but head is false`}},
		{"head with another role", func(f *File) { f.People[0].Positions[0].Role = "clerk" },
			[]string{`head is true but role is clerk`}},
		{"empty names", func(f *File) {
			f.Agency.Name = ""
			f.Units[1].Name = ""
			f.People[0].Name = ""
			f.Registers[1].Name = ""
			f.People[0].Positions[0].Title = ""
		}, []string{`agency: name is empty`, `units[1] "land-office": name is empty`, `people[0] "sujit": name is empty`,
			`registers[1] "LAND-SEND": name is empty`, `people[0] "sujit" positions[0]: title is empty`}},
		{"empty codes", func(f *File) { f.Agency.Code = ""; f.Units[2].Code = ""; f.People[1].ID = ""; f.Registers[0].Code = "" },
			[]string{`agency: code is empty`, `units[2]: code is empty`, `people[1]: id is empty`, `registers[0]: code is empty`}},
		{"bad codes", func(f *File) { f.Units[2].Code = "สาขา หาดใหญ่"; f.Units[2].Parent = "" },
			[]string{`code "สาขา หาดใหญ่" is not valid`}},
		{"bad owner code", func(f *File) { f.Units[1].OwnerCode = "๐๐๒๐" },
			[]string{`owner_code "๐๐๒๐" is not valid: write Arabic digits`}},
		{"bad series", func(f *File) { f.Registers[1].Series = []string{"normal", "circluar", "normal"} },
			[]string{`series "circluar" is unknown`, `series "normal" is listed twice`}},
		{"duplicate position", func(f *File) {
			f.People[1].Positions = append(f.People[1].Positions, f.People[1].Positions[0])
		}, []string{`is listed twice (also positions[0])`}},
		{"bad email", func(f *File) { f.People[1].Email = "panisa at songkhla" },
			[]string{`email "panisa at songkhla" is not an e-mail address`}},
		{"bad letters", func(f *File) { f.Agency.Letters = "SK" },
			[]string{`letters "SK" must be Thai letters`}},
		{"no units", func(f *File) { f.Units = nil; f.People = nil; f.Registers = nil },
			[]string{`units: the file has no units`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, base)
			tc.edit(f)
			ps := problems(t, f)
			all := strings.Join(ps, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("want a problem containing %q; got:\n%s", w, all)
				}
			}
		})
	}
}

// TestValidateReportsAll: every problem of a file is reported at once, in file order.
func TestValidateReportsAll(t *testing.T) {
	text := strings.NewReplacer(
		"    parent: province\n", "    parent: provinse\n",
		"        role: clerk", "        role: typist",
		"    kind: send", "    kind: outgoing",
	).Replace(base)
	f := mustParse(t, text)
	ps := problems(t, f)
	if len(ps) != 3 {
		t.Fatalf("got %d problems, want 3:\n%s", len(ps), strings.Join(ps, "\n"))
	}
	for i, prefix := range []string{"line 9: units[1]", "line 27: people[1]", "line 35: registers[1]"} {
		if !strings.HasPrefix(ps[i], prefix) {
			t.Errorf("problem %d = %q, want prefix %q", i, ps[i], prefix)
		}
	}
	err := f.Validate()
	if !strings.HasPrefix(err.Error(), "the organisation file has 3 problems:\n  - line 9") {
		t.Errorf("Error() = %q", err.Error())
	}
}
