package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// MaxUnzippedSize bounds how much an XLSX file may unpack to (its parts
// added up), so that a small crafted archive cannot fill the disk. A sheet
// of a million registry rows unpacks to well under 1 GiB.
const MaxUnzippedSize = 4 << 30

// Reader reads a table row by row: the header first (Header), then each
// row (Next). Blank rows are skipped.
type Reader struct {
	format Format
	header []string

	// CSV
	csv      *csv.Reader
	size     int64 // bytes of CSV content after any byte-order mark
	headerAt int64 // offset just after the header

	// XLSX
	file *excelize.File
	rows *excelize.Rows
	line int

	read int // data rows returned so far
}

// NewReader opens a table of the given size for reading and reads its
// header. An empty format is sniffed from the content (Sniff); a format
// given is checked against the content, so that an XLSX workbook named
// .csv gets a clear error. Close the reader when done: an XLSX reader holds
// temporary files.
//
// CSV must be UTF-8 (a byte-order mark is skipped) with commas between
// cells; a header line with semicolons or tabs and no comma is taken to
// use those instead. Lines may end in CRLF or LF. XLSX is read from its
// first sheet; dates that a spreadsheet stored as dates read as YYYY-MM-DD.
func NewReader(r io.ReaderAt, size int64, format Format) (*Reader, error) {
	sniffed, err := Sniff(r)
	if err != nil {
		return nil, err
	}
	switch {
	case format == "":
		format = sniffed
	case format == CSV && sniffed == XLSX:
		return nil, fileError("error.sheet.not_csv", "This file is an XLSX workbook, not CSV: name it .xlsx or save it as CSV UTF-8.")
	case format != CSV && format != XLSX:
		return nil, fileError("error.sheet.format", "Unknown file format %q: choose csv or xlsx.", string(format))
	}
	rd := &Reader{format: format}
	if format == XLSX {
		err = rd.openXLSX(r, size)
	} else {
		err = rd.openCSV(r, size)
	}
	if err != nil {
		rd.Close()
		return nil, err
	}
	return rd, nil
}

// Format is the format of the table.
func (r *Reader) Format() Format { return r.format }

// Header returns the cells of the first non-blank row, trimmed, without
// trailing empty ones.
func (r *Reader) Header() []string { return r.header }

// Next returns the next non-blank row: the line it is on as the user sees it
// (the header is line 1 when it is the first line; for CSV a line is a line
// of text, for XLSX a row of the sheet), and its cells, exactly as many as
// the header has, unescaped (Unescape). It returns io.EOF after the last
// row. A row with a value beyond the header's last column is an error.
func (r *Reader) Next() (line int, cells []string, err error) {
	for {
		if r.format == XLSX {
			line, cells, err = r.nextXLSX()
		} else {
			line, cells, err = r.nextCSV()
		}
		if err != nil {
			return line, nil, err
		}
		if !blank(cells) {
			break
		}
	}
	for i := len(r.header); i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			return line, nil, fileError("error.sheet.extra_cell",
				"Line %d has a value in column %d, but the header names only %d columns.", line, i+1, len(r.header))
		}
	}
	out := make([]string, len(r.header))
	for i := range out {
		if i < len(cells) {
			out[i] = Unescape(cells[i])
		}
	}
	r.read++
	return line, out, nil
}

// Progress returns how many rows Next has returned, and an estimate of how
// many the table holds: exact once Next has returned io.EOF, 0 while not
// known (XLSX keeps no count that a streaming reader can trust).
func (r *Reader) Progress() (read, estimate int) {
	if r.format != CSV || r.read == 0 {
		return r.read, 0
	}
	done := r.csv.InputOffset() - r.headerAt
	if done <= 0 {
		return r.read, 0
	}
	est := int(float64(r.read) * float64(r.size-r.headerAt) / float64(done))
	return r.read, max(est, r.read)
}

// Close releases the reader's temporary files.
func (r *Reader) Close() error {
	var err error
	if r.rows != nil {
		err = r.rows.Close()
		r.rows = nil
	}
	if r.file != nil {
		err = errors.Join(err, r.file.Close())
		r.file = nil
	}
	return err
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readHeader reads the first non-blank row into r.header.
func (r *Reader) readHeader() error {
	var cells []string
	for {
		var err error
		if r.format == XLSX {
			_, cells, err = r.nextXLSX()
		} else {
			_, cells, err = r.nextCSV()
		}
		if err == io.EOF {
			return fileError("error.sheet.empty", "The file is empty: its first line must name the columns.")
		} else if err != nil {
			return err
		}
		if !blank(cells) {
			break
		}
	}
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	r.header = make([]string, len(cells))
	for i, c := range cells {
		r.header[i] = strings.TrimSpace(c)
	}
	if r.format == CSV {
		r.headerAt = r.csv.InputOffset()
	}
	return nil
}

var bom = []byte("\xEF\xBB\xBF")

func (r *Reader) openCSV(ra io.ReaderAt, size int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(ra, 0, size), 256<<10)
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, bom) {
		br.Discard(len(bom))
		size -= int64(len(bom))
	}
	r.size = size
	r.csv = csv.NewReader(br)
	r.csv.FieldsPerRecord = -1
	r.csv.Comma = sniffComma(br)
	return r.readHeader()
}

// sniffComma returns the separator of a CSV file: a comma, unless the first
// line has none but has semicolons (as spreadsheets write CSV in locales
// whose decimal mark is a comma) or tabs.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	switch {
	case bytes.IndexByte(head, ',') >= 0:
		return ','
	case bytes.IndexByte(head, ';') >= 0:
		return ';'
	case bytes.IndexByte(head, '\t') >= 0:
		return '\t'
	}
	return ','
}

func (r *Reader) nextCSV() (int, []string, error) {
	rec, err := r.csv.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			switch {
			case errors.Is(pe.Err, csv.ErrBareQuote):
				return pe.Line, nil, fileError("error.sheet.csv_quote",
					"Line %d: a quote (\") inside a cell: put the whole cell in quotes and double the quote (\"\").", pe.Line)
			case errors.Is(pe.Err, csv.ErrQuote):
				return pe.StartLine, nil, fileError("error.sheet.csv_unclosed",
					"Line %d: a cell opens a quote (\") that is never closed.", pe.StartLine)
			}
			return pe.Line, nil, fileError("error.sheet.csv", "Line %d: %v.", pe.Line, pe.Err)
		}
		return 0, nil, fmt.Errorf("sheet: read CSV: %w", err)
	}
	line, _ := r.csv.FieldPos(0)
	for _, c := range rec {
		if !utf8.ValidString(c) {
			return line, nil, fileError("error.sheet.utf8",
				"Line %d is not UTF-8 text: save the file as \"CSV UTF-8\" (or as XLSX).", line)
		}
	}
	return line, rec, nil
}

func (r *Reader) openXLSX(ra io.ReaderAt, size int64) error {
	f, err := excelize.OpenReader(io.NewSectionReader(ra, 0, size), excelize.Options{
		UnzipSizeLimit:   MaxUnzippedSize,
		ShortDatePattern: "yyyy-mm-dd", // a cell typed as a date reads as an import's date
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		if errors.Is(err, excelize.ErrWorkbookPassword) {
			return fileError("error.sheet.xls", "The workbook is protected by a password: save it without one.")
		}
		return fileError("error.sheet.xlsx", "This is not an XLSX workbook that can be read (%v): save it again as XLSX, or as CSV UTF-8.", err)
	}
	r.file = f
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return fileError("error.sheet.empty", "The workbook has no sheet.")
	}
	if r.rows, err = f.Rows(sheets[0]); err != nil {
		return fmt.Errorf("sheet: read XLSX sheet %q: %w", sheets[0], err)
	}
	return r.readHeader()
}

func (r *Reader) nextXLSX() (int, []string, error) {
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return r.line + 1, nil, fileError("error.sheet.xlsx", "Row %d of the sheet cannot be read: %v.", r.line+1, err)
		}
		return 0, nil, io.EOF
	}
	r.line++ // Next visits every row number, empty rows included
	cells, err := r.rows.Columns()
	if err != nil {
		return r.line, nil, fileError("error.sheet.xlsx", "Row %d of the sheet cannot be read: %v.", r.line, err)
	}
	return r.line, cells, nil
}
