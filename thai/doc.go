// Package thai reads and writes the Thai conventions that appear on official
// correspondence: Thai digits (๐–๙), Thai month names and abbreviations,
// Buddhist Era (พ.ศ.) dates with optional weekday prefixes, and times written
// as "๑๑.๕๖ น.". It exists so that every other package parses and prints these
// forms the same way, compares them regardless of digit script, and always
// reckons dates in Bangkok time (UTC+7) rather than the server's zone.
//
// The package is pure: it imports only the standard library and needs no
// time zone database.
//
// # Years
//
// A Buddhist Era year is the Christian Era year plus 543 for every date from
// 1 January 1941 (พ.ศ. 2484) on. Before that the Thai year began on 1 April, so
// January to March of พ.ศ. 2482 and earlier are CE = BE − 542, and January to
// March of พ.ศ. 2483 never existed. [Date.BE] and the parsers follow this rule.
//
// The parsers read years as follows:
//
//   - ISO form (2024-10-07): a year from 1900 to 2399 is CE; a year of 2400 or
//     more is BE (2567-10-07 is 7 October 2024).
//   - Thai forms (๗ ต.ค. ๒๕๖๗, 7/10/2567): a 4-digit year must be BE, so it must
//     be 2400 or more; a smaller 4-digit year is refused because it is most
//     likely a CE year written by mistake. A 2-digit year is BE 25xx (63 is
//     2563). A year marked ค.ศ. is CE.
//   - Only dates whose CE year lies in 1900–2399 are accepted, so that the ISO
//     form of every accepted date reads back as the same date.
package thai

import "time"

// Bangkok is the Asia/Bangkok zone (UTC+7, no daylight saving). It is a fixed
// zone so that the package needs no tzdata; numbering years and printed times
// are always reckoned in it, never in the server's local zone.
var Bangkok = time.FixedZone("Asia/Bangkok", 7*3600)
