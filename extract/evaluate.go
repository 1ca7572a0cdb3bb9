package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Evaluation of the extraction against the corpus: letter-cases.json (the corpus letters, several
// per file, and a page that is not a letter) and the public letters (NN.json with NN.txt, NN.ocr.txt
// and NN.pdf). Each field is compared exactly, after the normalisation the corpus README states
// (white space collapsed, zero-width characters removed) and after folding the sara am damage of
// text layers (ำ, ํา and ้า compare equal to า), since the expected values copy that damage
// while the extraction repairs it.

// EvalOptions say what to evaluate.
type EvalOptions struct {
	// PublicDir holds NN.json, NN.txt, NN.ocr.txt and NN.pdf ("" to skip the public letters).
	PublicDir string
	// PDF also runs the public PDFs through PDF (text layer, OCR for scans).
	PDF bool
	// Options are passed to the extraction (the clock for future-date checks, OCR settings).
	Options Options
}

// EvalFields are the rows of the accuracy table, in order.
var EvalFields = []string{"split", "kind", "doc_number", "date", "subject", "urgency", "references", "attachments", "signer", "deadlines", "receive_stamps"}

// EvalColumn is one input set of the table.
type EvalColumn struct {
	Name  string
	Cases int
	// Right and Total per field; Total 0 means the field is not compared in this set.
	Right, Total map[string]int
	// Misses lists "case field: got … want …" for every mismatch.
	Misses []string
	// Seconds is the wall time of extracting the whole set.
	Seconds float64
}

// Accuracy returns the share of exact matches of a field (and whether it was compared).
func (c EvalColumn) Accuracy(field string) (float64, bool) {
	if c.Total[field] == 0 {
		return 0, false
	}
	return float64(c.Right[field]) / float64(c.Total[field]), true
}

// EvalReport is the accuracy table.
type EvalReport struct {
	Columns []EvalColumn
}

type evalCase struct {
	id, file string
	kind     string // "not_a_letter" or the expected kind
	notes    []string
	// expected values; nil pointer/slice = absent
	number      *string
	date        *string // ISO, or "YYYY-MM" for a month-precision date
	subject     *string
	urgency     string
	refs, encls []string
	signer      *evalSigner
	deadlines   []string
	stamps      []string
	skipHeader  bool
}

type evalSigner struct {
	name      string
	acting    string
	positions []string
}

// Evaluate extracts every letter of casesPath (letter-cases.json; the letters are found relative
// to it) and, when set, of opts.PublicDir, and compares each field with the expected values.
func Evaluate(ctx context.Context, casesPath string, opts EvalOptions) (*EvalReport, error) {
	rep := &EvalReport{}
	col, err := evalLetterCases(ctx, casesPath, opts.Options)
	if err != nil {
		return nil, err
	}
	rep.Columns = append(rep.Columns, col)
	if opts.PublicDir != "" {
		cases, err := loadPublic(opts.PublicDir)
		if err != nil {
			return nil, err
		}
		for _, variant := range []string{"txt", "ocr.txt", "pdf"} {
			if variant == "pdf" && !opts.PDF {
				continue
			}
			c, err := evalPublic(ctx, opts.PublicDir, cases, variant, opts.Options)
			if err != nil {
				return nil, err
			}
			rep.Columns = append(rep.Columns, c)
		}
	}
	return rep, nil
}

func newColumn(name string) EvalColumn {
	return EvalColumn{Name: name, Right: map[string]int{}, Total: map[string]int{}}
}

func evalLetterCases(ctx context.Context, casesPath string, o Options) (EvalColumn, error) {
	col := newColumn("letter-cases.json")
	data, err := os.ReadFile(casesPath)
	if err != nil {
		return col, err
	}
	var raw []map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return col, fmt.Errorf("extract: %s: %w", casesPath, err)
	}
	dir := filepath.Dir(casesPath)
	byFile := map[string][]evalCase{}
	var files []string
	for _, m := range raw {
		c := letterCase(m)
		if _, ok := byFile[c.file]; !ok {
			files = append(files, c.file)
		}
		byFile[c.file] = append(byFile[c.file], c)
	}
	start := time.Now()
	for _, f := range files {
		res, err := File(ctx, filepath.Join(dir, f), withOCRText(o, true))
		if err != nil {
			return col, fmt.Errorf("extract: %s: %w", f, err)
		}
		cases := byFile[f]
		splitOK := len(res.Letters) == len(cases)
		if len(cases) == 1 && cases[0].kind == string(KindNotALetter) {
			splitOK = len(res.Letters) == 1
		}
		col.add("split", f, splitOK, fmt.Sprintf("%d letters", len(res.Letters)), fmt.Sprintf("%d", len(cases)))
		for k, c := range cases {
			var got *Letter
			if k < len(res.Letters) {
				got = &res.Letters[k]
			}
			col.compare(c, got, true)
			col.Cases++
		}
	}
	col.Seconds = time.Since(start).Seconds()
	return col, nil
}

func withOCRText(o Options, v bool) Options {
	o.OCRText = v
	return o
}

// letterCase reads one entry of letter-cases.json.
func letterCase(m map[string]any) evalCase {
	c := evalCase{id: str(m["case_id"]), file: str(m["file"])}
	kind := str(get(m, "doc_kind", "normalized"))
	switch kind {
	case "not_official_letter":
		c.kind = string(KindNotALetter)
		c.skipHeader = true
	default:
		c.kind = "letter"
	}
	if s := get(m, "doc_number", "normalized", "canonical"); s != nil {
		v := str(s)
		c.number = &v
	}
	if s := get(m, "date", "iso"); s != nil {
		v := str(s)
		c.date = &v
	} else if s := get(m, "date", "iso_month"); s != nil {
		v := str(s)
		c.date = &v
	}
	if s := get(m, "subject", "raw"); s != nil {
		v := str(s)
		c.subject = &v
	}
	c.urgency = str(get(m, "urgency", "normalized"))
	for _, r := range list(m["references"]) {
		if s := get(r, "raw"); s != nil {
			c.refs = append(c.refs, str(s))
		}
	}
	for _, r := range list(m["attachments"]) {
		if s := get(r, "raw"); s != nil {
			c.encls = append(c.encls, str(s))
		}
	}
	if sg, ok := m["signer"].(map[string]any); ok {
		es := &evalSigner{name: str(get(sg, "normalized", "name"))}
		switch str(get(sg, "normalized", "capacity")) {
		case "ปฏิบัติราชการแทน":
			es.acting = string(CapacityOnBehalf)
		case "รักษาราชการแทน":
			es.acting = string(CapacityActing)
		default:
			es.acting = string(CapacityOwn)
		}
		lines := list(sg["raw_lines"])
		for i, l := range lines {
			if i > 0 {
				es.positions = append(es.positions, str(l))
			}
		}
		c.signer = es
	}
	for _, d := range list(m["deadlines"]) {
		if s := get(d, "iso"); s != nil {
			c.deadlines = append(c.deadlines, str(s))
		} else if s := get(d, "iso_end"); s != nil {
			c.deadlines = append(c.deadlines, str(s))
		}
	}
	for _, s := range list(m["receive_stamps"]) {
		n := get(s, "normalized", "receive_number")
		num := ""
		if n != nil {
			num = fmt.Sprint(n)
		}
		c.stamps = append(c.stamps, stampKey(num, str(get(s, "normalized", "date_iso")), str(get(s, "normalized", "time"))))
	}
	return c
}

type publicCase struct {
	id string
	evalCase
}

func loadPublic(dir string) ([]publicCase, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(ms)
	var out []publicCase
	for _, p := range ms {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("extract: %s: %w", p, err)
		}
		id := strings.TrimSuffix(filepath.Base(p), ".json")
		c := evalCase{id: id, kind: str(m["kind"])}
		if s := m["doc_number_raw"]; s != nil {
			v := str(s)
			if n, ok := parseNumber(v); ok {
				v = n.canonical()
			}
			c.number = &v
		}
		if s := m["date_iso"]; s != nil {
			v := str(s)
			c.date = &v
		}
		if s := m["subject"]; s != nil {
			v := str(s)
			c.subject = &v
		}
		c.urgency = str(m["urgency"])
		if c.urgency == "none" || c.urgency == "" {
			c.urgency = "normal"
		}
		for _, r := range list(m["references"]) {
			c.refs = append(c.refs, str(r))
		}
		for _, r := range list(m["attachments"]) {
			c.encls = append(c.encls, str(r))
		}
		if n := m["signer_name"]; n != nil {
			es := &evalSigner{name: str(n), acting: str(m["acting"])}
			switch es.acting {
			case "none", "":
				es.acting = string(CapacityOwn)
			}
			for _, l := range list(m["signer_position_lines"]) {
				es.positions = append(es.positions, str(l))
			}
			c.signer = es
		}
		for _, d := range list(m["deadlines"]) {
			if dm, ok := d.(map[string]any); ok {
				c.deadlines = append(c.deadlines, str(dm["iso"]))
			}
		}
		out = append(out, publicCase{id: id, evalCase: c})
	}
	return out, nil
}

func evalPublic(ctx context.Context, dir string, cases []publicCase, variant string, o Options) (EvalColumn, error) {
	col := newColumn("public " + variant)
	start := time.Now()
	for _, pc := range cases {
		path := filepath.Join(dir, pc.id+"."+variant)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		oo := withOCRText(o, variant == "ocr.txt")
		res, err := File(ctx, path, oo)
		if err != nil {
			col.Misses = append(col.Misses, fmt.Sprintf("%s: %v", pc.id, err))
			res = Result{}
		}
		var got *Letter
		if len(res.Letters) > 0 {
			got = &res.Letters[0]
		}
		col.add("split", pc.id, len(res.Letters) >= 1, fmt.Sprint(len(res.Letters)), ">=1")
		col.compare(pc.evalCase, got, false)
		col.Cases++
	}
	col.Seconds = time.Since(start).Seconds()
	return col, nil
}

func (col *EvalColumn) add(field, id string, ok bool, got, want string) {
	col.Total[field]++
	if ok {
		col.Right[field]++
		return
	}
	col.Misses = append(col.Misses, fmt.Sprintf("%s %s: got %s, want %s", id, field, got, want))
}

// compare scores one letter against its expected values.
func (col *EvalColumn) compare(c evalCase, got *Letter, letterCases bool) {
	gotKind := ""
	if got != nil {
		gotKind = string(got.Kind)
	}
	if letterCases {
		isNot := gotKind == string(KindNotALetter)
		col.add("kind", c.id, (c.kind == string(KindNotALetter)) == isNot && got != nil, gotKind, c.kind)
	} else {
		col.add("kind", c.id, gotKind == c.kind, gotKind, c.kind)
	}
	if c.skipHeader {
		return
	}
	if got == nil {
		got = &Letter{}
	}
	// number
	gn := ""
	if got.DocNumber != nil {
		gn = got.DocNumber.Canonical
	}
	wn := ""
	if c.number != nil {
		wn = *c.number
	}
	col.add("doc_number", c.id, nospace(gn) == nospace(wn), q(gn), q(wn))
	// date
	gd := ""
	if got.Date != nil {
		gd = got.Date.ISO
		if gd == "" {
			gd = got.Date.Month
		}
	}
	wd := ""
	if c.date != nil {
		wd = *c.date
	}
	col.add("date", c.id, gd == wd, q(gd), q(wd))
	// subject
	gs := ""
	if got.Subject != nil {
		gs = got.Subject.Text
	}
	ws := ""
	if c.subject != nil {
		ws = *c.subject
	}
	col.add("subject", c.id, evalKey(gs) == evalKey(ws), q(gs), q(ws))
	// urgency
	gu := got.Urgency.Value
	if gu == "" {
		gu = "normal"
	}
	col.add("urgency", c.id, gu == c.urgency, gu, c.urgency)
	// references and attachments
	var gr, ga []string
	for _, r := range got.References {
		gr = append(gr, r.Raw)
	}
	for _, a := range got.Attachments {
		ga = append(ga, a.Raw)
	}
	col.add("references", c.id, sameList(gr, c.refs), qs(gr), qs(c.refs))
	col.add("attachments", c.id, sameList(ga, c.encls), qs(ga), qs(c.encls))
	// signer
	okS := (got.Signer == nil) == (c.signer == nil)
	gsg, wsg := "null", "null"
	if got.Signer != nil {
		gsg = fmt.Sprintf("%s %s %q", got.Signer.Name, got.Signer.Acting, got.Signer.PositionLines)
	}
	if c.signer != nil {
		wsg = fmt.Sprintf("%s %s %q", c.signer.name, c.signer.acting, c.signer.positions)
	}
	if okS && got.Signer != nil {
		okS = evalKey(got.Signer.Name) == evalKey(c.signer.name) && string(got.Signer.Acting) == c.signer.acting &&
			nospace(evalKey(strings.Join(got.Signer.PositionLines, ""))) == nospace(evalKey(strings.Join(c.signer.positions, "")))
	}
	col.add("signer", c.id, okS, gsg, wsg)
	// deadlines
	var gdl []string
	for _, d := range got.Deadlines {
		gdl = append(gdl, d.ISO)
	}
	col.add("deadlines", c.id, sameSet(gdl, c.deadlines), qs(gdl), qs(c.deadlines))
	// stamps
	var gst []string
	for _, s := range got.ReceiveStamps {
		n := ""
		if s.Number != nil {
			n = fmt.Sprint(*s.Number)
		}
		gst = append(gst, stampKey(n, s.Date, s.Time))
	}
	col.add("receive_stamps", c.id, sameSet(gst, c.stamps), qs(gst), qs(c.stamps))
}

func stampKey(num, date, tm string) string { return num + "|" + date + "|" + tm }

// evalKey is the comparison form: NFC and the extraction's own normalisation, white space
// collapsed, zero-width characters dropped, and the sara am damage folded (ำ, ํา, ้า → า).
func evalKey(s string) string {
	s = collapseSpace(normalizeText(s))
	s = strings.NewReplacer("ำ", "า", "ํ", "", "้า", "า").Replace(s)
	return s
}

func nospace(s string) string { return strings.ReplaceAll(s, " ", "") }

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if evalKey(a[i]) != evalKey(b[i]) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func q(s string) string { return fmt.Sprintf("%q", s) }

func qs(s []string) string { return fmt.Sprintf("%q", s) }

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// Markdown prints the table: one row per field, one column per input set, "right/total (pct)".
func (r *EvalReport) Markdown() string {
	var b strings.Builder
	b.WriteString("| field |")
	for _, c := range r.Columns {
		fmt.Fprintf(&b, " %s (%d) |", c.Name, c.Cases)
	}
	b.WriteString("\n| --- |")
	for range r.Columns {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, f := range EvalFields {
		fmt.Fprintf(&b, "| %s |", f)
		for _, c := range r.Columns {
			if c.Total[f] == 0 {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %d/%d (%.0f%%) |", c.Right[f], c.Total[f], 100*float64(c.Right[f])/float64(c.Total[f]))
		}
		b.WriteString("\n")
	}
	b.WriteString("| time (s) |")
	for _, c := range r.Columns {
		fmt.Fprintf(&b, " %.2f |", c.Seconds)
	}
	b.WriteString("\n")
	return b.String()
}

// MissesText lists every mismatch, one per line, grouped by column.
func (r *EvalReport) MissesText() string {
	var b strings.Builder
	for _, c := range r.Columns {
		if len(c.Misses) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:\n", c.Name)
		for _, m := range c.Misses {
			fmt.Fprintf(&b, "  %s\n", m)
		}
	}
	return b.String()
}
