package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
	"github.com/kinbridge/kinbridge/storetest"
)

// engineDBs returns a database setting per engine: a SQLite file, and a
// fresh PostgreSQL schema (skipped when PostgreSQL does not answer, except
// under CI).
func engineDBs() []struct {
	name string
	db   func(t *testing.T) string
} {
	return []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "kb.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresSchemaURL(t) }},
	}
}

// runCLIFull runs one command line and returns its standard output and
// standard error.
func runCLIFull(t *testing.T, db string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	env, out, errb := testEnv(map[string]string{"KINBRIDGE_DB": db})
	err = Run(context.Background(), args, env)
	return out.String(), errb.String(), err
}

// withTestService runs fn with a service on db as the system actor.
func withTestService(t *testing.T, db string, fn func(ctx context.Context, svc *kinbridge.Service)) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DB = db
	store, err := cfg.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, cfg.serviceConfig())
	fn(kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("test")), svc)
}

// registryDB makes the units an import refers to — 1 HQ, 2 a region, 3 and
// 4 two offices under it — and programmes P1 and P2.
func registryDB(t *testing.T, db string) {
	t.Helper()
	mustCLI(t, db, "", "unit", "add", "--name-en", "HQ")
	mustCLI(t, db, "", "unit", "add", "--parent", "1", "--name-en", "Region")
	mustCLI(t, db, "", "unit", "add", "--parent", "2", "--name-en", "Office")
	mustCLI(t, db, "", "unit", "add", "--parent", "2", "--name-en", "Other office")
	withTestService(t, db, func(ctx context.Context, svc *kinbridge.Service) {
		for _, code := range []string{"P1", "P2"} {
			if err := svc.CreateProgramme(ctx, &kinbridge.Programme{Code: code, Names: kinbridge.UnitNames{EN: "Programme " + code}}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// counts returns the households and persons (rows of an export) of db.
func counts(t *testing.T, db string) (households, persons int) {
	t.Helper()
	withTestService(t, db, func(ctx context.Context, svc *kinbridge.Service) {
		var err error
		if _, households, err = svc.FindHouseholds(ctx, kinbridge.HouseholdFilter{Limit: 1}); err != nil {
			t.Fatal(err)
		}
		if persons, err = svc.ExportRegistry(ctx, kinbridge.HouseholdFilter{}, func([]string) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
	return households, persons
}

// acceptanceFile writes an import of n rows, households of four (head,
// spouse, child, and a relative abroad who is the head's sibling), with bad
// cells on the rows of badLines; every tenth household is in unit 4.
func acceptanceFile(t *testing.T, path string, n int, badLines map[int]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("household,unit_id,address,household_phone,languages,person,kind,name_native,name_second,name_latin,birth_date,sex,relationship,phone,documents,programmes,country,city,contact_channel,related_to\n")
	for i := range n {
		line, h := i+2, i/4
		unit := 3
		if h%10 == 0 {
			unit = 4
		}
		hh := fmt.Sprintf("H%d,%d,%d River Road,+850 2 381 %04d,ko; zh", h, unit, h, h%10000)
		birth, prog, phone := strconv.Itoa(1940+h%50), "P1", ""
		switch badLines[line] {
		case "birth_date":
			birth = "1990-02-30"
		case "programmes":
			prog = "P9"
		case "phone":
			phone = "call me"
		}
		var row string
		switch i % 4 {
		case 0:
			row = fmt.Sprintf("h%d,resident,王%s,왕%s,Wang %s,%s,m,head,%s,passport:E%07d,%s; P2,,,,", h, han(h), hangul(h), latin(h), birth, phone, h, prog)
		case 1:
			row = fmt.Sprintf("s%d,resident,李%s,,Li %s,%s,f,spouse,%s,,%s,,,,", h, han(h+1), latin(h+1), birth, phone, prog)
		case 2:
			row = fmt.Sprintf("c%d,resident,,김%s,Kim %s,%s,f,child,%s,,%s,,,,", h, hangul(h+2), latin(h+2), birth, phone, prog)
		case 3:
			row = fmt.Sprintf(",relative_abroad,王%s,,Wang %s,%s,m,sibling,,,,CN,Shenyang,=WeChat w%d,h%d", han(h+3), latin(h+3), birth, h, h)
		}
		fmt.Fprintf(&b, "%s,%s\n", hh, row)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Names made from a number, in three scripts.
func han(i int) string {
	return string([]rune("明华伟芳军丽强敏静磊")[i%10]) + string([]rune("一二三四五六七八九十")[i/10%10])
}
func hangul(i int) string {
	return string([]rune("민서지하도수은현우영")[i%10]) + string([]rune("준연호은윤빈지성진아")[i/10%10])
}
func latin(i int) string {
	return []string{"Ming", "Hua", "Wei", "Fang", "Jun", "Li", "Qiang", "Min", "Jing", "Lei"}[i%10] + " " + strconv.Itoa(i)
}

var rejectionLine = regexp.MustCompile(`(?m)^.*: line (\d+), column (\w+): .+$`)

// The acceptance case of the registry: 10,000 rows with 3 bad ones are
// rejected as a whole, the 3 named; with --skip-invalid the 9,997 others
// are imported and the 3 written out with their reasons.
func TestImportAllOrNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000-row import")
	}
	for _, e := range engineDBs() {
		t.Run(e.name, func(t *testing.T) {
			db := e.db(t)
			registryDB(t, db)
			dir := t.TempDir()
			file := filepath.Join(dir, "households.csv")
			bad := map[int]string{1003: "birth_date", 5004: "programmes", 8891: "phone"}
			acceptanceFile(t, file, 10000, bad)

			out, stderr, err := runCLIFull(t, db, "import", file)
			if err == nil {
				t.Fatalf("an import with bad rows succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), "3 of 10000 rows are not valid; nothing was imported") {
				t.Errorf("error %q", err)
			}
			got := map[int]string{}
			for _, m := range rejectionLine.FindAllStringSubmatch(stderr, -1) {
				line, _ := strconv.Atoi(m[1])
				got[line] = m[2]
			}
			if diff := cmp.Diff(bad, got); diff != "" {
				t.Errorf("rejected rows named (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
			if h, p := counts(t, db); h != 0 || p != 0 {
				t.Errorf("a rejected import wrote %d households and %d persons", h, p)
			}
			if _, err := os.Stat(filepath.Join(dir, "households.rejected.csv")); !os.IsNotExist(err) {
				t.Errorf("a rejected file was written without --skip-invalid (%v)", err)
			}

			out = mustCLI(t, db, "", "import", "--skip-invalid", file)
			if !strings.Contains(out, "imported 2500 households and 9997 persons from 9997 rows") || !strings.Contains(out, "rejected 3 rows") {
				t.Errorf("output %q", out)
			}
			if h, p := counts(t, db); h != 2500 || p != 9997 {
				t.Errorf("%d households and %d persons, want 2500 and 9997", h, p)
			}
			header, rows := readTable(t, filepath.Join(dir, "households.rejected.csv"))
			if header[0] != "line" || header[1] != "error" || header[2] != "household" {
				t.Errorf("rejected file header %v", header)
			}
			gotRows := map[int]string{}
			for _, r := range rows {
				line, _ := strconv.Atoi(r[0])
				field, _, _ := strings.Cut(r[1], ":")
				gotRows[line] = field
			}
			if diff := cmp.Diff(bad, gotRows); diff != "" {
				t.Errorf("rejected file rows (-want +got):\n%s", diff)
			}
			if r := rows[0]; r[2] != "H250" || r[12] != "1990-02-30" {
				t.Errorf("rejected row not as it was: %v", r)
			}
		})
	}
}

// readTable reads a CSV or XLSX file whole.
func readTable(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sheet.NewReader(bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		_, cells, err := r.Next()
		if err == io.EOF {
			return r.Header(), rows
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, cells)
	}
}

// canonical replaces the database ids in an export's references (household,
// person, related_to) by their order of appearance, so that exports of two
// databases compare.
func canonical(rows [][]string) [][]string {
	ids := map[string]string{}
	ref := func(s string) string {
		if s == "" {
			return ""
		}
		if ids[s] == "" {
			ids[s] = fmt.Sprintf("%c#%d", s[0], len(ids)+1)
		}
		return ids[s]
	}
	col := map[string]int{}
	for i, c := range kinbridge.ImportColumns {
		col[c] = i
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		r = append([]string(nil), r...)
		for _, c := range []string{"household", "person", "related_to"} {
			r[col[c]] = ref(r[col[c]])
		}
		out[i] = r
	}
	return out
}

// Export, import the export into another database, export that: the same
// rows. Formula-like cells come back as they were.
func TestExportImportRoundTrip(t *testing.T) {
	for _, e := range engineDBs() {
		t.Run(e.name, func(t *testing.T) {
			db := e.db(t)
			registryDB(t, db)
			dir := t.TempDir()
			file := filepath.Join(dir, "in.csv")
			acceptanceFile(t, file, 400, nil)
			mustCLI(t, db, "", "import", file)

			first := filepath.Join(dir, "first.csv")
			if out := mustCLI(t, db, "", "export", first); !strings.Contains(out, "exported 400 rows") {
				t.Errorf("export: %q", out)
			}
			header, want := readTable(t, first)
			if diff := cmp.Diff(kinbridge.ImportColumns, header); diff != "" {
				t.Errorf("export header (-want +got):\n%s", diff)
			}
			raw, _ := os.ReadFile(first)
			if !bytes.Contains(raw, []byte(",'+850 2 381 ")) || !bytes.Contains(raw, []byte(",'=WeChat w")) {
				t.Error("the export's phone and formula-like cells are not escaped")
			}

			for _, format := range sheet.Formats {
				t.Run(string(format), func(t *testing.T) {
					db2 := e.db(t)
					registryDB(t, db2)
					exported := filepath.Join(dir, "export"+format.Ext())
					mustCLI(t, db, "", "export", exported)
					if out := mustCLI(t, db2, "", "import", exported); !strings.Contains(out, "imported 100 households and 400 persons") {
						t.Errorf("import of the export: %q", out)
					}
					second := filepath.Join(dir, "second-"+string(format)+".csv")
					mustCLI(t, db2, "", "export", second)
					_, got := readTable(t, second)
					if diff := cmp.Diff(canonical(want), canonical(got)); diff != "" {
						t.Errorf("export → import → export changed the rows (-first +second):\n%s", diff)
					}
				})
			}

			// --unit narrows the export to a subtree: unit 4 has every tenth household.
			narrow := filepath.Join(dir, "unit4.xlsx")
			if out := mustCLI(t, db, "", "export", "--unit", "4", narrow); !strings.Contains(out, "exported 40 rows") {
				t.Errorf("export --unit 4: %q", out)
			}
			_, rows := readTable(t, narrow)
			for _, r := range rows {
				if r[1] != "4" {
					t.Fatalf("export --unit 4 has a row of unit %s", r[1])
				}
			}
			if _, err := runCLI(t, db, "", "export", "--unit", "99", filepath.Join(dir, "none.csv")); err == nil {
				t.Error("export of an unknown unit succeeded")
			}
			if _, err := os.Stat(filepath.Join(dir, "none.csv")); !os.IsNotExist(err) {
				t.Error("a failed export left a file behind")
			}
		})
	}
}

// The example file of docs/import-format.md imports cleanly.
func TestExampleFileImports(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kb.db")
	registryDB(t, db)
	out, stderr, err := runCLIFull(t, db, "import", filepath.Join("..", "..", "docs", "examples", "households.csv"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, "imported 4 households") {
		t.Errorf("output %q", out)
	}
}

func TestImportExportErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kb.db")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"import"}, "exactly one FILE"},
		{"missing file", []string{"import", filepath.Join(dir, "missing.csv")}, "no such file"},
		{"bad format flag", []string{"import", "--format", "ods", write("a.csv", "household\n")}, "--format"},
		{"unknown column", []string{"import", write("b.csv", "household,unit_id,address,shoe_size\nA,3,x,42\n")}, "header, column shoe_size"},
		{"missing column", []string{"import", write("c.csv", "household,unit_id\nA,3\n")}, "column address"},
		{"XLSX named CSV", []string{"import", write("d.csv", "PK\x03\x04....")}, "XLSX"},
		{"not UTF-8", []string{"import", write("e.csv", "household,unit_id,address\nA,3,\xB0\xA1\n")}, "line 2 is not UTF-8"},
		{"export without format", []string{"export", filepath.Join(dir, "out.txt")}, "--format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLIFull(t, db, tc.args...)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestPrintRejected(t *testing.T) {
	var rejected []kinbridge.RowError
	for i := range 250 {
		rejected = append(rejected, kinbridge.RowError{Line: i + 2, Field: "sex", Message: "Choose female, male or another."})
	}
	var b bytes.Buffer
	printRejected(&b, "h.csv", rejected)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != maxPrintedRejections+1 {
		t.Fatalf("%d lines printed", len(lines))
	}
	if got, want := lines[0], "h.csv: line 2, column sex: Choose female, male or another."; got != want {
		t.Errorf("first line %q, want %q", got, want)
	}
	if got, want := lines[maxPrintedRejections], "h.csv: … and 150 more rejected rows"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
}
