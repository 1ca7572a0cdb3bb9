// Package pdfdoc checks incoming PDFs and draws on them without rewriting them.
//
// An e-saraban system keeps every revision of a letter as evidence, so nothing here rewrites a
// file: the receive stamp (and later annotations) are incremental updates appended to the
// original bytes, which stay an exact prefix of every later revision and keep any signature over
// them verifiable. That is why Inspect is strict about the cross-reference structure: a file
// that viewers open only after silently rebuilding it cannot take an incremental update, so it
// is refused, with a message telling the clerk to save it again.
//
// Thai text is shaped with HarfBuzz (go-text/typesetting) and drawn as glyph ids through a
// subset TrueType font (Laksaman by default), so that tone marks and vowels stack as they do in
// print, and is tagged with /ActualText and a ToUnicode map so that search and text extraction
// give back the exact Unicode text. The package does not format numbers or dates: callers pass
// text already written in Thai digits or Arabic digits as the agency prefers.
//
// pdfdoc has no storage and no Temporal: it takes bytes and returns bytes, deterministically.
package pdfdoc
