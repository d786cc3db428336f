// Package sheet reads and writes the tabular files that people exchange with
// kinbridge: CSV (UTF-8) and XLSX workbooks. Both formats stream, so that a
// file of a million rows is never held in memory as a whole by this package:
// CSV is read and written through encoding/csv, XLSX through excelize's
// row iterator and stream writer (which keep the sheet's XML in a temporary
// file).
//
// Writers protect spreadsheet users against formula injection (see Escape);
// readers undo that protection, so that what is exported imports again
// unchanged. ReadImport and WriteRejected apply the package to the registry's
// import files.
package sheet

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// Format is a file format: CSV or XLSX.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Formats lists the formats, as flags and forms offer them.
var Formats = []Format{CSV, XLSX}

// ParseFormat parses a format name ("csv" or "xlsx", any case).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", &kinbridge.Error{Code: kinbridge.EINVALID, Field: "format", Key: "error.sheet.format",
		Message: fmt.Sprintf("Unknown file format %q: choose csv or xlsx.", s), Args: []any{s}}
}

// FormatFromName returns the format a file name's extension says (".csv"
// or ".xlsx", any case), and false for any other name.
func FormatFromName(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, true
	case ".xlsx":
		return XLSX, true
	}
	return "", false
}

// Signatures of the formats that Sniff tells apart.
var (
	zipMagic = []byte("PK\x03\x04")                       // XLSX is a zip archive
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // legacy XLS, or an encrypted workbook
)

// Sniff tells the format from the first bytes of the content: a zip archive
// is XLSX, anything else is taken for CSV. A legacy XLS (Excel 97–2003) or
// password-protected workbook is an error: neither can be read.
func Sniff(r io.ReaderAt) (Format, error) {
	head := make([]byte, 8)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("sheet: read the start of the file: %w", err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return XLSX, nil
	case bytes.HasPrefix(head, oleMagic):
		return "", fileError("error.sheet.xls",
			"This is an old-style XLS workbook or a password-protected one, which cannot be read: save it as XLSX (Excel Workbook) or as CSV UTF-8, without a password.")
	}
	return CSV, nil
}

// ContentType is the media type of the format, for downloads.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Ext is the file-name extension of the format, with its dot.
func (f Format) Ext() string { return "." + string(f) }

// Escape protects a cell against formula injection, following the OWASP
// guidance on CSV injection: a cell that starts with =, +, -, @, a tab or a
// carriage return is prefixed with an apostrophe, so that a spreadsheet
// shows it as text instead of running it as a formula.
//
// The rule is deliberately blunt: a negative number ("-5") or a phone
// number in international form ("+850 2 381 1234") is prefixed too. Telling
// a harmless cell from a crafted one ("-2+3+cmd|' /C calc'!A0") is exactly
// what attacks exploit, and kinbridge's files hold text, not figures to
// compute with. A cell that itself starts with an apostrophe is prefixed as
// well, so that Unescape can undo Escape exactly.
func Escape(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + cell
	}
	return cell
}

// Unescape undoes Escape: it removes the apostrophe in front of a cell that
// Escape would have prefixed. An apostrophe in front of anything else is
// kept, so a cell that a person wrote as 'hello stays as it is.
func Unescape(cell string) string {
	if len(cell) < 2 || cell[0] != '\'' {
		return cell
	}
	switch cell[1] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return cell[1:]
	}
	return cell
}

// fileError is an EINVALID error about the file as a whole; the web form
// shows it next to its file field.
func fileError(key, format string, args ...any) *kinbridge.Error {
	return &kinbridge.Error{Code: kinbridge.EINVALID, Field: "file", Key: key, Message: fmt.Sprintf(format, args...), Args: args}
}
