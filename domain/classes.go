package domain

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// wordKey normalises a word for lookup: NFC, no zero-width or surrounding
// space, ASCII lower case; in English words "-" and spaces become "_"
// ("Very-Urgent" is very_urgent); Thai words lose their inner spaces
// ("ด่วน ที่สุด" is ด่วนที่สุด).
func wordKey(s string) string {
	s = strings.ReplaceAll(norm.NFC.String(s), "\u200b", "")
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.ContainsFunc(s, isThaiRune) {
		return strings.Join(strings.Fields(s), "")
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == '-' || r == '_' || unicode.IsSpace(r)
	}), "_")
}

func isThaiRune(r rune) bool { return r >= 0x0E00 && r <= 0x0E7F }

// Urgency is the speed class (ชั้นความเร็ว) printed in red on a letter. It
// orders queues and notifications; it never changes numbering. The zero value
// is Normal.
type Urgency int

const (
	// Normal is an ordinary letter with no urgency mark.
	Normal Urgency = iota
	// Urgent (ด่วน): act faster than normal, as far as possible.
	Urgent
	// VeryUrgent (ด่วนมาก): act quickly.
	VeryUrgent
	// MostUrgent (ด่วนที่สุด): act immediately on receipt.
	MostUrgent
)

var urgencyCodes = [...]string{"normal", "urgent", "very_urgent", "most_urgent"}
var urgencyThai = [...]string{"", "ด่วน", "ด่วนมาก", "ด่วนที่สุด"}

// String returns the stable code stored and sent over the API: normal,
// urgent, very_urgent or most_urgent.
func (u Urgency) String() string {
	if u < Normal || u > MostUrgent {
		return fmt.Sprintf("Urgency(%d)", int(u))
	}
	return urgencyCodes[u]
}

// Thai returns the mark printed on the letter: "" for Normal (no mark), ด่วน,
// ด่วนมาก or ด่วนที่สุด.
func (u Urgency) Thai() string {
	if u < Normal || u > MostUrgent {
		return ""
	}
	return urgencyThai[u]
}

// Valid reports whether u is one of the four classes.
func (u Urgency) Valid() bool { return u >= Normal && u <= MostUrgent }

// ParseUrgency reads an urgency from its code (any case, "-" or space for
// "_") or its Thai mark, as typed by users or found on a letter. An empty
// string, ปกติ and "none" are Normal.
func ParseUrgency(s string) (Urgency, error) {
	switch k := wordKey(s); k {
	case "", "ปกติ", "none":
		return Normal, nil
	default:
		for i := range urgencyCodes {
			if k == urgencyCodes[i] || (i > 0 && k == urgencyThai[i]) {
				return Urgency(i), nil
			}
		}
	}
	return Normal, fmt.Errorf("domain: unknown urgency %q: write normal, urgent, very_urgent or most_urgent (or ปกติ, ด่วน, ด่วนมาก, ด่วนที่สุด)", s)
}

// MarshalText writes the code, for JSON and YAML.
func (u Urgency) MarshalText() ([]byte, error) {
	if !u.Valid() {
		return nil, fmt.Errorf("domain: invalid urgency %d", int(u))
	}
	return []byte(u.String()), nil
}

// UnmarshalText reads with ParseUrgency, for JSON and YAML.
func (u *Urgency) UnmarshalText(b []byte) error {
	v, err := ParseUrgency(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// Secrecy is the security class (ชั้นความลับ) of a letter. Classified letters
// go to separate, access-controlled registers, and TopSecret letters may not
// enter e-saraban at all. The zero value is None.
type Secrecy int

const (
	// None is an unclassified letter.
	None Secrecy = iota
	// Confidential (ลับ): disclosure causes damage.
	Confidential
	// Secret (ลับมาก): disclosure causes serious damage.
	Secret
	// TopSecret (ลับที่สุด): disclosure causes the gravest damage; such
	// letters may not be sent by e-mail or e-saraban.
	TopSecret
)

var secrecyCodes = [...]string{"normal", "confidential", "secret", "top_secret"}
var secrecyThai = [...]string{"", "ลับ", "ลับมาก", "ลับที่สุด"}

// String returns the stable code stored and sent over the API: normal,
// confidential, secret or top_secret.
func (s Secrecy) String() string {
	if s < None || s > TopSecret {
		return fmt.Sprintf("Secrecy(%d)", int(s))
	}
	return secrecyCodes[s]
}

// Thai returns the class marked on the letter: "" for None, ลับ, ลับมาก or
// ลับที่สุด.
func (s Secrecy) Thai() string {
	if s < None || s > TopSecret {
		return ""
	}
	return secrecyThai[s]
}

// Valid reports whether s is one of the four classes.
func (s Secrecy) Valid() bool { return s >= None && s <= TopSecret }

// ParseSecrecy reads a secrecy class from its code (any case, "-" or space for
// "_") or its Thai name. An empty string, ปกติ and "none" are None.
func ParseSecrecy(s string) (Secrecy, error) {
	switch k := wordKey(s); k {
	case "", "ปกติ", "none":
		return None, nil
	default:
		for i := range secrecyCodes {
			if k == secrecyCodes[i] || (i > 0 && k == secrecyThai[i]) {
				return Secrecy(i), nil
			}
		}
	}
	return None, fmt.Errorf("domain: unknown secrecy class %q: write normal, confidential, secret or top_secret (or ปกติ, ลับ, ลับมาก, ลับที่สุด)", s)
}

// MarshalText writes the code, for JSON and YAML.
func (s Secrecy) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("domain: invalid secrecy %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads with ParseSecrecy, for JSON and YAML.
func (s *Secrecy) UnmarshalText(b []byte) error {
	v, err := ParseSecrecy(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// SeriesKind names a number series within a register. Each kind runs its own
// numbers from 1 in every calendar year, so a counter is keyed by register,
// kind and BE year.
type SeriesKind string

const (
	// SeriesNormal is the ordinary send or receive series.
	SeriesNormal SeriesKind = "normal"
	// SeriesCircular is the circular series, printed with ว before the number.
	SeriesCircular SeriesKind = "circular"
	// SeriesCircularSecret is the circular sub-series printed ว(ล).
	SeriesCircularSecret SeriesKind = "circular_secret"
	// SeriesOrder numbers orders (คำสั่ง) as n/BE-year.
	SeriesOrder SeriesKind = "order"
	// SeriesCertificate numbers certificates as n/BE-year.
	SeriesCertificate SeriesKind = "certificate"
)

var seriesKinds = []SeriesKind{SeriesNormal, SeriesCircular, SeriesCircularSecret, SeriesOrder, SeriesCertificate}

// Valid reports whether k is one of the known kinds.
func (k SeriesKind) Valid() bool {
	for _, v := range seriesKinds {
		if k == v {
			return true
		}
	}
	return false
}

// ParseSeriesKind reads a series kind from its code (any case, "-" or space
// for "_"), for configuration and the CLI.
func ParseSeriesKind(s string) (SeriesKind, error) {
	k := SeriesKind(wordKey(s))
	if k.Valid() {
		return k, nil
	}
	return "", fmt.Errorf("domain: unknown series kind %q: write normal, circular, circular_secret, order or certificate", s)
}

// RegisterKind says whether a register records letters received or sent.
type RegisterKind string

const (
	// Receive is a register of letters received (ทะเบียนหนังสือรับ).
	Receive RegisterKind = "receive"
	// Send is a register of letters sent (ทะเบียนหนังสือส่ง).
	Send RegisterKind = "send"
)

// Valid reports whether k is Receive or Send.
func (k RegisterKind) Valid() bool { return k == Receive || k == Send }

// ParseRegisterKind reads a register kind: receive or send (any case), or
// รับ or ส่ง.
func ParseRegisterKind(s string) (RegisterKind, error) {
	switch wordKey(s) {
	case "receive", "รับ":
		return Receive, nil
	case "send", "ส่ง":
		return Send, nil
	}
	return "", fmt.Errorf("domain: unknown register kind %q: write receive or send (or รับ, ส่ง)", s)
}
