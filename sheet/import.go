package sheet

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// Progress is told, while a file is read, how many rows have been read and
// an estimate of how many the file holds (0 while not known). The last call
// has done == total.
type Progress func(done, total int)

// RejectedColumns are the columns that WriteRejected puts in front of an
// import's own: the line each rejected row was on and why it was rejected.
// ReadImport ignores them, so that a rejected-rows file, once corrected,
// can be imported as it is.
var RejectedColumns = []string{"line", "error"}

// progressEvery is how many rows pass between two progress reports.
const progressEvery = 10000

// Import is a registry import file read whole.
type Import struct {
	Format Format
	// Header is the file's columns as it names them, in its order, without
	// RejectedColumns.
	Header []string
	// Rows are the file's non-blank rows; each row's Cells hold its
	// non-empty cells by column name (lower case), and Line is the line the
	// row is on (the header is line 1).
	Rows []kinbridge.ImportRow

	columns []string // Header in lower case, as the Cells keys
}

// ReadImport reads a registry import file of the given size and format
// (empty: sniffed) whole: it checks the header with
// kinbridge.CheckImportHeader, so that a bad header names the column at
// fault, and returns the rows ready for Service.ImportRegistry. progress may
// be nil.
//
// The rows are held in memory, as the import validates all of them before
// it writes any; only the non-empty cells are kept.
func ReadImport(r io.ReaderAt, size int64, format Format, progress Progress) (*Import, error) {
	rd, err := NewReader(r, size, format)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	imp := &Import{Format: rd.Format()}
	// keep[i] is the column name of the file's column i, "" for a column
	// that is not read.
	keep := make([]string, len(rd.Header()))
	for i, h := range rd.Header() {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			return nil, fileError("error.sheet.header_blank",
				"Column %d of the header has no name; the columns are: %s.", i+1, strings.Join(kinbridge.ImportColumns, ", "))
		}
		if slices.Contains(RejectedColumns, name) {
			continue
		}
		keep[i] = name
		imp.Header = append(imp.Header, h)
		imp.columns = append(imp.columns, name)
	}
	if err := kinbridge.CheckImportHeader(imp.columns); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	for {
		line, cells, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		n := 0
		for i, c := range cells {
			if keep[i] != "" && strings.TrimSpace(c) != "" {
				n++
			}
		}
		row := kinbridge.ImportRow{Line: line, Cells: make(map[string]string, n)}
		for i, c := range cells {
			if keep[i] != "" && strings.TrimSpace(c) != "" {
				row.Cells[keep[i]] = c
			}
		}
		imp.Rows = append(imp.Rows, row)
		if len(imp.Rows)%progressEvery == 0 {
			progress(rd.Progress())
		}
	}
	progress(len(imp.Rows), len(imp.Rows))
	return imp, nil
}

// WriteRejected writes the rejected rows of an import as a table of the
// format: the RejectedColumns (the row's line, and the reason — "column:
// reason"), then the row's cells in the file's own columns, as they were
// read. Rows are written in the order of rejected.
func WriteRejected(w io.Writer, format Format, imp *Import, rejected []kinbridge.RowError) error {
	byLine := make(map[int]int, len(imp.Rows))
	for i, r := range imp.Rows {
		byLine[r.Line] = i
	}
	wr, err := NewWriter(w, format)
	if err != nil {
		return err
	}
	if err := wr.Write(append(slices.Clone(RejectedColumns), imp.Header...)); err != nil {
		return err
	}
	cells := make([]string, len(RejectedColumns)+len(imp.columns))
	for _, re := range rejected {
		clear(cells)
		cells[0] = strconv.Itoa(re.Line)
		cells[1] = re.Message
		if re.Field != "" {
			cells[1] = re.Field + ": " + re.Message
		}
		if i, ok := byLine[re.Line]; ok {
			for j, c := range imp.columns {
				cells[len(RejectedColumns)+j] = imp.Rows[i].Cells[c]
			}
		}
		if err := wr.Write(cells); err != nil {
			return err
		}
	}
	return wr.Close()
}
