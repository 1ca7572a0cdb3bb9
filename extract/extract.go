// Package extract reads the header of Thai official letters (หนังสือราชการ) from their text or
// PDF and proposes the fields a registry clerk would otherwise type: the document number, the
// date, the issuing agency, the subject, the addressee, references and enclosures, urgency and
// secrecy, the signer and the capacity they signed in, deadlines found in the body, and the
// receive stamps already on the paper. Every field carries a confidence between 0 and 1.
//
// The parser follows the layout that the Regulation on Official Correspondence prescribes
// (ที่ / วันที่ / เรื่อง / เรียน / อ้างถึง / สิ่งที่ส่งมาด้วย / the signature block with the full
// name in parentheses followed by position lines and ปฏิบัติราชการแทน or รักษาราชการแทน; receive
// stamps รับที่ / เลขรับ / วันที่ / เวลา; deadlines ภายในวันที่ …), not rules keyed to particular
// letters, and it is built to survive OCR noise: Thai and Arabic digits mixed, confused digits,
// stray spaces, lost or misplaced vowel marks, invalid month abbreviations, two-digit years,
// dates without a year and headers split over lines. Repairs are never silent: each one lowers
// the field's confidence and adds a flag.
//
// A file may hold several letters (a forwarding letter followed by the letter it forwards);
// they are returned separately, in order. A page that is not a letter is recognised as such.
//
// ExtractText is pure (no I/O) and safe on any input: bounded time and memory for inputs up to
// several megabytes. PDF and File read a PDF's text layer with pdftotext and send pages without a
// usable text layer through OCR: the page is rasterised (mutool, or pdftoppm), cleaned up in Go
// (binarisation, dotted guide lines and rules removed, the header region upscaled and read on its
// own), read by tesseract with its Thai data, and its Thai digits are read again by matching
// their glyphs against templates drawn from Debian's Thai fonts. The tools run as processes.
package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/thai"
)

// Kind is the form of a document, after saraban-domain §2.
type Kind string

// The kinds ExtractText recognises. A circular (หนังสือเวียน) keeps its form (usually
// external) and is marked by DocNumber.Circular.
const (
	KindExternal     Kind = "external"     // หนังสือภายนอก (Garuda letterhead, ขอแสดงความนับถือ)
	KindMemo         Kind = "memo"         // หนังสือภายใน / บันทึกข้อความ
	KindStamped      Kind = "stamped"      // หนังสือประทับตรา (ถึง, no signature)
	KindOrder        Kind = "order"        // คำสั่ง
	KindRegulation   Kind = "regulation"   // ระเบียบ / ข้อบังคับ
	KindAnnouncement Kind = "announcement" // ประกาศ / แถลงการณ์ / ข่าว (as an official form)
	KindNotALetter   Kind = "not_a_letter" // no letter structure at all (a news page, a form...)
)

// Capacity says in which capacity the signer signed (saraban-domain §8).
type Capacity string

// Capacities of a signer.
const (
	CapacityOwn      Capacity = "own"       // in their own position
	CapacityOnBehalf Capacity = "on_behalf" // ปฏิบัติราชการแทน (by delegation)
	CapacityActing   Capacity = "acting"    // รักษาราชการแทน (acting in the office)
)

// Result is what extraction found in one file.
type Result struct {
	// Source says where the text came from: "text" (given as text), "pdf_text" (the PDF's text
	// layer), "ocr" (every page recognised) or "pdf_text+ocr" (some pages each way).
	Source string `json:"source"`
	// Pages is the number of pages of a PDF (0 for text input); OCRPages lists the pages
	// (1-based) that went through OCR.
	Pages    int   `json:"pages,omitempty"`
	OCRPages []int `json:"ocr_pages,omitempty"`
	// Letters are the letters found, in the order they appear in the file. A file with no
	// letter structure yields one entry of kind not_a_letter.
	Letters []Letter `json:"letters"`
	// Warnings are problems with the file itself (a page OCR could not read, input cut short).
	Warnings []string `json:"warnings,omitempty"`
}

// Letter holds the fields of one letter. Absent fields are null (or empty lists) in JSON.
type Letter struct {
	Kind Kind `json:"kind"`
	// KindConfidence is how sure the form is; Reason says why for not_a_letter.
	KindConfidence float64 `json:"kind_confidence"`
	Reason         string  `json:"reason,omitempty"`
	// FirstLine and LastLine are the 1-based lines of the extracted text this letter spans.
	FirstLine int `json:"first_line"`
	LastLine  int `json:"last_line"`

	DocNumber     *DocNumber `json:"doc_number"`
	Date          *DateField `json:"date"`
	Agency        *TextField `json:"agency"`
	Subject       *TextField `json:"subject"`
	To            *TextField `json:"to"`
	References    []Citation `json:"references"`
	Attachments   []Citation `json:"attachments"`
	Urgency       ClassField `json:"urgency"`
	Secrecy       ClassField `json:"secrecy"`
	Signer        *Signer    `json:"signer"`
	Deadlines     []Deadline `json:"deadlines"`
	ReceiveStamps []Stamp    `json:"receive_stamps"`
	// Cited are letters cited in the running text (a forwarding note's "ขอส่งสำเนาหนังสือ … ที่ …
	// ลงวันที่ …"); the checks compare them with the letters of the file and the registry.
	Cited []Citation `json:"cited,omitempty"`
	Flags []Flag     `json:"flags"`
}

// DocNumber is the ที่ line, raw and parsed (saraban-domain §4).
type DocNumber struct {
	Raw string `json:"raw"`
	// Canonical is the number with Arabic digits ("สข 0017.2/ว 7577", "150/2563"); a number
	// printed without its running number ends with "/".
	Canonical     string   `json:"canonical"`
	Form          string   `json:"form"` // "letter" or "order"
	AgencyLetters string   `json:"agency_letters,omitempty"`
	Committee     string   `json:"committee,omitempty"`
	OwnerCode     string   `json:"owner_code,omitempty"`
	SubCodes      []string `json:"sub_codes,omitempty"`
	Circular      bool     `json:"circular"`
	// CircularMarker is "ว" or "ว(ล)" for a circular, "" otherwise.
	CircularMarker string `json:"circular_marker,omitempty"`
	// RunningNumber is null when the number was printed without one (an unsent draft).
	RunningNumber *int `json:"running_number"`
	// Year is the BE year of an order or certificate number ("150/2563").
	Year       int     `json:"year,omitempty"`
	Confidence float64 `json:"confidence"`
}

// DateField is a date as printed and as an ISO date (CE). When only the month could be read,
// ISO is empty and Month holds "YYYY-MM".
type DateField struct {
	Raw        string  `json:"raw"`
	ISO        string  `json:"iso"`
	Month      string  `json:"month,omitempty"`
	Precision  string  `json:"precision"` // "day", "month" or "year"
	Weekday    string  `json:"weekday,omitempty"`
	Confidence float64 `json:"confidence"`
}

// TextField is a piece of header text (subject, addressee, agency).
type TextField struct {
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
}

// ClassField is urgency or secrecy: the mark as printed and its code
// (normal|urgent|very_urgent|most_urgent|unknown, normal|confidential|secret|top_secret|unknown).
type ClassField struct {
	Raw        string  `json:"raw,omitempty"`
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
}

// Citation is one item of อ้างถึง (a reference) or สิ่งที่ส่งมาด้วย (an enclosure).
type Citation struct {
	Raw string `json:"raw"`
	// Kind is "letter" (a letter with a number), "cabinet_resolution", "link" (URL or QR code)
	// or "other".
	Kind      string     `json:"kind"`
	Seq       int        `json:"seq,omitempty"`
	Issuer    string     `json:"issuer,omitempty"`
	Urgency   string     `json:"urgency,omitempty"`
	DocNumber string     `json:"doc_number,omitempty"` // canonical
	Date      *DateField `json:"date,omitempty"`
	Subject   string     `json:"subject,omitempty"`
	Quantity  string     `json:"quantity,omitempty"`
	URL       string     `json:"url,omitempty"`
	// Implicit is true for an enclosure named only in the body (no สิ่งที่ส่งมาด้วย line).
	Implicit   bool    `json:"implicit,omitempty"`
	Confidence float64 `json:"confidence"`
}

// Signer is the signature block (saraban-domain §8.2).
type Signer struct {
	Name          string   `json:"name"`
	PositionLines []string `json:"position_lines"`
	Acting        Capacity `json:"acting"`
	// Authority lists the positions on whose behalf the signer signed, one per link of the chain.
	Authority  []string `json:"authority,omitempty"`
	Confidence float64  `json:"confidence"`
}

// Deadline is a date by which the letter asks something to be done (saraban-domain §9.1).
type Deadline struct {
	Raw string `json:"raw"`
	// ISO is the last day the deadline allows: the date itself, the end of the month, of the
	// calendar year ("ภายในปี ๒๕๗๐") or of the fiscal year ("ประจำปีงบประมาณ ๒๕๖๑").
	ISO        string  `json:"iso"`
	Kind       string  `json:"kind"` // "date", "month", "year", "fiscal_year", "relative"
	Weekday    string  `json:"weekday,omitempty"`
	Confidence float64 `json:"confidence"`
}

// Stamp is a receive stamp already on the letter (saraban-domain §5.2).
type Stamp struct {
	Unit   string `json:"unit,omitempty"`
	Number *int   `json:"number"`
	// Date is ISO (CE); Time is "HH:MM" (Bangkok); DateTime is both with the +07:00 offset.
	Date         string  `json:"date,omitempty"`
	Time         string  `json:"time,omitempty"`
	DateTime     string  `json:"datetime,omitempty"`
	YearInferred bool    `json:"year_inferred,omitempty"`
	CaseCode     string  `json:"case_code,omitempty"`
	Raw          string  `json:"raw"`
	Confidence   float64 `json:"confidence"`
}

// Flag is something a person should look at. Flags never change a value.
type Flag struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Flag codes.
const (
	FlagWeekdayMismatch   = "weekday_mismatch"    // a stated weekday does not match its date
	FlagFutureDate        = "future_date"         // a letter or stamp date after today (Bangkok)
	FlagStampBeforeLetter = "stamp_before_letter" // received before the letter was dated
	FlagCitationMismatch  = "citation_mismatch"   // a cited number/date contradicts a letter in the same file
	FlagRegistryMismatch  = "registry_mismatch"   // a cited number's date contradicts the registered letter
	FlagRepaired          = "repaired"            // a value was reconstructed from garbled text
	FlagAmbiguous         = "ambiguous"           // several readings were possible; one was chosen
	FlagYearInferred      = "year_inferred"       // a date printed without a year got one from context
	FlagUnreadable        = "unreadable"          // something is printed but could not be read
	FlagFiscalYear        = "fiscal_year"         // a year target that could be fiscal or calendar
)

// Registry answers questions about letters already registered, for the checks that compare
// citations with them. The checker calls it when Options.Registry is set.
type Registry interface {
	// DocDateOf returns the date of the registered letter with this canonical number
	// (domain.DocNumber.Canonical) and whether there is one.
	DocDateOf(ctx context.Context, docNumberCanonical string) (time.Time, bool, error)
}

// OCRMode says when pages go through OCR.
type OCRMode string

// OCR modes.
const (
	OCRAuto   OCRMode = "auto"   // pages without a usable text layer
	OCRAlways OCRMode = "always" // every page, ignoring the text layer
	OCRNever  OCRMode = "never"  // never; pages without text yield nothing
)

// ParseOCRMode reads auto, always or never ("" is auto).
func ParseOCRMode(s string) (OCRMode, error) {
	switch OCRMode(strings.ToLower(strings.TrimSpace(s))) {
	case "", OCRAuto:
		return OCRAuto, nil
	case OCRAlways:
		return OCRAlways, nil
	case OCRNever:
		return OCRNever, nil
	}
	return "", fmt.Errorf("extract: OCR mode %q: use auto, always or never", s)
}

// Options tune extraction. The zero value is ready to use.
type Options struct {
	// Now is the current time for the future-date check; zero means time.Now().
	Now time.Time
	// Registry, when set, is asked about every cited letter number (Text, PDF and File only).
	Registry Registry
	// OCR says which PDF pages go through OCR (default auto).
	OCR OCRMode
	// OCRText marks text given to ExtractText as OCR output, which allows digit repairs that
	// a text layer never needs. PDF and File set it themselves for OCR pages.
	OCRText bool
	// MaxPages caps the pages read from a PDF (0 means 100).
	MaxPages int
	// DPI is the OCR rendering resolution (0 means 300).
	DPI int
	// Languages is tesseract's -l argument (default "tha+eng").
	Languages string
	// NoPreprocess sends the rendered page to tesseract as is (for comparisons).
	NoPreprocess bool
	// Tools: paths of pdftotext, pdftoppm, mutool and tesseract ("" means look them up in PATH).
	PDFToText, PDFToPPM, MuTool, Tesseract string
	// Renderer rasterises pages for OCR: "mutool" (MuPDF, several times faster on scans) or
	// "pdftoppm" (poppler); "" means mutool when it is installed, pdftoppm otherwise.
	Renderer string

	// renderDPI is the resolution pdftoppm renders at when the page is not A4-sized (a scan
	// declared at 96 dpi is a 26-inch page): chosen so that the image is as wide as an A4 page
	// at DPI, which is then the resolution the clean-up and tesseract assume.
	renderDPI int
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// ErrNoText is returned when a file yields no text at all (an empty file, or a scanned PDF
// with OCR turned off).
var ErrNoText = errors.New("extract: the file has no text to read (for a scan, allow OCR)")

// Text extracts the letters of a text and, when opts.Registry is set, checks their citations
// against registered letters.
func Text(ctx context.Context, text string, opts Options) (Result, error) {
	res := ExtractText(text, opts)
	res.Source = "text"
	if err := CheckRegistry(ctx, &res, opts.Registry); err != nil {
		return res, err
	}
	return res, nil
}

// File extracts the letters of a file: a PDF (recognised by its header) or UTF-8 text.
func File(ctx context.Context, path string, opts Options) (Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Result{}, err
	}
	if isPDF(data) {
		return PDF(ctx, data, opts)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return Result{}, ErrNoText
	}
	return Text(ctx, string(data), opts)
}

// CheckRegistry adds FlagRegistryMismatch to every letter whose references or enclosures cite a
// registered letter with a different date. reg may be nil (nothing to do).
func CheckRegistry(ctx context.Context, res *Result, reg Registry) error {
	if reg == nil {
		return nil
	}
	for i := range res.Letters {
		l := &res.Letters[i]
		for _, group := range [][]Citation{l.References, l.Attachments, l.Cited} {
			for _, c := range group {
				if c.DocNumber == "" || c.Date == nil || c.Date.ISO == "" {
					continue
				}
				t, ok, err := reg.DocDateOf(ctx, c.DocNumber)
				if err != nil {
					return fmt.Errorf("extract: registry: %w", err)
				}
				if !ok {
					continue
				}
				got := thai.DateOf(t).String()
				if got != c.Date.ISO {
					l.Flags = append(l.Flags, Flag{Code: FlagRegistryMismatch, Field: "references",
						Message: fmt.Sprintf("cites %s dated %s, but the registered letter %s is dated %s", c.DocNumber, c.Date.ISO, c.DocNumber, got)})
				}
			}
		}
	}
	return nil
}

// ExtractText finds the letters in text and reads their fields. It does no I/O.
func ExtractText(text string, opts Options) Result {
	res := Result{Source: "text"}
	if len(text) > maxInput {
		text = text[:maxInput]
		res.Warnings = append(res.Warnings, fmt.Sprintf("input cut to its first %d bytes", maxInput))
	}
	doc := newDocument(text, opts.OCRText)
	res.Letters = doc.letters(opts)
	return res
}

// maxInput bounds the text read: far above any letter, low enough for bounded time.
const maxInput = 8 << 20

// docNumberOf converts a parsed domain number into the JSON form.
func docNumberOf(raw string, n domain.DocNumber, conf float64) *DocNumber {
	d := &DocNumber{Raw: raw, Canonical: n.Canonical(), Form: n.Form.String(), AgencyLetters: n.AgencyLetters,
		Committee: n.Committee, OwnerCode: n.OwnerCode, SubCodes: n.SubCodes, Circular: n.Circular(),
		CircularMarker: n.CircularMarker, Year: n.Year, Confidence: conf}
	r := n.Running
	d.RunningNumber = &r
	return d
}
