// Package signing signs and verifies PDFs for saraban (issue 4): PAdES baseline B-B and B-T
// signatures, each written as an incremental update so that earlier signatures and receive
// stamps stay valid, visible Thai signature blocks, key loading, and verification.
//
// It knows nothing of Temporal or storage: bytes in, bytes out.
//
//   - Sign(pdf, signer, Options) adds one signature: a CMS SignedData (detached, SHA-256, signed
//     attributes content-type, message-digest and signing-certificate-v2, no signing-time; the
//     claimed time is the signature dictionary's /M) with /SubFilter /ETSI.CAdES.detached, a
//     /ByteRange over the whole file but the /Contents hole, and, with Options.TSA, an RFC 3161
//     timestamp of the signature value as an unsigned attribute (B-T). The PDF side (signature
//     field in the existing /AcroForm, /SigFlags 3, widget on the page, appearance drawn with
//     shaped Thai text) is pdfdoc.AddSignatureField, on pdfdoc's incremental writer, which keeps
//     the input an exact prefix of the output and writes a classic or stream xref section like
//     the input's newest one. Encrypted, damaged or non-PDF input gets a *pdfdoc.Error.
//   - Signer is crypto.Signer plus the certificate chain, so a PKCS#11 token or a remote signing
//     service fits; LoadPKCS12 and ReadPassword read .p12 files and their password.
//   - Verify(pdf, trust) lists every signature: signer, claimed time, digest match, signature
//     value, coverage (whole file, or what later revisions added and whether that is only
//     signatures, form fields and receive stamps), chain to a trusted root (LoadTrust reads PEM
//     or DER files and folders), and the timestamp. It also reads BER-encoded signatures such as
//     NSS (poppler's pdfsig) writes.
//
// See docs/signing.md for the CLI and what was verified with which tools.
package signing
