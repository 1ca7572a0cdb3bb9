// Package signing will hold saraban's PAdES signing and verification of PDFs (issue 4): CMS
// signatures as incremental revisions, visible Thai signature appearances, key loading. It
// knows nothing of Temporal or storage: bytes in, bytes out. Nothing is implemented here yet;
// the folder exists because the top-level layout of architecture.md §3 is fixed.
package signing
