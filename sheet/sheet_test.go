package sheet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+850 2 381 1234", "'+850 2 381 1234"},
		{"-5", "'-5"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'quoted'", "''quoted'"},
		{"'", "''"},
		{"a=b", "a=b"},
		{" =1", " =1"}, // spreadsheets do not read a formula after a space
		{"王小明", "王小明"},
		{"1990-05-01", "1990-05-01"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := sheet.Escape(tc.in); got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := sheet.Unescape(sheet.Escape(tc.in)); got != tc.in {
				t.Errorf("Unescape(Escape(%q)) = %q", tc.in, got)
			}
		})
	}
	// What a person wrote with an apostrophe of their own stays as it is.
	for _, s := range []string{"'hello", "'", "'1"} {
		if got := sheet.Unescape(s); got != s {
			t.Errorf("Unescape(%q) = %q, want it unchanged", s, got)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "=1", "'", "''=", "+1", "-", "@", "\t", "\r", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := sheet.Escape(s)
		if got := sheet.Unescape(e); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q", s, got)
		}
		if e != "" && strings.ContainsRune("=+-@\t\r", rune(e[0])) {
			t.Errorf("Escape(%q) = %q starts with a formula character", s, e)
		}
	})
}

// roundTrip writes rows (the first is the header) and reads them back.
func roundTrip(t *testing.T, format sheet.Format, rows [][]string) (raw []byte, header []string, got [][]string, lines []int) {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, format)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	header, got, lines = readAll(t, buf.Bytes(), "")
	return buf.Bytes(), header, got, lines
}

func readAll(t *testing.T, data []byte, format sheet.Format) (header []string, rows [][]string, lines []int) {
	t.Helper()
	r, err := sheet.NewReader(bytes.NewReader(data), int64(len(data)), format)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		line, cells, err := r.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, cells)
		lines = append(lines, line)
	}
	return r.Header(), rows, lines
}

var tricky = [][]string{
	{"name", "phone", "note", "empty"},
	{"王小明", "+850 2 381 1234", "=1+2", ""},
	{"김민준", "-5", "line one\nline two", ""},
	{"Lee, \"Jimmy\"", "@home", "'quoted' and \ttab", ""},
	{" spaced ", "'already", "\r=cmd", ""},
	{"", "", "", "x"},
}

func TestRoundTrip(t *testing.T) {
	for _, format := range sheet.Formats {
		t.Run(string(format), func(t *testing.T) {
			raw, header, got, lines := roundTrip(t, format, tricky)
			if diff := cmp.Diff(tricky[0], header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tricky[1:], got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			// Rows are on lines 2.. in XLSX; CSV counts the line inside the
			// quoted note of row 3.
			want := []int{2, 3, 4, 5, 6}
			if format == sheet.CSV {
				want = []int{2, 3, 5, 6, 7}
			}
			if diff := cmp.Diff(want, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if format == sheet.CSV && !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
				t.Error("CSV written without a byte-order mark")
			}
			if format == sheet.XLSX && !bytes.HasPrefix(raw, []byte("PK\x03\x04")) {
				t.Error("XLSX is not a zip")
			}
		})
	}
}

// What a spreadsheet shows: the escaped cells, as written.
func TestWrittenCellsAreEscaped(t *testing.T) {
	var buf bytes.Buffer
	w, _ := sheet.NewWriter(&buf, sheet.CSV)
	w.Write([]string{"a", "b"})
	w.Write([]string{"=1+2", "+850 2 381 1234"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\xEF\xBB\xBFa,b\n'=1+2,'+850 2 381 1234\n"; got != want {
		t.Errorf("CSV %q, want %q", got, want)
	}

	buf.Reset()
	w, _ = sheet.NewWriter(&buf, sheet.XLSX)
	w.Write([]string{"a", "b"})
	w.Write([]string{"=1+2", "-5"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"A2": "'=1+2", "B2": "'-5"} {
		if got, _ := f.GetCellValue("Sheet1", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
		if formula, _ := f.GetCellFormula("Sheet1", cell); formula != "" {
			t.Errorf("%s has formula %q", cell, formula)
		}
	}
}

func TestCSVInput(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		header   []string
		rows     [][]string
		lines    []int
	}{
		{"BOM and CRLF", "\xEF\xBB\xBFhousehold,unit_id\r\nA,3\r\nB,4\r\n",
			[]string{"household", "unit_id"}, [][]string{{"A", "3"}, {"B", "4"}}, []int{2, 3}},
		{"blank lines skipped, lines kept", "a,b\n\nx,y\n,\n\nz,w",
			[]string{"a", "b"}, [][]string{{"x", "y"}, {"z", "w"}}, []int{3, 6}},
		{"short rows padded, trailing empty cells dropped", "a,b,c,,\nx\ny,z,w,,\n",
			[]string{"a", "b", "c"}, [][]string{{"x", "", ""}, {"y", "z", "w"}}, []int{2, 3}},
		{"semicolons", "a;b\n1,5;2\n",
			[]string{"a", "b"}, [][]string{{"1,5", "2"}}, []int{2}},
		{"tabs", "a\tb\n1\t2\n",
			[]string{"a", "b"}, [][]string{{"1", "2"}}, []int{2}},
		{"header trimmed", " a , B \n1,2\n",
			[]string{"a", "B"}, [][]string{{"1", "2"}}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, rows, lines := readAll(t, []byte(tc.in), sheet.CSV)
			if diff := cmp.Diff(tc.header, header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.rows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.lines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// readErr reads a whole file and returns the first error.
func readErr(data []byte, format sheet.Format) error {
	r, err := sheet.NewReader(bytes.NewReader(data), int64(len(data)), format)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, _, err := r.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestReadErrors(t *testing.T) {
	xlsx := writeXLSX(t, [][]string{{"a"}, {"b"}})
	for _, tc := range []struct {
		name   string
		in     []byte
		format sheet.Format
		want   string // in the message
	}{
		{"empty", nil, "", "empty"},
		{"only blank lines", []byte("\n\n,,\n"), sheet.CSV, "empty"},
		{"not UTF-8", []byte("a,b\n1,2\n\xC7\xD1\xB1\xDB,x\n"), sheet.CSV, "Line 3 is not UTF-8"},
		{"bare quote", []byte("a,b\n1,2\n3,x\"y\n"), sheet.CSV, "Line 3"},
		{"unclosed quote", []byte("a,b\n1,\"2\n3,4\n"), sheet.CSV, "Line 2"},
		{"value past the header", []byte("a,b\n1,2\n1,2,3\n"), sheet.CSV, "Line 3 has a value in column 3"},
		{"XLSX named CSV", xlsx, sheet.CSV, "XLSX"},
		{"legacy XLS", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of it"), "", "XLS"},
		{"broken zip", []byte("PK\x03\x04 not really"), sheet.XLSX, "not an XLSX"},
		{"unknown format", []byte("a\n"), "ods", "Unknown file format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := readErr(tc.in, tc.format)
			if err == nil {
				t.Fatal("no error")
			}
			if kinbridge.ErrorCode(err) != kinbridge.EINVALID || !strings.Contains(kinbridge.ErrorMessage(err), tc.want) {
				t.Errorf("got %v, want an invalid-input error with %q", err, tc.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	if f, err := sheet.Sniff(bytes.NewReader(writeXLSX(t, [][]string{{"a"}}))); f != sheet.XLSX || err != nil {
		t.Errorf("XLSX sniffed as %q, %v", f, err)
	}
	if f, err := sheet.Sniff(bytes.NewReader([]byte("a,b\n"))); f != sheet.CSV || err != nil {
		t.Errorf("CSV sniffed as %q, %v", f, err)
	}
	if f, err := sheet.Sniff(bytes.NewReader(nil)); f != sheet.CSV || err != nil {
		t.Errorf("empty sniffed as %q, %v", f, err)
	}
	for name, want := range map[string]sheet.Format{"a.csv": sheet.CSV, "B.XLSX": sheet.XLSX, "c.xls": "", "d": ""} {
		if got, ok := sheet.FormatFromName(name); got != want || ok != (want != "") {
			t.Errorf("FormatFromName(%q) = %q, %v", name, got, ok)
		}
	}
	if _, err := sheet.ParseFormat("ods"); kinbridge.ErrorField(err) != "format" {
		t.Errorf("ParseFormat(ods): %v", err)
	}
}

func writeXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, sheet.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A workbook made in a spreadsheet: numbers and dates typed as such, empty
// rows, and a second sheet that is not read.
func TestXLSXFromASpreadsheet(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellValue("Sheet1", "A1", "household")
	f.SetCellValue("Sheet1", "B1", "unit_id")
	f.SetCellValue("Sheet1", "C1", "birth_date")
	f.SetCellValue("Sheet1", "A2", "H1")
	f.SetCellValue("Sheet1", "B2", 3)
	f.SetCellValue("Sheet1", "C2", time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC))
	f.SetCellStyle("Sheet1", "C2", "C2", date)
	f.SetCellValue("Sheet1", "A5", "H2") // rows 3 and 4 empty
	f.SetCellValue("Sheet1", "C5", "1956")
	f.NewSheet("Notes")
	f.SetCellValue("Notes", "A1", "not read")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	header, rows, lines := readAll(t, buf.Bytes(), sheet.XLSX)
	if diff := cmp.Diff([]string{"household", "unit_id", "birth_date"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"H1", "3", "1990-05-01"}, {"H2", "", "1956"}}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 5}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestReadImport(t *testing.T) {
	csv := "\xEF\xBB\xBFHousehold, Unit_ID ,address,person,kind,name_native,phone\r\n" +
		"A,3,1 River Rd,a1,resident,王小明,'+850 2 381 1234\r\n" +
		"\r\n" +
		"A,3,1 River Rd,a2,resident,,\r\n"
	for _, format := range sheet.Formats {
		t.Run(string(format), func(t *testing.T) {
			data := []byte(csv)
			if format == sheet.XLSX {
				_, rows, _ := readAll(t, data, sheet.CSV)
				data = writeXLSX(t, append([][]string{{"Household", "Unit_ID", "address", "person", "kind", "name_native", "phone"}}, rows...))
			}
			var calls [][2]int
			imp, err := sheet.ReadImport(bytes.NewReader(data), int64(len(data)), "", func(done, total int) { calls = append(calls, [2]int{done, total}) })
			if err != nil {
				t.Fatal(err)
			}
			if imp.Format != format {
				t.Errorf("format %q, want %q", imp.Format, format)
			}
			want := []kinbridge.ImportRow{
				{Line: 2, Cells: map[string]string{"household": "A", "unit_id": "3", "address": "1 River Rd", "person": "a1", "kind": "resident", "name_native": "王小明", "phone": "+850 2 381 1234"}},
				{Line: 4, Cells: map[string]string{"household": "A", "unit_id": "3", "address": "1 River Rd", "person": "a2", "kind": "resident"}},
			}
			if format == sheet.XLSX {
				want[1].Line = 3 // the blank CSV line was not written
			}
			if diff := cmp.Diff(want, imp.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if len(calls) == 0 || calls[len(calls)-1] != [2]int{2, 2} {
				t.Errorf("progress %v, want it to end at 2 of 2", calls)
			}
		})
	}
}

func TestReadImportHeader(t *testing.T) {
	for _, tc := range []struct{ header, field string }{
		{"household,unit_id,address,shoe_size", "shoe_size"},
		{"household,unit_id", "address"},
		{"household,unit_id,address,person,Person", "person"},
		{"household,,unit_id,address", "file"},
	} {
		t.Run(tc.header, func(t *testing.T) {
			data := []byte(tc.header + "\nA,3,x\n")
			_, err := sheet.ReadImport(bytes.NewReader(data), int64(len(data)), sheet.CSV, nil)
			if got := kinbridge.ErrorField(err); got != tc.field {
				t.Errorf("error %v names %q, want %q", err, got, tc.field)
			}
		})
	}
}

// A rejected-rows file holds the rows as they were, with line and reason in
// front; corrected, it reads as an import again.
func TestWriteRejected(t *testing.T) {
	in := "household,unit_id,address,name_latin,phone\nA,3,1 River Rd,Wang Wei,+850 1234\nB,9,2 Hill St,=cmd,\nC,3,3 Lake Rd,Kim,\n"
	imp, err := sheet.ReadImport(strings.NewReader(in), int64(len(in)), sheet.CSV, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected := []kinbridge.RowError{{Line: 2, Field: "phone", Message: "Not a phone number."}, {Line: 3, Field: "unit_id", Message: `No unit "9" in your scope.`}}
	for _, format := range sheet.Formats {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := sheet.WriteRejected(&buf, format, imp, rejected); err != nil {
				t.Fatal(err)
			}
			header, rows, _ := readAll(t, buf.Bytes(), format)
			if diff := cmp.Diff([]string{"line", "error", "household", "unit_id", "address", "name_latin", "phone"}, header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			want := [][]string{
				{"2", "phone: Not a phone number.", "A", "3", "1 River Rd", "Wang Wei", "+850 1234"},
				{"3", `unit_id: No unit "9" in your scope.`, "B", "9", "2 Hill St", "=cmd", ""},
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			again, err := sheet.ReadImport(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "", nil)
			if err != nil {
				t.Fatalf("the rejected file does not read as an import: %v", err)
			}
			if got := again.Rows[1].Cells; got["name_latin"] != "=cmd" || got["unit_id"] != "9" || got["line"] != "" {
				t.Errorf("re-read cells %v", got)
			}
		})
	}
}

// A large file streams: progress comes in steps and ends exact.
func TestReadImportProgress(t *testing.T) {
	var b strings.Builder
	b.WriteString("household,unit_id,address,name_latin\n")
	const n = 25000
	for i := range n {
		fmt.Fprintf(&b, "H%d,3,%d River Road,Person %d\n", i/3, i, i)
	}
	var calls [][2]int
	imp, err := sheet.ReadImport(strings.NewReader(b.String()), int64(b.Len()), sheet.CSV, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Rows) != n || imp.Rows[n-1].Line != n+1 {
		t.Fatalf("%d rows, last on line %d", len(imp.Rows), imp.Rows[len(imp.Rows)-1].Line)
	}
	if len(calls) != 3 || calls[2] != [2]int{n, n} {
		t.Fatalf("progress %v", calls)
	}
	if done, total := calls[0][0], calls[0][1]; done != 10000 || total < n*9/10 || total > n*11/10 {
		t.Errorf("first progress %d of %d: the estimate is off", done, total)
	}
}

func TestWriterErrors(t *testing.T) {
	if _, err := sheet.NewWriter(io.Discard, "ods"); err == nil {
		t.Error("unknown format accepted")
	}
	w, _ := sheet.NewWriter(failWriter{}, sheet.XLSX)
	w.Write([]string{"a"})
	if err := w.Close(); err == nil {
		t.Error("a failing writer's error is lost")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// benchRows is a registry-like table of n rows.
func benchRows(n int) [][]string {
	rows := [][]string{kinbridge.ImportColumns}
	for i := range n {
		r := make([]string, len(kinbridge.ImportColumns))
		r[0], r[1], r[2], r[3], r[4] = fmt.Sprintf("H%d", i/3), "3", fmt.Sprintf("%d River Road, flat %d", i, i%40), "+850 2 381 1234", "zh; ko"
		r[6], r[7], r[8], r[9], r[10], r[11] = fmt.Sprintf("P%d", i), "resident", "王建国", "왕건국", "Wang Jianguo", "1958-04-17"
		r[12], r[14], r[16], r[17] = "m", "head", fmt.Sprintf("passport:G%08d", i), "P1; P2"
		rows = append(rows, r)
	}
	return rows
}

func writeTable(b *testing.B, buf *bytes.Buffer, format sheet.Format, rows [][]string) {
	buf.Reset()
	w, err := sheet.NewWriter(buf, format)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchmarkWrite(b *testing.B, format sheet.Format, n int) {
	rows := benchRows(n)
	var buf bytes.Buffer
	for b.Loop() {
		writeTable(b, &buf, format, rows)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(buf.Len())/float64(n), "bytes/row")
}

func benchmarkRead(b *testing.B, format sheet.Format, n int) {
	var buf bytes.Buffer
	writeTable(b, &buf, format, benchRows(n))
	data := buf.Bytes()
	for b.Loop() {
		imp, err := sheet.ReadImport(bytes.NewReader(data), int64(len(data)), format, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(imp.Rows) != n {
			b.Fatalf("%d rows", len(imp.Rows))
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// 100,000 registry rows per operation; rows/s is the figure to compare.
func BenchmarkWriteCSV(b *testing.B)  { benchmarkWrite(b, sheet.CSV, 100000) }
func BenchmarkWriteXLSX(b *testing.B) { benchmarkWrite(b, sheet.XLSX, 100000) }
func BenchmarkReadCSV(b *testing.B)   { benchmarkRead(b, sheet.CSV, 100000) }
func BenchmarkReadXLSX(b *testing.B)  { benchmarkRead(b, sheet.XLSX, 100000) }
