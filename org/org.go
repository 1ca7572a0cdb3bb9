// Package org reads the organisation file of a saraban installation: the agency, its units as a
// tree, the people and the positions they hold, and the registers (ทะเบียนหนังสือรับ/ส่ง) each
// unit keeps. The file is YAML; `saraban org import FILE` loads it into PostgreSQL
// (storage.DB.ImportOrg). This package only parses and validates: it is pure and touches
// nothing else.
//
// # Format
//
//	agency:
//	  code: songkhla            # short ASCII code (letters, digits, - _ .)
//	  name: จังหวัดสงขลา
//	  letters: สข               # รหัสตัวพยัญชนะ printed before the owner code: ที่ สข ๐๐๒๐.๑/...
//
//	units:                      # a tree: every unit but the root(s) names its parent
//	  - code: province
//	    name: จังหวัดสงขลา
//	    short_name: จ.สข.       # optional
//	  - code: land-office
//	    parent: province
//	    name: สำนักงานที่ดินจังหวัดสงขลา
//	    owner_code: "0020"      # เลขประจำของเจ้าของเรื่อง, Arabic digits, quoted: 0020, 0020.1
//
//	people:
//	  - id: sujit               # stable login-like ASCII id
//	    name: นางสุจิตร์ สุขสว่าง   # as printed in signature blocks
//	    email: sujit@songkhla.example  # optional
//	    active: true            # optional, default true; false keeps the person but disables them
//	    positions:              # one person may hold positions in several units
//	      - unit: land-office
//	        title: เจ้าพนักงานที่ดินจังหวัดสงขลา   # the position line as printed
//	        head: true          # the head of the unit (at most one per unit)
//	        role: head          # clerk | head | deputy | staff | admin
//	                            # default: head when head is true, else staff
//
//	registers:
//	  - code: LAND-RECV         # short ASCII code, used on the command line and in the API
//	    unit: land-office       # the unit that keeps the register
//	    kind: receive           # receive | send
//	    name: ทะเบียนหนังสือรับ สำนักงานที่ดินจังหวัดสงขลา
//	    central: false          # true for the central registry (หน่วยงานสารบรรณกลาง)
//	    series: [normal]        # default [normal]; send registers usually [normal, circular]
//
// Unknown keys are errors (a typo such as "parnet" is reported, not ignored). Validate reports
// every problem of a file at once, each naming the item (with its line) and what to change.
//
// The consistency rules: codes and ids are unique within their kind; parents and position units
// name units of the file; the unit tree has no cycle; a unit has at most one head; a position
// with role head is marked head: true and a head position has role head; receive registers
// have no circular series (ว numbers belong to send registers); names are not empty.
package org

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Kinds of register.
const (
	KindReceive = "receive"
	KindSend    = "send"
)

// Roles a person may have in a unit.
const (
	RoleClerk  = "clerk"  // เจ้าหน้าที่สารบรรณ: registers letters
	RoleHead   = "head"   // หัวหน้าหน่วยงาน
	RoleDeputy = "deputy" // รองหัวหน้า
	RoleStaff  = "staff"
	RoleAdmin  = "admin" // administers saraban for the unit
)

// Roles lists the valid roles in the order the documentation gives them.
var Roles = []string{RoleClerk, RoleHead, RoleDeputy, RoleStaff, RoleAdmin}

// Kinds lists the valid register kinds.
var Kinds = []string{KindReceive, KindSend}

// Series lists the number series a register may keep (saraban-domain.md §4.2): normal numbers,
// circulars (ว), secret circulars, orders (คำสั่ง) and certificates. Each series is numbered from
// 1 every Buddhist Era calendar year.
var Series = []string{"normal", "circular", "circular_secret", "order", "certificate"}

// DefaultSeries is the series list of a register whose file entry gives none.
var DefaultSeries = []string{"normal"}

// File is one organisation file.
type File struct {
	Agency    Agency     `yaml:"agency"`
	Units     []Unit     `yaml:"units"`
	People    []Person   `yaml:"people"`
	Registers []Register `yaml:"registers"`
}

// Agency is the ส่วนราชการ the file describes.
type Agency struct {
	Code    string `yaml:"code"`
	Name    string `yaml:"name"`
	Letters string `yaml:"letters"`
}

// Unit is one node of the unit tree.
type Unit struct {
	Code      string `yaml:"code"`
	Name      string `yaml:"name"`
	ShortName string `yaml:"short_name"`
	Parent    string `yaml:"parent"`
	OwnerCode string `yaml:"owner_code"`

	Line int `yaml:"-"` // where the item starts in the file (0 when not parsed from a file)
}

// Person is someone who uses saraban or whose name appears on letters.
type Person struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Email  string `yaml:"email"`
	Active *bool  `yaml:"active"`
	// Clearance is the highest secrecy class the person may read: normal (default),
	// confidential (ลับ) or secret (ลับมาก).
	Clearance string     `yaml:"clearance"`
	Positions []Position `yaml:"positions"`

	Line int `yaml:"-"`
}

// EffectiveClearance is the clearance, normal when the file does not say.
func (p Person) EffectiveClearance() string {
	if p.Clearance == "" {
		return "normal"
	}
	return p.Clearance
}

// IsActive reports whether the person is active (the default when the file does not say).
func (p Person) IsActive() bool { return p.Active == nil || *p.Active }

// Position is a post a person holds in a unit; they act in the capacity of one of them.
type Position struct {
	Unit  string `yaml:"unit"`
	Title string `yaml:"title"`
	Head  bool   `yaml:"head"`
	Role  string `yaml:"role"`

	Line int `yaml:"-"`
}

// EffectiveRole is the role with its default applied: head for a head position, else staff.
func (p Position) EffectiveRole() string {
	if p.Role != "" {
		return p.Role
	}
	if p.Head {
		return RoleHead
	}
	return RoleStaff
}

// Register is a receive or send register kept by a unit.
type Register struct {
	Code    string   `yaml:"code"`
	Unit    string   `yaml:"unit"`
	Kind    string   `yaml:"kind"`
	Name    string   `yaml:"name"`
	Central bool     `yaml:"central"`
	Series  []string `yaml:"series"`

	Line int `yaml:"-"`
}

// EffectiveSeries is the series list with its default ([normal]) applied.
func (r Register) EffectiveSeries() []string {
	if len(r.Series) == 0 {
		return append([]string(nil), DefaultSeries...)
	}
	return append([]string(nil), r.Series...)
}

// Load reads and parses the file at path. It does not validate: call Validate.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse decodes an organisation file. Unknown keys, duplicate keys, wrong types and a second
// YAML document are errors. Surrounding spaces of every value are removed. It does not
// validate: call Validate.
func Parse(data []byte) (*File, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the organisation file is empty: it needs agency, units, people and registers")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("organisation file:\n  - %s", strings.Join(explainTypeErrors(te.Errors), "\n  - "))
		}
		return nil, fmt.Errorf("organisation file: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("organisation file: it holds more than one YAML document (a second '---'): keep one")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		f.setLines(&root)
	}
	f.trim()
	return &f, nil
}

// setLines records where each item starts, so that problems can name the line.
func (f *File) setLines(doc *yaml.Node) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return
	}
	top := mappingValue(doc.Content[0], "units")
	for i, n := range seqItems(top) {
		if i < len(f.Units) {
			f.Units[i].Line = n.Line
		}
	}
	top = mappingValue(doc.Content[0], "people")
	for i, n := range seqItems(top) {
		if i >= len(f.People) {
			break
		}
		f.People[i].Line = n.Line
		for j, pn := range seqItems(mappingValue(n, "positions")) {
			if j < len(f.People[i].Positions) {
				f.People[i].Positions[j].Line = pn.Line
			}
		}
	}
	top = mappingValue(doc.Content[0], "registers")
	for i, n := range seqItems(top) {
		if i < len(f.Registers) {
			f.Registers[i].Line = n.Line
		}
	}
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seqItems(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (f *File) trim() {
	t := strings.TrimSpace
	f.Agency.Code, f.Agency.Name, f.Agency.Letters = t(f.Agency.Code), t(f.Agency.Name), t(f.Agency.Letters)
	for i := range f.Units {
		u := &f.Units[i]
		u.Code, u.Name, u.ShortName, u.Parent, u.OwnerCode = t(u.Code), t(u.Name), t(u.ShortName), t(u.Parent), t(u.OwnerCode)
	}
	for i := range f.People {
		p := &f.People[i]
		p.ID, p.Name, p.Email = t(p.ID), t(p.Name), t(p.Email)
		for j := range p.Positions {
			q := &p.Positions[j]
			q.Unit, q.Title, q.Role = t(q.Unit), t(q.Title), t(q.Role)
		}
	}
	for i := range f.Registers {
		r := &f.Registers[i]
		r.Code, r.Unit, r.Kind, r.Name = t(r.Code), t(r.Unit), t(r.Kind), t(r.Name)
		for j := range r.Series {
			r.Series[j] = t(r.Series[j])
		}
	}
}

var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type org\.(\w+)$`)

// explainTypeErrors rewrites yaml's "field x not found in type org.Unit" as a message that
// names the item and the keys it may have.
func explainTypeErrors(errs []string) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		m := unknownFieldRE.FindStringSubmatch(e)
		if m == nil {
			out[i] = e
			continue
		}
		var what string
		var t reflect.Type
		switch m[3] {
		case "File":
			what, t = "at the top level", reflect.TypeOf(File{})
		case "Agency":
			what, t = "in agency", reflect.TypeOf(Agency{})
		case "Unit":
			what, t = "in a unit", reflect.TypeOf(Unit{})
		case "Person":
			what, t = "in a person", reflect.TypeOf(Person{})
		case "Position":
			what, t = "in a position", reflect.TypeOf(Position{})
		case "Register":
			what, t = "in a register", reflect.TypeOf(Register{})
		default:
			out[i] = e
			continue
		}
		var keys []string
		for j := 0; j < t.NumField(); j++ {
			if k := t.Field(j).Tag.Get("yaml"); k != "" && k != "-" {
				keys = append(keys, k)
			}
		}
		out[i] = fmt.Sprintf("line %s: unknown key %q %s: the keys are %s", m[1], m[2], what, strings.Join(keys, ", "))
	}
	return out
}
