package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// MaxXLSXRows is the most rows an XLSX sheet holds, the header included.
const MaxXLSXRows = excelize.TotalRows

// Writer writes a table row by row; the first row written is the header.
// Every cell is escaped (Escape) against formula injection.
type Writer struct {
	format Format
	w      io.Writer

	// CSV
	buf *bufio.Writer
	csv *csv.Writer

	// XLSX
	file   *excelize.File
	stream *excelize.StreamWriter
	bold   int
	row    int
	values []any
}

// NewWriter returns a writer of the format to w. CSV is written as UTF-8
// with a byte-order mark (without one, Excel takes the file for the
// machine's legacy code page and garbles Hangul and Chinese characters) and
// LF line ends: encoding/csv's CRLF mode would drop a carriage return
// inside a cell, and spreadsheets read either. XLSX is one sheet whose cells are all text, so
// that "007" stays "007"; its header row is bold and frozen. Rows of an
// XLSX sheet go to a temporary file as they are written; Close zips them.
//
// Close must be called, and its error checked: it writes what is buffered.
func NewWriter(w io.Writer, format Format) (*Writer, error) {
	wr := &Writer{format: format, w: w}
	switch format {
	case CSV:
		wr.buf = bufio.NewWriterSize(w, 64<<10)
		if _, err := wr.buf.Write(bom); err != nil {
			return nil, err
		}
		wr.csv = csv.NewWriter(wr.buf)
	case XLSX:
		wr.file = excelize.NewFile()
		var err error
		if wr.stream, err = wr.file.NewStreamWriter("Sheet1"); err != nil {
			wr.file.Close()
			return nil, fmt.Errorf("sheet: new XLSX sheet: %w", err)
		}
		if wr.bold, err = wr.file.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
			wr.file.Close()
			return nil, fmt.Errorf("sheet: XLSX header style: %w", err)
		}
	default:
		return nil, fileError("error.sheet.format", "Unknown file format %q: choose csv or xlsx.", string(format))
	}
	return wr, nil
}

// Write writes one row, escaping each cell.
func (w *Writer) Write(cells []string) error {
	if w.format == CSV {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = Escape(c)
		}
		return w.csv.Write(esc)
	}
	if w.row >= MaxXLSXRows {
		return fileError("error.sheet.xlsx_rows", "An XLSX sheet holds at most %d rows: export as CSV instead.", MaxXLSXRows)
	}
	if w.row == 0 {
		// Column widths and panes must come before the first row.
		if len(cells) > 0 {
			if err := w.stream.SetColWidth(1, len(cells), 18); err != nil {
				return fmt.Errorf("sheet: XLSX column widths: %w", err)
			}
		}
		if err := w.stream.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("sheet: XLSX panes: %w", err)
		}
	}
	w.row++
	w.values = w.values[:0]
	for _, c := range cells {
		if c == "" {
			w.values = append(w.values, nil) // no cell at all: a smaller file
		} else if w.row == 1 {
			w.values = append(w.values, excelize.Cell{StyleID: w.bold, Value: Escape(c)})
		} else {
			w.values = append(w.values, Escape(c))
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	if err := w.stream.SetRow(cell, w.values); err != nil {
		return fmt.Errorf("sheet: write XLSX row %d: %w", w.row, err)
	}
	return nil
}

// Close finishes the file: it flushes a CSV, or zips an XLSX workbook into
// the writer and removes its temporary files. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.format == CSV {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
		return w.buf.Flush()
	}
	if w.file == nil {
		return errors.New("sheet: writer already closed")
	}
	defer func() { w.file = nil }()
	err := w.stream.Flush()
	if err == nil {
		err = w.file.Write(w.w)
	}
	return errors.Join(err, w.file.Close())
}
