// Package domain holds the vocabulary of Thai official correspondence that
// every other part of saraban shares: urgency and secrecy classes, the
// kinds of number series and registers, the numbering year, and document
// numbers such as "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗". It exists so that these values are
// parsed, compared and printed in exactly one way. It is pure: no storage,
// no I/O.
package domain

import (
	"time"

	"github.com/saraban/saraban/thai"
)

// NumberingYear returns the Buddhist Era year whose number series t belongs
// to. Series run through the calendar year and reset at 00:00 on 1 January
// Bangkok time, never the server's zone and never the fiscal year, so
// 2024-12-31T23:59:59+07:00 is 2567 while 2024-12-31T17:00:00Z (already
// 00:00 on 1 January 2025 in Bangkok) is 2568.
func NumberingYear(t time.Time) int {
	return thai.BEYear(t)
}
